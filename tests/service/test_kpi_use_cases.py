"""Use cases of KPIs (关键绩效指标): who reads and writes them, measurements
that become check-ins of every KR following the KPI (attributed to the poster, never moving
a KR back, never reaching a KR that takes no updates), and the KR link itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cycles import Cycle, CycleState
from domain.errors import Conflict, Forbidden, NotFound, RuleViolation, StaleVersion
from domain.kpis import KpiStatus
from domain.members import Member, Role
from domain.okrs import Direction, MetricKind, Objective, ObjectiveStatus, Visibility
from service.auth import Principal, Scope
from service.checkins import NewCheckIn, check_in, check_in_history
from service.context import Deps
from service.cycles import CycleChanges, update_cycle
from service.key_results import (
    KeyResultChanges,
    NewKeyResult,
    create_key_result,
    get_key_result,
    set_final_score,
    update_key_result,
)
from service.kpi_ports import KpiFilter
from service.kpis import (
    FUTURE_TOLERANCE,
    KpiChanges,
    NewKpi,
    NewMeasurement,
    create_kpi,
    delete_kpi,
    get_kpi,
    link_key_result,
    linked_key_results,
    list_kpis,
    list_measurements,
    record_measurement,
    unlink_key_result,
    update_kpi,
)
from service.objectives import NewObjective, ObjectiveChanges, create_objective, update_objective
from service.okr_ports import AuditFilter
from service.pagination import PageRequest
from service.scores import KeyResultView
from service.storage.postgres import tables
from tests import factories as make
from tests.service.harness import NOW, FixedClock, Tenant, count_rows, principal_of

D = Decimal


@dataclass(frozen=True)
class World:
    acme: Tenant
    q1: Cycle
    vic: Member  # a manager; Ann's and Bob's
    ann: Member  # owns the revenue KRs
    bob: Member
    revenue_kr: UUID  # Ann's currency KR, 0 -> 6,000,000
    share_kr: UUID  # Ann's percent KR, 0 -> 100 (in another objective, a draft)
    yes_no_kr: UUID  # Ann's boolean KR
    fewer_kr: UUID  # Ann's decrease KR, 10 -> 2

    def as_(self, who: Member) -> Principal:
        return principal_of(who)


async def _world(deps: Deps, acme: Tenant) -> World:
    vic = await make.member(deps, acme, "Vic", roles=frozenset({Role.MANAGER}))
    ann, bob = await make.reports(deps, acme, vic, "Ann", "Bob")
    q1 = await make.cycle(
        deps, acme, "Q1", date(2026, 1, 1), date(2026, 3, 31), state=CycleState.ACTIVE
    )
    grow = await make.objective(deps, ann, q1, "Grow revenue", status=ObjectiveStatus.ACTIVE)
    plan = await make.objective(deps, ann, q1, "Win share")  # a draft

    async def kr(objective: Objective, title: str, **fields: Any) -> UUID:
        return (await make.key_result(deps, ann, objective, title, owner=ann, **fields)).id

    return World(
        acme=acme,
        q1=q1,
        vic=vic,
        ann=ann,
        bob=bob,
        revenue_kr=await kr(
            grow,
            "Q1 revenue reaches 6 million",
            metric_kind=MetricKind.CURRENCY,
            currency="CNY",
            target=D(6000000),
        ),
        share_kr=await kr(plan, "Market share 100%", metric_kind=MetricKind.PERCENT, target=D(100)),
        yes_no_kr=await kr(grow, "CRM live", metric_kind=MetricKind.BOOLEAN),
        fewer_kr=await kr(
            grow, "Complaints down to 2", start=D(10), target=D(2), direction=Direction.DECREASE
        ),
    )


REVENUE = NewKpi("月销售额 Monthly revenue", D(2000000), unit="CNY")


async def _rows(engine: AsyncEngine, org_id: UUID) -> tuple[int, ...]:
    """How many KPIs, measurements, check-ins and audit events the organization has."""
    return await count_rows(
        engine,
        org_id,
        tables.kpis,
        tables.kpi_measurements,
        tables.check_ins,
        tables.audit_events,
    )


# -- who reads and writes KPIs ---------------------------------------------------------------


async def test_admins_and_managers_create_members_and_readers_read(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    w = await _world(deps, acme)
    by_admin = await create_kpi(deps, acme.admin, REVENUE)
    by_manager = await create_kpi(
        deps, w.as_(w.vic), NewKpi("  Complaints ", D(3), direction=Direction.DECREASE)
    )
    assert by_admin.kpi.owner_id == acme.admin_member.id  # default: the caller
    assert (by_manager.kpi.name, by_manager.kpi.unit) == ("Complaints", None)
    for refused in (w.as_(w.ann), acme.service(Scope.KPIS_WRITE), acme.reader):
        with pytest.raises(Forbidden):
            await create_kpi(deps, refused, REVENUE)

    for reader in (w.as_(w.bob), acme.service(Scope.KPIS_WRITE)):
        page = await list_kpis(deps, reader, KpiFilter(), PageRequest())
        assert [v.kpi.id for v in page.items] == [by_admin.kpi.id, by_manager.kpi.id]
        assert (await get_kpi(deps, reader, by_admin.kpi.id)).kpi == by_admin.kpi
    # Directory scopes read the directory, not KPIs (README: kpis:write is the KPI scope).
    for stranger in (
        acme.reader,
        acme.service(Scope.MEMBERS_WRITE),
        acme.service(Scope.REVIEWS_EXPORT),
        acme.service(),
    ):
        with pytest.raises(Forbidden):
            await list_kpis(deps, stranger, KpiFilter(), PageRequest())
    with pytest.raises(NotFound):
        await get_kpi(deps, globex.admin, by_admin.kpi.id)
    assert (await list_kpis(deps, globex.admin, KpiFilter(), PageRequest())).items == []


async def test_bad_input_is_refused_naming_each_field_and_changes_nothing(
    deps: Deps, acme: Tenant, globex: Tenant, engine: AsyncEngine
) -> None:
    before = await _rows(engine, acme.id)
    with pytest.raises(RuleViolation) as refused:
        await create_kpi(deps, acme.admin, NewKpi(" ", D("NaN"), unit="x" * 41))
    assert refused.value.code == "validation_failed"
    assert {e.field for e in refused.value.errors} == {"name", "target", "unit"}
    with pytest.raises(RuleViolation) as refused:
        await create_kpi(deps, acme.admin, NewKpi("x", D(1), owner_id=globex.admin_member.id))
    assert refused.value.code == "unknown_reference"
    assert [e.field for e in refused.value.errors] == ["owner_id"]
    assert await _rows(engine, acme.id) == before

    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    before = await _rows(engine, acme.id)
    bad = (
        NewMeasurement(D("Infinity")),
        NewMeasurement(D(1), note="x" * 2001),
        NewMeasurement(D(1), measured_at=NOW.replace(tzinfo=None)),
        NewMeasurement(D(1), measured_at=NOW + FUTURE_TOLERANCE + timedelta(seconds=1)),
    )
    fields: list[str] = []
    for data in bad:
        with pytest.raises(RuleViolation) as refused:
            await record_measurement(deps, acme.admin, kpi.id, data)
        assert refused.value.code == "validation_failed"
        fields.extend(e.field for e in refused.value.errors)
    assert fields == ["value", "note", "measured_at", "measured_at"]
    with pytest.raises(RuleViolation):
        await update_kpi(deps, acme.admin, kpi.id, KpiChanges(name=""))
    assert await _rows(engine, acme.id) == before
    # A clock a little behind the poster's is fine.
    ahead = NOW + FUTURE_TOLERANCE
    assert (
        await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(1), measured_at=ahead))
    ).measurement.measured_at == ahead


async def test_the_owner_managers_and_admins_change_and_delete_a_kpi(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, NewKpi("Leads", D(50), owner_id=w.ann.id))).kpi
    with pytest.raises(Forbidden):
        await update_kpi(deps, w.as_(w.bob), kpi.id, KpiChanges(target=D(60)))
    with pytest.raises(Forbidden):
        await update_kpi(deps, acme.service(Scope.KPIS_WRITE), kpi.id, KpiChanges(target=D(60)))
    clock.current = NOW + timedelta(hours=1)
    changed = await update_kpi(deps, w.as_(w.ann), kpi.id, KpiChanges(target=D(60), unit="个"))
    assert (changed.kpi.target, changed.kpi.unit, changed.kpi.version) == (D(60), "个", 2)
    assert changed.kpi.updated_at == NOW + timedelta(hours=1)
    # Nothing to change: no new version.
    same = await update_kpi(deps, w.as_(w.vic), kpi.id, KpiChanges(target=D(60)))
    assert same.kpi.version == 2
    with pytest.raises(StaleVersion):
        await update_kpi(deps, w.as_(w.vic), kpi.id, KpiChanges(unit=None), expected_version=1)
    moved = await update_kpi(deps, w.as_(w.vic), kpi.id, KpiChanges(owner_id=w.bob.id, unit=None))
    assert (moved.kpi.owner_id, moved.kpi.unit, moved.kpi.version) == (w.bob.id, None, 3)
    with pytest.raises(Forbidden):  # no longer Ann's
        await delete_kpi(deps, w.as_(w.ann), kpi.id)
    with pytest.raises(StaleVersion):
        await delete_kpi(deps, w.as_(w.bob), kpi.id, expected_version=2)
    await delete_kpi(deps, w.as_(w.bob), kpi.id, expected_version=3)
    with pytest.raises(NotFound):
        await get_kpi(deps, acme.admin, kpi.id)
    events = await _audit(deps, acme, "kpi")
    assert [e for e, _ in events] == ["kpi.created", "kpi.updated", "kpi.updated", "kpi.deleted"]


async def _audit(deps: Deps, acme: Tenant, resource_type: str) -> list[tuple[str, str]]:
    async with deps.uow() as uow:
        page = await uow.audit.list(
            acme.id, AuditFilter(resource_type=resource_type), PageRequest(limit=200)
        )
    return [(e.action, e.actor) for e in page.items]


# -- measurements become check-ins -----------------------------------------------------------


async def test_a_measurement_checks_in_on_every_kr_following_the_kpi(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    for kr_id in (w.revenue_kr, w.share_kr):
        await link_key_result(deps, w.as_(w.ann), kr_id, kpi.id)
    crm = acme.service(Scope.KPIS_WRITE)
    clock.current = NOW + timedelta(days=1)
    february = NOW - timedelta(days=2)
    recorded = await record_measurement(
        deps, crm, kpi.id, NewMeasurement(D("1650000"), measured_at=february, note=" from CRM ")
    )

    m = recorded.measurement
    assert (m.value, m.measured_at, m.recorded_by, m.note) == (
        D("1650000"),
        february,
        "service:hr-sync",
        "from CRM",
    )
    assert m.created_at == NOW + timedelta(days=1)
    made = {c.key_result_id: c for c in recorded.check_ins}
    assert set(made) == {w.revenue_kr, w.share_kr}
    for entry in made.values():
        assert (entry.author, entry.value, entry.note) == (
            "service:hr-sync",
            D("1650000"),
            "from KPI 月销售额 Monthly revenue: from CRM",
        )
        assert (entry.confidence, entry.blockers, entry.milestones_done) == (None, "", None)
        assert entry.created_at == february  # dated at the reading, not at its posting
    revenue = await get_key_result(deps, acme.admin, w.revenue_kr)
    assert (revenue.current, revenue.progress) == (D("1650000"), D("0.2750"))
    share = await get_key_result(deps, acme.admin, w.share_kr)
    assert (share.current, share.progress) == (D("1650000"), D("1.0000"))  # clamped

    # A member who manages the KPI: the check-in is theirs.
    clock.current = NOW + timedelta(days=2)
    by_vic = await record_measurement(deps, w.as_(w.vic), kpi.id, NewMeasurement(D("2400000")))
    assert {c.author for c in by_vic.check_ins} == {f"member:{w.vic.id}"}
    assert by_vic.check_ins[0].note == "from KPI 月销售额 Monthly revenue"
    assert by_vic.measurement.measured_at == NOW + timedelta(days=2)
    revenue = await get_key_result(deps, acme.admin, w.revenue_kr)
    assert (revenue.current, revenue.progress) == (D("2400000"), D("0.4000"))

    view = await get_kpi(deps, acme.viewer, kpi.id)
    assert view.latest == by_vic.measurement
    assert (view.status, view.attainment) == (KpiStatus.MET, D("1.0000"))
    history = await check_in_history(deps, acme.admin, w.revenue_kr, PageRequest())
    assert [c.value for c in history.items] == [D("2400000"), D("1650000")]

    events = await _audit(deps, acme, "kpi_measurement")
    assert events == [
        ("kpi_measurement.recorded", "service:hr-sync"),
        ("kpi_measurement.recorded", f"member:{w.vic.id}"),
    ]
    check_in_events = await _audit(deps, acme, "check_in")
    assert check_in_events.count(("check_in.created", "service:hr-sync")) == 2


async def test_an_older_measurement_checks_in_in_the_past_without_moving_the_kr(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    await link_key_result(deps, w.as_(w.ann), w.revenue_kr, kpi.id)
    march = await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(3000000)))
    assert len(march.check_ins) == 1
    clock.current = NOW + timedelta(hours=1)
    january = await record_measurement(
        deps, acme.admin, kpi.id, NewMeasurement(D(1000000), measured_at=NOW - timedelta(days=40))
    )
    assert [(c.value, c.created_at) for c in january.check_ins] == [
        (D(1000000), NOW - timedelta(days=40))
    ]
    kr = await get_key_result(deps, acme.admin, w.revenue_kr)
    assert kr.current == D(3000000)
    page = await list_measurements(deps, acme.viewer, kpi.id, PageRequest())
    assert [m.id for m in page.items] == [march.measurement.id, january.measurement.id]
    assert (await get_kpi(deps, acme.viewer, kpi.id)).latest == march.measurement

    # A reading for the same moment as the latest is a correction: it checks in.
    clock.current = NOW + timedelta(hours=2)
    fixed = await record_measurement(
        deps, acme.admin, kpi.id, NewMeasurement(D(2900000), measured_at=NOW)
    )
    assert [c.value for c in fixed.check_ins] == [D(2900000)]
    assert (await get_key_result(deps, acme.admin, w.revenue_kr)).current == D(2900000)
    page = await list_measurements(deps, acme.viewer, kpi.id, PageRequest(limit=1))
    assert [m.id for m in page.items] == [fixed.measurement.id]
    rest = await list_measurements(deps, acme.viewer, kpi.id, PageRequest(2, page.next_after))
    assert [m.id for m in rest.items] == [march.measurement.id, january.measurement.id]


async def test_krs_that_take_no_updates_get_no_check_in(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    ann = w.as_(w.ann)
    await link_key_result(deps, ann, w.revenue_kr, kpi.id)
    await link_key_result(deps, ann, w.share_kr, kpi.id)  # its objective is a draft: it takes
    first = await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(1)))
    assert {c.key_result_id for c in first.check_ins} == {w.revenue_kr, w.share_kr}

    # The draft objective is archived; the revenue KR gets its final score.
    share = await get_key_result(deps, ann, w.share_kr)
    await update_objective(
        deps, ann, share.key_result.objective_id, ObjectiveChanges(status=ObjectiveStatus.ARCHIVED)
    )
    grading_day = datetime(2026, 3, 31, 9, 30, tzinfo=UTC)  # final scores from the end date
    clock.current = grading_day
    await set_final_score(deps, w.as_(w.vic), w.revenue_kr, score=D("0.3"), reason="Q1 done")
    clock.current = grading_day + timedelta(minutes=1)
    second = await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(2)))
    assert second.check_ins == ()


async def test_a_linked_kr_cannot_turn_and_a_closed_cycle_gets_no_check_in(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    ann = w.as_(w.ann)
    await link_key_result(deps, ann, w.revenue_kr, kpi.id)
    before = await get_key_result(deps, acme.admin, w.revenue_kr)
    # Turning around would silently stop the KPI's measurements reaching it: unlink first.
    with pytest.raises(RuleViolation) as refused:
        await update_key_result(
            deps,
            ann,
            w.revenue_kr,
            KeyResultChanges(start=D(6000000), target=D(0), direction=Direction.DECREASE),
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("direction", "direction_mismatch")
    ]
    assert await get_key_result(deps, acme.admin, w.revenue_kr) == before
    clock.current = NOW + timedelta(minutes=1)
    back = await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(2)))
    assert [c.key_result_id for c in back.check_ins] == [w.revenue_kr]

    await update_cycle(deps, acme.admin, w.q1.id, CycleChanges(state=CycleState.CLOSED))
    clock.current = NOW + timedelta(minutes=2)
    closed = await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(3)))
    assert closed.check_ins == ()
    assert (await get_key_result(deps, acme.admin, w.revenue_kr)).current == D(2)


async def test_who_may_post_a_measurement(deps: Deps, acme: Tenant, globex: Tenant) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, NewKpi("Leads", D(50), owner_id=w.ann.id))).kpi
    allowed = (
        w.as_(w.ann),  # the owner
        w.as_(w.vic),  # a manager
        acme.admin,
        acme.service(Scope.KPIS_WRITE),
    )
    for who in allowed:
        await record_measurement(deps, who, kpi.id, NewMeasurement(D(1)))
    for refused in (w.as_(w.bob), acme.reader, acme.service(Scope.MEMBERS_WRITE)):
        with pytest.raises(Forbidden):
            await record_measurement(deps, refused, kpi.id, NewMeasurement(D(1)))
    for stranger in (globex.admin, globex.service(Scope.KPIS_WRITE)):
        with pytest.raises(NotFound):
            await record_measurement(deps, stranger, kpi.id, NewMeasurement(D(1)))
    page = await list_measurements(deps, acme.viewer, kpi.id, PageRequest())
    assert len(page.items) == len(allowed)
    with pytest.raises(NotFound):
        await list_measurements(deps, globex.admin, kpi.id, PageRequest())


# -- the link ---------------------------------------------------------------------------------


async def test_only_a_numeric_kr_pointing_the_same_way_links(
    deps: Deps, acme: Tenant, globex: Tenant, engine: AsyncEngine
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    theirs = (await create_kpi(deps, globex.admin, REVENUE)).kpi
    ann = w.as_(w.ann)
    before = await _rows(engine, acme.id)
    refusals = {
        "boolean": (w.yes_no_kr, kpi.id),
        "decrease": (w.fewer_kr, kpi.id),
        "their KPI": (w.revenue_kr, theirs.id),
        "no KPI": (w.revenue_kr, globex.id),
    }
    found = {}
    for name, (kr_id, kpi_id) in refusals.items():
        with pytest.raises(RuleViolation) as refused:
            await link_key_result(deps, ann, kr_id, kpi_id)
        found[name] = (refused.value.code, [(e.field, e.code) for e in refused.value.errors])
    assert found == {
        "boolean": ("validation_failed", [("kpi_id", "kind_not_linkable")]),
        "decrease": ("validation_failed", [("kpi_id", "direction_mismatch")]),
        "their KPI": ("unknown_reference", [("kpi_id", "unknown_reference")]),
        "no KPI": ("unknown_reference", [("kpi_id", "unknown_reference")]),
    }
    assert await _rows(engine, acme.id) == before
    # A decrease KPI suits the decrease KR.
    fewer = (
        await create_kpi(deps, acme.admin, NewKpi("客诉", D(2), direction=Direction.DECREASE))
    ).kpi
    linked = await link_key_result(deps, ann, w.fewer_kr, fewer.id)
    assert linked.key_result.kpi_id == fewer.id
    # Another organization cannot link its KRs to ours, nor ours at all.
    with pytest.raises(NotFound):
        await link_key_result(deps, globex.admin, w.revenue_kr, kpi.id)


async def test_linking_is_editing_the_kr(deps: Deps, acme: Tenant) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    for who in (w.as_(w.bob), acme.service(Scope.KPIS_WRITE, Scope.ORG_READ)):
        with pytest.raises(Forbidden):
            await link_key_result(deps, who, w.revenue_kr, kpi.id)
    with pytest.raises(StaleVersion):
        await link_key_result(deps, w.as_(w.ann), w.revenue_kr, kpi.id, expected_version=2)
    linked = await link_key_result(deps, w.as_(w.vic), w.revenue_kr, kpi.id, expected_version=1)
    assert (linked.key_result.kpi_id, linked.key_result.version) == (kpi.id, 2)
    again = await link_key_result(deps, w.as_(w.ann), w.revenue_kr, kpi.id)
    assert again.key_result.version == 2  # the same link changes nothing
    other = (await create_kpi(deps, acme.admin, NewKpi("GMV", D(1)))).kpi
    relinked = await link_key_result(deps, w.as_(w.ann), w.revenue_kr, other.id)
    assert (relinked.key_result.kpi_id, relinked.key_result.version) == (other.id, 3)
    unlinked = await unlink_key_result(deps, w.as_(w.ann), w.revenue_kr, expected_version=3)
    assert (unlinked.key_result.kpi_id, unlinked.key_result.version) == (None, 4)
    assert (await unlink_key_result(deps, w.as_(w.ann), w.revenue_kr)).key_result.version == 4
    events = [a for a, _ in await _audit(deps, acme, "key_result")]
    assert events[-3:] == [
        "key_result.kpi_linked",
        "key_result.kpi_linked",
        "key_result.kpi_unlinked",
    ]

    await link_key_result(deps, acme.admin, w.revenue_kr, other.id)
    await update_cycle(deps, acme.admin, w.q1.id, CycleChanges(state=CycleState.CLOSED))
    with pytest.raises(RuleViolation) as refused:
        await link_key_result(deps, acme.admin, w.revenue_kr, kpi.id)
    assert refused.value.code == "cycle_closed"
    # Unlinking rewrites no history: allowed after close, so the KPI can then be deleted.
    closed = await unlink_key_result(deps, acme.admin, w.revenue_kr)
    assert closed.key_result.kpi_id is None
    await delete_kpi(deps, acme.admin, other.id)


async def test_unlinking_keeps_the_history_and_frees_the_kpi(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    ann = w.as_(w.ann)
    await link_key_result(deps, ann, w.revenue_kr, kpi.id)
    await check_in(deps, ann, w.revenue_kr, NewCheckIn(value=D(100), note="by hand"))
    clock.current = NOW + timedelta(minutes=1)
    await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(1000000)))
    with pytest.raises(Conflict) as refused:
        await delete_kpi(deps, acme.admin, kpi.id)
    assert refused.value.code == "kpi_has_linked_key_results"
    with pytest.raises(Conflict) as refused:
        await update_kpi(deps, acme.admin, kpi.id, KpiChanges(direction=Direction.DECREASE))
    assert refused.value.code == "kpi_has_linked_key_results"

    await unlink_key_result(deps, ann, w.revenue_kr)
    clock.current = NOW + timedelta(minutes=2)
    later = await record_measurement(deps, acme.admin, kpi.id, NewMeasurement(D(2000000)))
    assert later.check_ins == ()
    history = await check_in_history(deps, acme.admin, w.revenue_kr, PageRequest())
    assert [(c.value, c.note) for c in history.items] == [
        (D(1000000), "from KPI 月销售额 Monthly revenue"),
        (D(100), "by hand"),
    ]
    assert (await get_key_result(deps, acme.admin, w.revenue_kr)).current == D(1000000)
    # Free now: its direction may change, and it may go, with its measurements.
    turned = await update_kpi(deps, acme.admin, kpi.id, KpiChanges(direction=Direction.DECREASE))
    await delete_kpi(deps, acme.admin, kpi.id, expected_version=turned.kpi.version)
    history_after = await check_in_history(deps, acme.admin, w.revenue_kr, PageRequest())
    assert history_after == history


async def test_linked_key_results_are_those_the_caller_may_see(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    w = await _world(deps, acme)
    kpi = (await create_kpi(deps, acme.admin, REVENUE)).kpi
    ann = w.as_(w.ann)
    secret = await create_objective(
        deps, ann, NewObjective(w.q1.id, "Secret", visibility=Visibility.PRIVATE)
    )
    hidden = await create_key_result(
        deps, ann, secret.objective.id, NewKeyResult("Hidden", owner_id=w.ann.id, target=D(9))
    )
    for kr_id in (w.revenue_kr, hidden.key_result.id):
        await link_key_result(deps, ann, kr_id, kpi.id)
    everyone = [w.revenue_kr, hidden.key_result.id]

    def ids(found: dict[UUID, list[KeyResultView]]) -> list[UUID]:
        return [v.key_result.id for v in found.get(kpi.id, [])]

    assert ids(await linked_key_results(deps, ann, [kpi.id])) == everyone
    assert ids(await linked_key_results(deps, w.as_(w.vic), [kpi.id])) == everyone
    assert ids(await linked_key_results(deps, w.as_(w.bob), [kpi.id])) == [w.revenue_kr]
    assert await linked_key_results(deps, globex.admin, [kpi.id]) == {}
    with pytest.raises(Forbidden):  # KRs are the directory's: kpis:write alone does not read them
        await linked_key_results(deps, acme.service(Scope.KPIS_WRITE), [kpi.id])
