"""Quota roll-up over REST and GraphQL (issue 18, DOMAIN.md "Quota roll-up"): team KRs that
contribute to the department's KR of the objective they align to; a sum KR's current value
(now and at ``as_of``), its allocation, the refusals, and a private contributor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from service.storage.postgres import tables as t
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch
from tests.api.test_graph_races import allow_any_alignment
from tests.api.test_graphql import gql

PLANNING = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
MILLION = "1000000"


@dataclass
class Quotas:
    admin: httpx.AsyncClient
    cycle_id: str
    owner_id: str
    department: dict[str, Any]  # the objective
    quota: dict[str, Any]  # its sum KR: 3,000,000 CNY

    async def team(self, *, private_owner: str | None = None, **kr: Any) -> dict[str, Any]:
        """A team objective aligned to the department's, with a KR (1,000,000 CNY unless
        ``kr`` says otherwise); private and owned by ``private_owner`` when given."""
        owner = {"kind": "member", "id": private_owner or self.owner_id}
        extra = {"visibility": "private"} if private_owner else {}
        o = await objective(
            self.admin,
            cycle_id=self.cycle_id,
            title="Team quota",
            owner=owner,
            status="active",
            parent_objective_id=self.department["id"],
            **extra,
        )
        body = {
            "title": "Team bookings",
            "owner_id": private_owner or self.owner_id,
            "metric_kind": "currency",
            "currency": "CNY",
            "start": "0",
            "target": MILLION,
            "contributes_to_key_result_id": self.quota["id"],
            **kr,
        }
        return await key_result(self.admin, o["id"], **body)


async def _quotas(admin: httpx.AsyncClient, clock: SettableClock) -> Quotas:
    clock.pin(PLANNING)
    await allow_any_alignment(admin)
    rep = await create_member(admin, "Sales Lead")
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
    owner = {"kind": "member", "id": rep["id"]}
    dept = await objective(
        admin, cycle_id=cycle["id"], title="Department quota", owner=owner, status="active"
    )
    quota = await key_result(
        admin,
        dept["id"],
        title="Department bookings",
        owner_id=rep["id"],
        metric_kind="currency",
        currency="CNY",
        start="0",
        target="3000000",
        aggregation="sum",
    )
    return Quotas(admin, cycle["id"], rep["id"], dept, quota)


def _problem(response: httpx.Response) -> tuple[int, str, list[tuple[str, str]]]:
    body = response.json()
    return (
        response.status_code,
        body["code"],
        [(e["field"], e["code"]) for e in body.get("errors", [])],
    )


async def test_three_teams_allocate_the_department_a_fourth_over_allocates(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        assert q.quota["aggregation"] == "sum"
        teams = [await q.team() for _ in range(3)]
        assert all(t["contributes_to_key_result_id"] == q.quota["id"] for t in teams)
        allocation = await get(admin, f"/v1/key-results/{q.quota['id']}/allocation")
        assert allocation["status"] == "allocated"
        assert allocation["allocated"] == "3000000"
        assert allocation["difference"] == "0"
        assert [c["key_result_id"] for c in allocation["contributors"]] == [t["id"] for t in teams]
        await q.team()
        allocation = await get(admin, f"/v1/key-results/{q.quota['id']}/allocation")
        assert (allocation["status"], allocation["difference"]) == ("over_allocated", MILLION)


async def test_sum_kr_takes_its_contributors_values_now_and_as_of(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        a, b, c = [await q.team() for _ in range(3)]
        clock.pin(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
        await check_in(admin, a["id"], value="400000")
        await check_in(admin, b["id"], value="300000")
        clock.pin(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))
        await check_in(admin, c["id"], value="200000")
        now = await get(admin, f"/v1/key-results/{q.quota['id']}")
        assert now["current"] == "900000"
        assert now["score"]["progress"] == "0.3000"
        before = await get(admin, f"/v1/key-results/{q.quota['id']}?as_of=2027-02-10T00:00:00Z")
        assert before["current"] == "700000"
        # The objective embeds it with the same figure, and so do the lists.
        dept = await get(admin, f"/v1/objectives/{q.department['id']}")
        assert dept["key_results"][0]["current"] == "900000"
        listed = await get(admin, f"/v1/key-results?objective_id={q.department['id']}")
        assert listed["items"][0]["current"] == "900000"
        body = await gql(
            admin,
            "query($id: UUID!) { keyResult(id: $id) { current aggregation "
            "allocation { status allocated contributors { current } } } }",
            {"id": q.quota["id"]},
        )
        kr = body["data"]["keyResult"]
        assert (kr["current"], kr["aggregation"]) == ("900000", "SUM")
        assert kr["allocation"]["status"] == "ALLOCATED"
        assert sorted(c["current"] for c in kr["allocation"]["contributors"]) == [
            "200000",
            "300000",
            "400000",
        ]


async def test_a_contributor_measured_otherwise_is_refused(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        team = await q.team(contributes_to_key_result_id=None)
        path = f"/v1/objectives/{team['objective_id']}/key-results"
        base = {"title": "x", "owner_id": q.owner_id, "contributes_to_key_result_id": q.quota["id"]}
        usd = await admin.post(path, json={**base, "metric_kind": "currency", "currency": "USD"})
        assert _problem(usd) == (
            422,
            "contribution_incompatible",
            [("contributes_to_key_result_id", "unit_mismatch")],
        )
        down = await admin.post(
            path,
            json={
                **base,
                "metric_kind": "currency",
                "currency": "CNY",
                "start": "10",
                "target": "0",
                "direction": "decrease",
            },
        )
        assert _problem(down) == (
            422,
            "contribution_incompatible",
            [("contributes_to_key_result_id", "direction_mismatch")],
        )
        # A PATCH that sets the link is checked the same way; one that changes the unit
        # of a linked KR too.
        linked = await admin.patch(
            f"/v1/key-results/{team['id']}", json={"contributes_to_key_result_id": q.quota["id"]}
        )
        assert linked.status_code == 200, linked.text
        recur = await admin.patch(f"/v1/key-results/{team['id']}", json={"currency": "EUR"})
        assert _problem(recur)[1] == "contribution_incompatible"


async def test_contributing_outside_the_aligned_to_objective_is_refused(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        loose = await objective(
            admin,
            cycle_id=q.cycle_id,
            title="Not aligned",
            owner={"kind": "member", "id": q.owner_id},
            status="active",
        )
        refused = await admin.post(
            f"/v1/objectives/{loose['id']}/key-results",
            json={
                "title": "x",
                "owner_id": q.owner_id,
                "metric_kind": "currency",
                "currency": "CNY",
                "target": MILLION,
                "contributes_to_key_result_id": q.quota["id"],
            },
        )
        assert _problem(refused) == (
            422,
            "contribution_not_aligned",
            [("contributes_to_key_result_id", "not_aligned")],
        )
        unknown = await admin.post(
            f"/v1/objectives/{loose['id']}/key-results",
            json={
                "title": "x",
                "owner_id": q.owner_id,
                "contributes_to_key_result_id": "01a209b4-22a0-764f-84e2-80f0bf395a35",
            },
        )
        assert _problem(unknown)[:2] == (422, "unknown_reference")


async def test_a_contribution_loop_is_refused(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    """A loop needs a link left from an earlier alignment: b -> c kept when b's objective
    was realigned (stored before realignment unlinked it); then a -> b and c -> a would
    close a -> b -> c -> a."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        a, b, c = await _stale_triangle(q, app)
        await patch(admin, f"/v1/key-results/{a['id']}", {"contributes_to_key_result_id": b["id"]})
        closing = await admin.patch(
            f"/v1/key-results/{c['id']}", json={"contributes_to_key_result_id": a["id"]}
        )
        assert _problem(closing) == (
            422,
            "alignment_cycle",
            [("contributes_to_key_result_id", "alignment_cycle")],
        )


