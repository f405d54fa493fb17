"""KR track events (issue 17): ``key_result.track_status_changed`` at the check-in and by the
sweep, ``key_result.stale`` once per stale spell, with a fixed clock.

Q2 2026 runs from April 1 to June 30 (90 days): on May 16 half of it has passed (expected
progress 0.5). With the default margins a KR is on track from 0.4, at risk from 0.25.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cycles import Cycle, CycleState
from domain.members import Member
from domain.okrs import Cadence, KeyResult, ObjectiveStatus
from service import kpis
from service.audit import list_audit_events
from service.checkins import BulkItem, NewCheckIn, check_in, check_in_bulk
from service.context import Deps
from service.events import read_events
from service.key_result_tracks import sweep_key_result_tracks
from service.okr_ports import AuditFilter
from service.pagination import PageRequest
from service.storage.postgres import tables as t
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

APRIL_1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
MAY_16 = datetime(2026, 5, 16, 9, 0, tzinfo=UTC)
TRACKED = ("key_result.track_status_changed", "key_result.stale")


@dataclass(frozen=True)
class World:
    acme: Tenant
    ann: Member
    q2: Cycle


async def _world(deps: Deps, clock: FixedClock) -> World:
    clock.current = APRIL_1
    acme = await make.tenant(deps, time_zone="UTC")
    ann = await make.member(deps, acme, "Ann")
    q2 = await make.cycle(deps, acme, state=CycleState.ACTIVE)
    return World(acme, ann, q2)


async def _kr(
    deps: Deps,
    w: World,
    *,
    status: ObjectiveStatus = ObjectiveStatus.ACTIVE,
    cadence: Cadence = Cadence.MONTHLY,
) -> KeyResult:
    grow = await make.objective(deps, w.ann, w.q2, status=status)
    return await make.key_result(
        deps, w.ann, grow, owner=w.ann, target=Decimal(100), cadence=cadence
    )


async def _check_in(deps: Deps, w: World, kr: KeyResult, value: int) -> None:
    await check_in(deps, principal_of(w.ann), kr.id, NewCheckIn(value=Decimal(value)))


async def _tracked(deps: Deps, w: World, kr: KeyResult) -> list[tuple[str, dict[str, Any]]]:
    """The KR's track events, oldest first, with their payloads (the audit event's after)."""
    found = await list_audit_events(
        deps, w.acme.admin, AuditFilter(resource_id=kr.id), PageRequest(limit=200)
    )
    return [(e.action, e.after or {}) for e in found.items if e.action in TRACKED]


async def test_a_check_in_that_moves_the_status_records_it_once(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    kr = await _kr(deps, w)
    clock.current = MAY_16
    await _check_in(deps, w, kr, 60)  # 0.6 of 0.5 expected: on track, as a new KR starts
    assert await _tracked(deps, w, kr) == []

    await _check_in(deps, w, kr, 10)  # 0.1: off track
    events = await _tracked(deps, w, kr)
    assert events == [
        (
            "key_result.track_status_changed",
            {
                "objective_id": str(kr.objective_id),
                "from": "on_track",
                "to": "off_track",
                "progress": "0.1000",
                "expected_progress": "0.5000",
                "at": "2026-05-16T09:00:00Z",
            },
        )
    ]
    await _check_in(deps, w, kr, 12)  # still off track: nothing new
    assert len(await _tracked(deps, w, kr)) == 1
    # It is in the feed, about the KR and its objective.
    page = await read_events(deps, w.acme.admin, after=None, limit=200)
    changed = [e.event for e in page.items if e.event.type == TRACKED[0]]
    assert [(e.key_result_id, e.objective_id) for e in changed] == [(kr.id, kr.objective_id)]
    assert changed[0].link == f"/v1/key-results/{kr.id}"


async def test_a_bulk_check_in_reports_its_krs_status(deps: Deps, clock: FixedClock) -> None:
    w = await _world(deps, clock)
    behind, ahead = await _kr(deps, w), await _kr(deps, w)
    clock.current = MAY_16
    items = [
        BulkItem(behind.id, NewCheckIn(value=Decimal(5), external_id="a")),
        BulkItem(behind.id, NewCheckIn(value=Decimal(30), external_id="b")),  # at risk
        BulkItem(ahead.id, NewCheckIn(value=Decimal(90), external_id="c")),
    ]
    await check_in_bulk(deps, principal_of(w.ann), items)
    assert [(a, e["from"], e["to"]) for a, e in await _tracked(deps, w, behind)] == [
        ("key_result.track_status_changed", "on_track", "at_risk")
    ]
    assert await _tracked(deps, w, ahead) == []


async def test_a_kpi_reading_reports_its_krs_status_at_once(deps: Deps, clock: FixedClock) -> None:
    # A KR following a KPI is checked in by each reading: its status moves then, in the
    # reading's transaction, not an hour later by the sweep.
    w = await _world(deps, clock)
    kr = await _kr(deps, w)
    admin = w.acme.admin
    pipeline = await kpis.create_kpi(deps, admin, kpis.NewKpi(name="Pipeline", target=Decimal(100)))
    await kpis.link_key_result(deps, admin, kr.id, pipeline.kpi.id)
    clock.current = MAY_16
    await kpis.record_measurement(deps, admin, pipeline.kpi.id, kpis.NewMeasurement(Decimal(10)))
    assert [(a, e["from"], e["to"]) for a, e in await _tracked(deps, w, kr)] == [
        ("key_result.track_status_changed", "on_track", "off_track")
    ]


async def test_the_sweep_reports_a_calendar_drift_once(deps: Deps, clock: FixedClock) -> None:
    w = await _world(deps, clock)
    kr = await _kr(deps, w)
    clock.current = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)
    await _check_in(deps, w, kr, 10)  # 0.1 of 0.04 expected: on track
    await sweep_key_result_tracks(deps)
    assert await _tracked(deps, w, kr) == []

    clock.current = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)  # 0.3333 expected: at risk
    assert await sweep_key_result_tracks(deps, limit=2) >= 1  # in batches of two KRs
    events = await _tracked(deps, w, kr)
    assert [(a, e["from"], e["to"], e["expected_progress"]) for a, e in events] == [
        ("key_result.track_status_changed", "on_track", "at_risk", "0.3333")
    ]
    assert await sweep_key_result_tracks(deps) == 0
    assert len(await _tracked(deps, w, kr)) == 1


async def test_a_stale_kr_is_reported_once_per_spell(deps: Deps, clock: FixedClock) -> None:
    w = await _world(deps, clock)
    kr = await _kr(deps, w, cadence=Cadence.WEEKLY)
    clock.current = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    await _check_in(deps, w, kr, 100)  # done: on track whatever the calendar says
    clock.current = datetime(2026, 4, 9, 9, 0, tzinfo=UTC)  # due now: not yet stale
    await sweep_key_result_tracks(deps)
    assert await _tracked(deps, w, kr) == []

    clock.current = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    await sweep_key_result_tracks(deps)
    await sweep_key_result_tracks(deps)
    stale = await _tracked(deps, w, kr)
    assert [(a, e["stale_since"], e["cadence"]) for a, e in stale] == [
        ("key_result.stale", "2026-04-09T09:00:00Z", "weekly")
    ]
    clock.current = datetime(2026, 4, 11, 9, 0, tzinfo=UTC)
    await _check_in(deps, w, kr, 100)  # the spell ends
    await sweep_key_result_tracks(deps)
    assert len(await _tracked(deps, w, kr)) == 1

    clock.current = datetime(2026, 4, 19, 9, 0, tzinfo=UTC)  # stale again: a new spell
    await sweep_key_result_tracks(deps)
    await sweep_key_result_tracks(deps)
    again = await _tracked(deps, w, kr)
    assert [e["stale_since"] for _, e in again] == [
        "2026-04-09T09:00:00Z",
        "2026-04-18T09:00:00Z",
    ]


async def test_a_draft_objectives_kr_never_goes_stale_nor_off_track(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    kr = await _kr(deps, w, status=ObjectiveStatus.DRAFT, cadence=Cadence.DAILY)
    clock.current = MAY_16
    await _check_in(deps, w, kr, 1)
    await sweep_key_result_tracks(deps)
    assert await _tracked(deps, w, kr) == []


async def test_krs_from_before_the_events_are_a_baseline_not_a_flood(
    deps: Deps, clock: FixedClock, engine: AsyncEngine
) -> None:
    w = await _world(deps, clock)
    kr = await _kr(deps, w, cadence=Cadence.WEEKLY)
    # As migration 0018 leaves the KRs it finds: nothing reported yet.
    k = t.key_results
    async with engine.begin() as conn:
        await conn.execute(
            update(k)
            .where(k.c.organization_id == kr.organization_id, k.c.id == kr.id)
            .values(reported_track_status=None)
        )
    clock.current = MAY_16  # off track and stale since April 8
    await sweep_key_result_tracks(deps)
    assert await _tracked(deps, w, kr) == []
    await _check_in(deps, w, kr, 45)  # on track now: that is news
    assert [(e["from"], e["to"]) for _, e in await _tracked(deps, w, kr)] == [
        ("off_track", "on_track")
    ]


async def test_concurrent_sweeps_record_each_change_once(deps: Deps, clock: FixedClock) -> None:
    w = await _world(deps, clock)
    krs = [await _kr(deps, w, cadence=Cadence.WEEKLY) for _ in range(3)]
    clock.current = MAY_16  # each: off track and stale
    await asyncio.gather(*(sweep_key_result_tracks(deps, limit=2) for _ in range(3)))
    for kr in krs:
        assert sorted(a for a, _ in await _tracked(deps, w, kr)) == sorted(TRACKED)
