"""A document that validated clean is not validated again (api/graphql/validation_cache.py),
and nothing the validation refuses slips through: errors are validated every time, checks of
the request's own variables still run."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
import strawberry.schema.schema as strawberry_schema

from api.graphql.validation_cache import CleanDocuments
from tests.api.harness import Tenant
from tests.api.test_graphql import codes, gql


def _counting_validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    validated: list[object] = []
    validate = strawberry_schema.validate_document

    def counting(*args: Any) -> Any:
        validated.append(args[1])
        return validate(*args)

    monkeypatch.setattr(strawberry_schema, "validate_document", counting)
    return validated


def _unique(document: str) -> str:
    """The document with an alias of its own: other tests share the process's cache."""
    return document.replace("{ kpis", "{ k" + uuid4().hex + ": kpis", 1)


async def test_a_clean_document_is_validated_once(
    acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _unique("query($q: String) { kpis(filter: {q: $q}) { nodes { id } } }")
    validated = _counting_validations(monkeypatch)
    async with acme.admin() as client:
        first = await gql(client, document, {"q": "gmv"})
        second = await gql(client, document, {"q": "nps"})
    assert "errors" not in first
    assert "errors" not in second
    assert len(validated) == 1


async def test_a_refused_document_is_refused_every_time(
    acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _unique("{ kpis { nodes { id noSuchField } } }")
    validated = _counting_validations(monkeypatch)
    async with acme.admin() as client:
        answers = [await gql(client, document) for _ in range(2)]
    assert [codes(a) for a in answers] == [["invalid_query"], ["invalid_query"]]
    assert len(validated) == 2


async def test_a_nul_in_the_variables_of_a_known_document_is_still_refused(
    acme: Tenant,
) -> None:
    document = _unique("query($q: String) { kpis(filter: {q: $q}) { nodes { id } } }")
    async with acme.admin() as client:
        assert "errors" not in await gql(client, document, {"q": "gmv"})
        refused = await gql(client, document, {"q": "a\x00b"})
    assert refused["data"] is None
    assert codes(refused) == ["validation_failed"]


def test_a_document_in_use_outlives_newer_ones() -> None:
    clean = CleanDocuments(kept=3)
    clean.add("dashboard")
    for i in range(5):
        assert "dashboard" in clean  # used again: the least recently used go first
        clean.add(f"other {i}")
    assert "dashboard" in clean
    assert "other 0" not in clean
