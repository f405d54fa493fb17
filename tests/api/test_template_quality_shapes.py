"""One shape of a template and of a linted draft for both adapters: REST and GraphQL refuse
the same input the same way, and a template update tells a left-out field from ``null``."""

from __future__ import annotations

from typing import Any

from domain.limits import OKR_TITLE_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.test_graphql import codes, gql
from tests.api.test_quality_api import check_gql, end_state_draft
from tests.api.test_quality_api import to_graphql as draft_to_graphql
from tests.api.test_templates_api import CREATE, KEY_ACCOUNTS, UPDATE, data, to_graphql


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


async def test_a_too_long_draft_title_is_the_same_error_in_rest_and_graphql(
    acme: Tenant,
) -> None:
    draft = {**end_state_draft(str(acme.admin_id)), "title": "x" * (OKR_TITLE_MAX_LENGTH + 1)}
    async with acme.admin() as client:
        rest = await client.post("/v1/quality/check", json=draft)
        graph = await check_gql(client, draft_to_graphql(draft))
    assert rest.status_code == 422, rest.text
    assert field_errors(rest.json()) == [("title", "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    assert field_errors(graph["errors"][0]["extensions"]) == [("draft.title", "string_too_long")]


async def test_a_template_update_tells_a_left_out_key_from_null(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = data(
            await gql(client, CREATE, {"input": to_graphql(KEY_ACCOUNTS)}), "createTemplate"
        )
        template_id = created["template"]["id"]
        retitled = data(
            await gql(client, UPDATE, {"input": {"id": template_id, "titleEn": "Grow"}}),
            "updateTemplate",
        )
        unkeyed = data(
            await gql(client, UPDATE, {"input": {"id": template_id, "key": None}}),
            "updateTemplate",
        )
        rest = await client.get(f"/v1/templates/{template_id}")
    assert retitled["template"]["key"] == "key-account-manager"
    assert retitled["template"]["titleEn"] == "Grow"
    assert unkeyed["template"]["key"] is None
    assert unkeyed["template"]["titleEn"] == "Grow"
    assert rest.json()["key"] is None
