"""Use cases of the organization (the tenant itself)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import NotFound
from domain.limits import MEMBER_NAME_MAX_LENGTH, ORGANIZATION_NAME_MAX_LENGTH
from domain.members import Member, Role, normalize_email
from domain.organizations import (
    Locale,
    Organization,
    OrganizationChanges,
    ReviewSettings,
    ScoringSettings,
    apply_changes,
    validate_name,
    validate_time_zone,
)
from service import audit
from service.auth import Principal, ensure_admin, ensure_can_read_directory
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.pacing import ensure_default_pacing


@dataclass(frozen=True)
class NewOrganization:
    name: str
    admin_email: str
    admin_name: str | None = None
    time_zone: str = "UTC"
    locale: Locale = Locale.EN


async def create_organization(deps: Deps, data: NewOrganization) -> tuple[Organization, Member]:
    """Create a tenant and its first admin. Operators call this (``okr org create``)."""
    now = deps.clock.now()
    org = Organization(
        id=deps.new_id(),
        name=validate_name(data.name, max_length=ORGANIZATION_NAME_MAX_LENGTH),
        time_zone=validate_time_zone(data.time_zone),
        locale=data.locale,
        scoring=ScoringSettings(),
        reviews=ReviewSettings(),
        version=1,
        created_at=now,
        updated_at=now,
    )
    email = normalize_email(data.admin_email)
    admin = Member(
        id=deps.new_id(),
        organization_id=org.id,
        name=validate_name(
            data.admin_name or email.split("@")[0], max_length=MEMBER_NAME_MAX_LENGTH
        ),
        email=email,
        external_id=None,
        manager_id=None,
        roles=frozenset({Role.ADMIN}),
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
    )
    async with deps.uow() as uow:
        await uow.organizations.add(org)
        await uow.members.add(admin)
        await uow.commit()
    return org, admin


async def get_organization(deps: Deps, principal: Principal) -> Organization:
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        org = await uow.organizations.get(principal.organization_id)
    if org is None:
        raise NotFound("organization not found")
    return org


@retry_lost_updates
async def update_organization(
    deps: Deps,
    principal: Principal,
    changes: OrganizationChanges,
    *,
    expected_version: int | None = None,
) -> Organization:
    ensure_admin(principal)
    async with deps.uow() as uow:
        org = await uow.organizations.get(principal.organization_id)
        if org is None:
            raise NotFound("organization not found")
        ensure_version(org.version, expected_version)
        ensure_default_pacing(changes.pacing)
        updated = apply_changes(org, changes, deps.clock.now())
        if updated is not org:
            await uow.organizations.update(updated, previous_version=org.version)
            await audit.record(
                uow.audit,
                deps,
                principal,
                action="organization.updated",
                resource_type="organization",
                resource_id=org.id,
                before=org,
                after=updated,
            )
            await uow.commit()
    return updated
