"""The batch reads behind GraphQL's DataLoaders on a real Postgres: one statement, one tenant."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

from domain.cycles import CycleKind
from domain.organizations import Organization
from domain.units import OrgUnit, UnitKind
from service.ids import new_id
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.integration.test_repositories import (
    NOW,
    StatementCounter,
    add_members,
    counter,
    cycle,
    engine,
    member,
    org,
    organization,
    uow,
)

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["counter", "engine", "org", "uow"]

NOBODY = UUID(int=1)


def unit(
    organization_id: UUID, kind: UnitKind, name: str, parent: OrgUnit | None = None
) -> OrgUnit:
    return OrgUnit(
        id=new_id(),
        organization_id=organization_id,
        kind=kind,
        name=name,
        parent_id=parent.id if parent else None,
        lead_id=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


async def _other_organization(uow: PostgresUnitOfWorkFactory) -> Organization:
    other = organization("Globex")
    async with uow() as work:
        await work.organizations.add(other)
        await work.commit()
    return other


async def test_units_get_many_is_one_statement_within_the_organization(
    uow: PostgresUnitOfWorkFactory, org: Organization, counter: StatementCounter
) -> None:
    other = await _other_organization(uow)
    company = unit(org.id, UnitKind.COMPANY, "Acme")
    sales = unit(org.id, UnitKind.DEPARTMENT, "Sales", company)
    teams = [unit(org.id, UnitKind.TEAM, f"Team {i}", sales) for i in range(5)]
    foreign = unit(other.id, UnitKind.COMPANY, "Globex")
    async with uow() as work:
        for one in (company, sales, *teams, foreign):
            await work.units.add(one)
        await work.commit()

    wanted = [company.id, sales.id, *(t.id for t in teams), foreign.id, NOBODY, sales.id]
    async with uow() as work:
        counter.statements.clear()
        found = await work.units.get_many(org.id, wanted)
        assert len(counter.statements) == 1, counter.statements
        counter.statements.clear()
        assert await work.units.get_many(org.id, []) == {}
        assert counter.statements == []  # nothing to ask, nothing sent
        assert await work.units.get_many(other.id, [company.id, sales.id]) == {}
        assert await work.units.get_many(other.id, [foreign.id]) == {foreign.id: foreign}

    assert found == {u.id: u for u in (company, sales, *teams)}


async def test_unit_member_ids_of_is_one_statement_ordered_by_member(
    uow: PostgresUnitOfWorkFactory, org: Organization, counter: StatementCounter
) -> None:
    other = await _other_organization(uow)
    people = [member(org.id, f"Person {i}") for i in range(4)]
    outsider = member(other.id, "Outsider")
    await add_members(uow, *people, outsider)
    company = unit(org.id, UnitKind.COMPANY, "Acme")
    sales = unit(org.id, UnitKind.DEPARTMENT, "Sales", company)
    empty = unit(org.id, UnitKind.DEPARTMENT, "Empty", company)
    foreign = unit(other.id, UnitKind.COMPANY, "Globex")
    async with uow() as work:
        for one in (company, sales, empty, foreign):
            await work.units.add(one)
        # Added out of order: each unit's ids come back ordered all the same.
        for u, m in [(sales, 3), (company, 1), (sales, 0), (sales, 2), (company, 0)]:
            await work.units.add_member(org.id, u.id, people[m].id)
        await work.units.add_member(other.id, foreign.id, outsider.id)
        await work.commit()

    async with uow() as work:
        counter.statements.clear()
        found = await work.units.member_ids_of(
            org.id, [company.id, sales.id, empty.id, foreign.id, NOBODY]
        )
        assert len(counter.statements) == 1, counter.statements
        counter.statements.clear()
        assert await work.units.member_ids_of(org.id, []) == {}
        assert counter.statements == []
        assert await work.units.member_ids_of(other.id, [company.id, sales.id]) == {}
        assert await work.units.member_ids_of(other.id, [foreign.id]) == {foreign.id: [outsider.id]}
        # The batch agrees with the one-unit read.
        assert found[sales.id] == await work.units.member_ids(org.id, sales.id)

    assert found == {
        company.id: sorted([people[0].id, people[1].id]),
        sales.id: sorted([people[0].id, people[2].id, people[3].id]),
    }


async def test_cycles_get_many_is_one_statement_within_the_organization(
    uow: PostgresUnitOfWorkFactory, org: Organization, counter: StatementCounter
) -> None:
    other = await _other_organization(uow)
    year = cycle(org.id, "FY2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR)
    quarters = [
        replace(
            cycle(
                org.id,
                f"Q{q + 1}",
                date(2026, 3 * q + 1, 1),
                date(2026, 3 * q + 3, 28),
                CycleKind.QUARTER,
            ),
            parent_id=year.id,
        )
        for q in range(4)
    ]
    foreign = cycle(other.id, "FY2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR)
    async with uow() as work:
        for one in (year, *quarters, foreign):
            await work.cycles.add(one)
        await work.commit()

    async with uow() as work:
        counter.statements.clear()
        found = await work.cycles.get_many(
            org.id, [year.id, *(q.id for q in quarters), foreign.id, NOBODY]
        )
        assert len(counter.statements) == 1, counter.statements
        counter.statements.clear()
        assert await work.cycles.get_many(org.id, []) == {}
        assert counter.statements == []
        assert await work.cycles.get_many(other.id, [year.id, quarters[0].id]) == {}
        assert await work.cycles.get_many(other.id, [foreign.id]) == {foreign.id: foreign}

    assert found == {c.id: c for c in (year, *quarters)}


async def test_reporting_line_is_one_statement_and_stops_at_the_tenant(
    database_url: str,
) -> None:
    from datetime import UTC, datetime
    from uuid import uuid4

    from sqlalchemy import event

    from domain.members import Member, Role
    from domain.organizations import Locale, Organization, ReviewSettings, ScoringSettings
    from service.storage.postgres.database import create_engine
    from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory

    engine = create_engine(database_url, pool_size=2, statement_cache_size=0)
    now = datetime.now(UTC)
    org = Organization(
        uuid4(), "Org", "UTC", Locale.EN, ScoringSettings(), ReviewSettings(), 1, now, now
    )

    def member(name: str, manager: Member | None) -> Member:
        return Member(
            id=uuid4(),
            organization_id=org.id,
            name=name,
            email=f"{name}@x.example",
            external_id=None,
            manager_id=manager.id if manager else None,
            roles=frozenset({Role.MEMBER}),
            active=True,
            version=1,
            created_at=now,
            updated_at=now,
        )

    boss = member("boss", None)
    mid = member("mid", boss)
    low = member("low", mid)
    peer = member("peer", None)
    try:
        async with PostgresUnitOfWorkFactory(engine)() as uow:
            await uow.organizations.add(org)
            for m in (boss, mid, low, peer):
                await uow.members.add(m)
            await uow.commit()
        seen: list[str] = []

        def record(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        async with PostgresUnitOfWorkFactory(engine)() as uow:
            line = await uow.members.reporting_line(org.id, boss.id)
            seen.clear()
            assert await uow.members.reporting_line(org.id, mid.id) == {mid.id, low.id}
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        assert line == {boss.id, mid.id, low.id}
        assert len(seen) == 1
    finally:
        await engine.dispose()
