"""/v1/organization: the caller's own organization and its defaults."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.api.harness import Tenant, create_member

DEFAULT_SCORING = {
    "red_below": "0.4",
    "yellow_below": "0.7",
    "on_track_margin": "0.1",
    "at_risk_margin": "0.25",
    "alignment_upward_only": True,
    "committed_red_below": "0.7",
    "committed_yellow_below": "1.0",
}
DEFAULT_REVIEWS = {
    "weight_self": "0.10",
    "weight_peer": "0.30",
    "weight_manager": "0.40",
    "weight_skip_level": "0.20",
    "peer_anonymity_threshold": 3,
    "min_peers": 3,
    "max_peers": 8,
}


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def read(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/v1/organization")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_get_returns_the_callers_organization_with_string_decimals(
    acme: Tenant, globex: Tenant
) -> None:
    async with acme.admin() as client:
        response = await client.get("/v1/organization")
    async with globex.admin() as other:
        theirs = await read(other)
    assert response.status_code == 200
    assert response.headers["etag"].startswith('"1-')
    body = response.json()
    assert body["id"] == str(acme.organization_id)
    assert body["name"] == "Acme"
    assert body["time_zone"] == "UTC"
    assert body["locale"] == "en"
    assert body["scoring"] == DEFAULT_SCORING
    assert body["reviews"] == DEFAULT_REVIEWS
    assert body["version"] == 1
    assert theirs["id"] == str(globex.organization_id)
    assert theirs["name"] == "Globex"


async def test_admins_change_name_time_zone_and_locale(acme: Tenant) -> None:
    async with acme.admin() as client:
        patched = await client.patch(
            "/v1/organization",
            json={"name": "Acme Sales", "time_zone": "Asia/Shanghai", "locale": "zh-CN"},
        )
        after = await read(client)
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"].startswith('"2-')
    assert patched.json() == after
    assert after["name"] == "Acme Sales"
    assert after["time_zone"] == "Asia/Shanghai"
    assert after["locale"] == "zh-CN"
    assert after["version"] == 2
    assert after["scoring"] == DEFAULT_SCORING


async def test_review_weights_round_trip_as_strings(acme: Tenant) -> None:
    reviews = {
        "weight_self": 0.1,
        "weight_peer": "0.2",
        "weight_manager": 0.5,
        "weight_skip_level": "0.20",
        "peer_anonymity_threshold": 4,
        "min_peers": 2,
        "max_peers": 6,
    }
    async with acme.admin() as client:
        patched = await client.patch("/v1/organization", json={"reviews": reviews})
        after = await read(client)
    assert patched.status_code == 200, patched.text
    assert after["reviews"] == {
        "weight_self": "0.1",
        "weight_peer": "0.2",
        "weight_manager": "0.5",
        "weight_skip_level": "0.20",
        "peer_anonymity_threshold": 4,
        "min_peers": 2,
        "max_peers": 6,
    }


async def test_a_group_sent_merges_into_the_stored_group(acme: Tenant) -> None:
    async with acme.admin() as client:
        await client.patch(
            "/v1/organization", json={"scoring": {**DEFAULT_SCORING, "at_risk_margin": "0.3"}}
        )
        patched = await client.patch("/v1/organization", json={"scoring": {"red_below": "0.3"}})
        after = await read(client)
    assert patched.status_code == 200, patched.text
    assert after["scoring"] == {**DEFAULT_SCORING, "red_below": "0.3", "at_risk_margin": "0.3"}
    assert after["reviews"] == DEFAULT_REVIEWS


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"reviews": {**DEFAULT_REVIEWS, "weight_self": "0.20"}},
            ["reviews"],
        ),
        (
            {
                "reviews": {
                    **DEFAULT_REVIEWS,
                    "weight_self": "-0.10",
                    "weight_peer": "0.50",
                    "weight_manager": "0.40",
                    "weight_skip_level": "0.20",
                }
            },
            ["reviews.weight_self"],
        ),
        ({"reviews": {**DEFAULT_REVIEWS, "min_peers": 9}}, ["reviews.min_peers"]),
        ({"scoring": {**DEFAULT_SCORING, "red_below": "0.8"}}, ["scoring.red_below"]),
        ({"scoring": {**DEFAULT_SCORING, "at_risk_margin": "0.05"}}, ["scoring.on_track_margin"]),
        ({"time_zone": "Mars/Olympus"}, ["time_zone"]),
        ({"time_zone": "utc"}, ["time_zone"]),
        ({"locale": "fr"}, ["locale"]),
        ({"name": "   "}, ["name"]),
        ({"reviews": {**DEFAULT_REVIEWS, "weight_self": "lots"}}, ["reviews.weight_self"]),
    ],
)
async def test_invalid_settings_are_422_and_change_nothing(
    acme: Tenant, body: dict[str, Any], fields: list[str]
) -> None:
    async with acme.admin() as client:
        before = await read(client)
        refused = await client.patch("/v1/organization", json=body)
        after = await read(client)
    problem_body = problem(refused, 422, "validation_failed")
    assert [e["field"] for e in problem_body["errors"]] == fields
    assert after == before


async def test_weights_that_do_not_sum_to_one_name_the_rule(acme: Tenant) -> None:
    async with acme.admin() as client:
        refused = await client.patch(
            "/v1/organization",
            json={"reviews": {**DEFAULT_REVIEWS, "weight_manager": "0.50"}},
        )
    assert problem(refused, 422, "validation_failed")["errors"] == [
        {"field": "reviews", "message": "role weights must sum to 1", "code": "weights_sum"}
    ]


@pytest.mark.parametrize("field", ["name", "time_zone", "locale", "scoring", "reviews"])
async def test_null_is_refused(acme: Tenant, field: str) -> None:
    async with acme.admin() as client:
        before = await read(client)
        refused = await client.patch("/v1/organization", json={field: None})
        after = await read(client)
    assert [e["field"] for e in problem(refused, 422, "validation_failed")["errors"]] == [field]
    assert after == before


async def test_unknown_and_read_only_fields_are_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        before = await read(client)
        unknown = await client.patch("/v1/organization", json={"plan": "enterprise"})
        nested = await client.patch(
            "/v1/organization", json={"scoring": {**DEFAULT_SCORING, "blue_below": "0.9"}}
        )
        read_only = await client.patch(
            "/v1/organization", json={"id": before["id"], "version": 1, "created_at": "x"}
        )
        after = await read(client)
    assert [
        (e["field"], e["code"]) for e in problem(unknown, 422, "validation_failed")["errors"]
    ] == [("plan", "unknown_field")]
    assert [
        (e["field"], e["code"]) for e in problem(nested, 422, "validation_failed")["errors"]
    ] == [("scoring.blue_below", "unknown_field")]
    assert sorted(
        (e["field"], e["code"]) for e in problem(read_only, 422, "validation_failed")["errors"]
    ) == [("created_at", "read_only"), ("id", "read_only"), ("version", "read_only")]
    assert after == before


async def test_if_match_guards_patch(acme: Tenant) -> None:
    async with acme.admin() as client:
        fresh = await client.patch(
            "/v1/organization", json={"name": "Acme 2"}, headers={"If-Match": '"1"'}
        )
        stale = await client.patch(
            "/v1/organization", json={"name": "Acme 3"}, headers={"If-Match": '"1"'}
        )
        after = await read(client)
    assert fresh.status_code == 200
    assert problem(stale, 412, "stale_version")["current_version"] == 2
    assert after["name"] == "Acme 2"
    assert after["version"] == 2


@pytest.mark.parametrize("role", ["hr", "member", "manager"])
async def test_only_admins_change_the_organization(acme: Tenant, role: str) -> None:
    async with acme.admin() as client:
        caller = await create_member(client, "Caller", roles=[role])
        before = await read(client)
    async with acme.as_member(UUID(caller["id"]), role) as client:
        got = await client.get("/v1/organization")
        refused = await client.patch("/v1/organization", json={"name": "Mine now"})
    async with acme.admin() as client:
        after = await read(client)
    assert got.status_code == 200
    assert got.json() == before
    problem(refused, 403, "forbidden")
    assert after == before


async def test_a_patch_changes_only_the_callers_organization(acme: Tenant, globex: Tenant) -> None:
    async with globex.admin() as other:
        before = await read(other)
    async with acme.admin() as client:
        patched = await client.patch("/v1/organization", json={"name": "Acme Renamed"})
    async with globex.admin() as other:
        after = await read(other)
    assert patched.json()["id"] == str(acme.organization_id)
    assert after == before
