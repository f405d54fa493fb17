"""A realistic organization for the bench, built in memory and loaded with COPY.

The organization and its admin come from the ``create_organization`` use case; everything
else is COPied in one transaction (``asyncpg.copy_records_to_table``):

- 2,000 members in a manager tree under the admin (7-10 reports per manager);
- 150 org units: the company, 10 departments, 139 teams, with leads and members;
- the 2026 year cycle and its four quarters, all active;
- 10,000 objectives aligned company -> department -> team (quarters) -> individual, each
  department's tree under one main department objective (~1,000 objectives); ~5% private,
  ~3% orphans (no parent), a few roll-up objectives without KRs;
- ~40,000 KRs (4 per objective), ~400,000 check-ins with increasing values.

Objectives are copied without their KR links first (objectives and key_results reference
each other), then one ``UPDATE ... FROM unnest(...)`` sets ``parent_key_result_id``.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from uuid_utils.compat import uuid7

from service.context import Deps
from service.organizations import NewOrganization, create_organization
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory

MEMBERS = 2000  # the admin included
DEPARTMENT_NAMES = (
    "Sales",
    "Marketing",
    "Engineering",
    "Product",
    "Operations",
    "Finance",
    "People",
    "Support",
    "Legal",
    "Design",
)
TEAMS = 139
OBJECTIVES = 10_000
COMPANY_OBJECTIVES = 5
DEPARTMENT_OBJECTIVES = 3  # per department: the main one, two contributing to its KRs
TEAM_OBJECTIVES = 3  # per team and quarter
KEY_RESULTS_PER_OBJECTIVE = 4
CHECK_INS_PER_KEY_RESULT = (5, 15)  # uniform: 10 on average
PRIVATE_SHARE = 0.05
ORPHAN_SHARE = 0.03
ROLL_UP_DEPARTMENTS = (1, 4, 7)  # their third department objective rolls up, with no KRs

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
QUARTERS = (
    (date(2026, 1, 1), date(2026, 3, 31)),
    (date(2026, 4, 1), date(2026, 6, 30)),
    (date(2026, 7, 1), date(2026, 9, 30)),
    (date(2026, 10, 1), date(2026, 12, 31)),
)
CHECK_INS_UNTIL = datetime(2026, 11, 20, 18, tzinfo=UTC)
DIRECTORY_CREATED = datetime(2025, 12, 1, 9, tzinfo=UTC)


def new_id() -> UUID:
    return uuid7()


def at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


# -- the plan: plain rows in memory ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    id: UUID
    number: int
    manager_id: UUID | None
    roles: list[str]


@dataclass(frozen=True, slots=True)
class Unit:
    id: UUID
    kind: str
    name: str
    parent_id: UUID | None
    lead_id: UUID
    department: int | None  # index of the department it is (or belongs to)


@dataclass(frozen=True, slots=True)
class Cycle:
    id: UUID
    name: str
    kind: str
    start: date
    end: date
    parent_id: UUID | None


@dataclass(slots=True)
class Objective:
    id: UUID
    cycle: Cycle
    level: str
    title: str
    owner_member_id: UUID | None
    owner_unit_id: UUID | None
    key_result_owner: UUID  # the owner member, or the owning unit's lead
    roll_up: bool = False
    private: bool = False
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None
    key_results: list[KeyResult] = field(default_factory=list)

    @property
    def created_at(self) -> datetime:
        return at_nine(self.cycle.start)


@dataclass(frozen=True, slots=True)
class KeyResult:
    id: UUID
    objective: Objective
    number: int
    metric_kind: str
    unit: str | None
    target: int


@dataclass
class Plan:
    organization_id: UUID
    admin_id: UUID
    people: list[Person]
    units: list[Unit]
    unit_members: list[tuple[UUID, UUID]]  # (unit, member)
    cycles: list[Cycle]
    objectives: list[Objective]

    @property
    def year(self) -> Cycle:
        return self.cycles[0]

    def key_results(self) -> Iterator[KeyResult]:
        for objective in self.objectives:
            yield from objective.key_results

    def parent_of(self) -> dict[UUID, UUID]:
        """Each aligned objective's parent objective (the KR's objective for a KR link)."""
        kr_objective = {kr.id: kr.objective.id for kr in self.key_results()}
        parents: dict[UUID, UUID] = {}
        for o in self.objectives:
            if o.parent_objective_id is not None:
                parents[o.id] = o.parent_objective_id
            elif o.parent_key_result_id is not None:
                parents[o.id] = kr_objective[o.parent_key_result_id]
        return parents

    def subtree_size(self, root_id: UUID) -> int:
        children: dict[UUID, list[UUID]] = defaultdict(list)
        for child, parent in self.parent_of().items():
            children[parent].append(child)
        size, stack = 0, [root_id]
        while stack:
            size += 1
            stack.extend(children[stack.pop()])
        return size


def plan_people(rng: random.Random, admin_id: UUID) -> list[Person]:
    """The admin (number 0) and a breadth-first manager tree: the admin has 10 reports (the
    department leads), every other manager 7-10."""
    ids = [admin_id, *(new_id() for _ in range(MEMBERS - 1))]
    managers: list[int | None] = [None] * MEMBERS
    head, next_report = 0, 1
    while next_report < MEMBERS:
        for _ in range(len(DEPARTMENT_NAMES) if head == 0 else rng.randint(7, 10)):
            if next_report < MEMBERS:
                managers[next_report] = head
                next_report += 1
        head += 1
    has_reports = {m for m in managers if m is not None}
    return [
        Person(
            id=ids[i],
            number=i,
            manager_id=ids[m] if (m := managers[i]) is not None else None,
            roles=["admin"] if i == 0 else ["manager"] if i in has_reports else ["member"],
        )
        for i in range(MEMBERS)
    ]


def plan_units(people: Sequence[Person]) -> tuple[list[Unit], list[tuple[UUID, UUID]]]:
    """The company (led by the admin), departments led by the admin's reports, teams led by
    the next managers; everyone else in one team, in contiguous blocks of the manager tree."""
    departments = len(DEPARTMENT_NAMES)
    company = Unit(new_id(), "company", "Bench Inc.", None, people[0].id, None)
    units = [company]
    memberships = [(company.id, people[0].id)]
    for d, name in enumerate(DEPARTMENT_NAMES):
        unit = Unit(new_id(), "department", name, company.id, people[1 + d].id, d)
        units.append(unit)
        memberships.append((unit.id, unit.lead_id))
    first_lead = 1 + departments
    teams: list[Unit] = []
    for t in range(TEAMS):
        d = t * departments // TEAMS
        team = Unit(
            new_id(),
            "team",
            f"{DEPARTMENT_NAMES[d]} team {t + 1}",
            units[1 + d].id,
            people[first_lead + t].id,
            d,
        )
        teams.append(team)
        memberships.append((team.id, team.lead_id))
    rest = people[first_lead + TEAMS :]
    for i, person in enumerate(rest):
        memberships.append((teams[i * TEAMS // len(rest)].id, person.id))
    return units + teams, memberships


def plan_cycles() -> list[Cycle]:
    year = Cycle(new_id(), "2026", "year", *YEAR, None)
    quarters = [
        Cycle(new_id(), f"2026 Q{q + 1}", "quarter", start, end, year.id)
        for q, (start, end) in enumerate(QUARTERS)
    ]
    return [year, *quarters]


class Aligner:
    """Links a new objective to a parent: half to the objective, half to one of its KRs
    (always the objective when the parent rolls up and has no KRs)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def link(self, child: Objective, parent: Objective, *, kr_only: bool = False) -> None:
        if parent.key_results and (kr_only or self.rng.random() < 0.5):
            child.parent_key_result_id = self.rng.choice(parent.key_results).id
        else:
            child.parent_objective_id = parent.id


