"""``Idempotency-Key`` on POST: replay, reuse with another body, scoping, failures, in-flight."""

from __future__ import annotations

import hashlib
import json
from typing import Any, NoReturn

import httpx
import pytest
from fastapi import FastAPI

import service.members
from tests.api.harness import Tenant, create_member


def body_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


async def post_json(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str
) -> httpx.Response:
    """POST exactly these bytes, so the test knows the hash the server computes."""
    return await client.post(
        path,
        content=body_bytes(body),
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )


async def members_with_email(client: httpx.AsyncClient, email: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/members", params={"email": email})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_same_key_and_body_returns_the_first_answer_and_creates_once(acme: Tenant) -> None:
    body = {"name": "Li Wei", "email": "li.wei@acme.example"}
    async with acme.admin() as client:
        first = await post_json(client, "/v1/members", body, "key-1")
        again = await post_json(client, "/v1/members", body, "key-1")
        created = await members_with_email(client, "li.wei@acme.example")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert (
        again.headers["location"]
        == first.headers["location"]
        == f"/v1/members/{first.json()['id']}"
    )
    assert again.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"].startswith('"1-')
    assert again.headers["content-type"] == "application/json"
    assert [m["id"] for m in created] == [first.json()["id"]]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/units", {"kind": "company", "name": "Acme"}),
        (
            "/v1/cycles",
            {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"},
        ),
    ],
)
async def test_units_and_cycles_honour_the_key_too(
    acme: Tenant, path: str, body: dict[str, Any]
) -> None:
    async with acme.admin() as client:
        first = await post_json(client, path, body, "create-once")
        again = await post_json(client, path, body, "create-once")
        listed = await client.get(path)
    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"] == f"{path}/{first.json()['id']}"
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]


async def test_same_key_with_another_body_is_refused_and_creates_nothing(acme: Tenant) -> None:
    async with acme.admin() as client:
        first = await post_json(
            client, "/v1/members", {"name": "Ann", "email": "ann@acme.example"}, "key-2"
        )
        reused = await post_json(
            client, "/v1/members", {"name": "Bob", "email": "bob@acme.example"}, "key-2"
        )
        bob = await members_with_email(client, "bob@acme.example")
    assert first.status_code == 201
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert "idempotent-replayed" not in reused.headers
    assert bob == []


