"""GraphQL's guard rails: batched loading, limits refused before SQL, introspection, masking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from graphql import get_introspection_query

from service import organizations
from service.runtime.app import build_app
from tests.api import harness
from tests.api.harness import Tenant, new_tenant
from tests.api.test_graphql import codes, gql, new_member, sql_statements

MANAGERS_AND_REPORTS = (
    "{ members(first: 200) { nodes { name manager { name } reports { name } } } }"
)


async def _add_members(acme: Tenant, numbers: range) -> None:
    """Members in chains of five, so there are managers and reports to load."""
    async with acme.admin() as client:
        manager: str | None = None
        for i in numbers:
            fields: dict[str, Any] = {"managerId": manager} if manager and i % 5 else {}
            member = await new_member(client, f"Member {i}", **fields)
            manager = member["id"]


async def _statements_for(app: FastAPI, acme: Tenant, query: str) -> tuple[int, dict[str, Any]]:
    async with acme.admin() as client:
        await gql(client, query)  # warm the pool: a new connection's set-up is not the query's
        with sql_statements(app) as seen:
            body = await gql(client, query)
    return len(seen), body


async def test_managers_and_reports_load_in_a_fixed_number_of_statements(
    app: FastAPI, acme: Tenant
) -> None:
    await _add_members(acme, range(5))
    few, small = await _statements_for(app, acme, MANAGERS_AND_REPORTS)
    await _add_members(acme, range(5, 40))
    many, large = await _statements_for(app, acme, MANAGERS_AND_REPORTS)
    assert "errors" not in large, large
    assert len(small["data"]["members"]["nodes"]) == 6
    nodes = large["data"]["members"]["nodes"]
    assert len(nodes) == 41
    assert nodes[2] == {
        "name": "Member 1",
        "manager": {"name": "Member 0"},
        "reports": [{"name": "Member 2"}],
    }
    # The page, the managers, the reports: the same count for 6 members as for 41.
    assert few == many == 3


def _deep(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = f"manager {{ {inner} }}"
    return f"{{ me {{ {inner} }} }}"


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("too deep", _deep(12)),
        (
            "too many aliases",
            "{ " + " ".join(f"a{i}: organization {{ name }}" for i in range(16)) + " }",
        ),
        ("too many tokens", "{ organization { " + "name " * 2100 + "} }"),
    ],
)
async def test_hostile_documents_are_refused_before_any_sql(
    app: FastAPI, acme: Tenant, name: str, document: str
) -> None:
    async with acme.admin() as client:
        await warm_identity(client)
        with sql_statements(app) as seen:
            body = await gql(client, document)
    assert body.get("data") is None, name
    assert codes(body) == ["invalid_query"], body
    assert seen == [], name


async def warm_identity(client: httpx.AsyncClient) -> None:
    """The caller's membership check (cached for seconds) is done once before counting:
    what is counted is the document's own cost."""
    assert "errors" not in await gql(client, "{ organization { name } }")


async def test_within_the_limits_a_document_runs(app: FastAPI, acme: Tenant) -> None:
    aliases = "{ " + " ".join(f"a{i}: organization {{ name }}" for i in range(15)) + " }"
    async with acme.admin() as client:
        deep = await gql(client, _deep(8))
        many = await gql(client, aliases)
    assert "errors" not in deep, deep
    assert "errors" not in many, many


async def test_an_oversized_page_is_refused_before_any_sql(app: FastAPI, acme: Tenant) -> None:
    async with acme.admin() as client:
        await warm_identity(client)
        with sql_statements(app) as seen:
            body = await gql(client, "{ members(first: 500) { nodes { id } } }")
    assert codes(body) == ["validation_failed"]
    assert seen == []


async def test_introspection_is_on_by_default(acme: Tenant) -> None:
    async with acme.admin() as client:
        body = await gql(client, "{ __schema { queryType { name } } }")
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_introspection_can_be_switched_off(database_url: str) -> None:
    settings = harness.test_settings(graphql_introspection=False)
    app = build_app(settings, database_url)
    async with app.router.lifespan_context(app):
        acme = await new_tenant(app, settings, "Acme")
        async with acme.admin() as client:
            schema = await gql(client, "{ __schema { types { name } } }")
            typename = await gql(client, '{ __type(name: "Member") { name } }')
            suggestion = await gql(client, "{ organization { nam } }")
            works = await gql(client, "{ organization { name } }")
            ide = await client.get("/graphql", headers={"Accept": "text/html"})
    assert schema.get("data") is None
    assert set(codes(schema)) == {"invalid_query"}
    assert "introspection" in schema["errors"][0]["message"]
    assert codes(typename) == ["invalid_query"]
    assert "Did you mean" not in suggestion["errors"][0]["message"]
    assert works["data"] == {"organization": {"name": "Acme"}}
    assert ide.status_code == 404


async def test_an_unexpected_error_is_masked(acme: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("connection to 10.0.0.7 failed: password=hunter2")

    monkeypatch.setattr(organizations, "get_organization", broken)
    async with acme.admin() as client:
        response = await client.post("/graphql", json={"query": "{ organization { name } }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["organization"],
            "extensions": {"code": "internal_error"},
        }
    ]
    for leak in ("hunter2", "10.0.0.7", "RuntimeError", "Traceback", "File "):
        assert leak not in response.text


# -- limits the token and depth limiters do not see ------------------------------------------


async def test_a_document_padded_with_a_comment_is_refused(app: FastAPI, acme: Tenant) -> None:
    """The token limit counts no comment: the document's length is bounded too."""
    document = "{ organization { name } }\n#" + "x" * 1_000_000
    async with acme.admin() as client:
        with sql_statements(app) as seen:
            body = await gql(client, document)
    assert body.get("data") is None
    assert codes(body) == ["invalid_query"], body
    assert "characters" in body["errors"][0]["message"]
    assert not [s for s in seen if "organizations" in s]


def _deep_introspection(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = f"ofType {{ {inner} }}"
    return f"{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}"


async def test_deep_introspection_is_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        body = await gql(client, _deep_introspection(40))
        through_fragments = await gql(
            client,
            '{ __type(name: "Member") { ...F } } fragment F on __Type { '
            + _deep_introspection(40)[len("{ __schema { types ") : -len(" } }")]
            + " }",
        )
    assert body.get("data") is None
    assert codes(body) == ["invalid_query"], body
    assert "introspection depth" in body["errors"][0]["message"]
    assert "invalid_query" in codes(through_fragments), through_fragments


async def test_the_standard_introspection_queries_still_run(acme: Tenant) -> None:
    """What GraphiQL sends (graphql-js's query: seven levels of ``ofType``), and the fullest
    one graphql-core writes (nine levels, every option on)."""
    graphiql = get_introspection_query(
        descriptions=True, input_value_deprecation=True, type_depth=7
    )
    fullest = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    async with acme.admin() as client:
        for document in (graphiql, fullest):
            body = await gql(client, document)
            assert "errors" not in body, body["errors"]
            assert body["data"]["__schema"]["queryType"]["name"] == "Query"
