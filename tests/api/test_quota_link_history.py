"""A sum KR read as of an instant adds the contributors linked *then* (issue 18, DOMAIN.md
"Quota roll-up", ``as_of``): a KR linked later does not add its earlier check-ins, an
unlinked one still counts before its unlink, a moved one counts under each sum in its own
period. Storage keeps ``key_result_contributions`` (migration 0029) on every change of a
link, whatever path writes it: its open row is always the KR's current link."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, cast
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from service.storage.postgres import tables as t
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import check_in, get, key_result, objective, patch
from tests.api.test_graphql import gql
from tests.api.test_quota_rollup import PLANNING, Quotas, _quotas
from tests.api.test_rest_okr_counts import sql_statements

FEB_1 = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
FEB_15 = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)
FEB_20 = datetime(2027, 2, 20, 9, 0, tzinfo=UTC)
MAR_1 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
BEFORE = "2027-02-10T00:00:00Z"  # between the check-ins and the link's change
AFTER = "2027-02-25T00:00:00Z"


async def _current(admin: httpx.AsyncClient, kr_id: str, as_of: str | None = None) -> Any:
    query = f"?as_of={as_of}" if as_of else ""
    return (await get(admin, f"/v1/key-results/{kr_id}{query}"))["current"]


async def _second_sum(q: Quotas) -> dict[str, Any]:
    """Another sum KR of the department's objective: its teams may add into either."""
    return await key_result(
        q.admin,
        q.department["id"],
        title="Department renewals",
        owner_id=q.owner_id,
        metric_kind="currency",
        currency="CNY",
        start="0",
        target="3000000",
        aggregation="sum",
    )


async def _linked_later(admin: httpx.AsyncClient, clock: SettableClock) -> Quotas:
    """Two team KRs checked in on Feb 1 (400,000 and 300,000): the first adds into the
    department's sum from the start, the second only from Feb 15; read on Mar 1."""
    q = await _quotas(admin, clock)
    a = await q.team()
    b = await q.team(contributes_to_key_result_id=None)
    clock.pin(FEB_1)
    await check_in(admin, a["id"], value="400000")
    await check_in(admin, b["id"], value="300000")
    clock.pin(FEB_15)
    await patch(
        admin, f"/v1/key-results/{b['id']}", {"contributes_to_key_result_id": q.quota["id"]}
    )
    clock.pin(MAR_1)
    return q