async def _stale_triangle(
    q: Quotas, app: FastAPI
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """KRs a, b, c of objectives A, B, C with b -> c stored while B aligned to C, then the
    alignment moved to C -> A -> B: a -> b and c -> a are each allowed alone. Realigning B
    unlinks b -> c now: the link is written back in the database, as data stored before."""
    admin = q.admin
    owner = {"kind": "member", "id": q.owner_id}
    made = [
        await objective(admin, cycle_id=q.cycle_id, title=n, owner=owner, status="active")
        for n in "ABC"
    ]
    oa, ob, oc = (o["id"] for o in made)
    body = {"title": "k", "owner_id": q.owner_id, "target": "10"}
    a, b, c = [await key_result(admin, o, **body) for o in (oa, ob, oc)]
    await patch(admin, f"/v1/objectives/{ob}", {"parent_objective_id": oc})
    await patch(admin, f"/v1/key-results/{b['id']}", {"contributes_to_key_result_id": c["id"]})
    await patch(admin, f"/v1/objectives/{ob}", {"parent_objective_id": None})
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    async with uow._engine.begin() as conn:
        await conn.execute(
            update(t.key_results)
            .where(t.key_results.c.id == b["id"])
            .values(contributes_to_key_result_id=c["id"])
        )
    await patch(admin, f"/v1/objectives/{oa}", {"parent_objective_id": ob})
    await patch(admin, f"/v1/objectives/{oc}", {"parent_objective_id": oa})
    return a, b, c


async def test_a_private_contributor_counts_only_for_who_may_see_it(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        secret_owner = await create_member(admin, "Secret Rep")
        outsider = await create_member(admin, "Other Rep")
        public = await q.team()
        private = await q.team(private_owner=secret_owner["id"])
        await check_in(admin, public["id"], value="400000")
        await check_in(admin, private["id"], value="250000")
        assert (await get(admin, f"/v1/key-results/{q.quota['id']}"))["current"] == "650000"
        async with acme.as_member(outsider["id"]) as member:
            seen = await get(member, f"/v1/key-results/{q.quota['id']}")
            assert seen["current"] == "400000"
            allocation = await get(member, f"/v1/key-results/{q.quota['id']}/allocation")
            assert [c["key_result_id"] for c in allocation["contributors"]] == [public["id"]]
            assert (allocation["allocated"], allocation["status"]) == (MILLION, "under_allocated")
            dept = await get(member, f"/v1/objectives/{q.department['id']}")
            assert dept["key_results"][0]["current"] == "400000"
        async with acme.as_member(secret_owner["id"]) as owner:
            seen = await get(owner, f"/v1/key-results/{q.quota['id']}")
            assert seen["current"] == "650000"


async def test_graphql_allocation_reads_as_of_the_instant_asked(
    acme: Tenant, clock: SettableClock
) -> None:
    # Its contributors' values as of asOf, as REST's ?as_of= (it read now whatever asked).
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        a, b = [await q.team() for _ in range(2)]
        clock.pin(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
        await check_in(admin, a["id"], value="400000")
        clock.pin(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))
        await check_in(admin, b["id"], value="200000")
        body = await gql(
            admin,
            'query($id: UUID!) { keyResult(id: $id) { allocation(asOf: "2027-02-10T00:00:00Z") '
            "{ contributors { current } } } }",
            {"id": q.quota["id"]},
        )
    currents = [c["current"] for c in body["data"]["keyResult"]["allocation"]["contributors"]]
    # b had no check-in yet on Feb 10: it stood at its start.
    assert currents == ["400000", "0"]
