"""Sum KRs in every figure (issue 18, review finding 1): a department's sum KR counts its
contributors' sum in the alignment tree, unit scores, cycle stats (grades, committed met /
missed), roll-ups and the 360 OKR score, as on its own GET: never at its start. Each reader
gets the sum over the contributors they may see (a private one is left out, as in the KR's
own read), so nothing is recoverable by subtraction. The hourly sweep never calls a sum KR
stale and judges it on its sum.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from service.key_result_tracks import sweep_key_result_tracks
from service.reviews import okr_scores
from service.storage.postgres import tables as t
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective
from tests.api.test_events_feed import feed
from tests.api.test_graph_races import allow_any_alignment

PLANNING = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
MID_QUARTER = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)
CNY = {"metric_kind": "currency", "currency": "CNY", "start": "0", "title": "Bookings"}


class Sales:
    """A department objective (committed) whose only KR sums a public team KR at 900,000
    and a private team KR at 100,000 into its 1,000,000; the rep may not see the private one."""

    dept: dict[str, Any]
    quota: dict[str, Any]
    team_o: dict[str, Any]
    secret_o: dict[str, Any]
    team_id: str
    cycle_id: str
    rep_id: str
    secret_id: str


async def _sales(admin: httpx.AsyncClient, clock: SettableClock) -> Sales:
    clock.pin(PLANNING)
    await allow_any_alignment(admin)
    s = Sales()
    s.rep_id = (await create_member(admin, "Sales Lead"))["id"]
    s.secret_id = (await create_member(admin, "Secret Rep"))["id"]
    s.cycle_id = (await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01"))["id"]

    async def obj(title: str, owner: str, **body: Any) -> dict[str, Any]:
        return await objective(
            admin,
            cycle_id=s.cycle_id,
            title=title,
            owner={"kind": "member", "id": owner},
            status="active",
            **body,
        )

    s.dept = await obj("Department", s.rep_id, ambition="committed")
    s.quota = await key_result(
        admin, s.dept["id"], owner_id=s.rep_id, target="1000000", aggregation="sum", **CNY
    )
    s.team_o = await obj("Team", s.rep_id, parent_objective_id=s.dept["id"])
    team = await key_result(
        admin,
        s.team_o["id"],
        owner_id=s.rep_id,
        target="1000000",
        contributes_to_key_result_id=s.quota["id"],
        **CNY,
    )
    s.secret_o = await obj(
        "Private team", s.secret_id, parent_objective_id=s.dept["id"], visibility="private"
    )
    secret = await key_result(
        admin,
        s.secret_o["id"],
        owner_id=s.secret_id,
        target="1000000",
        contributes_to_key_result_id=s.quota["id"],
        **CNY,
    )
    s.team_id = team["id"]
    await check_in(admin, team["id"], value="900000")
    await check_in(admin, secret["id"], value="100000")
    clock.pin(MID_QUARTER)
    return s


async def _reported_status(app: FastAPI, kr_id: str) -> str | None:
    """What the track events last reported of a KR (its row's ``reported_track_status``)."""
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    async with uow._engine.connect() as conn:
        k = t.key_results
        found = await conn.scalar(select(k.c.reported_track_status).where(k.c.id == kr_id))
    return cast(str | None, found)


def _progress_by_title(tree: dict[str, Any]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}

    def visit(node: dict[str, Any]) -> None:
        found[node["title"]] = node["progress"]
        for child in node["children"]:
            visit(child)

    for root in tree["roots"]:
        visit(root)
    return found


async def test_a_sum_kr_counts_its_sum_in_the_tree_scores_and_stats(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        s = await _sales(admin, clock)
        quota = await get(admin, f"/v1/key-results/{s.quota['id']}")
        assert quota["current"] == "1000000"
        tree = await get(admin, f"/v1/cycles/{s.cycle_id}/alignment-tree")
        assert _progress_by_title(tree) == {
            "Department": "1.0000",
            "Team": "0.9000",
            "Private team": "0.1000",
        }
        dept = tree["roots"][0]
        assert (dept["grade"], dept["track_status"]) == ("green", "on_track")
        scores = await get(admin, f"/v1/cycles/{s.cycle_id}/unit-scores")
        # (1.0 + 0.9 + 0.1) / 3; the department at its start would give 0.3333.
        assert scores["company"] == {"score": "0.6667", "objectives": 3}
        stats = await get(admin, f"/v1/cycles/{s.cycle_id}/stats")
        assert stats["committed"] == {"total": 1, "met": 1, "missed": 0}
        # The quota (committed: green at 1.0) and the team's KR; the private team's is red.
        assert stats["key_results_by_grade"] == {"red": 1, "yellow": 0, "green": 2, "none": 0}


async def test_a_reader_gets_the_sum_over_the_contributors_they_may_see(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        s = await _sales(admin, clock)
    async with acme.as_member(UUID(s.rep_id)) as rep:
        quota = await get(rep, f"/v1/key-results/{s.quota['id']}")
        assert quota["current"] == "900000"
        tree = await get(rep, f"/v1/cycles/{s.cycle_id}/alignment-tree")
        # Not 1.0000: the private team's 100,000 cannot be recovered by subtraction.
        assert _progress_by_title(tree) == {"Department": "0.9000", "Team": "0.9000"}
        scores = await get(rep, f"/v1/cycles/{s.cycle_id}/unit-scores")
        assert scores["company"] == {"score": "0.9000", "objectives": 2}
        stats = await get(rep, f"/v1/cycles/{s.cycle_id}/stats")
        assert stats["committed"] == {"total": 1, "met": 0, "missed": 1}
        # The quota at 0.9 misses its committed 1.0 (yellow), not red at its start.
        assert stats["key_results_by_grade"] == {"red": 0, "yellow": 1, "green": 1, "none": 0}


async def test_a_roll_up_objective_above_a_sum_kr_rolls_its_sum_up(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        s = await _sales(admin, clock)
        company = await objective(
            admin,
            cycle_id=s.cycle_id,
            title="Company",
            owner={"kind": "member", "id": s.rep_id},
            status="active",
            roll_up=True,
        )
        moved = await admin.patch(
            f"/v1/objectives/{s.dept['id']}", json={"parent_objective_id": company["id"]}
        )
        assert moved.status_code == 200, moved.text
        rolled = await get(admin, f"/v1/objectives/{company['id']}")
        assert rolled["score"]["progress"] == "1.0000"
        tree = await get(admin, f"/v1/cycles/{s.cycle_id}/alignment-tree")
        assert _progress_by_title(tree)["Company"] == "1.0000"


async def test_the_360_okr_score_counts_a_sum_kr_at_its_sum(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        s = await _sales(admin, clock)
    deps = app.state.okr.services.deps
    async with deps.read() as uow:
        org = await uow.organizations.get(acme.organization_id)
        assert org is not None
        scores = await okr_scores(uow, org, UUID(s.cycle_id), [UUID(s.rep_id)], MID_QUARTER)
    # The rep owns the department (1.0: every contributor counts for a review, as for
    # SEES_EVERYTHING) and the team (0.9); at its start the department would give 0.45.
    assert scores[UUID(s.rep_id)] == Decimal("0.9500")


async def test_the_sweep_never_calls_a_sum_kr_stale_and_judges_it_on_its_sum(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        s = await _sales(admin, clock)  # the quota was created on 2027-01-02, never checked in
        await sweep_key_result_tracks(app.state.okr.services.deps)
        events = await feed(admin)
    about_quota = [e for e in events if e["key_result_id"] == s.quota["id"]]
    assert [e["type"] for e in about_quota if e["type"] == "key_result.stale"] == []
    # Judged on its sum (0.9 of its public contributors at mid-quarter: on track), not at
    # its start (off track). Its events reach every reader of the quota, so the sum counts
    # no private contributor (whose value would be recoverable by subtraction).
    assert await _reported_status(app, s.quota["id"]) == "on_track"
    async with acme.as_member(UUID(s.rep_id)) as rep:
        due = await get(rep, "/v1/me/updates-due")
        stale = await get(rep, "/v1/key-results?stale=true")
    # The team KR the rep owns fell due (weekly, last checked in on 2027-01-02); the quota not.
    assert [d["id"] for d in due["items"]] == [s.team_id]
    # Nor does the list of stale KRs name the quota (its value is its contributors').
    assert s.quota["id"] not in [k["id"] for k in stale["items"]]
    assert s.team_id in [k["id"] for k in stale["items"]]
