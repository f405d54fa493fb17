"""The alignment read model on Postgres.

One scenario, seeded through the repositories: a year with a nested
quarter, a company objective, a department objective aligned to it, a team objective in
the quarter contributing to one of the department's KRs, a private individual objective
below the team's, an objective of next year aligned to the company's, and an orphan made
later; check-ins at instants chosen around the organization's midnight (Asia/Shanghai,
UTC+8) and a KR whose final score was set at a known instant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind
from domain.members import Member, Role
from domain.okrs import (
    CheckIn,
    Direction,
    KeyResult,
    Level,
    MetricKind,
    Milestone,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.units import OrgUnit, UnitKind
from service.alignment_ports import ObjectiveNode
from service.ids import new_id
from service.okr_ports import ObjectiveFilter, Viewer
from service.pagination import PageRequest
from service.ports import UnitOfWorkFactory
from tests.integration.test_repositories import cycle, engine, member, organization, uow

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["engine", "uow"]

T0 = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)  # the scenario's rows are made from then on
AS_OF_1 = datetime(2026, 1, 7, 0, 0, tzinfo=UTC)
AS_OF_2 = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)
LATE = datetime(2026, 1, 10, 0, 0, tzinfo=UTC)  # rows made between the two instants
FINAL_SCORED_AT = datetime(2026, 1, 25, 0, 0, tzinfo=UTC)
Q1_START, Q1_END = date(2026, 1, 1), date(2026, 3, 31)
TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def factory(uow: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """The store under test: the Postgres unit of work on the session's database."""
    return uow


@dataclass(frozen=True)
class Scenario:
    org_id: UUID
    admin: Member
    lead: Member  # leads Sales, manages Carol
    bob: Member  # a plain member of the team
    carol: Member  # owns the private objective
    dave: Member  # inactive, still in the team
    company: OrgUnit
    sales: OrgUnit
    team: OrgUnit
    company_o: Objective
    dept_o: Objective
    lead_o: Objective  # the lead's own, aligned to the department's
    team_o: Objective
    private_o: Objective
    next_year_o: Objective
    late_o: Objective  # an orphan team objective, made at LATE
    year: Cycle
    quarter: Cycle
    company_kr: KeyResult
    dept_kr: KeyResult
    milestones_kr: KeyResult
    team_kr: KeyResult
    late_kr: KeyResult
    m1: UUID
    m2: UUID

    @property
    def admin_viewer(self) -> Viewer:
        return Viewer(member_id=self.admin.id, sees_everything=True)

    @property
    def bob_viewer(self) -> Viewer:
        return Viewer(member_id=self.bob.id, sees_everything=False)

    @property
    def lead_viewer(self) -> Viewer:
        return Viewer(member_id=self.lead.id, sees_everything=False)


def _unit(
    org_id: UUID, kind: UnitKind, name: str, parent: OrgUnit | None, lead: Member | None
) -> OrgUnit:
    return OrgUnit(
        id=new_id(),
        organization_id=org_id,
        kind=kind,
        name=name,
        parent_id=parent.id if parent else None,
        lead_id=lead.id if lead else None,
        version=1,
        created_at=T0,
        updated_at=T0,
    )


def _objective(
    org_id: UUID,
    title: str,
    cycle_of: Cycle,
    owner: Member | OrgUnit,
    level: Level,
    created_at: datetime,
    **fields: Any,
) -> Objective:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": org_id,
        "cycle_id": cycle_of.id,
        "title": title,
        "description": "",
        "owner_kind": OwnerKind.MEMBER if isinstance(owner, Member) else OwnerKind.UNIT,
        "owner_id": owner.id,
        "level": level,
        "status": ObjectiveStatus.ACTIVE,
        "visibility": Visibility.PUBLIC,
        "roll_up": False,
        "parent_objective_id": None,
        "parent_key_result_id": None,
        "source_objective_id": None,
        "version": 1,
        "created_at": created_at,
        "updated_at": created_at,
    }
    values.update(fields)
    return Objective(**values)


def _key_result(
    objective: Objective, owner: Member, created_at: datetime, **fields: Any
) -> KeyResult:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": objective.organization_id,
        "objective_id": objective.id,
        "title": "KR",
        "owner_id": owner.id,
        "metric_kind": MetricKind.NUMBER,
        "unit": None,
        "currency": None,
        "start": Decimal(0),
        "target": Decimal(10),
        "direction": Direction.INCREASE,
        "weight": Decimal(1),
        "due_date": Q1_END,
        "confidence": None,
        "milestones": (),
        "final_score": None,
        "final_score_reason": None,
        "version": 1,
        "created_at": created_at,
        "updated_at": created_at,
    }
    values.update(fields)
    return KeyResult(**values)


