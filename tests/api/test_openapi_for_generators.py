"""The served OpenAPI document is one a client generator reads without help: typed errors
under the media type sent, readable operation ids, the headers the server sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.runtime.app import build_app
from tests.api import harness
from tests.api.harness import Tenant

_METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
# Serving the document touches no database: nothing needs to listen here.
NO_DATABASE = "postgresql://okr@127.0.0.1:9/okr"


@pytest.fixture(scope="module")
async def spec() -> dict[str, Any]:
    """The document as served, read once for the module (building it takes a second)."""
    app = build_app(harness.test_settings(), NO_DATABASE)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://okr.test"
    ) as client:
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


def header_parameters(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


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


def test_every_success_with_a_body_says_its_schema(spec: dict[str, Any]) -> None:
    """A generated client types ``data`` from the 2xx schemas: a 2xx with a body but no
    content in the document reads as "no data" (the duplicate check-in's 200 did)."""
    bodiless = {"204", "304"}
    wrong = [
        f"{method} {path} {status}"
        for method, path, operation in operations(spec)
        for status, response in operation["responses"].items()
        if status.startswith("2")
        and status not in bodiless
        and not response.get("content")
        and not path.startswith(("/healthz", "/readyz"))
    ]
    assert not wrong, "\n".join(wrong)


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
    assert by_route[("PATCH", "/v1/objectives/{objective_id}")] == "updateObjective"
    assert by_route[("GET", "/healthz")] == "getLiveness"
    # One rule: <verb><Noun>, list for pages, get for one, create/update/delete for
    # POST 201/PATCH/DELETE, the domain verb for other actions; the parent prefixes a
    # resource listed under several parents.
    assert by_route[("GET", "/v1/key-results")] == "listKeyResults"
    assert by_route[("GET", "/v1/objectives/{objective_id}/key-results")] == (
        "listObjectiveKeyResults"
    )
    assert by_route[("GET", "/v1/review-cycles/{review_cycle_id}/results")] == ("listReviewResults")
    assert by_route[("POST", "/v1/objectives/{objective_id}/comments")] == (
        "createObjectiveComment"
    )
    by_method = {
        "GET": ("list", "get"),
        "PATCH": ("update",),
        "DELETE": ("delete", "remove", "unlink", "deactivate"),
    }
    for (method, path), operation_id_ in by_route.items():
        assert operation_id_.startswith(by_method.get(method, ("",))), (method, path)


def test_probes_need_no_token_and_the_document_names_server_and_license(
    spec: dict[str, Any],
) -> None:
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/readyz"]["get"]["security"] == []
    assert spec["servers"] == [{"url": "/", "description": "This server"}]
    assert spec["info"]["license"]["name"]
    # redocly's recommended rules want a url or an SPDX identifier for the license.
    assert spec["info"]["license"]["identifier"] == "LicenseRef-Proprietary"


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
    assert "If-Match" in header_parameters(spec["paths"]["/v1/members/{member_id}"]["patch"])
    assert "Idempotency-Key" in header_parameters(spec["paths"]["/v1/members"]["post"])
    for method, path, operation in operations(spec):
        # A stale If-Match is the only way to a 412, so both are documented together.
        takes_if_match = "If-Match" in header_parameters(operation)
        assert takes_if_match == ("412" in operation["responses"]), f"{method} {path}"
        if "201" in operation["responses"]:
            assert "Idempotency-Key" in header_parameters(operation), f"{method} {path}"


def test_every_get_with_an_etag_documents_if_none_match_and_304(spec: dict[str, Any]) -> None:
    with_etag = {
        (method, path)
        for method, path, operation in operations(spec)
        if method == "GET" and "ETag" in headers_of(operation, "200")
    }
    conditional = {
        (method, path)
        for method, path, operation in operations(spec)
        if "If-None-Match" in header_parameters(operation)
    }
    assert ("GET", "/v1/objectives/{objective_id}") in with_etag
    assert conditional == with_etag
    for method, path in with_etag:
        not_modified = spec["paths"][path][method.lower()]["responses"]["304"]
        assert headers_of({"responses": {"304": not_modified}}, "304") == {"ETag", "X-Request-ID"}
        assert "content" not in not_modified, f"{method} {path}"
    # A list has no single version: it is never "not modified".
    assert "304" not in spec["paths"]["/v1/objectives"]["get"]["responses"]


async def test_the_documented_304_is_sent(acme: Tenant) -> None:
    async with acme.admin() as client:
        path = f"/v1/members/{acme.admin_id}"
        read = await client.get(path)
        again = await client.get(path, headers={"If-None-Match": read.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == read.headers["ETag"]
    assert "x-request-id" in again.headers


def test_every_operation_documents_a_422_for_unknown_query_parameters(
    spec: dict[str, Any],
) -> None:
    missing = [f"{m} {p}" for m, p, op in operations(spec) if "422" not in op["responses"]]
    assert not missing, "\n".join(missing)


async def test_a_probe_refuses_an_unknown_query_parameter_as_documented(acme: Tenant) -> None:
    async with acme.client() as client:
        response = await client.get("/healthz", params={"verbose": "1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_failed"


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
