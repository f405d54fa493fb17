"""A KR's latest check-in kept on its row (derived state): always the history's latest.

``key_results`` names its latest check-in by ``(created_at, id)`` with the value and
milestones a score reads (migration 0012), written by the check-in's own statement. These
tests compare the row with the history after ordinary check-ins, a backdated one (a KPI
reading is dated at the reading, maybe before check-ins stored earlier) and check-ins on
one KR fired together from concurrent transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.members import Member
from domain.okrs import CheckIn, MetricKind
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_results import MilestoneInput, NewKeyResult, create_key_result
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)
RACERS = 6

# The row's figures next to the history's latest, by (created_at, id) as reads order them.
ROW_AND_HISTORY = text(
    """
    SELECT k.latest_check_in_id, k.latest_check_in_at, k.current_value,
           k.current_milestones_done,
           h.id AS h_id, h.created_at AS h_at, h.value AS h_value,
           h.milestones_done AS h_done
    FROM key_results AS k
    LEFT JOIN LATERAL (
        SELECT c.id, c.created_at, c.value, c.milestones_done FROM check_ins AS c
        WHERE c.organization_id = k.organization_id AND c.key_result_id = k.id
        ORDER BY c.created_at DESC, c.id DESC LIMIT 1
    ) AS h ON true
    WHERE k.organization_id = :org AND k.id = :kr
    """
)


Figures = tuple[object, ...]


async def _row_and_history(engine: AsyncEngine, org: UUID, kr: UUID) -> tuple[Figures, Figures]:
    async with engine.connect() as conn:
        row = (await conn.execute(ROW_AND_HISTORY, {"org": org, "kr": kr})).one()
    return tuple(row[:4]), tuple(row[4:])


async def _kr(deps: Deps, owner: Member, tenant: Tenant, data: NewKeyResult) -> UUID:
    cycle = await make.cycle(deps, tenant)
    objective = await make.objective(deps, owner, cycle)
    created = await create_key_result(deps, principal_of(owner), objective.id, data)
    return created.key_result.id


def _entry(deps: Deps, org: UUID, kr: UUID, value: int, at: datetime) -> CheckIn:
    return CheckIn(
        id=deps.new_id(),
        organization_id=org,
        key_result_id=kr,
        author="service:kpi",
        value=Decimal(value),
        milestones_done=None,
        confidence=None,
        note="",
        blockers="",
        created_at=at,
    )


async def _add(deps: Deps, entry: CheckIn, *, hold: float = 0.0) -> None:
    """Store one check-in in its own transaction, holding it open ``hold`` seconds so that
    concurrent writers overlap."""
    async with deps.uow() as uow:
        await uow.check_ins.add(entry)
        await asyncio.sleep(hold)
        await uow.commit()


async def test_the_row_names_the_latest_check_in_after_check_ins_and_a_backdated_one(
    deps: Deps, acme: Tenant, clock: FixedClock, engine: AsyncEngine
) -> None:
    clock.current = MID_Q2
    ann = await make.member(deps, acme, "Ann")
    kr = await _kr(deps, ann, acme, NewKeyResult("Deals", owner_id=ann.id, target=Decimal(10)))
    org = acme.id
    row, history = await _row_and_history(engine, org, kr)
    assert row == history == (None, None, None, None)

    for day, value in enumerate((2, 5, 4), start=1):
        clock.current = MID_Q2 + timedelta(days=day)
        await check_in(deps, principal_of(ann), kr, NewCheckIn(value=Decimal(value)))
        row, history = await _row_and_history(engine, org, kr)
        assert row == history
        assert row[2] == Decimal(value)

    # A reading dated before the latest is history, not the current value.
    await _add(deps, _entry(deps, org, kr, 9, MID_Q2 + timedelta(hours=1)))
    row, history = await _row_and_history(engine, org, kr)
    assert row == history
    assert row[2] == Decimal(4)

    # The same instant as the latest: the id breaks the tie, as the history's order does.
    async with deps.uow() as uow:
        now = await uow.check_ins.latest(org, [kr])
        stored = now[kr]
        tied = _entry(deps, org, kr, 7, stored.created_at)
        await uow.check_ins.add(tied)
        await uow.commit()
    row, history = await _row_and_history(engine, org, kr)
    assert row == history
    async with deps.uow() as uow:
        from_row = await uow.check_ins.latest(org, [kr])
        from_history = await uow.check_ins.latest(org, [kr], as_of=MID_Q2 + timedelta(days=30))
    assert from_row == from_history
    assert from_row[kr].id == history[0]


async def test_a_milestones_krs_row_keeps_the_milestones_done(
    deps: Deps, acme: Tenant, clock: FixedClock, engine: AsyncEngine
) -> None:
    clock.current = MID_Q2
    ann = await make.member(deps, acme, "Ann")
    data = NewKeyResult(
        "Launch",
        owner_id=ann.id,
        metric_kind=MetricKind.MILESTONES,
        milestones=(MilestoneInput("Beta"), MilestoneInput("GA")),
    )
    kr = await _kr(deps, ann, acme, data)
    async with deps.uow() as uow:
        found = await uow.key_results.get(acme.id, kr)
    assert found is not None
    beta = found.milestones[0].id
    clock.current = MID_Q2 + timedelta(days=1)
    await check_in(deps, principal_of(ann), kr, NewCheckIn(milestones_done=(beta,)))

    row, history = await _row_and_history(engine, acme.id, kr)
    assert row == history
    assert row[3] == [beta]


@pytest.fixture
async def racing_deps(shared_database_url: str, clock: FixedClock) -> AsyncIterator[Deps]:
    """A pool with a connection per racer: every check-in is in flight at once."""
    engine = create_engine(shared_database_url, pool_size=RACERS, statement_cache_size=100)
    yield Deps(uow=PostgresUnitOfWorkFactory(engine), clock=clock)
    await engine.dispose()


async def test_concurrent_check_ins_on_one_kr_lose_no_latest(
    deps: Deps, racing_deps: Deps, acme: Tenant, clock: FixedClock, engine: AsyncEngine
) -> None:
    clock.current = MID_Q2
    ann = await make.member(deps, acme, "Ann")
    kr = await _kr(deps, ann, acme, NewKeyResult("Deals", owner_id=ann.id, target=Decimal(99)))
    org = acme.id
    # Fired newest first: a writer that decides on what it read before the others committed
    # (a lost update) leaves an older check-in on the row.
    for round_ in range(2):
        base = MID_Q2 + timedelta(days=round_)
        entries = [
            _entry(racing_deps, org, kr, n, base + timedelta(minutes=n))
            for n in reversed(range(RACERS))
        ]
        await asyncio.gather(*(_add(racing_deps, e, hold=0.05) for e in entries))

        row, history = await _row_and_history(engine, org, kr)
        assert row == history
        assert row[0] == entries[0].id