def _check_in(
    kr: KeyResult,
    created_at: datetime,
    value: str | None = None,
    done: tuple[UUID, ...] | None = None,
) -> CheckIn:
    return CheckIn(
        id=new_id(),
        organization_id=kr.organization_id,
        key_result_id=kr.id,
        author="member:test",
        value=Decimal(value) if value is not None else None,
        milestones_done=done,
        confidence=None,
        note="",
        blockers="",
        created_at=created_at,
    )


def _utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def _seed(factory: UnitOfWorkFactory) -> Scenario:
    org = organization(time_zone=TIME_ZONE)
    o = org.id
    admin = member(o, "Admin", roles=frozenset({Role.ADMIN}))
    lead = member(o, "Lead", roles=frozenset({Role.MANAGER}))
    bob = member(o, "Bob")
    carol = member(o, "Carol", manager_id=lead.id)
    dave = member(o, "Dave", active=False)
    company = _unit(o, UnitKind.COMPANY, "Acme", None, admin)
    sales = _unit(o, UnitKind.DEPARTMENT, "Sales", company, lead)
    team = _unit(o, UnitKind.TEAM, "Team", sales, None)
    year = cycle(o, "FY2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR)
    quarter = replace(cycle(o, "Q1", Q1_START, Q1_END, CycleKind.QUARTER), parent_id=year.id)
    next_year = cycle(o, "FY2027", date(2027, 1, 1), date(2027, 12, 31), CycleKind.YEAR)

    hour = timedelta(hours=1)
    company_o = _objective(o, "Win", year, company, Level.COMPANY, T0)
    company_kr = _key_result(company_o, admin, T0 + 10 * timedelta(minutes=1))
    dept_o = _objective(
        o, "Sell", year, sales, Level.DEPARTMENT, T0 + hour, parent_objective_id=company_o.id
    )
    dept_kr = _key_result(dept_o, lead, T0 + 70 * timedelta(minutes=1), weight=Decimal("2.5"))
    m1, m2 = new_id(), new_id()
    milestones_kr = _key_result(
        dept_o,
        lead,
        T0 + 80 * timedelta(minutes=1),
        metric_kind=MetricKind.MILESTONES,
        start=Decimal(0),
        target=Decimal(1),
        milestones=(
            Milestone(id=m1, title="Plan", weight=Decimal("1")),
            Milestone(id=m2, title="Ship", weight=Decimal("3")),
        ),
    )
    team_o = _objective(
        o, "Close", quarter, team, Level.TEAM, T0 + 2 * hour, parent_key_result_id=dept_kr.id
    )
    team_kr = _key_result(
        team_o,
        bob,
        T0 + 2 * hour,
        metric_kind=MetricKind.PERCENT,
        target=Decimal(100),
        final_score=Decimal("0.70"),
        final_score_reason="closed",
        final_scored_at=FINAL_SCORED_AT,
    )
    private_o = _objective(
        o,
        "Grow",
        quarter,
        carol,
        Level.INDIVIDUAL,
        T0 + 3 * hour,
        visibility=Visibility.PRIVATE,
        parent_objective_id=team_o.id,
    )
    next_year_o = replace(
        _objective(o, "Later", next_year, company, Level.COMPANY, T0 + 4 * hour),
        parent_objective_id=company_o.id,
    )
    lead_o = _objective(
        o, "Lead", year, lead, Level.INDIVIDUAL, T0 + 5 * hour, parent_objective_id=dept_o.id
    )
    late_o = _objective(o, "Orphan", quarter, team, Level.TEAM, LATE)
    late_kr = _key_result(dept_o, lead, LATE)

    check_ins = [
        # Dec 31 23:00 in Shanghai: before the quarter.
        _check_in(dept_kr, _utc(12, 31, 15, year=2025), "1"),
        # Jan 1 00:30 in Shanghai: the quarter's first day (week 1), though Dec 31 in UTC.
        _check_in(dept_kr, _utc(12, 31, 16, 30, year=2025), "2"),
        _check_in(dept_kr, _utc(1, 5, 10), "3"),  # Jan 5 local: week 1
        _check_in(milestones_kr, _utc(1, 6, 12), done=(m1,)),  # Jan 6 local: week 1
        _check_in(dept_kr, _utc(1, 6, 20), "5"),  # Jan 7 04:00 local: week 1
        _check_in(dept_kr, _utc(1, 7, 17), "6"),  # Jan 8 01:00 local: week 2 (week 1 in UTC)
        _check_in(team_kr, _utc(1, 8, 3), "40"),  # Jan 8 local: week 2
        _check_in(company_kr, _utc(1, 9, 3), "7"),  # another objective's KR
    ]
    same_instant = _utc(1, 20, 3)  # Jan 20 local: week 3; the greater id is the latest
    check_ins += [_check_in(dept_kr, same_instant, "8"), _check_in(dept_kr, same_instant, "9")]
    check_ins += [
        _check_in(milestones_kr, _utc(1, 21, 3), done=(m1, m2)),  # week 3
        _check_in(team_kr, _utc(2, 3, 3), "90"),  # after AS_OF_2
    ]

    async with factory() as work:
        await work.organizations.add(org)
        for one in (admin, lead, bob, carol, dave):
            await work.members.add(one)
        for unit in (company, sales, team):
            await work.units.add(unit)
        for unit, person in [(sales, lead), (team, bob), (team, carol), (team, dave)]:
            await work.units.add_member(o, unit.id, person.id)
        for one_cycle in (year, quarter, next_year):
            await work.cycles.add(one_cycle)
        await work.objectives.add(company_o)
        await work.key_results.add(company_kr)
        await work.objectives.add(dept_o)
        for kr in (dept_kr, milestones_kr):
            await work.key_results.add(kr)
        await work.objectives.add(team_o)
        await work.key_results.add(team_kr)
        for objective in (private_o, next_year_o, lead_o, late_o):
            await work.objectives.add(objective)
        await work.key_results.add(late_kr)
        for check_in in check_ins:
            await work.check_ins.add(check_in)
        await work.commit()

    return Scenario(
        org_id=o,
        admin=admin,
        lead=lead,
        bob=bob,
        carol=carol,
        dave=dave,
        company=company,
        sales=sales,
        team=team,
        company_o=company_o,
        dept_o=dept_o,
        lead_o=lead_o,
        team_o=team_o,
        private_o=private_o,
        next_year_o=next_year_o,
        late_o=late_o,
        year=year,
        quarter=quarter,
        company_kr=company_kr,
        dept_kr=dept_kr,
        milestones_kr=milestones_kr,
        team_kr=team_kr,
        late_kr=late_kr,
        m1=m1,
        m2=m2,
    )


def _ids(nodes: list[ObjectiveNode] | Any) -> list[UUID]:
    return [n.id for n in nodes]


async def test_cycle_nodes_cover_nested_cycles_as_of_an_instant(
    factory: UnitOfWorkFactory,
) -> None:
    s = await _seed(factory)
    async with factory() as work:
        read = work.alignment
        by_admin = await read.cycle_nodes(s.org_id, s.year.id, viewer=s.admin_viewer, as_of=AS_OF_2)
        by_bob = await read.cycle_nodes(s.org_id, s.year.id, viewer=s.bob_viewer, as_of=AS_OF_2)
        by_lead = await read.cycle_nodes(s.org_id, s.year.id, viewer=s.lead_viewer, as_of=AS_OF_2)
        before = await read.cycle_nodes(s.org_id, s.year.id, viewer=s.admin_viewer, as_of=AS_OF_1)
        quarter = await read.cycle_nodes(
            s.org_id, s.quarter.id, viewer=s.admin_viewer, as_of=AS_OF_2
        )
        unknown = await read.cycle_nodes(s.org_id, new_id(), viewer=s.admin_viewer, as_of=AS_OF_2)
        elsewhere = await read.cycle_nodes(
            new_id(), s.year.id, viewer=s.admin_viewer, as_of=AS_OF_2
        )

    # The year's and its quarter's, oldest first; not next year's.
    in_year = [s.company_o, s.dept_o, s.team_o, s.private_o, s.lead_o, s.late_o]
    assert _ids(by_admin) == [o.id for o in in_year]
    assert _ids(before) == [o.id for o in in_year[:-1]]  # the orphan came later
    assert _ids(quarter) == [s.team_o.id, s.private_o.id, s.late_o.id]
    assert unknown == []
    assert elsewhere == []

    parents = {n.id: n.parent_id for n in by_admin}
    assert parents == {
        s.company_o.id: None,
        s.dept_o.id: s.company_o.id,
        s.team_o.id: s.dept_o.id,  # through the KR it contributes to
        s.private_o.id: s.team_o.id,
        s.lead_o.id: s.dept_o.id,
        s.late_o.id: None,
    }
    assert all(n.visible for n in by_admin)
    # Hidden ones are flagged, not left out.
    assert _ids(by_bob) == _ids(by_admin)
    assert {n.id for n in by_bob if not n.visible} == {s.private_o.id}
    assert all(n.visible for n in by_lead)  # Carol reports to the lead

    team = next(n for n in by_bob if n.id == s.team_o.id)
    assert team == ObjectiveNode(
        id=s.team_o.id,
        cycle_id=s.quarter.id,
        title="Close",
        level=Level.TEAM,
        status=ObjectiveStatus.ACTIVE,
        visibility=Visibility.PUBLIC,
        owner_kind=OwnerKind.UNIT,
        owner_id=s.team.id,
        roll_up=False,
        parent_objective_id=None,
        parent_key_result_id=s.dept_kr.id,
        parent_id=s.dept_o.id,
        visible=True,
    )
    private = next(n for n in by_bob if n.id == s.private_o.id)
    assert (private.owner_kind, private.owner_id) == (OwnerKind.MEMBER, s.carol.id)


async def test_subtree_nodes_walk_both_links_in_any_cycle(factory: UnitOfWorkFactory) -> None:
    s = await _seed(factory)
    org, admin, bob = s.org_id, s.admin_viewer, s.bob_viewer
    async with factory() as work:
        read = work.alignment
        everything = await read.subtree_nodes(org, [s.company_o.id], viewer=admin, as_of=AS_OF_2)
        one_level = await read.subtree_nodes(
            org, [s.company_o.id], viewer=admin, as_of=AS_OF_2, max_depth=1
        )
        two_levels = await read.subtree_nodes(
            org, [s.company_o.id], viewer=bob, as_of=AS_OF_2, max_depth=2
        )
        roots_only = await read.subtree_nodes(
            org, [s.company_o.id], viewer=admin, as_of=AS_OF_2, max_depth=0
        )
        overlapping = await read.subtree_nodes(
            org, [s.team_o.id, s.dept_o.id, s.team_o.id], viewer=bob, as_of=AS_OF_2
        )
        late_root_before = await read.subtree_nodes(org, [s.late_o.id], viewer=admin, as_of=AS_OF_1)
        late_root_after = await read.subtree_nodes(org, [s.late_o.id], viewer=admin, as_of=AS_OF_2)
        nothing = await read.subtree_nodes(org, [], viewer=admin, as_of=AS_OF_2)
        # None of these roll up: below the root's children there is nothing to descend to.
        for_roll_up = await read.subtree_nodes(
            org, [s.company_o.id], viewer=admin, as_of=AS_OF_2, through_roll_ups=True
        )
        elsewhere = await read.subtree_nodes(
            new_id(), [s.company_o.id], viewer=admin, as_of=AS_OF_2
        )

    c, d, t, p, n, ld = (
        s.company_o.id,
        s.dept_o.id,
        s.team_o.id,
        s.private_o.id,
        s.next_year_o.id,
        s.lead_o.id,
    )
    assert _ids(everything) == [c, d, t, p, n, ld]  # next year's too; oldest first
    assert _ids(one_level) == [c, d, n]
    assert _ids(two_levels) == [c, d, t, n, ld]
    assert _ids(roots_only) == [c]
    assert _ids(for_roll_up) == [c, d, n]
    assert _ids(overlapping) == [d, t, p, ld]
    assert [(x.id, x.visible) for x in overlapping if not x.visible] == [(p, False)]
    assert late_root_before == []
    assert _ids(late_root_after) == [s.late_o.id]
    assert nothing == []
    assert elsewhere == []
    assert {x.id: x.parent_id for x in everything}[t] == d


async def test_figures_read_each_kr_as_it_was_at_an_instant(factory: UnitOfWorkFactory) -> None:
    s = await _seed(factory)
    objectives = [s.dept_o.id, s.team_o.id]
    async with factory() as work:
        read = work.alignment
        before = await read.figures(s.org_id, objectives, as_of=AS_OF_1)
        after = await read.figures(s.org_id, objectives, as_of=AS_OF_2)
        at_final = await read.figures(s.org_id, [s.team_o.id], as_of=FINAL_SCORED_AT)
        nothing = await read.figures(s.org_id, [], as_of=AS_OF_2)
        elsewhere = await read.figures(new_id(), objectives, as_of=AS_OF_2)

    # Oldest first: the team's KR was made with its objective, after the department's.
    assert _ids(before) == [s.dept_kr.id, s.milestones_kr.id, s.team_kr.id]
    assert _ids(after) == [s.dept_kr.id, s.milestones_kr.id, s.team_kr.id, s.late_kr.id]
    assert nothing == []
    assert elsewhere == []

    then = {f.id: f for f in before}
    now = {f.id: f for f in after}
    assert then[s.dept_kr.id].current == Decimal(5)
    assert now[s.dept_kr.id].current == Decimal(9)  # same instant as 8, greater id
    assert then[s.milestones_kr.id].milestones_done == frozenset({s.m1})
    assert now[s.milestones_kr.id].milestones_done == frozenset({s.m1, s.m2})
    assert then[s.milestones_kr.id].current is None
    assert then[s.team_kr.id].current is None  # no check-in yet
    assert then[s.team_kr.id].milestones_done == frozenset()
    assert now[s.team_kr.id].current == Decimal(40)  # the one of Feb 3 comes later
    assert then[s.team_kr.id].final_score is None  # not set yet
    assert now[s.team_kr.id].final_score == Decimal("0.7")
    assert at_final[0].final_score == Decimal("0.7")  # set at that very instant
    assert now[s.late_kr.id].current is None

    dept = now[s.dept_kr.id]
    assert (dept.objective_id, dept.metric_kind, dept.direction) == (
        s.dept_o.id,
        MetricKind.NUMBER,
        Direction.INCREASE,
    )
    assert (dept.start, dept.target, dept.weight) == (Decimal(0), Decimal(10), Decimal("2.5"))
    assert dept.milestones == ()
    assert now[s.milestones_kr.id].milestones == s.milestones_kr.milestones


async def test_check_in_weeks_count_local_days_of_the_cycle(factory: UnitOfWorkFactory) -> None:
    s = await _seed(factory)
    objectives = [s.dept_o.id, s.team_o.id]

    async def weeks(ids: list[UUID], as_of: datetime, tz: str = TIME_ZONE) -> dict[int, Any]:
        async with factory() as work:
            return dict(
                await work.alignment.check_in_weeks(
                    s.org_id, ids, starts_on=Q1_START, ends_on=Q1_END, time_zone=tz, as_of=as_of
                )
            )

    # Week 1: three of the department's KR (Jan 1, 5, 7 local) and one milestones check-in.
    # Week 2: the department's KR (Jan 8 local) and the team's. Week 3: 8, 9 and milestones.
    assert await weeks(objectives, AS_OF_2) == {1: (4, 2), 2: (2, 2), 3: (3, 2)}
    # At AS_OF_1: Jan 1, Jan 5, the milestones one and Jan 6 20:00 UTC.
    assert await weeks(objectives, AS_OF_1) == {1: (4, 2)}
    assert await weeks([s.team_o.id], AS_OF_2) == {2: (1, 1)}
    # In UTC the Dec 31 16:30 check-in falls before the quarter, and Jan 7 17:00 in week 1.
    assert await weeks(objectives, AS_OF_2, "UTC") == {1: (4, 2), 2: (1, 1), 3: (3, 2)}
    assert await weeks([], AS_OF_2) == {}


async def test_check_in_weeks_of_one_day_each(factory: UnitOfWorkFactory) -> None:
    """Weeks whose check-ins all fall on one local day: the Postgres reader gets these
    right (its per-day grouping only shows with several days in a week)."""
    s = await _seed(factory)
    async with factory() as work:
        found = await work.alignment.check_in_weeks(
            s.org_id,
            [s.team_o.id],
            starts_on=Q1_START,
            ends_on=Q1_END,
            time_zone=TIME_ZONE,
            as_of=datetime(2026, 3, 1, tzinfo=UTC),
        )
    assert dict(found) == {2: (1, 1), 5: (1, 1)}  # Jan 8 and Feb 3 local


async def test_units_and_memberships(factory: UnitOfWorkFactory) -> None:
    s = await _seed(factory)
    async with factory() as work:
        read = work.alignment
        units = await read.units(s.org_id)
        memberships = await read.unit_memberships(s.org_id)
        active = await read.active_member_ids(s.org_id)
        elsewhere = (
            await read.units(new_id()),
            await read.unit_memberships(new_id()),
            await read.active_member_ids(new_id()),
        )

    assert list(units) == sorted([s.company, s.sales, s.team], key=lambda u: u.id)
    # Dave is inactive: still in the team, but not counted.
    assert sorted(memberships) == sorted(
        [(s.sales.id, s.lead.id), (s.team.id, s.bob.id), (s.team.id, s.carol.id)]
    )
    assert sorted(active) == sorted(m.id for m in (s.admin, s.lead, s.bob, s.carol))
    assert elsewhere == ([], [], [])


async def test_objective_list_below_a_unit_and_orphans(factory: UnitOfWorkFactory) -> None:
    s = await _seed(factory)
    page = PageRequest(limit=50)

    async def listed(filters: ObjectiveFilter, viewer: Viewer | None = None) -> list[UUID]:
        async with factory() as work:
            found = await work.objectives.list(s.org_id, filters, page, viewer or s.admin_viewer)
        return [o.id for o in found.items]

    # Sales' own, its team's, and those of Sales' and the team's members (the lead, Carol).
    below_sales = {s.dept_o.id, s.team_o.id, s.private_o.id, s.lead_o.id, s.late_o.id}
    assert set(await listed(ObjectiveFilter(below_unit_id=s.sales.id))) == below_sales
    assert set(await listed(ObjectiveFilter(below_unit_id=s.team.id))) == {
        s.team_o.id,
        s.private_o.id,
        s.late_o.id,
    }
    assert set(await listed(ObjectiveFilter(below_unit_id=s.company.id))) == {
        s.company_o.id,
        s.next_year_o.id,
        *below_sales,
    }
    assert await listed(ObjectiveFilter(below_unit_id=new_id())) == []
    # Combined with the other filters and with visibility.
    assert set(await listed(ObjectiveFilter(below_unit_id=s.sales.id, cycle_id=s.quarter.id))) == {
        s.team_o.id,
        s.private_o.id,
        s.late_o.id,
    }
    assert set(await listed(ObjectiveFilter(below_unit_id=s.team.id), s.bob_viewer)) == {
        s.team_o.id,
        s.late_o.id,
    }
    # Orphans: not company level, aligned to nothing.
    assert await listed(ObjectiveFilter(orphans=True)) == [s.late_o.id]
    assert await listed(ObjectiveFilter(orphans=True, below_unit_id=s.company.id)) == [s.late_o.id]
    assert await listed(ObjectiveFilter(orphans=True, level=Level.DEPARTMENT)) == []


async def test_walks_stop_on_stored_loops(factory: UnitOfWorkFactory) -> None:
    """Writes refuse loops, but a stored one must not make a read spin: here an objective
    aligned to itself, two aligned to each other and a cycle nested in itself."""
    s = await _seed(factory)
    o = s.org_id
    self_loop = _objective(o, "Self", s.quarter, s.team, Level.TEAM, T0 + timedelta(hours=6))
    self_loop = replace(self_loop, parent_objective_id=self_loop.id)
    first = _objective(o, "First", s.quarter, s.team, Level.TEAM, T0 + timedelta(hours=7))
    second = replace(
        _objective(o, "Second", s.quarter, s.team, Level.TEAM, T0 + timedelta(hours=8)),
        parent_objective_id=first.id,
    )
    looped_cycle = cycle(o, "Loop", date(2026, 1, 1), date(2026, 1, 31), CycleKind.MONTH)
    looped_cycle = replace(looped_cycle, parent_id=looped_cycle.id)
    in_loop = _objective(o, "In loop", looped_cycle, s.team, Level.TEAM, T0 + timedelta(hours=9))
    async with factory() as work:
        await work.objectives.add(self_loop)
        await work.objectives.add(first)
        await work.objectives.add(second)
        await work.objectives.update(
            replace(first, parent_objective_id=second.id, version=2), previous_version=1
        )
        await work.cycles.add(looped_cycle)
        await work.objectives.add(in_loop)
        await work.commit()

    async with factory() as work:
        read = work.alignment
        alone = await read.subtree_nodes(o, [self_loop.id], viewer=s.admin_viewer, as_of=AS_OF_2)
        pair = await read.subtree_nodes(o, [first.id], viewer=s.admin_viewer, as_of=AS_OF_2)
        deep = await read.subtree_nodes(
            o, [second.id], viewer=s.admin_viewer, as_of=AS_OF_2, max_depth=10_000
        )
        nested = await read.cycle_nodes(o, looped_cycle.id, viewer=s.admin_viewer, as_of=AS_OF_2)

    assert _ids(alone) == [self_loop.id]
    assert alone[0].parent_id == self_loop.id
    assert _ids(pair) == [first.id, second.id]
    assert _ids(deep) == [first.id, second.id]
    assert _ids(nested) == [in_loop.id]
