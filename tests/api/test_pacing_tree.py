"""The alignment tree judged by pacing curves (issue 18, DOMAIN.md "Sales pacing"): each
objective's expected progress is the weighted mean of its KRs' (each by its own curve, else
its owner unit's default, else the organization's), as on the objective itself; a roll-up
objective without KRs that weigh keeps the straight line. REST and GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from domain.tracks import objective_expected_progress, pooled_expected_progress
from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post

# A quarter of 90 days: 2027-01-01 .. 2027-04-01. Day 45 is 2027-02-15: t = 0.5.
PLANNING = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
DAY_45 = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)

_MONTH_END_QUOTAS = {
    "curve": "schedule",
    "schedule": [{"on": "2027-01-31", "value": "300000"}, {"on": "2027-02-28", "value": "1200000"}],
}

_TREE = """
query($cycle: UUID!) {
  alignmentTree(cycleId: $cycle) { nodes { id expectedProgress trackStatus rolledUp } }
}"""


def _rest_nodes(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = list(tree["roots"])
    while stack:
        node = stack.pop()
        found[node["id"]] = node
        stack.extend(node["children"])
    return found


async def _graphql_nodes(client: httpx.AsyncClient, cycle_id: str) -> dict[str, dict[str, Any]]:
    response = await client.post(
        "/graphql", json={"query": _TREE, "variables": {"cycle": cycle_id}}
    )
    body = response.json()
    assert "errors" not in body, body
    return {n["id"]: n for n in body["data"]["alignmentTree"]["nodes"]}


async def _bookings(
    client: httpx.AsyncClient,
    objective_id: str,
    owner_id: str,
    *,
    value: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return await key_result(
        client,
        objective_id,
        title="Bookings",
        owner_id=owner_id,
        metric_kind="currency",
        currency="CNY",
        start="0",
        target="3000000",
        **extra,
    )


async def test_the_tree_judges_objectives_by_their_krs_curves(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(PLANNING)
    async with acme.admin() as admin:
        rep = await create_member(admin, "Li Na", roles=["manager"])
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
        member = {"kind": "member", "id": rep["id"]}

        async def add(title: str, owner: dict[str, str], **extra: Any) -> dict[str, Any]:
            return await objective(
                admin, cycle_id=quarter["id"], title=title, owner=owner, status="active", **extra
            )

        roll = await add("Grow", {"kind": "unit", "id": company["id"]}, roll_up=True)
        linear = await add("Linear", member, parent_objective_id=roll["id"])
        back = await add("Back-loaded KR", member, parent_objective_id=roll["id"])
        by_unit = await add("Sales unit's", {"kind": "unit", "id": sales["id"]})
        mixed = await add("Mixed", {"kind": "unit", "id": sales["id"]})
        quotas = await add("Month-end quotas", {"kind": "unit", "id": sales["id"]})
        krs = [
            await _bookings(admin, linear["id"], rep["id"]),
            await _bookings(admin, back["id"], rep["id"], pacing={"curve": "back_loaded"}),
            await _bookings(admin, by_unit["id"], rep["id"]),
            # Weighed like its progress: the unit's back-loaded curve x 3, its own linear x 1.
            await _bookings(admin, mixed["id"], rep["id"], weight="3"),
            await _bookings(admin, mixed["id"], rep["id"], pacing={"curve": "linear"}),
            # A target schedule: its points come from the KR's start and target.
            await _bookings(admin, quotas["id"], rep["id"], pacing=_MONTH_END_QUOTAS),
        ]
        clock.pin(DAY_45)
        for kr in krs:
            await check_in(admin, kr["id"], value="900000")
        rest = _rest_nodes(await get(admin, f"/v1/cycles/{quarter['id']}/alignment-tree"))
        gql = await _graphql_nodes(admin, quarter["id"])

    # Progress 0.30. Linear expects 0.50: at risk. Back-loaded expects p(0.5) = 0.35: on track.
    expected = {
        linear["id"]: ("0.5000", "at_risk"),
        back["id"]: ("0.3500", "on_track"),
        by_unit["id"]: ("0.3500", "on_track"),
        # (0.35 x 3 + 0.50 x 1) / 4 = 0.3875: on track (0.30 >= 0.2875).
        mixed["id"]: ("0.3875", "on_track"),
        # A roll-up without KRs of its own: the straight line (its 0.30 vs 0.50).
        roll["id"]: ("0.5000", "at_risk"),
    }
    async with acme.admin() as admin:
        # The same figures as the objective's own read (which judges each KR by its curve).
        scores = [(await get(admin, f"/v1/objectives/{o['id']}"))["score"] for o in (quotas,)]
    # 0.1 at t = 0.3333, 0.4 at t = 0.6444 (58/90): p(0.5) = 0.1 + 0.1667 x 0.3 / 0.3111.
    expected[quotas["id"]] = ("0.2608", "on_track")
    assert [(s["expected_progress"], s["track_status"]) for s in scores] == [expected[quotas["id"]]]
    assert {i: (n["expected_progress"], n["track_status"]) for i, n in rest.items()} == expected
    assert {i: (n["expectedProgress"], n["trackStatus"].lower()) for i, n in gql.items()} == (
        expected
    )
    assert rest[roll["id"]]["rolled_up"] is True


_EXPECTED = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
_WEIGHTS = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@given(
    inherited=_EXPECTED,
    inheriting=st.lists(_WEIGHTS, max_size=6),
    own=st.lists(st.tuples(_EXPECTED, _WEIGHTS.filter(lambda w: w > 0)), max_size=4),
)
def test_pooling_the_inheriting_krs_gives_the_mean_over_every_kr(
    inherited: Decimal, inheriting: list[Decimal], own: list[tuple[Decimal, Decimal]]
) -> None:
    # What the tree reads (the total weight and the KRs with a curve of their own) gives
    # exactly the per-KR weighted mean an objective's own read computes.
    straight_line = Decimal("0.5")
    every_kr = [(inherited, w) for w in inheriting] + own
    total = sum((w for _, w in every_kr), Decimal(0))
    assert pooled_expected_progress(total, inherited, own, straight_line) == (
        objective_expected_progress(every_kr, straight_line)
    )
