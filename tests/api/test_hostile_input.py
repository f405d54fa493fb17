"""Hostile and malformed input: each a clear, fast 4xx that changes nothing.

A NUL byte in a query parameter or a GraphQL string, a body above the configured size, JSON
nested past what the parser can follow, a batched GraphQL array: none is a 500, none is
parsed further than it must be to refuse it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.runtime.app import build_app
from tests.api import harness
from tests.api.harness import Tenant, create_member, new_tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post
from tests.api.test_graphql import codes, gql, sql_statements

PROBLEM_JSON = "application/problem+json"

QUERY_PARAMETERS = [
    ("/v1/kpis", "q"),
    ("/v1/members", "email"),
    ("/v1/members", "external_id"),
    ("/v1/members", "q"),
    ("/v1/objectives", "q"),
    ("/v1/templates", "role"),
    ("/v1/templates", "key"),
    ("/v1/templates", "q"),
    ("/v1/audit-events", "resource_type"),
    ("/v1/audit-events", "actor"),
]


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


# -- NUL in query parameters --------------------------------------------------------------


@pytest.mark.parametrize(("path", "name"), QUERY_PARAMETERS)
async def test_a_nul_in_a_query_parameter_is_refused_naming_it(
    app: FastAPI, acme: Tenant, path: str, name: str
) -> None:
    async with acme.admin() as client:
        with sql_statements(app) as seen:
            response = await client.get(f"{path}?limit=5&{name}=a%00b")
    body = problem(response, 422, "validation_failed")
    assert body["errors"] == [
        {
            "field": name,
            "message": "contains a NUL character, which cannot be stored",
            "code": "unstorable_text",
        }
    ]
    assert seen == []


async def test_a_nul_in_a_query_parameter_is_refused_before_authentication(
    acme: Tenant,
) -> None:
    async with acme.client() as anonymous:
        response = await anonymous.get("/v1/kpis?q=%00")
    problem(response, 422, "validation_failed")


async def test_query_parameters_without_nul_still_work(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.get("/v1/members?q=%25ad_min%20")
    assert response.status_code == 200, response.text


# -- NUL in GraphQL strings -----------------------------------------------------------------

KPIS_BY_NAME = "query($q: String) { kpis(filter: {q: $q}) { nodes { id } } }"


async def test_a_nul_in_a_graphql_variable_is_refused_naming_it(app: FastAPI, acme: Tenant) -> None:
    async with acme.admin() as client:
        with sql_statements(app) as seen:
            body = await gql(client, KPIS_BY_NAME, {"q": "a\x00b"})
    assert body["data"] is None
    assert codes(body) == ["validation_failed"]
    assert body["errors"][0]["extensions"]["errors"] == [
        {"field": "q", "message": "contains a NUL character", "code": "unstorable_text"}
    ]
    assert not [s for s in seen if "kpis" in s]  # refused before any resolver ran


async def test_a_nul_in_a_nested_graphql_variable_is_refused(acme: Tenant) -> None:
    document = "query($f: MemberFilterInput) { members(filter: $f) { nodes { id } } }"
    async with acme.admin() as client:
        body = await gql(client, document, {"f": {"q": "\x00"}})
    assert codes(body) == ["validation_failed"]
    assert body["errors"][0]["extensions"]["errors"][0]["field"] == "f.q"


async def test_a_nul_in_a_graphql_string_literal_is_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        body = await gql(client, '{ kpis(filter: {q: "a\\u0000b"}) { nodes { id } } }')
    assert codes(body) == ["validation_failed"]
    assert body["errors"][0]["extensions"]["errors"][0]["field"] == "filter.q"


async def test_a_nul_in_a_graphql_mutation_changes_nothing(acme: Tenant) -> None:
    document = "mutation($i: CreateKpiInput!) { createKpi(input: $i) { kpi { id } } }"
    async with acme.admin() as client:
        body = await gql(client, document, {"i": {"name": "Rev\x00", "target": "1"}})
        after = await client.get("/v1/kpis")
    assert codes(body) == ["validation_failed"]
    assert after.json()["items"] == []


# -- body size ------------------------------------------------------------------------------


@pytest.fixture
async def small_app(shared_database_url: str) -> AsyncIterator[FastAPI]:
    """An app whose body limit is 2 KiB, so a test needs no megabytes."""
    application = build_app(harness.test_settings(max_body_bytes=2048), shared_database_url)
    async with application.router.lifespan_context(application):
        yield application


async def test_the_body_limit_is_one_mebibyte_by_default() -> None:
    assert harness.test_settings().max_body_bytes == 1024 * 1024


async def test_a_declared_oversized_body_is_refused_unread(small_app: FastAPI) -> None:
    """Content-Length says 100 MB: 413 at once, without reading a byte of the body."""
    tenant = await new_tenant(small_app, small_app.state.settings)
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1  # a few chunks, then the end: enough to see whether anything is read
        return {"type": "http.request", "body": b"x" * 1024, "more_body": pulled < 8}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/kpis",
        "raw_path": b"/v1/kpis",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"okr.test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(100 * 1024 * 1024).encode()),
            (b"authorization", f"Bearer {tenant.token(tenant.admin_id, 'admin')}".encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("okr.test", 80),
    }
    await small_app(scope, receive, send)  # type: ignore[arg-type]
    assert pulled == 0
    assert sent[0]["status"] == 413
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == PROBLEM_JSON.encode()
    assert b'"code": "payload_too_large"' in sent[1]["body"]


async def test_a_streamed_oversized_body_is_refused_and_changes_nothing(
    small_app: FastAPI,
) -> None:
    """No Content-Length (chunked): counted while streaming, refused past the limit."""
    tenant = await new_tenant(small_app, small_app.state.settings)
    chunks_read = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        yield b'{"name": "Revenue", "target": "1", "unit": "'
        for _ in range(1000):  # 1 MB if it were all read
            chunks_read += 1
            yield b"x" * 1024
        yield b'"}'

    async with tenant.admin() as client:
        response = await client.post(
            "/v1/kpis", content=chunks(), headers={"content-type": "application/json"}
        )
        after = await client.get("/v1/kpis")
    body = problem(response, 413, "payload_too_large")
    assert "2048 bytes" in body["detail"]
    assert chunks_read < 10
    assert after.json()["items"] == []


async def test_an_oversized_graphql_document_is_refused(small_app: FastAPI) -> None:
    tenant = await new_tenant(small_app, small_app.state.settings)
    async with tenant.admin() as client:
        response = await client.post(
            "/graphql", json={"query": "{ organization { name } }" + " " * 4096}
        )
    problem(response, 413, "payload_too_large")


async def test_a_body_within_the_limit_is_served(small_app: FastAPI) -> None:
    tenant = await new_tenant(small_app, small_app.state.settings)
    async with tenant.admin() as client:
        response = await client.post("/v1/kpis", json={"name": "Revenue", "target": "1"})
    assert response.status_code == 201, response.text


# -- GraphQL request errors -----------------------------------------------------------------


def graphql_request_error(response: httpx.Response, code: str) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    message: str = body["errors"][0]["message"]
    return message


async def test_variables_nested_ten_thousand_deep_are_a_400(acme: Tenant) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    content = '{"query": "{ organization { name } }", "variables": {"x": ' + deep + "}}"
    async with acme.admin() as client:
        response = await client.post(
            "/graphql", content=content, headers={"content-type": "application/json"}
        )
    assert "nested" in graphql_request_error(response, "bad_request")


async def test_a_batched_array_is_a_json_400(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.post("/graphql", json=[{"query": "{ organization { name } }"}])
    assert "atch" in graphql_request_error(response, "bad_request")


async def test_unparsable_json_is_a_json_400(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.post(
            "/graphql", content="{nope", headers={"content-type": "application/json"}
        )
    graphql_request_error(response, "bad_request")


# -- decimals are plain in every answer ------------------------------------------------------

PLAIN = ["1000", "1E+3", "1e3", "0.0000001", "1.5E-7"]
EXPECTED = {"1000": "1000", "1E+3": "1000", "1e3": "1000", "0.0000001": "0.0000001"}
EXPECTED["1.5E-7"] = "0.00000015"
# REST prints values below 10^-6 in exponent form in reads and writes alike (pydantic's
# str(Decimal)): only the write-versus-read difference is fixed there (see the report).
REST_PLAIN = ["1000", "1E+3", "1e3"]


@pytest.mark.parametrize("sent", REST_PLAIN)
async def test_rest_write_answers_print_plain_decimals_like_reads(acme: Tenant, sent: str) -> None:
    async with acme.admin() as admin:
        ann = await create_member(admin, "Ann")
        cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-12-31")
        grow = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        kr = await key_result(
            admin, grow["id"], title="KR", owner_id=ann["id"], target=sent, weight=sent
        )
        entry = await check_in(admin, kr["id"], value=sent)
        read = await get(admin, f"/v1/key-results/{kr['id']}")
        kpi = await post(admin, "/v1/kpis", {"name": "Revenue", "target": sent})
        measured = await post(admin, f"/v1/kpis/{kpi['id']}/measurements", {"value": sent})
        kpi_read = await get(admin, f"/v1/kpis/{kpi['id']}")
    want = EXPECTED[sent]
    assert (kr["target"], kr["weight"]) == (want, want)
    assert (read["target"], read["weight"], read["current"]) == (want, want, want)
    assert entry["value"] == want
    assert (kpi["target"], kpi_read["target"]) == (want, want)
    assert measured["value"] == want


CREATE_KR = """
mutation($input: CreateKeyResultInput!) {
  createKeyResult(input: $input) { keyResult { id target weight } }
}"""
CHECK_IN = "mutation($input: CheckInInput!) { checkIn(input: $input) { checkIn { value } } }"
READ_KR = "query($id: UUID!) { keyResult(id: $id) { target weight current } }"
CREATE_KPI = "mutation($i: CreateKpiInput!) { createKpi(input: $i) { kpi { id target } } }"


@pytest.mark.parametrize("sent", PLAIN)
async def test_graphql_answers_print_plain_decimals(acme: Tenant, sent: str) -> None:
    async with acme.admin() as admin:
        ann = await create_member(admin, "Ann")
        cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-12-31")
        grow = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        fields = {"objectiveId": grow["id"], "title": "KR", "ownerId": ann["id"]}
        created = await gql(admin, CREATE_KR, {"input": {**fields, "target": sent, "weight": sent}})
        assert "errors" not in created, created
        kr = created["data"]["createKeyResult"]["keyResult"]
        entry = await gql(admin, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": sent}})
        read = await gql(admin, READ_KR, {"id": kr["id"]})
        kpi = await gql(admin, CREATE_KPI, {"i": {"name": "Revenue", "target": sent}})
    want = EXPECTED[sent]
    assert (kr["target"], kr["weight"]) == (want, want)
    assert entry["data"]["checkIn"]["checkIn"]["value"] == want, entry
    assert read["data"]["keyResult"] == {"target": want, "weight": want, "current": want}
    assert kpi["data"]["createKpi"]["kpi"]["target"] == want, kpi