async def test_a_kr_linked_later_adds_only_from_its_link_on(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _linked_later(admin, clock)
        assert await _current(admin, q.quota["id"], BEFORE) == "400000"
        assert await _current(admin, q.quota["id"], AFTER) == "700000"
        assert await _current(admin, q.quota["id"]) == "700000"


async def test_an_unlinked_kr_still_counts_before_its_unlink(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        a, b = [await q.team() for _ in range(2)]
        clock.pin(FEB_1)
        await check_in(admin, a["id"], value="400000")
        await check_in(admin, b["id"], value="300000")
        clock.pin(FEB_15)
        await patch(admin, f"/v1/key-results/{b['id']}", {"contributes_to_key_result_id": None})
        clock.pin(MAR_1)
        assert await _current(admin, q.quota["id"], BEFORE) == "700000"
        assert await _current(admin, q.quota["id"], AFTER) == "400000"
        assert await _current(admin, q.quota["id"]) == "400000"
        # The allocation reads the same links at the instant.
        allocation = await get(admin, f"/v1/key-results/{q.quota['id']}/allocation?as_of={BEFORE}")
        assert [c["key_result_id"] for c in allocation["contributors"]] == [a["id"], b["id"]]


async def test_a_kr_moved_between_sums_counts_under_each_in_its_period(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        renewals = await _second_sum(q)
        team = await q.team()
        clock.pin(FEB_1)
        await check_in(admin, team["id"], value="400000")
        clock.pin(FEB_15)
        await patch(
            admin, f"/v1/key-results/{team['id']}", {"contributes_to_key_result_id": renewals["id"]}
        )
        clock.pin(FEB_20)
        await check_in(admin, team["id"], value="500000")
        clock.pin(MAR_1)
        assert await _current(admin, q.quota["id"], BEFORE) == "400000"
        assert await _current(admin, renewals["id"], BEFORE) is None  # nothing added in yet
        assert await _current(admin, q.quota["id"], AFTER) is None
        assert await _current(admin, renewals["id"], AFTER) == "500000"


async def test_graphql_reads_the_links_as_of_the_instant_asked(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _linked_later(admin, clock)
        query = "query($id: UUID!, $asOf: String) { keyResult(id: $id, asOf: $asOf) { current } }"
        currents = [
            (await gql(admin, query, {"id": q.quota["id"], "asOf": as_of}))["data"]["keyResult"][
                "current"
            ]
            for as_of in (BEFORE, AFTER)
        ]
        assert currents == ["400000", "700000"]


# -- the history itself ------------------------------------------------------------------


async def _history(app: FastAPI, organization_id: UUID) -> tuple[dict[UUID, Any], list[Any]]:
    """Each KR's current link, and every history row, of the organization (read directly)."""
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    k, h = t.key_results, t.key_result_contributions
    async with uow._engine.connect() as conn:
        links = await conn.execute(
            select(k.c.id, k.c.contributes_to_key_result_id).where(
                k.c.organization_id == organization_id
            )
        )
        rows = await conn.execute(
            select(h).where(h.c.organization_id == organization_id).order_by(h.c.valid_from)
        )
        return {r.id: r.contributes_to_key_result_id for r in links}, list(rows)


async def test_the_open_row_is_always_the_current_link_and_periods_never_overlap(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        renewals = await _second_sum(q)
        team = await q.team()  # created linked
        doomed = await q.team()  # created linked, then deleted (no check-ins)
        clock.pin(FEB_1)
        path = f"/v1/key-results/{team['id']}"
        await patch(admin, path, {"contributes_to_key_result_id": renewals["id"]})
        # Two changes at one instant (a pinned or coarse clock): the last one holds from it.
        await patch(admin, path, {"contributes_to_key_result_id": q.quota["id"]})
        await patch(admin, path, {"contributes_to_key_result_id": renewals["id"]})
        assert (await admin.delete(f"/v1/key-results/{doomed['id']}")).status_code == 204
        clock.pin(FEB_15)
        # Realigning the team's objective away unlinks its KR (service/quotas.py).
        elsewhere = await objective(
            admin,
            cycle_id=q.cycle_id,
            title="Elsewhere",
            owner={"kind": "member", "id": q.owner_id},
            status="active",
        )
        await patch(
            admin,
            f"/v1/objectives/{team['objective_id']}",
            {"parent_objective_id": elsewhere["id"]},
        )
        assert (await get(admin, path))["contributes_to_key_result_id"] is None
        relinked = await q.team()  # another, linked at its creation
    links, rows = await _history(app, acme.organization_id)
    by_kr: dict[UUID, list[Any]] = defaultdict(list)
    for row in rows:
        by_kr[row.key_result_id].append(row)
    assert UUID(doomed["id"]) not in by_kr  # its history went with it
    for kr_id, link in links.items():
        periods = by_kr.get(kr_id, [])
        open_rows = [r.into_key_result_id for r in periods if r.valid_to is None]
        assert open_rows == ([] if link is None else [link]), kr_id
        for earlier, later in pairwise(periods):
            assert earlier.valid_to is not None
            assert earlier.valid_to <= later.valid_from
        assert all(r.valid_to is None or r.valid_from < r.valid_to for r in periods)
    team_periods = [
        (r.into_key_result_id, r.valid_from, r.valid_to) for r in by_kr[UUID(team["id"])]
    ]
    assert team_periods == [
        (UUID(q.quota["id"]), PLANNING, FEB_1),
        (UUID(renewals["id"]), FEB_1, FEB_15),
    ]
    assert [r.valid_from for r in by_kr[UUID(relinked["id"])]] == [FEB_15]


async def test_a_sum_read_as_of_takes_as_many_statements_whatever_its_contributors(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        first = await q.team()
        clock.pin(FEB_1)
        await check_in(admin, first["id"], value="100000")
        path = f"/v1/key-results/{q.quota['id']}?as_of={BEFORE}"
        clock.pin(MAR_1)
        with sql_statements(app) as one:
            await get(admin, path)
        clock.pin(FEB_1)
        for _ in range(3):
            await check_in(admin, (await q.team())["id"], value="100000")
        clock.pin(MAR_1)
        with sql_statements(app) as four:
            assert (await get(admin, path))["current"] == "400000"
    assert len(four) == len(one) == STATEMENTS_OF_A_SUM_READ_AS_OF


# Measured before the link history (the read of one sum KR as of an instant, REST).
STATEMENTS_OF_A_SUM_READ_AS_OF = 6


async def _aggregation_switch(
    admin: httpx.AsyncClient, kr_id: str, aggregation: str
) -> tuple[int, str | None, list[str]]:
    answer = await admin.patch(f"/v1/key-results/{kr_id}", json={"aggregation": aggregation})
    body = answer.json()
    fields = [e["field"] for e in body.get("errors", [])] if answer.status_code >= 400 else []
    return answer.status_code, body.get("code"), fields


async def test_aggregation_is_fixed_once_a_kr_has_a_past(
    acme: Tenant, clock: SettableClock
) -> None:
    """As-of reads take a KR's aggregation as it is now: switching it after check-ins or
    contributions would rewrite its history, so it is refused (409) and changes nothing."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        team = await q.team()
        clock.pin(FEB_1)
        await check_in(admin, team["id"], value="400000")
        # A sum that contributors add (or added) into stays a sum...
        assert await _aggregation_switch(admin, q.quota["id"], "none") == (
            409,
            "aggregation_has_history",
            ["aggregation"],
        )
        await patch(admin, f"/v1/key-results/{team['id']}", {"contributes_to_key_result_id": None})
        assert (await _aggregation_switch(admin, q.quota["id"], "none"))[:2] == (
            409,
            "aggregation_has_history",
        )
        # ... and a KR with check-ins of its own does not become one.
        assert (await _aggregation_switch(admin, team["id"], "sum"))[:2] == (
            409,
            "aggregation_has_history",
        )
        assert (await get(admin, f"/v1/key-results/{q.quota['id']}"))["aggregation"] == "sum"
        assert (await get(admin, f"/v1/key-results/{team['id']}"))["aggregation"] == "none"
        # Before any past, either way is free.
        fresh = await _second_sum(q)
        assert (await _aggregation_switch(admin, fresh["id"], "none"))[0] == 200
        assert (await _aggregation_switch(admin, fresh["id"], "sum"))[0] == 200


# -- review of issue 18: races, a plain KR added into, a clock behind, deleting a past ------


async def _plain(q: Quotas, **extra: Any) -> dict[str, Any]:
    """A CNY KR of the department's objective (its own value unless ``aggregation`` says)."""
    return await key_result(
        q.admin,
        q.department["id"],
        title="Plain",
        owner_id=q.owner_id,
        metric_kind="currency",
        currency="CNY",
        start="0",
        target="3000000",
        **extra,
    )


async def _check_in_count(admin: httpx.AsyncClient, kr_id: str) -> int:
    body = await get(admin, f"/v1/key-results/{kr_id}/check-ins")
    return len(body["items"])


async def test_a_plain_kr_others_added_into_stays_plain(acme: Tenant, clock: SettableClock) -> None:
    """Links into a plain KR are allowed; once it has had one, making it a sum would make
    its earlier reads add its contributors up: refused, its past reads unchanged."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        plain = await _plain(q)
        team = await q.team(contributes_to_key_result_id=plain["id"])
        clock.pin(FEB_1)
        await check_in(admin, team["id"], value="400000")
        clock.pin(MAR_1)
        before = await _current(admin, plain["id"], BEFORE)
        assert await _aggregation_switch(admin, plain["id"], "sum") == (
            409,
            "aggregation_has_history",
            ["aggregation"],
        )
        assert await _current(admin, plain["id"], BEFORE) == before


async def test_a_check_in_racing_a_switch_to_sum_never_leaves_a_sum_with_check_ins(
    acme: Tenant, clock: SettableClock
) -> None:
    """Whichever commits first wins; the other is refused (409 for the switch, 422
    ``sum_key_result`` for the check-in), never a 500, never a sum holding a check-in."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        clock.reset()
        bad, statuses = [], set()
        for i in range(20):
            kr = await _plain(q)
            path = f"/v1/key-results/{kr['id']}"
            switch, posted = await asyncio.gather(
                admin.patch(path, json={"aggregation": "sum"}),
                admin.post(f"{path}/check-ins", json={"value": "5"}),
            )
            statuses.add((switch.status_code, posted.status_code))
            if posted.status_code == 422:
                assert posted.json()["code"] == "sum_key_result"
            aggregation = (await get(admin, path))["aggregation"]
            if aggregation == "sum" and await _check_in_count(admin, kr["id"]):
                bad.append((i, switch.status_code, posted.status_code))
        assert not bad, bad
        assert statuses <= {(200, 422), (409, 201)}, statuses


async def test_a_link_racing_a_switch_to_plain_never_leaves_a_sum_past_rewritten(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    """A switch of aggregation takes the alignment graph's lock, as a link does: a link made
    while the KR was a sum makes its switch refused; one made after it adds into a plain KR."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        clock.reset()
        bad, statuses = [], set()
        for i in range(30):
            s = await _plain(q, aggregation="sum")
            team = await q.team(contributes_to_key_result_id=None)

            async def switch(s_id: str = s["id"], delay: float = (i % 10) * 0.001) -> Any:
                await asyncio.sleep(delay)
                return await admin.patch(f"/v1/key-results/{s_id}", json={"aggregation": "none"})

            switched, linked = await asyncio.gather(
                switch(),
                admin.patch(
                    f"/v1/key-results/{team['id']}",
                    json={"contributes_to_key_result_id": s["id"]},
                ),
            )
            statuses.add((switched.status_code, linked.status_code))
            if (switched.status_code, linked.status_code) != (200, 200):
                continue
            periods = await _periods(app, team["id"])
            switched_at = datetime.fromisoformat(
                (await get(admin, f"/v1/key-results/{s['id']}"))["updated_at"]
            )
            if periods[0].valid_from < switched_at:
                bad.append((i, periods[0].valid_from, switched_at))
        assert not bad, bad
        assert statuses <= {(200, 200), (409, 200)}, statuses


async def _periods(app: FastAPI, kr_id: str) -> list[Any]:
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    h = t.key_result_contributions
    async with uow._engine.connect() as conn:
        rows = await conn.execute(
            select(h).where(h.c.key_result_id == UUID(kr_id)).order_by(h.c.valid_from)
        )
        return list(rows)


async def test_a_change_dated_before_the_last_period_does_not_erase_it(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    """A replica whose clock is behind dates a link's change before the link's period: the
    period is kept (closed just after its start), the sum keeps its past, the open row
    is still the current link."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        other = await _plain(q, aggregation="sum")
        team = await q.team()
        path = f"/v1/key-results/{team['id']}"
        clock.pin(FEB_15)
        await patch(admin, path, {"contributes_to_key_result_id": other["id"]})
        clock.pin(FEB_20)
        await check_in(admin, team["id"], value="500000")
        clock.pin(FEB_1)  # another replica, its clock two weeks behind (exaggerated)
        await patch(admin, path, {"title": "Renamed"})
        await patch(admin, path, {"contributes_to_key_result_id": None})
        await patch(admin, path, {"contributes_to_key_result_id": q.quota["id"]})
        await patch(admin, path, {"contributes_to_key_result_id": None})
        periods = [
            (r.into_key_result_id, r.valid_from, r.valid_to)
            for r in await _periods(app, team["id"])
        ]
        quota, sum_kr = UUID(q.quota["id"]), UUID(other["id"])
        assert [p[0] for p in periods] == [quota, sum_kr, quota], periods
        assert all(to is not None and start < to for _, start, to in periods), periods
        assert periods[1][1] == FEB_15
        # The sum added into keeps its past: it stays a sum and is not deleted.
        assert (await _aggregation_switch(admin, other["id"], "none"))[:2] == (
            409,
            "aggregation_has_history",
        )


async def test_a_sum_whose_contributors_were_all_unlinked_keeps_its_past(
    acme: Tenant, clock: SettableClock
) -> None:
    """Deleting it would drop what they added up to then (its history goes with it): 409
    ``key_result_has_history``, as a KR with check-ins keeps its own."""
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        team = await q.team()
        clock.pin(FEB_1)
        await check_in(admin, team["id"], value="400000")
        clock.pin(FEB_15)
        await patch(admin, f"/v1/key-results/{team['id']}", {"contributes_to_key_result_id": None})
        clock.pin(MAR_1)
        answer = await admin.delete(f"/v1/key-results/{q.quota['id']}")
        assert (answer.status_code, answer.json()["code"]) == (409, "key_result_has_history")
        assert await _current(admin, q.quota["id"], BEFORE) == "400000"
        # A sum never added into goes as before.
        fresh = await _second_sum(q)
        assert (await admin.delete(f"/v1/key-results/{fresh['id']}")).status_code == 204
