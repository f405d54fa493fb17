"""Shared helpers of the use-case tests: a fixed clock, tenants, principals and row counts.

A separate module (not conftest) so the tests can import its types for annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.members import Member, Role
from domain.organizations import Organization
from service.auth import Principal, Scope
from service.context import Deps
from service.members import NewMember, create_member
from service.organizations import NewOrganization, create_organization

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class FixedClock:
    """A clock that says what the test tells it to."""

    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def principal_of(member: Member) -> Principal:
    """The principal a member's token verifies into."""
    return Principal(
        organization_id=member.organization_id,
        subject=f"member:{member.id}",
        member_id=member.id,
        roles=member.roles,
    )


def service_principal(organization_id: UUID, *scopes: str) -> Principal:
    """An integration's token: no member, only scopes."""
    return Principal(
        organization_id=organization_id, subject="service:hr-sync", scopes=frozenset(scopes)
    )


@dataclass(frozen=True)
class Tenant:
    """An organization created through the use case, with its first admin."""

    org: Organization
    admin_member: Member

    @property
    def id(self) -> UUID:
        return self.org.id

    @property
    def admin(self) -> Principal:
        return principal_of(self.admin_member)

    def service(self, *scopes: str) -> Principal:
        return service_principal(self.org.id, *scopes)

    @property
    def reader(self) -> Principal:
        """An integration with ``org:read``: it reads the directory, never OKRs."""
        return service_principal(self.org.id, Scope.ORG_READ)

    @property
    def viewer(self) -> Principal:
        """A member with no role, no reports and no unit: sees what every member sees."""
        return Principal(
            organization_id=self.org.id,
            subject="member:viewer",
            member_id=UUID(int=7),
            roles=frozenset({Role.MEMBER}),
        )


async def new_tenant(deps: Deps, name: str, **settings: Any) -> Tenant:
    """An organization with its admin; ``settings`` (``time_zone``, ``locale``) as created."""
    slug = name.lower().replace(" ", "-")
    org, admin = await create_organization(
        deps, NewOrganization(name=name, admin_email=f"admin@{slug}.example", **settings)
    )
    return Tenant(org=org, admin_member=admin)


async def hire(
    deps: Deps,
    tenant: Tenant,
    name: str,
    *,
    roles: frozenset[Role] = frozenset({Role.MEMBER}),
    manager_id: UUID | None = None,
    external_id: str | None = None,
) -> Member:
    """Create a member as the tenant's admin; the email is derived from the name."""
    email = f"{name.lower().replace(' ', '.')}@{tenant.org.name.lower()}.example"
    return await create_member(
        deps,
        tenant.admin,
        NewMember(
            name=name, email=email, roles=roles, manager_id=manager_id, external_id=external_id
        ),
    )


async def stored_member(deps: Deps, member: Member) -> Member | None:
    """The member as committed, read through a fresh unit of work."""
    async with deps.uow() as uow:
        return await uow.members.get(member.organization_id, member.id)


async def count_rows(engine: AsyncEngine, organization_id: UUID, *tables: Table) -> tuple[int, ...]:
    """How many committed rows of each table the organization has, read outside any use case.

    For the tests that a refused or failed write leaves nothing behind: a row that a rolled
    back transaction wrote is not counted, so each number must equal its value before."""
    async with engine.connect() as conn:
        return tuple(
            [
                await conn.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.organization_id == organization_id)
                )
                or 0
                for table in tables
            ]
        )
