"""In-memory repositories with the Postgres adapter's semantics, constraint for constraint.

Every lookup is scoped by ``organization_id``; updates compare versions; the unique keys,
foreign keys and checks of ``service/storage/postgres/tables.py`` raise the same domain
errors the Postgres adapter translates them into (``service/storage/postgres/errors.py``).
A write checks everything before it changes anything, like a statement in a savepoint.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
from uuid import UUID

from domain.cycles import Cycle
from domain.errors import ConcurrentChange, Conflict, FieldError, StaleVersion
from domain.members import Member
from domain.organizations import Organization
from domain.units import OrgUnit, UnitKind
from service.pagination import Page, PageRequest, page_of, stamped_page_of
from service.ports import (
    CycleFilter,
    IdempotencyRecord,
    MemberFilter,
    StoredResponse,
    UnitFilter,
)
from service.storage.memory.store import StoreState, TenantData, Transaction, unknown_reference

Row = TypeVar("Row", Member, OrgUnit, Cycle)


class ColumnTooLongError(ValueError):
    """A value Postgres would refuse for its column's length (a DataError there, not a domain
    error): the twin fails the same way so a missing validation shows up in fast tests too."""


def _check_length(column: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ColumnTooLongError(f"value too long for {column} (at most {limit} characters)")


def _stale() -> StaleVersion:
    return ConcurrentChange("the resource changed meanwhile: reload and retry")


def _duplicate_key() -> Conflict:
    # A primary key clash: no named constraint maps it, so Postgres's adapter says "conflict".
    return Conflict("the change conflicts with existing data", code="conflict")


class _HasId(Protocol):
    @property
    def id(self) -> UUID: ...


R = TypeVar("R", bound=_HasId)


def _paged(rows: Iterable[R], page: PageRequest) -> Page[R]:
    """Postgres's ``paged``: ``updated_since``, then keyset in ``page.sort`` order (by id, or
    by ``(updated_at, id)``), fetching ``limit + 1``."""

    def key(row: R) -> tuple[datetime, UUID] | UUID:
        return (getattr(row, "updated_at"), row.id) if page.sort.by_update else row.id  # noqa: B009

    since = page.updated_since
    kept = [r for r in rows if since is None or getattr(r, "updated_at") >= since]  # noqa: B009
    ordered = sorted(kept, key=key, reverse=page.sort.descending)
    if page.after is not None:
        cursor = (page.after_updated_at, page.after) if page.sort.by_update else page.after
        ordered = [
            r
            for r in ordered
            if (key(r) < cursor if page.sort.descending else key(r) > cursor)  # type: ignore[operator]
        ]
    fetched = ordered[: page.limit + 1]
    if page.sort.by_update:
        return stamped_page_of(fetched, page)  # type: ignore[type-var]
    return page_of(fetched, page, lambda row: row.id)


def _walk_up(start: UUID, parent_of: Mapping[UUID, UUID | None]) -> dict[UUID, UUID | None]:
    """``start`` and every row above it with its parent; stops at a loop or a missing row."""
    found: dict[UUID, UUID | None] = {}
    current: UUID | None = start
    while current is not None and current in parent_of and current not in found:
        found[current] = parent_of[current]
        current = parent_of[current]
    return found


# -- organizations -------------------------------------------------------------------------


def _check_organization(org: Organization) -> None:
    _check_length("organizations.name", org.name, 200)
    _check_length("organizations.time_zone", org.time_zone, 64)
    _check_length("organizations.locale", org.locale.value, 8)


class MemoryOrganizations:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, organization_id: UUID) -> Organization | None:
        return self._tx.state.organizations.get(organization_id)

    async def add(self, organization: Organization) -> None:
        def write(state: StoreState) -> None:
            _check_organization(organization)
            if organization.id in state.organizations:
                raise _duplicate_key()
            state.organizations[organization.id] = organization

        self._tx.write(write)

    async def update(self, organization: Organization, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            _check_organization(organization)
            current = state.organizations.get(organization.id)
            if current is None or current.version != previous_version:
                raise _stale()
            state.organizations[organization.id] = organization

        self._tx.write(write)


# -- members -------------------------------------------------------------------------------


def _email_taken() -> Conflict:
    return Conflict(
        "another member of this organization has this email",
        code="email_taken",
        errors=[FieldError("email", "already used by another member", "taken")],
    )


def _external_id_taken() -> Conflict:
    return Conflict(
        "another member of this organization has this external_id",
        code="external_id_taken",
        errors=[FieldError("external_id", "already used by another member", "taken")],
    )


def _check_member(tenant: TenantData, member: Member) -> None:
    """The column lengths, unique keys and the manager foreign key of ``members``."""
    _check_length("members.name", member.name, 200)
    _check_length("members.email", member.email, 320)
    _check_length("members.external_id", member.external_id, 200)
    others = [m for m in tenant.members.values() if m.id != member.id]
    # Postgres compares the stored text exactly; the use cases store emails lower-cased.
    if any(m.email == member.email for m in others):
        raise _email_taken()
    # A unique key treats NULLs as distinct: any number of members may lack an external id.
    if member.external_id is not None and any(m.external_id == member.external_id for m in others):
        raise _external_id_taken()
    manager_id = member.manager_id
    if manager_id is not None and manager_id != member.id and manager_id not in tenant.members:
        raise unknown_reference()


def _matches(member: Member, filters: MemberFilter, unit_member_ids: set[UUID] | None) -> bool:
    email = filters.email.strip().lower() if filters.email is not None else None
    needle = filters.q.lower() if filters.q else None
    return (
        (filters.active is None or member.active == filters.active)
        and (filters.manager_id is None or member.manager_id == filters.manager_id)
        and (email is None or member.email == email)
        and (filters.external_id is None or member.external_id == filters.external_id)
        and (unit_member_ids is None or member.id in unit_member_ids)
        and (needle is None or needle in member.name.lower() or needle in member.email.lower())
    )


class MemoryMembers:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, Member]:
        return self._tx.state.tenant(organization_id).members

    async def get(self, organization_id: UUID, member_id: UUID) -> Member | None:
        return self._rows(organization_id).get(member_id)

    async def get_many(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, Member]:
        rows = self._rows(organization_id)
        return {i: rows[i] for i in set(member_ids) if i in rows}

    async def list(
        self, organization_id: UUID, filters: MemberFilter, page: PageRequest
    ) -> Page[Member]:
        tenant = self._tx.state.tenant(organization_id)
        in_unit = None
        if filters.unit_id is not None:
            in_unit = {m for u, m in tenant.unit_members if u == filters.unit_id}
        rows = (m for m in tenant.members.values() if _matches(m, filters, in_unit))
        return _paged(rows, page)

    async def reports_of(
        self, organization_id: UUID, manager_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[Member]]:
        wanted = set(manager_ids)
        found: dict[UUID, builtins.list[Member]] = {}
        for member in sorted(self._rows(organization_id).values(), key=lambda m: m.id):
            manager_id = member.manager_id
            if manager_id is not None and manager_id in wanted:
                found.setdefault(manager_id, []).append(member)
        return found

    async def manager_chain(
        self, organization_id: UUID, member_id: UUID
    ) -> Mapping[UUID, UUID | None]:
        rows = self._rows(organization_id)
        return _walk_up(member_id, {i: m.manager_id for i, m in rows.items()})

    async def reporting_line(self, organization_id: UUID, member_id: UUID) -> frozenset[UUID]:
        rows = self._rows(organization_id)
        if member_id not in rows:
            return frozenset()
        line, frontier = {member_id}, [member_id]
        while frontier:
            frontier = [i for i, m in rows.items() if m.manager_id in frontier and i not in line]
            line.update(frontier)
        return frozenset(line)

    async def add(self, member: Member) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(member.organization_id)
            if member.id in tenant.members:
                raise _duplicate_key()
            _check_member(tenant, member)
            tenant.members[member.id] = member

        self._tx.write(write)

    async def update(self, member: Member, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(member.organization_id)
            current = tenant.members.get(member.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_member(tenant, member)
            tenant.members[member.id] = member

        self._tx.write(write)


# -- org units -----------------------------------------------------------------------------


def _check_unit(tenant: TenantData, unit: OrgUnit) -> None:
    """The column length, the one-company index and the foreign keys of ``org_units``."""
    _check_length("org_units.name", unit.name, 200)
    if unit.kind is UnitKind.COMPANY and any(
        u.kind is UnitKind.COMPANY and u.id != unit.id for u in tenant.units.values()
    ):
        raise Conflict("the organization already has its company unit", code="company_unit_exists")
    parent_id = unit.parent_id
    if parent_id is not None and parent_id != unit.id and parent_id not in tenant.units:
        raise unknown_reference()
    if unit.lead_id is not None and unit.lead_id not in tenant.members:
        raise unknown_reference()


class MemoryUnits:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, OrgUnit]:
        return self._tx.state.tenant(organization_id).units

    async def get(self, organization_id: UUID, unit_id: UUID) -> OrgUnit | None:
        return self._rows(organization_id).get(unit_id)

    async def get_many(
        self, organization_id: UUID, unit_ids: Sequence[UUID]
    ) -> Mapping[UUID, OrgUnit]:
        rows = self._rows(organization_id)
        return {i: rows[i] for i in set(unit_ids) if i in rows}

    async def list(
        self, organization_id: UUID, filters: UnitFilter, page: PageRequest
    ) -> Page[OrgUnit]:
        rows = (
            u
            for u in self._rows(organization_id).values()
            if (filters.kind is None or u.kind is filters.kind)
            and (filters.parent_id is None or u.parent_id == filters.parent_id)
        )
        return _paged(rows, page)

    async def ancestors(self, organization_id: UUID, unit_id: UUID) -> Mapping[UUID, UUID | None]:
        rows = self._rows(organization_id)
        return _walk_up(unit_id, {i: u.parent_id for i, u in rows.items()})

    async def has_children(self, organization_id: UUID, unit_id: UUID) -> bool:
        return any(u.parent_id == unit_id for u in self._rows(organization_id).values())

    async def add(self, unit: OrgUnit) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(unit.organization_id)
            if unit.id in tenant.units:
                raise _duplicate_key()
            _check_unit(tenant, unit)
            tenant.units[unit.id] = unit

        self._tx.write(write)

    async def update(self, unit: OrgUnit, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(unit.organization_id)
            current = tenant.units.get(unit.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_unit(tenant, unit)
            tenant.units[unit.id] = unit

        self._tx.write(write)

    async def delete(self, organization_id: UUID, unit_id: UUID) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            if unit_id not in tenant.units:
                return  # deleting nothing is no error, as in SQL
            # Sub-units and meetings reference the unit: the foreign key refuses the delete,
            # and a refused DELETE answers the resource's in-use code, as on Postgres.
            if any(u.parent_id == unit_id and u.id != unit_id for u in tenant.units.values()):
                raise Conflict("move or delete the sub-units first", code="unit_has_children")
            if any(m.unit_id == unit_id for m in tenant.meetings.values()):
                raise Conflict("the unit has review meetings: keep it", code="unit_has_meetings")
            del tenant.units[unit_id]
            # Memberships go with the unit (ON DELETE CASCADE).
            tenant.unit_members = {(u, m) for u, m in tenant.unit_members if u != unit_id}

        self._tx.write(write)

    async def member_ids(self, organization_id: UUID, unit_id: UUID) -> Sequence[UUID]:
        pairs = self._tx.state.tenant(organization_id).unit_members
        return sorted(m for u, m in pairs if u == unit_id)

    async def member_ids_of(
        self, organization_id: UUID, unit_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[UUID]]:
        wanted = set(unit_ids)
        pairs = self._tx.state.tenant(organization_id).unit_members
        found: dict[UUID, builtins.list[UUID]] = {}
        for unit_id, member_id in sorted(pairs, key=lambda pair: pair[1]):
            if unit_id in wanted:
                found.setdefault(unit_id, []).append(member_id)
        return found

    async def add_member(self, organization_id: UUID, unit_id: UUID, member_id: UUID) -> bool:
        def write(state: StoreState) -> bool:
            tenant = state.tenant(organization_id)
            if unit_id not in tenant.units or member_id not in tenant.members:
                raise unknown_reference()
            added = (unit_id, member_id) not in tenant.unit_members
            tenant.unit_members.add((unit_id, member_id))
            return added

        return self._tx.write(write)

    async def remove_member(self, organization_id: UUID, unit_id: UUID, member_id: UUID) -> bool:
        def write(state: StoreState) -> bool:
            pairs = state.tenant(organization_id).unit_members
            if (unit_id, member_id) not in pairs:
                return False
            pairs.remove((unit_id, member_id))
            return True

        return self._tx.write(write)


# -- cycles --------------------------------------------------------------------------------


def _check_cycle(tenant: TenantData, cycle: Cycle) -> None:
    """The column length, the date check and the parent foreign key of ``cycles``."""
    _check_length("cycles.name", cycle.name, 200)
    if cycle.end_date < cycle.start_date:
        # ck_cycles_dates_ordered: no named mapping, so the adapter's generic conflict.
        raise Conflict("the change conflicts with existing data", code="conflict")
    parent_id = cycle.parent_id
    if parent_id is not None and parent_id != cycle.id and parent_id not in tenant.cycles:
        raise unknown_reference()


class MemoryCycles:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, Cycle]:
        return self._tx.state.tenant(organization_id).cycles

    async def get(self, organization_id: UUID, cycle_id: UUID) -> Cycle | None:
        return self._rows(organization_id).get(cycle_id)

    async def get_many(
        self, organization_id: UUID, cycle_ids: Sequence[UUID]
    ) -> Mapping[UUID, Cycle]:
        rows = self._rows(organization_id)
        return {i: rows[i] for i in set(cycle_ids) if i in rows}

    async def list(
        self, organization_id: UUID, filters: CycleFilter, page: PageRequest
    ) -> Page[Cycle]:
        day = filters.contains_date
        rows = (
            c
            for c in self._rows(organization_id).values()
            if (filters.kind is None or c.kind is filters.kind)
            and (filters.state is None or c.state is filters.state)
            and (filters.parent_id is None or c.parent_id == filters.parent_id)
            and (day is None or c.contains(day))
        )
        return _paged(rows, page)

    async def children(self, organization_id: UUID, cycle_id: UUID) -> builtins.list[Cycle]:
        rows = self._rows(organization_id).values()
        return sorted((c for c in rows if c.parent_id == cycle_id), key=lambda c: c.id)

    async def add(self, cycle: Cycle) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(cycle.organization_id)
            if cycle.id in tenant.cycles:
                raise _duplicate_key()
            _check_cycle(tenant, cycle)
            tenant.cycles[cycle.id] = cycle

        self._tx.write(write)

    async def update(self, cycle: Cycle, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(cycle.organization_id)
            current = tenant.cycles.get(cycle.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_cycle(tenant, cycle)
            tenant.cycles[cycle.id] = cycle

        self._tx.write(write)


# -- idempotency keys and readiness --------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    request_hash: str
    created_at: datetime
    response: StoredResponse | None = None


class MemoryIdempotencyStore:
    """Claims by (organization, caller, key), forgotten after ``retention_hours``; an
    unanswered claim older than ``lease`` is abandoned, as in the Postgres store.

    Each call stands alone, apart from any unit of work, as in the Postgres store.
    """

    def __init__(self, retention_hours: int = 24, lease: timedelta = timedelta(seconds=30)) -> None:
        self._retention = timedelta(hours=retention_hours)
        self._lease = lease
        self._claims: dict[tuple[UUID, str, str], _Claim] = {}

    async def claim(
        self, *, organization_id: UUID, caller: str, key: str, request_hash: str, now: datetime
    ) -> IdempotencyRecord | None:
        slot = (organization_id, caller, key)
        existing = self._claims.get(slot)
        abandoned = (
            existing is not None
            and existing.response is None
            and existing.request_hash == request_hash
            and existing.created_at <= now - self._lease
        )
        if existing is None or existing.created_at < now - self._retention or abandoned:
            self._claims[slot] = _Claim(request_hash=request_hash, created_at=now)
            return None
        if existing.response is None:
            return IdempotencyRecord(
                request_hash=existing.request_hash,
                response=None,
                lease_ends_at=min(existing.created_at, now) + self._lease,
            )
        return IdempotencyRecord(request_hash=existing.request_hash, response=existing.response)

    def _own(self, slot: tuple[UUID, str, str], claimed_at: datetime) -> _Claim | None:
        existing = self._claims.get(slot)
        if existing is None or existing.response is not None or existing.created_at != claimed_at:
            return None
        return existing

    async def complete(
        self,
        *,
        organization_id: UUID,
        caller: str,
        key: str,
        claimed_at: datetime,
        response: StoredResponse,
    ) -> None:
        slot = (organization_id, caller, key)
        existing = self._own(slot, claimed_at)
        if existing is not None:
            stored = replace(response, headers=dict(response.headers))
            self._claims[slot] = replace(existing, response=stored)

    async def release(
        self, *, organization_id: UUID, caller: str, key: str, claimed_at: datetime
    ) -> None:
        slot = (organization_id, caller, key)
        if self._own(slot, claimed_at) is not None:
            del self._claims[slot]


class MemoryReadiness:
    """Memory is always reachable and has no schema to migrate."""

    async def check(self) -> str | None:
        return None
