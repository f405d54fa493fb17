"""Pacing curves and forecasts over REST and GraphQL (issue 18, DOMAIN.md "Sales pacing,
forecast and quotas"): the worked example at the API tier, inheritance of the curve
(organization default -> unit default -> the KR's own), and validation errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post

# A quarter of 90 days (31 + 28 + 31): 2027-01-01 .. 2027-04-01. Day 45 is 2027-02-15: t = 0.5.
PLANNING = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
DAY_45 = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)


async def _sales_kr(
    client: httpx.AsyncClient, owner: dict[str, Any], **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    quarter = await active_cycle(client, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
    o = await objective(
        client, cycle_id=quarter["id"], title="Win the quarter", owner=owner, status="active"
    )
    member_id = owner["id"] if owner["kind"] == "member" else extra.pop("owner_id")
    kr = await key_result(
        client,
        o["id"],
        title="Bookings",
        owner_id=member_id,
        metric_kind="currency",
        currency="CNY",
        start="0",
        target="3000000",
        **extra,
    )
    return o, kr


async def test_worked_example_linear_at_risk_back_loaded_on_track(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na")
        owner = {"kind": "member", "id": rep["id"]}
        _, linear = await _sales_kr(admin, owner)
        quarter_krs = await get(admin, f"/v1/objectives/{linear['objective_id']}/key-results")
        assert len(quarter_krs["items"]) == 1
        o2 = await objective(
            admin,
            cycle_id=(await get(admin, f"/v1/objectives/{linear['objective_id']}"))["cycle_id"],
            title="Win the quarter, paced",
            owner=owner,
            status="active",
        )
        back = await key_result(
            admin,
            o2["id"],
            title="Bookings, back-loaded",
            owner_id=rep["id"],
            metric_kind="currency",
            currency="CNY",
            start="0",
            target="3000000",
            pacing={"curve": "back_loaded"},
        )
        clock.pin(DAY_45)
        await check_in(admin, linear["id"], value="900000")
        await check_in(admin, back["id"], value="900000")
        lin = await get(admin, f"/v1/key-results/{linear['id']}")
        bl = await get(admin, f"/v1/key-results/{back['id']}")

    # Linear: expected 0.50; 0.30 is below 0.40 but not below 0.25: at risk.
    assert lin["score"]["expected_progress"] == "0.5000"
    assert lin["score"]["track_status"] == "at_risk"
    assert lin["pacing"]["curve"] == "linear"
    assert lin["pacing"]["source"] == "default"
    assert lin["pacing"]["points"] == [{"t": "0", "p": "0"}, {"t": "1", "p": "1"}]
    assert lin["forecast"] == {"projected_progress": "0.6000", "status": "will_miss"}
    # Back-loaded: p(0.5) = 0.2 + (0.5 - 1/3) x 0.9 = 0.35; 0.30 >= 0.25: on track.
    assert bl["score"]["expected_progress"] == "0.3500"
    assert bl["score"]["track_status"] == "on_track"
    assert bl["pacing"]["curve"] == "back_loaded"
    assert bl["pacing"]["source"] == "key_result"
    assert [p["p"] for p in bl["pacing"]["points"]] == ["0", "0.2", "0.5", "1"]
    assert bl["forecast"] == {"projected_progress": "0.8571", "status": "at_risk"}


async def test_graphql_shows_pacing_and_forecast(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na")
        _, kr = await _sales_kr(admin, {"kind": "member", "id": rep["id"]})
        clock.pin(DAY_45)
        await check_in(admin, kr["id"], value="900000")
        query = """
        mutation($input: UpdateKeyResultInput!) {
          updateKeyResult(input: $input) {
            keyResult { score { expectedProgress trackStatus }
              pacing { curve source points { t p } learnedFrom fallback }
              forecast { projectedProgress status } }
          }
        }"""
        variables = {"input": {"id": kr["id"], "pacing": {"curve": "BACK_LOADED"}}}
        response = await admin.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    updated = body["data"]["updateKeyResult"]["keyResult"]
    assert updated["score"] == {"expectedProgress": "0.3500", "trackStatus": "ON_TRACK"}
    assert updated["pacing"]["curve"] == "BACK_LOADED"
    assert updated["pacing"]["source"] == "KEY_RESULT"
    assert updated["forecast"] == {"projectedProgress": "0.8571", "status": "AT_RISK"}


async def test_curve_inherited_organization_then_unit_then_own(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        lead = await create_member(admin, "Zhao Min", roles=["manager"])
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        sales = await post(
            admin,
            "/v1/units",
            {"kind": "department", "name": "Sales", "parent_id": company["id"]},
        )
        o, kr = await _sales_kr(admin, {"kind": "unit", "id": sales["id"]}, owner_id=lead["id"])
        clock.pin(DAY_45)
        await check_in(admin, kr["id"], value="900000")
        before = await get(admin, f"/v1/key-results/{kr['id']}")
        org = await patch(admin, "/v1/organization", {"pacing": {"curve": "front_loaded"}})
        by_org = await get(admin, f"/v1/key-results/{kr['id']}")
        unit = await patch(admin, f"/v1/units/{sales['id']}", {"pacing": {"curve": "back_loaded"}})
        by_unit = await get(admin, f"/v1/key-results/{kr['id']}")
        embedded = (await get(admin, f"/v1/objectives/{o['id']}"))["key_results"][0]
        own_points = [{"t": "0", "p": "0"}, {"t": "0.5", "p": "0.3"}, {"t": "1", "p": "1"}]
        own = await patch(
            admin,
            f"/v1/key-results/{kr['id']}",
            {"pacing": {"curve": "custom", "points": own_points}},
        )
        cleared = await patch(admin, f"/v1/key-results/{kr['id']}", {"pacing": None})
        listed = await get(admin, f"/v1/objectives/{o['id']}/key-results")

    assert (before["pacing"]["source"], before["score"]["expected_progress"]) == (
        "default",
        "0.5000",
    )
    assert org["pacing"] == {"curve": "front_loaded", "points": []}
    # Front-loaded: p(0.5) = 0.5 + (0.5 - 1/3) x 0.9 = 0.65.
    assert (by_org["pacing"]["source"], by_org["pacing"]["curve"]) == (
        "organization",
        "front_loaded",
    )
    assert by_org["score"]["expected_progress"] == "0.6500"
    assert unit["pacing"] == {"curve": "back_loaded", "points": []}
    assert (by_unit["pacing"]["source"], by_unit["pacing"]["curve"]) == ("unit", "back_loaded")
    assert by_unit["score"]["expected_progress"] == "0.3500"
    assert embedded["pacing"] == by_unit["pacing"]  # an objective's KRs are judged alike
    assert embedded["score"] == by_unit["score"]
    assert (own["pacing"]["source"], own["pacing"]["curve"]) == ("key_result", "custom")
    assert own["score"]["expected_progress"] == "0.3000"
    assert own["score"]["track_status"] == "on_track"
    assert own["forecast"] == {"projected_progress": "1.0000", "status": "will_hit"}
    assert (cleared["pacing"]["source"], cleared["pacing"]["curve"]) == ("unit", "back_loaded")
    assert listed["items"][0]["pacing"]["source"] == "unit"


async def test_bad_points_are_422_with_field_paths(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na")
        _, kr = await _sales_kr(admin, {"kind": "member", "id": rep["id"]})
        bad = [{"t": "0", "p": "0"}, {"t": "0.5", "p": "0.6"}, {"t": "0.4", "p": "0.5"}]
        response = await admin.patch(
            f"/v1/key-results/{kr['id']}", json={"pacing": {"curve": "custom", "points": bad}}
        )
        schedule = await admin.patch(
            f"/v1/key-results/{kr['id']}",
            json={
                "pacing": {"curve": "schedule", "schedule": [{"on": "2027-06-30", "value": "1"}]}
            },
        )
        org_schedule = await admin.patch(
            "/v1/organization",
            json={
                "pacing": {"curve": "schedule", "schedule": [{"on": "2027-01-31", "value": "1"}]}
            },
        )
        query = """
        mutation($input: UpdateKeyResultInput!) {
          updateKeyResult(input: $input) { keyResult { id } }
        }"""
        variables = {"input": {"id": kr["id"], "pacing": {"curve": "CUSTOM", "points": bad}}}
        graphql = (
            await admin.post("/graphql", json={"query": query, "variables": variables})
        ).json()

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_failed"
    fields = {(e["field"], e["code"]) for e in problem["errors"]}
    assert ("pacing.points[2].t", "not_increasing") in fields
    assert ("pacing.points[2].p", "decreasing") in fields
    assert ("pacing.points[2]", "curve_end") in fields
    assert schedule.status_code == 422
    assert {e["code"] for e in schedule.json()["errors"]} == {"outside_cycle"}
    assert org_schedule.status_code == 422
    assert org_schedule.json()["errors"][0]["field"] == "pacing.curve"
    assert graphql["errors"][0]["extensions"]["code"] == "validation_failed"
