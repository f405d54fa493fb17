"""Repositories over SQLAlchemy Core: every query of the org model lives here.

All queries filter on ``organization_id`` first: a tenant's request never reads or
writes another tenant's rows, whatever id it sends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Row,
    and_,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.cycles import Cycle
from domain.members import Member, Role
from domain.organizations import Locale, Organization, ReviewSettings, ScoringSettings
from domain.units import OrgUnit
from service.pagination import Page, PageRequest, stamped_page_of
from service.ports import (
    CycleFilter,
    IdempotencyRecord,
    MemberFilter,
    StoredResponse,
    UnitFilter,
)
from service.storage.postgres import tables as t
from service.storage.postgres.organization_cache import OrganizationsSeen
from service.storage.postgres.pacing_json import pacing_from_json, pacing_json
from service.storage.postgres.rows import EntityRows, Stored
from service.storage.postgres.sql import escape_like, execute_write, paged, update_versioned

# -- organizations -------------------------------------------------------------------------


def _settings_json(org: Organization) -> dict[str, Any]:
    def plain(value: object) -> object:
        return str(value) if isinstance(value, Decimal) else value

    return {
        "scoring": {k: plain(v) for k, v in asdict(org.scoring).items()},
        "reviews": {k: plain(v) for k, v in asdict(org.reviews).items()},
        "pacing": pacing_json(org.pacing),
    }


def _settings_from(data: Mapping[str, Any]) -> tuple[ScoringSettings, ReviewSettings]:
    # Fields added later fall back to their defaults: stored settings never go stale.
    def build(cls: type[Any], raw: Mapping[str, Any]) -> Any:
        defaults = cls()
        kwargs = {}
        for name, default in asdict(defaults).items():
            if name in raw:
                kwargs[name] = type(default)(raw[name])
        return cls(**kwargs)

    return build(ScoringSettings, data.get("scoring", {})), build(
        ReviewSettings, data.get("reviews", {})
    )


def _organization(row: Row[Any] | SimpleNamespace) -> Organization:
    scoring, reviews = _settings_from(row.settings)
    return Organization(
        id=row.organization_id,
        name=row.name,
        time_zone=row.time_zone,
        locale=Locale(row.locale),
        scoring=scoring,
        reviews=reviews,
        pacing=pacing_from_json(row.settings.get("pacing")),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def organization_from_record(record: Mapping[str, Any]) -> Organization:
    """The organization from its row read as a composite value."""
    return _organization(SimpleNamespace(**record))


class PostgresOrganizations:
    def __init__(self, conn: AsyncConnection, seen: OrganizationsSeen) -> None:
        self._conn = conn
        self._seen = seen

    async def get(self, organization_id: UUID) -> Organization | None:
        # Confirmed current by a statement of this unit of work (organization_cache.py).
        current = self._seen.current(organization_id)
        if current is not None:
            return current
        row = (
            await self._conn.execute(
                select(t.organizations).where(t.organizations.c.organization_id == organization_id)
            )
        ).first()
        if row is None:
            return None
        organization = _organization(row)
        self._seen.read(organization)
        return organization

    def _values(self, org: Organization) -> dict[str, Any]:
        return {
            "name": org.name,
            "time_zone": org.time_zone,
            "locale": org.locale.value,
            "settings": _settings_json(org),
            "version": org.version,
            "created_at": org.created_at,
            "updated_at": org.updated_at,
        }

    async def add(self, organization: Organization) -> None:
        await execute_write(
            self._conn,
            insert(t.organizations).values(
                organization_id=organization.id, **self._values(organization)
            ),
        )
        self._seen.wrote(organization)

    async def update(self, organization: Organization, *, previous_version: int) -> None:
        await update_versioned(
            self._conn,
            t.organizations,
            t.organizations.c.organization_id == organization.id,
            self._values(organization),
            previous_version,
        )
        # A later read in this unit of work gets what it wrote.
        self._seen.wrote(organization)


# -- members -------------------------------------------------------------------------------


def _roles(row: Row[Any]) -> frozenset[Role]:
    return frozenset(Role(r) for r in row.roles)


def _roles_column(member: Member) -> dict[str, object]:
    # Sorted: the same roles always store the same array.
    return {"roles": sorted(r.value for r in member.roles)}


_MEMBERS = EntityRows(Member, t.members, {"roles": Stored(_roles, _roles_column)})
_member = _MEMBERS.entity


def reporting_line_cte(organization_id: UUID, member_id: UUID) -> Any:
    """A recursive CTE of ``member_id`` and everyone below it in the manager chain.

    UNION (not UNION ALL) stops the walk should the stored chain hold a loop.
    """
    m = t.members
    below = (
        select(m.c.id)
        .where(m.c.organization_id == organization_id, m.c.id == member_id)
        .cte("below", recursive=True)
    )
    return below.union(
        select(m.c.id).join(
            below, and_(m.c.organization_id == organization_id, m.c.manager_id == below.c.id)
        )
    )


class PostgresMembers:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def in_unit_subtree(self, organization_id: UUID, root: UUID, member_id: UUID) -> bool:
        found = await self._conn.scalar(select(in_unit_subtree(organization_id, root, member_id)))
        return bool(found)

    async def within_unit_subtree(
        self, organization_id: UUID, root: UUID, member_ids: Sequence[UUID]
    ) -> frozenset[UUID]:
        um = t.unit_members
        tree = unit_subtree(organization_id, root)
        found = await self._conn.scalars(
            select(um.c.member_id)
            .distinct()
            .where(
                um.c.organization_id == organization_id,
                um.c.member_id.in_(set(member_ids)),
                um.c.unit_id.in_(select(tree.c.id)),
            )
        )
        return frozenset(found)

    async def get(self, organization_id: UUID, member_id: UUID) -> Member | None:
        m = t.members
        row = (
            await self._conn.execute(
                select(m).where(m.c.organization_id == organization_id, m.c.id == member_id)
            )
        ).first()
        return _member(row) if row else None

    async def get_many(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, Member]:
        if not member_ids:
            return {}
        m = t.members
        rows = await self._conn.execute(
            select(m).where(m.c.organization_id == organization_id, m.c.id.in_(set(member_ids)))
        )
        return {row.id: _member(row) for row in rows}

    async def list(
        self, organization_id: UUID, filters: MemberFilter, page: PageRequest
    ) -> Page[Member]:
        m = t.members
        statement = select(m).where(m.c.organization_id == organization_id)
        if filters.active is not None:
            statement = statement.where(m.c.active == filters.active)
        if filters.manager_id is not None:
            statement = statement.where(m.c.manager_id == filters.manager_id)
        if filters.email is not None:
            statement = statement.where(m.c.email == filters.email.strip().lower())
        if filters.external_id is not None:
            statement = statement.where(m.c.external_id == filters.external_id)
        if filters.unit_id is not None:
            um = t.unit_members
            statement = statement.where(
                exists().where(
                    um.c.organization_id == organization_id,
                    um.c.unit_id == filters.unit_id,
                    um.c.member_id == m.c.id,
                )
            )
        if filters.q:
            pattern = f"%{escape_like(filters.q)}%"
            statement = statement.where(
                or_(m.c.name.ilike(pattern, escape="\\"), m.c.email.ilike(pattern, escape="\\"))
            )
        if filters.within_unit is not None:
            scope = in_unit_subtree(organization_id, filters.within_unit, m.c.id)
            statement = statement.where(scope)
        rows = (await self._conn.execute(paged(statement, m, page))).all()
        return stamped_page_of([_member(r) for r in rows], page)

    async def reports_of(
        self, organization_id: UUID, manager_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[Member]]:
        if not manager_ids:
            return {}
        m = t.members
        rows = await self._conn.execute(
            select(m)
            .where(m.c.organization_id == organization_id, m.c.manager_id.in_(set(manager_ids)))
            .order_by(m.c.id)
        )
        found: dict[UUID, list[Member]] = defaultdict(list)
        for row in rows:
            found[row.manager_id].append(_member(row))
        return found

    async def manager_chain(
        self, organization_id: UUID, member_id: UUID
    ) -> Mapping[UUID, UUID | None]:
        m = t.members
        base = select(m.c.id, m.c.manager_id).where(
            m.c.organization_id == organization_id, m.c.id == member_id
        )
        chain = base.cte("chain", recursive=True)
        # UNION (not UNION ALL) stops the walk should the stored chain already hold a loop.
        chain = chain.union(
            select(m.c.id, m.c.manager_id).join(
                chain,
                and_(m.c.organization_id == organization_id, m.c.id == chain.c.manager_id),
            )
        )
        rows = await self._conn.execute(select(chain.c.id, chain.c.manager_id))
        return {row.id: row.manager_id for row in rows}

    async def reporting_line(self, organization_id: UUID, member_id: UUID) -> frozenset[UUID]:
        rows = await self._conn.execute(select(reporting_line_cte(organization_id, member_id)))
        return frozenset(row.id for row in rows)

    async def add(self, member: Member) -> None:
        await execute_write(
            self._conn,
            insert(t.members).values(**_MEMBERS.insert_values(member)),
        )

    async def update(self, member: Member, *, previous_version: int) -> None:
        m = t.members
        await update_versioned(
            self._conn,
            m,
            and_(m.c.organization_id == member.organization_id, m.c.id == member.id),
            _MEMBERS.values(member),
            previous_version,
        )


# -- org units -----------------------------------------------------------------------------


_UNITS = EntityRows(
    OrgUnit,
    t.org_units,
    {
        "pacing": Stored(
            lambda row: pacing_from_json(row.pacing), lambda u: {"pacing": pacing_json(u.pacing)}
        )
    },
)
unit_from_row = _UNITS.entity


class PostgresUnits:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, unit_id: UUID) -> OrgUnit | None:
        u = t.org_units
        row = (
            await self._conn.execute(
                select(u).where(u.c.organization_id == organization_id, u.c.id == unit_id)
            )
        ).first()
        return unit_from_row(row) if row else None

    async def get_many(
        self, organization_id: UUID, unit_ids: Sequence[UUID]
    ) -> Mapping[UUID, OrgUnit]:
        if not unit_ids:
            return {}
        u = t.org_units
        rows = await self._conn.execute(
            select(u).where(u.c.organization_id == organization_id, u.c.id.in_(set(unit_ids)))
        )
        return {row.id: unit_from_row(row) for row in rows}

    async def list(
        self, organization_id: UUID, filters: UnitFilter, page: PageRequest
    ) -> Page[OrgUnit]:
        u = t.org_units
        statement = select(u).where(u.c.organization_id == organization_id)
        if filters.kind is not None:
            statement = statement.where(u.c.kind == filters.kind.value)
        if filters.parent_id is not None:
            statement = statement.where(u.c.parent_id == filters.parent_id)
        if filters.within_unit is not None:
            tree = unit_subtree(organization_id, filters.within_unit)
            statement = statement.where(u.c.id.in_(select(tree.c.id)))
        rows = (await self._conn.execute(paged(statement, u, page))).all()
        return stamped_page_of([unit_from_row(r) for r in rows], page)

    async def ancestors(self, organization_id: UUID, unit_id: UUID) -> Mapping[UUID, UUID | None]:
        u = t.org_units
        up = (
            select(u.c.id, u.c.parent_id)
            .where(u.c.organization_id == organization_id, u.c.id == unit_id)
            .cte("up", recursive=True)
        )
        up = up.union(
            select(u.c.id, u.c.parent_id).join(
                up, and_(u.c.organization_id == organization_id, u.c.id == up.c.parent_id)
            )
        )
        rows = await self._conn.execute(select(up.c.id, up.c.parent_id))
        return {row.id: row.parent_id for row in rows}

    async def subtree(self, organization_id: UUID, root: UUID) -> frozenset[UUID]:
        tree = unit_subtree(organization_id, root)
        return frozenset(await self._conn.scalars(select(tree.c.id)))

    async def has_children(self, organization_id: UUID, unit_id: UUID) -> bool:
        u = t.org_units
        found = await self._conn.scalar(
            select(exists().where(u.c.organization_id == organization_id, u.c.parent_id == unit_id))
        )
        return bool(found)

    async def add(self, unit: OrgUnit) -> None:
        await execute_write(
            self._conn,
            insert(t.org_units).values(**_UNITS.insert_values(unit)),
        )

    async def update(self, unit: OrgUnit, *, previous_version: int) -> None:
        u = t.org_units
        await update_versioned(
            self._conn,
            u,
            and_(u.c.organization_id == unit.organization_id, u.c.id == unit.id),
            _UNITS.values(unit),
            previous_version,
        )

    async def delete(self, organization_id: UUID, unit_id: UUID) -> None:
        u = t.org_units
        await execute_write(
            self._conn,
            delete(u).where(u.c.organization_id == organization_id, u.c.id == unit_id),
        )

    async def member_ids(self, organization_id: UUID, unit_id: UUID) -> Sequence[UUID]:
        um = t.unit_members
        rows = await self._conn.execute(
            select(um.c.member_id)
            .where(um.c.organization_id == organization_id, um.c.unit_id == unit_id)
            .order_by(um.c.member_id)
        )
        return [row.member_id for row in rows]

    async def member_ids_of(
        self, organization_id: UUID, unit_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[UUID]]:
        if not unit_ids:
            return {}
        um = t.unit_members
        rows = await self._conn.execute(
            select(um.c.unit_id, um.c.member_id)
            .where(um.c.organization_id == organization_id, um.c.unit_id.in_(set(unit_ids)))
            .order_by(um.c.member_id)
        )
        found: dict[UUID, list[UUID]] = defaultdict(list)
        for row in rows:
            found[row.unit_id].append(row.member_id)
        return dict(found)

    async def add_member(self, organization_id: UUID, unit_id: UUID, member_id: UUID) -> bool:
        added = await execute_write(
            self._conn,
            pg_insert(t.unit_members)
            .values(organization_id=organization_id, unit_id=unit_id, member_id=member_id)
            .on_conflict_do_nothing(),
        )
        return added > 0

    async def remove_member(self, organization_id: UUID, unit_id: UUID, member_id: UUID) -> bool:
        um = t.unit_members
        removed = await execute_write(
            self._conn,
            delete(um).where(
                um.c.organization_id == organization_id,
                um.c.unit_id == unit_id,
                um.c.member_id == member_id,
            ),
        )
        return removed > 0


# -- cycles --------------------------------------------------------------------------------


_CYCLES = EntityRows(Cycle, t.cycles)
_cycle = _CYCLES.entity
cycle_from_row = _CYCLES.entity  # for service/storage/postgres/pacing_history.py
cycle_from_record = _CYCLES.from_record


class PostgresCycles:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, cycle_id: UUID) -> Cycle | None:
        c = t.cycles
        row = (
            await self._conn.execute(
                select(c).where(c.c.organization_id == organization_id, c.c.id == cycle_id)
            )
        ).first()
        return _cycle(row) if row else None

    async def get_many(
        self, organization_id: UUID, cycle_ids: Sequence[UUID]
    ) -> Mapping[UUID, Cycle]:
        if not cycle_ids:
            return {}
        c = t.cycles
        rows = await self._conn.execute(
            select(c).where(c.c.organization_id == organization_id, c.c.id.in_(set(cycle_ids)))
        )
        return {row.id: _cycle(row) for row in rows}

    async def list(
        self, organization_id: UUID, filters: CycleFilter, page: PageRequest
    ) -> Page[Cycle]:
        c = t.cycles
        statement = select(c).where(c.c.organization_id == organization_id)
        if filters.kind is not None:
            statement = statement.where(c.c.kind == filters.kind.value)
        if filters.state is not None:
            statement = statement.where(c.c.state == filters.state.value)
        if filters.parent_id is not None:
            statement = statement.where(c.c.parent_id == filters.parent_id)
        if filters.contains_date is not None:
            statement = statement.where(
                c.c.start_date <= filters.contains_date, c.c.end_date >= filters.contains_date
            )
        rows = (await self._conn.execute(paged(statement, c, page))).all()
        return stamped_page_of([_cycle(r) for r in rows], page)

    async def children(self, organization_id: UUID, cycle_id: UUID) -> Sequence[Cycle]:
        c = t.cycles
        rows = await self._conn.execute(
            select(c).where(c.c.organization_id == organization_id, c.c.parent_id == cycle_id)
        )
        return [_cycle(r) for r in rows]

    async def add(self, cycle: Cycle) -> None:
        await execute_write(
            self._conn,
            insert(t.cycles).values(**_CYCLES.insert_values(cycle)),
        )

    async def update(self, cycle: Cycle, *, previous_version: int) -> None:
        c = t.cycles
        await update_versioned(
            self._conn,
            c,
            and_(c.c.organization_id == cycle.organization_id, c.c.id == cycle.id),
            _CYCLES.values(cycle),
            previous_version,
        )


# -- idempotency keys ----------------------------------------------------------------------


class PostgresIdempotencyStore:
    """Each call runs in its own short transaction, apart from the request's unit of work.

    A claim is a lease (see the port): ``created_at`` is when it was made or taken over,
    and an unanswered claim older than ``lease`` is abandoned. ``lease`` is the longest a
    request may take; 30 seconds by default."""

    DEFAULT_LEASE = timedelta(seconds=30)

    def __init__(
        self, engine: AsyncEngine, retention_hours: int, *, lease: timedelta = DEFAULT_LEASE
    ) -> None:
        self._engine = engine
        self._retention_hours = retention_hours
        self._lease = lease

    async def claim(
        self, *, organization_id: UUID, caller: str, key: str, request_hash: str, now: datetime
    ) -> IdempotencyRecord | None:
        k = t.idempotency_keys
        this_key = (k.c.organization_id == organization_id, k.c.caller == caller, k.c.key == key)
        async with self._engine.begin() as conn:
            # An expired key is forgotten first, so its slot can be claimed anew.
            await conn.execute(
                delete(k).where(
                    *this_key, k.c.created_at < now - timedelta(hours=self._retention_hours)
                )
            )
            inserted = await conn.execute(
                pg_insert(k)
                .values(
                    organization_id=organization_id,
                    caller=caller,
                    key=key,
                    request_hash=request_hash,
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(k.c.key)
            )
            if inserted.first() is not None:
                return None
            # One statement, so of two retries racing for an abandoned claim one wins: the
            # other waits on the row lock, then no longer matches the renewed created_at.
            taken_over = await conn.execute(
                update(k)
                .where(
                    *this_key,
                    k.c.request_hash == request_hash,
                    k.c.response_status.is_(None),
                    k.c.created_at <= now - self._lease,
                )
                .values(created_at=now)
                .returning(k.c.key)
            )
            if taken_over.first() is not None:
                return None
            row = (await conn.execute(select(k).where(*this_key))).one()
        if row.response_status is None:
            return IdempotencyRecord(
                request_hash=row.request_hash,
                response=None,
                # A claim made by a request that read the clock just after this one did.
                lease_ends_at=min(row.created_at, now) + self._lease,
            )
        response = StoredResponse(
            status=row.response_status,
            body=row.response_body or b"",
            headers=dict(row.response_headers or {}),
        )
        return IdempotencyRecord(request_hash=row.request_hash, response=response)

    async def complete(
        self,
        *,
        organization_id: UUID,
        caller: str,
        key: str,
        claimed_at: datetime,
        response: StoredResponse,
    ) -> None:
        k = t.idempotency_keys
        async with self._engine.begin() as conn:
            await conn.execute(
                update(k)
                .where(*self._own_claim(organization_id, caller, key, claimed_at))
                .values(
                    response_status=response.status,
                    response_body=response.body,
                    response_headers=dict(response.headers),
                )
            )

    async def release(
        self, *, organization_id: UUID, caller: str, key: str, claimed_at: datetime
    ) -> None:
        k = t.idempotency_keys
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(k).where(*self._own_claim(organization_id, caller, key, claimed_at))
            )

    @staticmethod
    def _own_claim(
        organization_id: UUID, caller: str, key: str, claimed_at: datetime
    ) -> tuple[Any, ...]:
        """This claim's row, while unanswered and not taken over by a retry since."""
        k = t.idempotency_keys
        return (
            k.c.organization_id == organization_id,
            k.c.caller == caller,
            k.c.key == key,
            k.c.created_at == claimed_at,
            k.c.response_status.is_(None),
        )


def unit_subtree(organization_id: UUID, root: UUID, name: str = "client_scope_units") -> Any:
    """``root`` and every unit under it: a recursive CTE of their ids (``.c.id``), the one
    walk a unit-scoped API client's filters share. UNION (not UNION ALL) stops the walk
    should the stored tree hold a loop."""
    u = t.org_units
    tree = (
        select(u.c.id)
        .where(u.c.organization_id == organization_id, u.c.id == root)
        .cte(name, recursive=True)
    )
    return tree.union(
        select(u.c.id).join(
            tree, and_(u.c.organization_id == organization_id, u.c.parent_id == tree.c.id)
        )
    )


def in_unit_subtree(organization_id: UUID, root: UUID, member_id: Any) -> Any:
    """Whether ``member_id`` belongs to ``root`` or a unit under it: the filter of a
    unit-scoped API client's directory reads (one recursive walk down from the root)."""
    um = t.unit_members
    tree = unit_subtree(organization_id, root)
    return exists().where(
        um.c.organization_id == organization_id,
        um.c.unit_id.in_(select(tree.c.id)),
        um.c.member_id == member_id,
    )