def add_key_results(rng: random.Random, objective: Objective) -> None:
    if objective.roll_up:
        return
    for n in range(KEY_RESULTS_PER_OBJECTIVE):
        draw = rng.random()
        if draw < 0.85:
            kind, unit, target = "number", "items", rng.randint(10, 500)
        elif draw < 0.95:
            kind, unit, target = "percent", "%", 100
        else:
            kind, unit, target = "boolean", None, 1
        objective.key_results.append(KeyResult(new_id(), objective, n + 1, kind, unit, target))


def plan_objectives(
    rng: random.Random,
    units: Sequence[Unit],
    memberships: Sequence[tuple[UUID, UUID]],
    cycles: Sequence[Cycle],
) -> tuple[list[Objective], list[Objective]]:
    """All objectives, parents before children; and each department's main objective."""
    year, quarters = cycles[0], cycles[1:]
    company = units[0]
    departments = [u for u in units if u.kind == "department"]
    teams = [u for u in units if u.kind == "team"]
    aligner = Aligner(rng)
    objectives: list[Objective] = []

    def add(objective: Objective) -> Objective:
        add_key_results(rng, objective)
        objectives.append(objective)
        return objective

    tops = [
        add(
            Objective(
                new_id(),
                year,
                "company",
                f"Company objective {n + 1}",
                None,
                company.id,
                company.lead_id,
                roll_up=n == COMPANY_OBJECTIVES - 1,
            )
        )
        for n in range(COMPANY_OBJECTIVES)
    ]
    by_department: list[list[Objective]] = []
    for d, unit in enumerate(departments):
        mine: list[Objective] = []
        for n in range(DEPARTMENT_OBJECTIVES):
            objective = Objective(
                new_id(),
                year,
                "department",
                f"{unit.name} objective {n + 1}",
                None,
                unit.id,
                unit.lead_id,
                roll_up=n == DEPARTMENT_OBJECTIVES - 1 and d in ROLL_UP_DEPARTMENTS,
            )
            if n == 0:
                aligner.link(objective, rng.choice(tops))
            else:  # sideways: contributes to a KR of the department's main objective
                aligner.link(objective, mine[0], kr_only=True)
            mine.append(add(objective))
        by_department.append(mine)

    team_objectives: dict[tuple[UUID, int], list[Objective]] = defaultdict(list)
    for team in teams:
        assert team.department is not None
        for q, quarter in enumerate(quarters):
            for n in range(TEAM_OBJECTIVES):
                objective = Objective(
                    new_id(),
                    quarter,
                    "team",
                    f"{team.name} Q{q + 1} objective {n + 1}",
                    None,
                    team.id,
                    team.lead_id,
                )
                aligner.link(objective, rng.choice(by_department[team.department]))
                team_objectives[team.id, q].append(add(objective))

    team_ids = {t.id for t in teams}
    team_of = {member: unit for unit, member in memberships if unit in team_ids}
    people = list(team_of)
    for j in range(OBJECTIVES - len(objectives)):
        member = people[j % len(people)]
        q = (j // len(people)) % len(quarters)
        objective = Objective(
            new_id(),
            quarters[q],
            "individual",
            f"Personal objective {j + 1}",
            member,
            None,
            member,
        )
        aligner.link(objective, rng.choice(team_objectives[team_of[member], q]))
        add(objective)

    not_company = [o for o in objectives if o.level in ("team", "individual")]
    for orphan in rng.sample(not_company, round(ORPHAN_SHARE * len(objectives))):
        orphan.parent_objective_id = orphan.parent_key_result_id = None
    hideable = [o for o in objectives if o.level != "company"]
    for hidden in rng.sample(hideable, round(PRIVATE_SHARE * len(objectives))):
        hidden.private = True
    return objectives, [mine[0] for mine in by_department]


def plan_organization(
    organization_id: UUID, admin_id: UUID, seed: int = 2026
) -> tuple[Plan, list[Objective]]:
    rng = random.Random(seed)
    people = plan_people(rng, admin_id)
    units, memberships = plan_units(people)
    cycles = plan_cycles()
    objectives, department_mains = plan_objectives(rng, units, memberships, cycles)
    plan = Plan(organization_id, admin_id, people, units, memberships, cycles, objectives)
    return plan, department_mains


# -- COPY records ------------------------------------------------------------------------

Record = tuple[Any, ...]

MEMBER_COLUMNS = (
    "organization_id",
    "id",
    "name",
    "email",
    "manager_id",
    "roles",
    "active",
    "version",
    "created_at",
    "updated_at",
)
UNIT_COLUMNS = (
    "organization_id",
    "id",
    "kind",
    "name",
    "parent_id",
    "lead_id",
    "version",
    "created_at",
    "updated_at",
)
CYCLE_COLUMNS = (
    "organization_id",
    "id",
    "name",
    "kind",
    "start_date",
    "end_date",
    "parent_id",
    "state",
    "version",
    "created_at",
    "updated_at",
)
OBJECTIVE_COLUMNS = (
    "organization_id",
    "id",
    "cycle_id",
    "title",
    "description",
    "owner_kind",
    "owner_member_id",
    "owner_unit_id",
    "level",
    "status",
    "visibility",
    "roll_up",
    "parent_objective_id",
    "version",
    "created_at",
    "updated_at",
)
KEY_RESULT_COLUMNS = (
    "organization_id",
    "id",
    "objective_id",
    "title",
    "owner_id",
    "metric_kind",
    "unit",
    "start_value",
    "target_value",
    "direction",
    "weight",
    "due_date",
    "confidence",
    "version",
    "created_at",
    "updated_at",
)
CHECK_IN_COLUMNS = (
    "organization_id",
    "id",
    "key_result_id",
    "author",
    "value",
    "confidence",
    "note",
    "blockers",
    "created_at",
)


def member_records(plan: Plan) -> Iterator[Record]:
    for p in plan.people[1:]:  # the admin exists already
        yield (
            plan.organization_id,
            p.id,
            f"Member {p.number:04d}",
            f"m{p.number}@bench.example",
            p.manager_id,
            p.roles,
            True,
            1,
            DIRECTORY_CREATED,
            DIRECTORY_CREATED,
        )


def unit_records(plan: Plan) -> Iterator[Record]:
    for u in plan.units:
        yield (
            plan.organization_id,
            u.id,
            u.kind,
            u.name,
            u.parent_id,
            u.lead_id,
            1,
            DIRECTORY_CREATED,
            DIRECTORY_CREATED,
        )


def cycle_records(plan: Plan) -> Iterator[Record]:
    for c in plan.cycles:
        yield (
            plan.organization_id,
            c.id,
            c.name,
            c.kind,
            c.start,
            c.end,
            c.parent_id,
            "active",
            1,
            DIRECTORY_CREATED,
            DIRECTORY_CREATED,
        )


def objective_records(plan: Plan) -> Iterator[Record]:
    for o in plan.objectives:
        yield (
            plan.organization_id,
            o.id,
            o.cycle.id,
            o.title,
            "",
            "member" if o.owner_member_id is not None else "unit",
            o.owner_member_id,
            o.owner_unit_id,
            o.level,
            "active",
            "private" if o.private else "public",
            o.roll_up,
            o.parent_objective_id,
            1,
            o.created_at,
            o.created_at,
        )


def key_result_records(plan: Plan, rng: random.Random) -> Iterator[Record]:
    zero, one = Decimal(0), Decimal(1)
    for kr in plan.key_results():
        o = kr.objective
        yield (
            plan.organization_id,
            kr.id,
            o.id,
            f"{o.title}: key result {kr.number}",
            o.key_result_owner,
            kr.metric_kind,
            kr.unit,
            zero,
            Decimal(kr.target),
            "increase",
            one,
            o.cycle.end,
            rng.randint(3, 9),
            1,
            o.created_at,
            o.created_at,
        )


def check_in_records(plan: Plan, rng: random.Random) -> Iterator[Record]:
    """5-15 check-ins per KR (10 on average) spread over its cycle up to CHECK_INS_UNTIL,
    values increasing towards (sometimes past) the target; ids as old as the check-in."""
    org, low, high = plan.organization_id, *CHECK_INS_PER_KEY_RESULT
    for kr in plan.key_results():
        o = kr.objective
        begins = o.created_at.timestamp() + 3600
        ends = min(at_nine(o.cycle.end) + timedelta(hours=8), CHECK_INS_UNTIL).timestamp()
        count = rng.randint(low, high)
        moments = sorted(rng.uniform(begins, ends) for _ in range(count))
        reach = rng.uniform(0.2, 1.1)
        steps = sorted(rng.random() for _ in range(count))
        author = str(o.key_result_owner)
        for moment, step in zip(moments, steps, strict=True):
            if kr.metric_kind == "boolean":
                value = 1 if reach > 0.6 and step > 0.8 else 0
            else:
                value = int(kr.target * reach * step)
            yield (
                org,
                uuid7(nanoseconds=int(moment * 1e9)),
                kr.id,
                author,
                Decimal(value),
                rng.randint(3, 9),
                "",
                "",
                datetime.fromtimestamp(moment, UTC),
            )


# -- loading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """What the bench needs to know about the seeded organization."""

    organization_id: UUID
    admin_id: UUID
    year_id: UUID
    objective_ids: list[UUID]
    check_in_targets: list[tuple[UUID, int]]  # KRs that take any number, and their target
    department_root_id: UUID  # a department's main objective
    department_root_size: int  # objectives in its alignment subtree, itself included
    tree_size: int  # objectives in the year cycle and its quarters
    roots: int  # objectives of the year tree with no parent
    private: int
    roll_up: int
    counts: dict[str, int]
    seconds: float


def asyncpg_dsn(url: str) -> str:
    """A URL asyncpg takes (``postgresql://``), from any the service accepts."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


async def create_bench_organization(url: str) -> tuple[UUID, UUID]:
    engine = create_engine(url, pool_size=1, statement_cache_size=0)
    try:
        org, admin = await create_organization(
            Deps(uow=PostgresUnitOfWorkFactory(engine)),
            NewOrganization(name="Bench", admin_email="admin@bench.example"),
        )
    finally:
        await engine.dispose()
    return org.id, admin.id


async def copy_plan(conn: Any, plan: Plan, rng: random.Random) -> None:
    """COPY every row of the plan in one transaction, then link objectives to their KRs."""

    async def copy(table: str, columns: Sequence[str], records: Iterator[Record]) -> None:
        await conn.copy_records_to_table(table, records=list(records), columns=list(columns))

    org = plan.organization_id
    async with conn.transaction():
        await copy("members", MEMBER_COLUMNS, member_records(plan))
        await copy("org_units", UNIT_COLUMNS, unit_records(plan))
        await copy(
            "unit_members",
            ("organization_id", "unit_id", "member_id"),
            ((org, unit, member) for unit, member in plan.unit_members),
        )
        await copy("cycles", CYCLE_COLUMNS, cycle_records(plan))
        await copy("objectives", OBJECTIVE_COLUMNS, objective_records(plan))
        await copy("key_results", KEY_RESULT_COLUMNS, key_result_records(plan, rng))
        links = [(o.id, o.parent_key_result_id) for o in plan.objectives if o.parent_key_result_id]
        await conn.execute(
            "UPDATE objectives AS o SET parent_key_result_id = l.key_result_id"
            " FROM unnest($2::uuid[], $3::uuid[]) AS l(id, key_result_id)"
            " WHERE o.organization_id = $1 AND o.id = l.id",
            org,
            [objective for objective, _ in links],
            [key_result for _, key_result in links],
        )
        await copy("check_ins", CHECK_IN_COLUMNS, check_in_records(plan, rng))
        # COPY bypasses PostgresCheckIns.add: name each KR's latest check-in on its row as
        # migration 0012's fill does (reads of "now" take the current value from there).
        await conn.execute(LATEST_ON_ROWS, org)


LATEST_ON_ROWS = """
UPDATE key_results AS k
SET latest_check_in_id = c.id, latest_check_in_at = c.created_at,
    current_value = c.value, current_milestones_done = c.milestones_done
FROM (
    SELECT DISTINCT ON (key_result_id) key_result_id, id, created_at, value, milestones_done
    FROM check_ins WHERE organization_id = $1
    ORDER BY key_result_id, created_at DESC, id DESC
) AS c
WHERE k.organization_id = $1 AND k.id = c.key_result_id
"""


COUNTED_TABLES = (
    "members",
    "org_units",
    "unit_members",
    "cycles",
    "objectives",
    "key_results",
    "check_ins",
)


async def count_rows(conn: Any, organization_id: UUID) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in COUNTED_TABLES:
        counts[table] = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE organization_id = $1",  # noqa: S608
            organization_id,
        )
    return counts


async def seed(url: str) -> Seeded:
    """Create the bench organization and COPY the rest; ANALYZE; count what is there."""
    started = time.perf_counter()
    org_id, admin_id = await create_bench_organization(url)
    plan, department_mains = plan_organization(org_id, admin_id)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await copy_plan(conn, plan, random.Random(7))
        # VACUUM too: sets the visibility map, and keeps autovacuum from waking up (after
        # 400,000 new rows) in the middle of the measurements.
        await conn.execute(f"VACUUM (ANALYZE) {', '.join(COUNTED_TABLES)}")
        counts = await count_rows(conn, org_id)
    finally:
        await conn.close()
    seconds = time.perf_counter() - started
    root = department_mains[0]
    parents = plan.parent_of()
    return Seeded(
        organization_id=org_id,
        admin_id=admin_id,
        year_id=plan.year.id,
        objective_ids=[o.id for o in plan.objectives],
        check_in_targets=[
            (kr.id, kr.target) for kr in plan.key_results() if kr.metric_kind != "boolean"
        ],
        department_root_id=root.id,
        department_root_size=plan.subtree_size(root.id),
        tree_size=len(plan.objectives),
        roots=sum(1 for o in plan.objectives if o.id not in parents),
        private=sum(1 for o in plan.objectives if o.private),
        roll_up=sum(1 for o in plan.objectives if o.roll_up),
        counts=counts,
        seconds=seconds,
    )
