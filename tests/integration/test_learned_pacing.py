"""Learned pacing from seeded history (issue 18, DOMAIN.md "Learned pacing"), through the use
cases on a real Postgres: comparable KRs of the last closed quarters teach a KR its curve;
with fewer than 3 it falls back to the default and says so; ``as_of`` counts only the
quarters that ended before the instant.

Every closed sales KR climbs alike: 10% of its target by day 30 of its 90-day quarter, 30%
by day 60, all of it by day 89. Learned at t = 6/12 (the latest check-in by then is day
30's): median 0.1; at 9/12: 0.3.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cycles import Cycle, CycleState
from domain.members import Member
from domain.okrs import KeyResult, MetricKind, ObjectiveStatus
from domain.pacing_setting import CurveKind, PacingSetting
from domain.units import OrgUnit, UnitKind
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_results import get_key_result
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests import factories as make
from tests.service.harness import FixedClock, Tenant

LEARNED = PacingSetting(kind=CurveKind.LEARNED)
Q3 = (date(2025, 7, 1), date(2025, 9, 29))  # 90 days each
Q4 = (date(2025, 10, 1), date(2025, 12, 30))
Q1 = (date(2026, 1, 1), date(2026, 4, 1))
PATH = ((30, 10), (60, 30), (89, 100))  # (day, value) of every closed KR, target 100


@pytest.fixture
async def engine(shared_database_url: str) -> AsyncIterator[AsyncEngine]:
    created = create_engine(shared_database_url, pool_size=2, statement_cache_size=100)
    yield created
    await created.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def deps(engine: AsyncEngine, clock: FixedClock) -> Deps:
    return Deps(
        uow=PostgresUnitOfWorkFactory(engine),
        reads=PostgresUnitOfWorkFactory(engine, read_only=True),
        clock=clock,
    )


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


async def _sales_kr(
    deps: Deps,
    acme: Tenant,
    cycle: Cycle,
    sales: OrgUnit,
    rep: Member,
    pacing: PacingSetting | None = None,
) -> KeyResult:
    o = await make.objective(deps, acme.admin, cycle, unit=sales, status=ObjectiveStatus.ACTIVE)
    return await make.key_result(
        deps,
        acme.admin,
        o,
        owner=rep,
        metric_kind=MetricKind.CURRENCY,
        currency="CNY",
        target=Decimal(100),
        pacing=pacing,
    )


async def _closed_quarter(
    deps: Deps,
    clock: FixedClock,
    acme: Tenant,
    span: tuple[date, date],
    sales: OrgUnit,
    rep: Member,
    krs: int,
    closed_on: date | None = None,
) -> Cycle:
    clock.current = _at(span[0] - timedelta(days=3))
    quarter = await make.cycle(deps, acme, str(span[0]), *span, state=CycleState.ACTIVE)
    made = [await _sales_kr(deps, acme, quarter, sales, rep) for _ in range(krs)]
    for day, value in PATH:
        clock.current = _at(span[0] + timedelta(days=day))
        for kr in made:
            await check_in(deps, acme.admin, kr.id, NewCheckIn(value=Decimal(value)))
    clock.current = _at(closed_on or span[1] + timedelta(days=1))
    return await make.move_cycle(deps, acme, quarter, CycleState.CLOSED)


async def _world(
    deps: Deps, clock: FixedClock, q4_krs: int, q4_closed_on: date | None = None
) -> tuple[Tenant, OrgUnit, Member, KeyResult]:
    clock.current = _at(date(2025, 6, 20))
    acme = await make.tenant(deps, time_zone="UTC")
    rep = await make.member(deps, acme, "Li Na")
    company = await make.unit(deps, acme, "Acme", UnitKind.COMPANY)
    sales = await make.unit(deps, acme, "Sales", UnitKind.DEPARTMENT, parent=company)
    await _closed_quarter(deps, clock, acme, Q3, sales, rep, 1)
    # The current quarter is planned (and its KR made) before Q4 ends: an as_of then exists.
    clock.current = _at(date(2025, 12, 20))
    q1 = await make.cycle(deps, acme, "2026 Q1", *Q1)
    current = await _sales_kr(deps, acme, q1, sales, rep, pacing=LEARNED)
    await _closed_quarter(deps, clock, acme, Q4, sales, rep, q4_krs, q4_closed_on)
    clock.current = _at(Q1[0] + timedelta(days=3))
    await make.move_cycle(deps, acme, q1, CycleState.ACTIVE)
    clock.current = _at(Q1[0] + timedelta(days=45))
    await check_in(deps, acme.admin, current.id, NewCheckIn(value=Decimal(20)))
    return acme, sales, rep, current


async def test_two_comparable_krs_fall_back_and_say_so(deps: Deps, clock: FixedClock) -> None:
    acme, _, _, kr = await _world(deps, clock, q4_krs=1)
    view = await get_key_result(deps, acme.admin, kr.id)
    assert view.pacing.learned_from == 2
    assert view.pacing.fallback is CurveKind.LINEAR
    assert view.pacing.curve.kind is CurveKind.LINEAR
    assert view.expected_progress == Decimal("0.5000")  # day 45 of 90


async def test_three_comparable_krs_teach_the_curve(deps: Deps, clock: FixedClock) -> None:
    acme, _, _, kr = await _world(deps, clock, q4_krs=2)
    view = await get_key_result(deps, acme.admin, kr.id)
    assert (view.pacing.learned_from, view.pacing.fallback) == (3, None)
    assert view.pacing.curve.kind is CurveKind.LEARNED
    points = {point.t: point.p for point in view.pacing.curve.points}
    assert points[Decimal(6) / Decimal(12)] == Decimal("0.1000")
    assert points[Decimal(9) / Decimal(12)] == Decimal("0.3000")
    assert view.expected_progress == Decimal("0.1000")
    assert view.status == "on_track"  # 0.20 against 0.10 expected

    # On Q4's last day it has not ended before the instant: only Q3's one KR counts.
    before = await get_key_result(deps, acme.admin, kr.id, as_of=_at(Q4[1], 12))
    assert (before.pacing.learned_from, before.pacing.fallback) == (1, CurveKind.LINEAR)
    after = await get_key_result(deps, acme.admin, kr.id, as_of=_at(date(2026, 2, 1), 12))
    assert (after.pacing.learned_from, after.pacing.fallback) == (3, None)


async def test_a_quarter_closed_after_the_instant_does_not_teach(
    deps: Deps, clock: FixedClock
) -> None:
    # Q4 ended on Dec 30 but was closed on Jan 19: read as of Jan 10 it was still open, so
    # only Q3's KR counts (a review found the curve learned from Q4 there: closed "now").
    acme, _, _, kr = await _world(deps, clock, q4_krs=2, q4_closed_on=date(2026, 1, 19))
    then = await get_key_result(deps, acme.admin, kr.id, as_of=_at(date(2026, 1, 10), 12))
    assert (then.pacing.learned_from, then.pacing.fallback) == (1, CurveKind.LINEAR)
    later = await get_key_result(deps, acme.admin, kr.id, as_of=_at(date(2026, 1, 25), 12))
    assert (later.pacing.learned_from, later.pacing.fallback) == (3, None)
