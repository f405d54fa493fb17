"""The GraphQL operation's name in the access log (``graphql_operation``): the operationName
sent, else the name in the document, else ``anonymous``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.access_log import captured_logs
from tests.api.harness import Tenant


async def logged_operation(tenant: Tenant, body: dict[str, Any]) -> str | None:
    async with tenant.admin() as client:
        with captured_logs() as logs:
            await client.post("/graphql", json=body)
    [line] = logs.access_lines()
    assert line["route"] == "/graphql"
    name: str | None = line.get("graphql_operation")
    return name


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"query": "query OrgName { organization { name } }"}, "OrgName"),
        (
            {
                "query": "query A { organization { name } } query B { organization { id } }",
                "operationName": "B",
            },
            "B",
        ),
        ({"query": "{ organization { name } }"}, "anonymous"),
        ({"query": "query { organization { name } }"}, "anonymous"),
        # Refused before it runs: named all the same, from what was sent.
        ({"query": "query Broken { organization {", "operationName": "Broken"}, "Broken"),
        ({"query": "query Broken { organization {"}, "anonymous"),
        ({"query": "query Wrong { nothingHere }"}, "Wrong"),
    ],
)
async def test_the_access_log_names_the_operation(
    acme: Tenant, body: dict[str, Any], expected: str
) -> None:
    assert await logged_operation(acme, body) == expected


async def test_a_rest_request_has_no_operation(acme: Tenant) -> None:
    async with acme.admin() as client:
        with captured_logs() as logs:
            await client.get("/v1/organization")
    [line] = logs.access_lines()
    assert "graphql_operation" not in line