async def test_the_same_key_on_another_path_is_reuse(acme: Tenant) -> None:
    async with acme.admin() as client:
        first = await post_json(client, "/v1/units", {"kind": "company", "name": "Acme"}, "k")
        other = await post_json(
            client,
            "/v1/cycles",
            {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"},
            "k",
        )
        cycles = await client.get("/v1/cycles")
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert cycles.json()["items"] == []


async def test_keys_are_scoped_per_organization(acme: Tenant, globex: Tenant) -> None:
    body = {"name": "Li Wei", "email": "li.wei@example.com"}
    async with acme.admin() as a_client, globex.admin() as b_client:
        in_acme = await post_json(a_client, "/v1/members", body, "shared-key")
        in_globex = await post_json(b_client, "/v1/members", body, "shared-key")
        acme_rows = await members_with_email(a_client, "li.wei@example.com")
        globex_rows = await members_with_email(b_client, "li.wei@example.com")
    assert in_acme.status_code == in_globex.status_code == 201
    assert "idempotent-replayed" not in in_globex.headers
    assert in_acme.json()["id"] != in_globex.json()["id"]
    assert [m["id"] for m in acme_rows] == [in_acme.json()["id"]]
    assert [m["id"] for m in globex_rows] == [in_globex.json()["id"]]


async def test_keys_are_scoped_per_caller(acme: Tenant) -> None:
    body = {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"}
    async with acme.admin() as client:
        other_admin = await create_member(client, "Second Admin", roles=["admin"])
    async with (
        acme.admin() as first_caller,
        acme.as_member(other_admin["id"], "admin") as second_caller,
    ):
        first = await post_json(first_caller, "/v1/cycles", body, "shared-key")
        second = await post_json(second_caller, "/v1/cycles", body, "shared-key")
        listed = await first_caller.get("/v1/cycles")
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["id"] != second.json()["id"]
    assert sorted(c["id"] for c in listed.json()["items"]) == sorted(
        [first.json()["id"], second.json()["id"]]
    )


async def test_a_first_attempt_that_failed_with_a_4xx_is_replayed(acme: Tenant) -> None:
    async with acme.admin() as client:
        holder = await create_member(client, "Holder", email="taken@acme.example")
        body = {"name": "Newcomer", "email": "taken@acme.example"}
        first = await post_json(client, "/v1/members", body, "key-4xx")
        # The conflict goes away; the retry still gets the first answer, and creates nothing.
        freed = await client.patch(
            f"/v1/members/{holder['id']}", json={"email": "moved@acme.example"}
        )
        again = await post_json(client, "/v1/members", body, "key-4xx")
        rows = await members_with_email(client, "taken@acme.example")
    assert first.status_code == 409
    assert first.json()["code"] == "email_taken"
    assert freed.status_code == 200
    assert again.status_code == 409
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/problem+json"
    assert again.content == first.content
    assert rows == []


async def test_a_forbidden_first_attempt_is_replayed_as_403(acme: Tenant) -> None:
    async with acme.admin() as client:
        plain = await create_member(client, "Plain")
    body = {"name": "Sneaky", "email": "sneaky@acme.example"}
    async with acme.as_member(plain["id"], "member") as client:
        first = await post_json(client, "/v1/members", body, "key-403")
        again = await post_json(client, "/v1/members", body, "key-403")
    assert first.status_code == again.status_code == 403
    assert first.json()["code"] == "forbidden"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content


async def test_a_request_still_running_gets_409(app: FastAPI, acme: Tenant) -> None:
    body = {"name": "Li Wei", "email": "li.wei@acme.example"}
    services = app.state.okr.services
    request_hash = hashlib.sha256(b"POST /v1/members\n" + body_bytes(body)).hexdigest()
    claimed = await services.idempotency.claim(
        organization_id=acme.organization_id,
        caller=str(acme.admin_id),
        key="in-flight",
        request_hash=request_hash,
        now=services.deps.clock.now(),
    )
    assert claimed is None  # this test now owns the key, as a first request would
    async with acme.admin() as client:
        retry = await post_json(client, "/v1/members", body, "in-flight")
        rows = await members_with_email(client, "li.wei@acme.example")
    assert retry.status_code == 409
    assert retry.headers["content-type"] == "application/problem+json"
    assert retry.json()["code"] == "idempotency_in_flight"
    assert rows == []


async def test_an_unexpected_failure_frees_the_key(
    acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.members.create_member

    async def broken(*args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("database went away")

    body = {"name": "Li Wei", "email": "li.wei@acme.example"}
    async with acme.admin() as client:
        monkeypatch.setattr(service.members, "create_member", broken)
        failed = await post_json(client, "/v1/members", body, "key-500")
        monkeypatch.setattr(service.members, "create_member", real)
        retried = await post_json(client, "/v1/members", body, "key-500")
        rows = await members_with_email(client, "li.wei@acme.example")
    assert failed.status_code == 500
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert [m["id"] for m in rows] == [retried.json()["id"]]


async def test_an_overlong_key_is_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        refused = await post_json(
            client, "/v1/members", {"name": "Li", "email": "li@acme.example"}, "k" * 256
        )
        rows = await members_with_email(client, "li@acme.example")
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_failed"
    assert [e["field"] for e in refused.json()["errors"]] == ["Idempotency-Key"]
    assert rows == []


async def test_posts_without_a_key_create_every_time(acme: Tenant) -> None:
    body = {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"}
    async with acme.admin() as client:
        first = await client.post("/v1/cycles", json=body)
        second = await client.post("/v1/cycles", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers
