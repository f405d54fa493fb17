"""Objectives judged by their KRs' pacing curves (issue 18, DOMAIN.md "Sales pacing"): an
objective's expected progress is the weighted mean of its KRs' (each by its own curve, the
weights of its progress), so an objective of back-loaded KRs is judged back-loaded; cycle
stats count a KR on track by its curve."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post

# A quarter of 90 days: 2027-01-01 .. 2027-04-01. Day 45 is 2027-02-15: t = 0.5.
PLANNING = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
DAY_45 = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)

_OBJECTIVE_SCORE = """
query($id: UUID!) {
  objective(id: $id) { score { expectedProgress trackStatus } }
}"""


async def _bookings(
    client: httpx.AsyncClient, cycle_id: str, owner: dict[str, Any], rep_id: str, **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    o = await objective(
        client, cycle_id=cycle_id, title="Win the quarter", owner=owner, status="active"
    )
    kr = await key_result(
        client,
        o["id"],
        title="Bookings",
        owner_id=rep_id,
        metric_kind="currency",
        currency="CNY",
        start="0",
        target="3000000",
        **extra,
    )
    return o, kr


async def _graphql_score(client: httpx.AsyncClient, objective_id: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": _OBJECTIVE_SCORE, "variables": {"id": objective_id}}
    )
    body = response.json()
    assert "errors" not in body, body
    score: dict[str, Any] = body["data"]["objective"]["score"]
    return score


async def test_an_objective_of_back_loaded_krs_is_on_track_where_linear_is_at_risk(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na")
        owner = {"kind": "member", "id": rep["id"]}
        quarter = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
        linear, lin_kr = await _bookings(admin, quarter["id"], owner, rep["id"])
        back, back_kr = await _bookings(
            admin, quarter["id"], owner, rep["id"], pacing={"curve": "back_loaded"}
        )
        clock.pin(DAY_45)
        await check_in(admin, lin_kr["id"], value="900000")
        await check_in(admin, back_kr["id"], value="900000")
        rest_linear = (await get(admin, f"/v1/objectives/{linear['id']}"))["score"]
        rest_back = (await get(admin, f"/v1/objectives/{back['id']}"))["score"]
        listed = await get(admin, f"/v1/objectives?cycle_id={quarter['id']}")
        gql_linear = await _graphql_score(admin, linear["id"])
        gql_back = await _graphql_score(admin, back["id"])

    # Progress 0.30. Linear expects 0.50: at risk. Back-loaded expects p(0.5) = 0.35: on track.
    assert (rest_linear["expected_progress"], rest_linear["track_status"]) == ("0.5000", "at_risk")
    assert (rest_back["expected_progress"], rest_back["track_status"]) == ("0.3500", "on_track")
    by_id = {o["id"]: o["score"]["track_status"] for o in listed["items"]}
    assert by_id == {linear["id"]: "at_risk", back["id"]: "on_track"}
    assert gql_linear == {"expectedProgress": "0.5000", "trackStatus": "AT_RISK"}
    assert gql_back == {"expectedProgress": "0.3500", "trackStatus": "ON_TRACK"}


async def test_an_objective_weighs_its_krs_curves_like_its_progress(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na")
        owner = {"kind": "member", "id": rep["id"]}
        quarter = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
        o, _ = await _bookings(
            admin, quarter["id"], owner, rep["id"], pacing={"curve": "back_loaded"}, weight="3"
        )
        await key_result(
            admin, o["id"], title="Renewals", owner_id=rep["id"], start="0", target="10"
        )
        clock.pin(DAY_45)
        score = (await get(admin, f"/v1/objectives/{o['id']}"))["score"]

    # (0.35 x 3 + 0.50 x 1) / 4 = 0.3875.
    assert score["expected_progress"] == "0.3875"


async def test_a_unit_curve_judges_its_objectives_and_a_roll_up_keeps_the_line(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        lead = await create_member(admin, "Zhao Min", roles=["manager"])
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        sales = await post(
            admin,
            "/v1/units",
            {
                "kind": "department",
                "name": "Sales",
                "parent_id": company["id"],
                "pacing": {"curve": "back_loaded"},
            },
        )
        quarter = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
        unit_owner = {"kind": "unit", "id": sales["id"]}
        roll = await objective(
            admin,
            cycle_id=quarter["id"],
            title="Grow",
            owner={"kind": "unit", "id": company["id"]},
            status="active",
            roll_up=True,
        )
        o = await objective(
            admin,
            cycle_id=quarter["id"],
            title="Win the quarter",
            owner=unit_owner,
            status="active",
            parent_objective_id=roll["id"],
        )
        kr = await key_result(
            admin,
            o["id"],
            title="Bookings",
            owner_id=lead["id"],
            metric_kind="currency",
            currency="CNY",
            start="0",
            target="3000000",
        )
        clock.pin(DAY_45)
        await check_in(admin, kr["id"], value="900000")
        by_unit = (await get(admin, f"/v1/objectives/{o['id']}"))["score"]
        rolled = (await get(admin, f"/v1/objectives/{roll['id']}"))["score"]
        gql = await _graphql_score(admin, o["id"])

    assert (by_unit["expected_progress"], by_unit["track_status"]) == ("0.3500", "on_track")
    assert gql == {"expectedProgress": "0.3500", "trackStatus": "ON_TRACK"}
    # A roll-up objective without KRs of its own: the straight line (0.30 vs 0.50).
    assert rolled["rolled_up"] is True
    assert (rolled["expected_progress"], rolled["track_status"]) == ("0.5000", "at_risk")


async def test_cycle_stats_count_a_back_loaded_kr_on_track(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na")
        owner = {"kind": "member", "id": rep["id"]}
        quarter = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
        _, lin_kr = await _bookings(admin, quarter["id"], owner, rep["id"])
        _, back_kr = await _bookings(
            admin, quarter["id"], owner, rep["id"], pacing={"curve": "back_loaded"}
        )
        clock.pin(DAY_45)
        await check_in(admin, lin_kr["id"], value="900000")
        await check_in(admin, back_kr["id"], value="900000")
        stats = await get(admin, f"/v1/cycles/{quarter['id']}/stats")

    assert stats["key_results_by_track_status"]["on_track"] == 1
    assert stats["key_results_by_track_status"]["at_risk"] == 1
    assert stats["objectives_by_track_status"]["on_track"] == 1
    assert stats["objectives_by_track_status"]["at_risk"] == 1
