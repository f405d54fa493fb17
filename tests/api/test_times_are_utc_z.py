"""Every instant the API answers is RFC 3339 in UTC with ``Z``, over REST and GraphQL alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective
from tests.api.test_graphql import gql

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")

OBJECTIVE = """
query($id: UUID!) {
  objective(id: $id) {
    createdAt updatedAt
    keyResults { createdAt updatedAt lastCheckInAt checkIns(first: 5) { nodes { createdAt } } }
  }
}"""
TREE = """
query($cycle: UUID!, $asOf: String) { alignmentTree(cycleId: $cycle, asOf: $asOf) { asOf } }"""


async def _checked_in(admin: httpx.AsyncClient, admin_id: str) -> tuple[str, str, str]:
    """A cycle, an objective in it and a KR checked in on: their ids."""
    cycle = await active_cycle(admin, "Q1 2027", "quarter", "2027-01-01", "2027-03-31")
    goal = await objective(admin, cycle_id=cycle["id"], title="Win the east", status="active")
    kr = await key_result(admin, goal["id"], title="Ten customers", target=10, owner_id=admin_id)
    await check_in(admin, kr["id"], value=3)
    return str(cycle["id"]), str(goal["id"]), str(kr["id"])


def _instants(data: Any) -> list[str]:
    """Every value of a field named like an instant (``*At``, ``*_at``, ``asOf``, ``as_of``)."""
    if isinstance(data, list):
        return [i for item in data for i in _instants(item)]
    if not isinstance(data, dict):
        return []
    found: list[str] = []
    for key, value in data.items():
        if isinstance(value, str) and re.search(r"(At|_at|asOf|as_of)$", key):
            found.append(value)
        else:
            found.extend(_instants(value))
    return found


async def test_graphql_objective_and_check_in_times_end_in_z(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        _, goal_id, _ = await _checked_in(admin, str(acme.admin_id))

        answer = await gql(admin, OBJECTIVE, {"id": goal_id})

    assert "errors" not in answer, answer
    found = _instants(answer["data"])
    assert len(found) == 6, found  # createdAt, updatedAt; the KR's three; one check-in
    assert all(UTC_Z.match(t) for t in found), found


async def test_rest_objective_and_check_in_times_end_in_z(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        _, goal_id, kr_id = await _checked_in(admin, str(acme.admin_id))

        found = _instants(await get(admin, f"/v1/objectives/{goal_id}"))
        found += _instants(await get(admin, f"/v1/key-results/{kr_id}/check-ins"))

    assert len(found) >= 3, found
    assert all(UTC_Z.match(t) for t in found), found


async def test_the_echoed_as_of_is_utc_with_z_over_rest_and_graphql(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        cycle_id, _, _ = await _checked_in(admin, str(acme.admin_id))
        asked = "2027-02-14T10:30:00+02:00"

        rest = await admin.get(f"/v1/cycles/{cycle_id}/alignment-tree", params={"as_of": asked})
        graphql = await gql(admin, TREE, {"cycle": cycle_id, "asOf": asked})
        by_date = await gql(admin, TREE, {"cycle": cycle_id, "asOf": "2027-02-14"})

    assert rest.status_code == 200, rest.text
    assert rest.json()["as_of"] == "2027-02-14T08:30:00Z"
    assert graphql["data"]["alignmentTree"]["asOf"] == "2027-02-14T08:30:00Z"
    assert UTC_Z.match(by_date["data"]["alignmentTree"]["asOf"]), by_date


async def test_audit_snapshots_say_z_too(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        await _checked_in(admin, str(acme.admin_id))
        events = await get(admin, "/v1/audit-events?limit=100")

    found = _instants(events["items"])
    assert found, events
    assert all(UTC_Z.match(t) for t in found), found
