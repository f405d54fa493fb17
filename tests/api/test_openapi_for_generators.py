"""The served OpenAPI document is one a client generator reads without help: typed errors
under the media type sent, readable operation ids, the headers the server sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.harness import Tenant

_METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
async def spec(acme: Tenant) -> dict[str, Any]:
    async with acme.client() as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in _METHODS:
                yield method.upper(), path, operation


def headers_of(operation: dict[str, Any], status: str) -> set[str]:
    return set(operation["responses"][status].get("headers", {}))


def test_every_error_is_a_problem_under_problem_json(spec: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}: {sorted(response.get('content', {}))}"
        for method, path, operation in operations(spec)
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5"))
        and response.get("content") != {"application/problem+json": {"schema": PROBLEM}}
    ]
    assert not wrong, "\n".join(wrong)
    # FastAPI's own 422 body is gone with the last reference to it.
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "ValidationError" not in spec["components"]["schemas"]


def test_fastapis_own_422_becomes_a_problem(spec: dict[str, Any]) -> None:
    # GET /v1/members/{id} declares no 422 itself: FastAPI adds one for the path parameter.
    unprocessable = spec["paths"]["/v1/members/{member_id}"]["get"]["responses"]["422"]
    assert unprocessable["content"]["application/problem+json"]["schema"] == PROBLEM
    assert unprocessable["description"] != "Validation Error"


def test_operation_ids_are_unique_and_read_like_the_function_names(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    assert all(i.isalnum() and i[0].islower() for i in ids), ids
    by_route = {(m, p): op["operationId"] for m, p, op in operations(spec)}
    assert by_route[("GET", "/v1/objectives")] == "listObjectives"
    assert by_route[("POST", "/v1/key-results/{key_result_id}/check-ins")] == "createCheckIn"
    assert by_route[("POST", "/v1/members")] == "createMember"
    assert by_route[("PATCH", "/v1/objectives/{objective_id}")] == "patchObjective"
    assert by_route[("GET", "/healthz")] == "healthz"


def test_probes_need_no_token_and_the_document_names_server_and_license(
    spec: dict[str, Any],
) -> None:
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/readyz"]["get"]["security"] == []
    assert spec["servers"] == [{"url": "/", "description": "This server"}]
    assert spec["info"]["license"]["name"]


def test_every_response_documents_x_request_id(spec: dict[str, Any]) -> None:
    missing = [
        f"{method} {path} {status}"
        for method, path, operation in operations(spec)
        for status in operation["responses"]
        if "X-Request-ID" not in headers_of(operation, status)
    ]
    assert not missing, "\n".join(missing)


def test_write_and_read_headers_are_documented_where_sent(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    create = paths["/v1/members"]["post"]
    assert {"Location", "ETag", "Idempotent-Replayed"} <= headers_of(create, "201")
    assert "Retry-After" in headers_of(create, "409")  # the same key still in flight
    assert "ETag" in headers_of(paths["/v1/members/{member_id}"]["get"], "200")
    assert "ETag" in headers_of(paths["/v1/members/{member_id}"]["patch"], "200")
    # A list has no single version, so no ETag.
    assert "ETag" not in headers_of(paths["/v1/members"]["get"], "200")
    # Every 201 names what it created.
    for method, path, operation in operations(spec):
        if "201" in operation["responses"]:
            assert "Location" in headers_of(operation, "201"), f"{method} {path}"
    # An outage says when to retry; /readyz's "not ready" does not send Retry-After.
    assert "Retry-After" not in headers_of(paths["/readyz"]["get"], "503")


def test_conditional_and_idempotent_request_headers_are_parameters(spec: dict[str, Any]) -> None:
    def header_parameters(operation: dict[str, Any]) -> set[str]:
        return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}

    assert "If-Match" in header_parameters(spec["paths"]["/v1/members/{member_id}"]["patch"])
    assert "Idempotency-Key" in header_parameters(spec["paths"]["/v1/members"]["post"])


async def test_the_documented_headers_are_the_ones_sent(acme: Tenant) -> None:
    async with acme.admin() as client:
        body = {"name": "Li Wei", "email": "li.wei@acme.example"}
        key = {"Idempotency-Key": "generators-1"}
        created = await client.post("/v1/members", json=body, headers=key)
        replayed = await client.post("/v1/members", json=body, headers=key)
        read = await client.get(created.headers["Location"])
    assert created.status_code == 201, created.text
    assert {"etag", "location", "x-request-id"} <= set(created.headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert read.status_code == 200
    assert read.headers["ETag"] == created.headers["ETag"]
