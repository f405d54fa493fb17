"""The KPI repository, and the KR's ``kpi_id``, on Postgres: constraint for constraint."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.errors import Conflict, RuleViolation, StaleVersion
from domain.kpis import Kpi, KpiMeasurement
from domain.members import Member
from domain.okrs import Direction, KeyResult, MetricKind, Objective
from service.ids import new_id
from service.kpi_ports import KpiFilter
from service.pagination import PageRequest
from service.ports import UnitOfWorkFactory
from tests import factories as make
from tests.integration.test_alignment_reader import factory
from tests.integration.test_repositories import NOW, engine, uow

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["engine", "factory", "uow"]


@dataclass(frozen=True)
class World:
    acme: UUID
    globex: UUID
    ann: Member  # of Acme
    bob: Member  # of Acme
    gina: Member  # of Globex
    objective: Objective  # Ann's, in Acme


def kpi(org_id: UUID, owner: Member, name: str = "月销售额 Monthly revenue", **fields: Any) -> Kpi:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": org_id,
        "name": name,
        "owner_id": owner.id,
        "unit": "CNY",
        "target": Decimal("2000000"),
        "direction": Direction.INCREASE,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Kpi(**values)


def reading(
    of: Kpi, value: str, measured_at: datetime, *, created_at: datetime = NOW, note: str = ""
) -> KpiMeasurement:
    return KpiMeasurement(
        id=new_id(),
        organization_id=of.organization_id,
        kpi_id=of.id,
        value=Decimal(value),
        measured_at=measured_at,
        recorded_by="service:crm-sync",
        note=note,
        created_at=created_at,
    )


def key_result(objective: Objective, owner: Member, **fields: Any) -> KeyResult:
    """A currency KR, 0 -> 6,000,000 CNY, due at the end of Q1."""
    revenue: dict[str, Any] = {
        "title": "Q1 revenue reaches 6 million",
        "metric_kind": MetricKind.CURRENCY,
        "currency": "CNY",
        "target": Decimal(6000000),
    }
    return make.key_result_row(objective, owner, date(2026, 3, 31), **revenue | fields)


async def _world(factory: UnitOfWorkFactory) -> World:
    acme, globex = make.organization_row("Acme"), make.organization_row("Globex")
    ann, bob = make.member_row(acme.id, "Ann"), make.member_row(acme.id, "Bob")
    gina = make.member_row(globex.id, "Gina")
    q1 = make.cycle_row(acme.id, "Q1", date(2026, 1, 1), date(2026, 3, 31))
    objective = make.objective_row(q1, "Grow revenue", ann)
    await make.seed(factory, acme, globex, ann, bob, gina, q1, objective)
    return World(acme.id, globex.id, ann, bob, gina, objective)


async def test_add_get_and_list_in_its_organization_only(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    revenue = kpi(w.acme, w.ann, target=Decimal("2000000.50"))
    complaints = kpi(
        w.acme,
        w.bob,
        "客诉数 Complaints 100%_sure",
        unit=None,
        target=Decimal("-3"),
        direction=Direction.DECREASE,
    )
    theirs = kpi(w.globex, w.gina, "Globex revenue")
    await make.seed(factory, revenue, complaints, theirs)

    async with factory() as work:
        assert await work.kpis.get(w.acme, revenue.id) == revenue
        found = await work.kpis.get(w.acme, complaints.id)
        assert found == complaints
        # Exact decimals: the exponent is kept, not only the value.
        assert str((await work.kpis.get(w.acme, revenue.id) or revenue).target) == "2000000.50"
        assert await work.kpis.get(w.acme, theirs.id) is None
        assert await work.kpis.get_many(w.acme, [revenue.id, theirs.id, new_id()]) == {
            revenue.id: revenue
        }
        assert await work.kpis.get_many(w.acme, []) == {}

        async def names(filters: KpiFilter, page: PageRequest | None = None) -> list[str]:
            listed = await work.kpis.list(w.acme, filters, page or PageRequest())
            return [k.name for k in listed.items]

        assert await names(KpiFilter()) == [revenue.name, complaints.name]
        assert await names(KpiFilter(owner_id=w.bob.id)) == [complaints.name]
        assert await names(KpiFilter(owner_id=w.gina.id)) == []
        assert await names(KpiFilter(q="MONTHLY")) == [revenue.name]
        assert await names(KpiFilter(q="100%_")) == [complaints.name]
        assert await names(KpiFilter(q="0%s")) == []  # % is a character, not a wildcard
        assert await names(KpiFilter(q="globex")) == []
        first = await work.kpis.list(w.acme, KpiFilter(), PageRequest(limit=1))
        assert [k.id for k in first.items] == [revenue.id]
        assert first.next_after == revenue.id
        rest = await work.kpis.list(w.acme, KpiFilter(), PageRequest(limit=1, after=revenue.id))
        assert [k.id for k in rest.items] == [complaints.id]
        assert rest.next_after is None


async def test_an_owner_must_be_a_member_of_the_organization(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    for owner in (w.gina, make.member_row(w.acme, "Nobody")):
        with pytest.raises(RuleViolation) as refused:
            async with factory() as work:
                await work.kpis.add(kpi(w.acme, owner))
        assert refused.value.code == "unknown_reference"
    mine = kpi(w.acme, w.ann)
    await make.seed(factory, mine)
    with pytest.raises(RuleViolation) as refused:
        async with factory() as work:
            await work.kpis.update(replace(mine, owner_id=w.gina.id, version=2), previous_version=1)
    assert refused.value.code == "unknown_reference"


async def test_update_compares_versions(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    mine = kpi(w.acme, w.ann)
    await make.seed(factory, mine)
    changed = replace(mine, name="Revenue", unit=None, target=Decimal("2.5E+6"), version=2)
    async with factory() as work:
        await work.kpis.update(changed, previous_version=1)
        await work.commit()
    async with factory() as work:
        stored = await work.kpis.get(w.acme, mine.id)
    assert stored == replace(changed, target=Decimal("2500000"))
    assert stored is not None
    assert str(stored.target) == "2500000"
    for version in (1, 3):
        with pytest.raises(StaleVersion):
            async with factory() as work:
                await work.kpis.update(replace(changed, version=4), previous_version=version)
    # Another organization's id is no row at all.
    with pytest.raises(StaleVersion):
        async with factory() as work:
            await work.kpis.update(replace(changed, organization_id=w.globex), previous_version=2)


async def test_measurements_newest_first_by_the_moment_they_describe(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    revenue, other = kpi(w.acme, w.ann), kpi(w.acme, w.bob, "Other")
    await make.seed(factory, revenue, other)
    jan, feb = NOW - timedelta(days=40), NOW - timedelta(days=10)
    january = reading(revenue, "1200000", jan, created_at=NOW - timedelta(days=35))
    february = reading(revenue, "1650000", feb, created_at=NOW - timedelta(days=8))
    # A correction for February, posted later, and January posted last of all.
    corrected = reading(revenue, "1.66E+6", feb, created_at=NOW - timedelta(days=7), note="fix")
    late_january = reading(revenue, "1210000", jan, created_at=NOW)
    elsewhere = reading(other, "5", NOW)
    async with factory() as work:
        for m in (january, february, corrected, late_january, elsewhere):
            await work.kpis.add_measurement(m)
        await work.commit()

    async with factory() as work:
        page = await work.kpis.measurements(w.acme, revenue.id, PageRequest())
        assert [m.id for m in page.items] == [
            corrected.id,
            february.id,
            late_january.id,
            january.id,
        ]
        assert page.next_after is None
        assert page.items[0] == replace(corrected, value=Decimal("1660000"))
        assert str(page.items[0].value) == "1660000"
        ids: list[UUID] = []
        after: UUID | None = None
        while True:
            part = await work.kpis.measurements(
                w.acme, revenue.id, PageRequest(limit=1, after=after)
            )
            ids.extend(m.id for m in part.items)
            if part.next_after is None:
                break
            after = part.next_after
        assert ids == [m.id for m in page.items]
        # A cursor that is not one of this KPI's measurements gives nothing.
        for cursor in (elsewhere.id, new_id()):
            none = await work.kpis.measurements(
                w.acme, revenue.id, PageRequest(limit=5, after=cursor)
            )
            assert (list(none.items), none.next_after) == ([], None)
        assert (await work.kpis.measurements(w.globex, revenue.id, PageRequest())).items == []

        latest = await work.kpis.latest_measurements(w.acme, [revenue.id, other.id, new_id()])
        assert {k: m.id for k, m in latest.items()} == {
            revenue.id: corrected.id,
            other.id: elsewhere.id,
        }
        assert await work.kpis.latest_measurements(w.globex, [revenue.id]) == {}
        assert await work.kpis.latest_measurements(w.acme, []) == {}


async def test_a_measurement_needs_a_kpi_of_its_organization(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    theirs = kpi(w.globex, w.gina)
    await make.seed(factory, theirs)
    for stray in (
        replace(reading(theirs, "1", NOW), organization_id=w.acme),
        reading(kpi(w.acme, w.ann), "1", NOW),
    ):
        with pytest.raises(RuleViolation) as refused:
            async with factory() as work:
                await work.kpis.add_measurement(stray)
        assert refused.value.code == "unknown_reference"


async def test_a_key_result_follows_a_kpi_of_its_organization(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    revenue, other, theirs = kpi(w.acme, w.ann), kpi(w.acme, w.bob, "Other"), kpi(w.globex, w.gina)
    await make.seed(factory, revenue, other, theirs)
    first = key_result(w.objective, w.ann, kpi_id=revenue.id)
    second = key_result(w.objective, w.bob, kpi_id=revenue.id)
    free = key_result(w.objective, w.ann)
    async with factory() as work:
        for kr in (first, second, free):
            await work.key_results.add(kr)
        await work.commit()
    async with factory() as work:
        assert await work.key_results.get(w.acme, first.id) == first
        assert (await work.key_results.get(w.acme, free.id) or first).kpi_id is None
        linked = await work.kpis.linked_key_results(w.acme, [revenue.id, other.id, theirs.id])
        assert {k: [kr.id for kr in krs] for k, krs in linked.items()} == {
            revenue.id: [first.id, second.id]
        }
        assert await work.kpis.linked_key_results(w.globex, [revenue.id]) == {}
        assert await work.kpis.linked_key_results(w.acme, []) == {}

    # Relink one, unlink the other.
    async with factory() as work:
        await work.key_results.update(
            replace(first, kpi_id=other.id, version=2), previous_version=1
        )
        await work.key_results.update(replace(second, kpi_id=None, version=2), previous_version=1)
        await work.commit()
    async with factory() as work:
        linked = await work.kpis.linked_key_results(w.acme, [revenue.id, other.id])
        assert {k: [kr.id for kr in krs] for k, krs in linked.items()} == {other.id: [first.id]}

    # Another organization's KPI, or none at all, is an unknown reference.
    for stray in (theirs.id, new_id()):
        with pytest.raises(RuleViolation) as refused:
            async with factory() as work:
                await work.key_results.add(key_result(w.objective, w.ann, kpi_id=stray))
        assert refused.value.code == "unknown_reference"
        with pytest.raises(RuleViolation) as refused:
            async with factory() as work:
                await work.key_results.update(
                    replace(free, kpi_id=stray, version=2), previous_version=1
                )
        assert refused.value.code == "unknown_reference"


async def test_delete_takes_the_measurements_and_is_refused_while_krs_follow(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    revenue = kpi(w.acme, w.ann)
    await make.seed(factory, revenue)
    kr = key_result(w.objective, w.ann, kpi_id=revenue.id)
    async with factory() as work:
        await work.kpis.add_measurement(reading(revenue, "1", NOW))
        await work.key_results.add(kr)
        await work.commit()

    with pytest.raises(StaleVersion):
        async with factory() as work:
            await work.kpis.delete(w.acme, revenue.id, previous_version=2)
    with pytest.raises(StaleVersion):
        async with factory() as work:
            await work.kpis.delete(w.globex, revenue.id, previous_version=1)
    with pytest.raises(Conflict) as refused:
        async with factory() as work:
            await work.kpis.delete(w.acme, revenue.id, previous_version=1)
    assert refused.value.code == "kpi_has_linked_key_results"

    async with factory() as work:
        await work.key_results.update(replace(kr, kpi_id=None, version=2), previous_version=1)
        await work.kpis.delete(w.acme, revenue.id, previous_version=1)
        await work.commit()
    async with factory() as work:
        assert await work.kpis.get(w.acme, revenue.id) is None
        assert (await work.kpis.measurements(w.acme, revenue.id, PageRequest())).items == []
        assert await work.kpis.latest_measurements(w.acme, [revenue.id]) == {}
        assert (await work.key_results.get(w.acme, kr.id) or kr).version == 2
