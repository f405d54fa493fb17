"""HTTP semantics a browser client relies on: a 405 lists every method of the path in
``Allow``; a body that is not JSON is a 400 and a body of another media type a 415, both
problem+json, never a validation error whose "field" is a character offset."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.api.harness import Tenant
from tests.api.test_errors import problem

MEMBER = b'{"name": "Ann", "email": "ann@example.com"}'


async def test_405_lists_every_method_of_the_path(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.post(f"/v1/objectives/{uuid4()}")
    problem(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert allowed - {"HEAD"} == {"GET", "PATCH", "DELETE"}


@pytest.mark.parametrize("body", [b"{not json", b'{"name": "Ann",', b"\xff\xfe"])
async def test_a_body_that_is_not_json_is_400(acme: Tenant, body: bytes) -> None:
    async with acme.admin() as client:
        response = await client.post(
            "/v1/members", content=body, headers={"Content-Type": "application/json"}
        )
    found = problem(response, 400, "malformed_json")
    assert found["errors"] == []  # no "field" named after a character offset


@pytest.mark.parametrize(
    "media_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_a_body_of_another_media_type_is_415(acme: Tenant, media_type: str) -> None:
    async with acme.admin() as client:
        response = await client.post(
            "/v1/members", content=MEMBER, headers={"Content-Type": media_type}
        )
    found = problem(response, 415, "unsupported_media_type")
    assert found["errors"] == []


@pytest.mark.parametrize(
    "media_type",
    ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_media_types_are_accepted(acme: Tenant, media_type: str) -> None:
    async with acme.admin() as client:
        response = await client.post(
            "/v1/members", content=MEMBER, headers={"Content-Type": media_type}
        )
    assert response.status_code == 201, response.text


async def test_a_valid_json_body_with_bad_fields_is_still_422(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.post("/v1/members", json={"name": "Ann", "email": 5})
    found = problem(response, 422, "validation_failed")
    assert [error["field"] for error in found["errors"]] == ["email"]
