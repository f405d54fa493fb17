"""Use cases of members: the organization's directory and its manager chain."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from domain.errors import FieldError, Forbidden, NotFound, RuleViolation
from domain.limits import EXTERNAL_ID_MAX_LENGTH, MEMBER_NAME_MAX_LENGTH
from domain.members import Member, Role, ensure_no_manager_loop, normalize_email
from domain.organizations import validate_name
from service import audit
from service.auth import (
    Principal,
    ensure_admin,
    ensure_can_manage_members,
    ensure_can_read_directory,
)
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import Graph, MemberFilter, UnitOfWork


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str
    external_id: str | None = None
    manager_id: UUID | None = None
    roles: frozenset[Role] = frozenset({Role.MEMBER})


@dataclass(frozen=True)
class MemberChanges:
    name: Maybe[str] = UNSET
    email: Maybe[str] = UNSET
    external_id: Maybe[str | None] = UNSET
    manager_id: Maybe[UUID | None] = UNSET
    roles: Maybe[frozenset[Role]] = UNSET
    active: Maybe[bool] = UNSET


def _clean_external_id(external_id: str | None) -> str | None:
    if external_id is None:
        return None
    cleaned = external_id.strip()
    if len(cleaned) > EXTERNAL_ID_MAX_LENGTH:
        raise RuleViolation(
            f"external_id is longer than {EXTERNAL_ID_MAX_LENGTH} characters",
            code="validation_failed",
            errors=[
                FieldError(
                    "external_id", f"at most {EXTERNAL_ID_MAX_LENGTH} characters", "too_long"
                )
            ],
        )
    if not cleaned:
        raise RuleViolation(
            "external_id must not be blank",
            code="validation_failed",
            errors=[FieldError("external_id", "must not be blank; send null to clear", "empty")],
        )
    return cleaned


async def _in_scope(uow: UnitOfWork, principal: Principal, member_id: UUID) -> bool:
    """Whether a unit-scoped client's subtree holds the member (always, for anyone else)."""
    return principal.unit_scope is None or await uow.members.in_unit_subtree(
        principal.organization_id, principal.unit_scope, member_id
    )


async def _ensure_manager_exists(
    uow: UnitOfWork, principal: Principal, organization_id: UUID, manager_id: UUID
) -> None:
    # A unit-scoped client names only managers of its subtree: any other does not exist.
    if await uow.members.get(organization_id, manager_id) is None or not await _in_scope(
        uow, principal, manager_id
    ):
        raise RuleViolation(
            "the manager is not a member of this organization",
            code="unknown_reference",
            errors=[FieldError("manager_id", "no such member", "unknown_reference")],
        )


def _ensure_may_grant(
    principal: Principal, before: frozenset[Role], after: frozenset[Role]
) -> None:
    """Only admins make or unmake admins: HR and HR systems manage everyone else."""
    if Role.ADMIN in before | after and before != after:
        ensure_admin(principal)


async def create_member(deps: Deps, principal: Principal, data: NewMember) -> Member:
    ensure_can_manage_members(principal)
    _ensure_may_grant(principal, frozenset(), data.roles)
    org_id = principal.organization_id
    now = deps.clock.now()
    member = Member(
        id=deps.new_id(),
        organization_id=org_id,
        name=validate_name(data.name, max_length=MEMBER_NAME_MAX_LENGTH),
        email=normalize_email(data.email),
        external_id=_clean_external_id(data.external_id),
        manager_id=data.manager_id,
        roles=data.roles,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
    )
    async with deps.uow() as uow:
        if data.manager_id is not None:
            await _ensure_manager_exists(uow, principal, org_id, data.manager_id)
        await uow.members.add(member)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="member.created",
            resource_type="member",
            resource_id=member.id,
            before=None,
            after=member,
        )
        if principal.unit_scope is not None:
            await _join_scope_root(uow, deps, principal, principal.unit_scope, member.id)
        await uow.commit()
    return member


async def _join_scope_root(
    uow: UnitOfWork, deps: Deps, principal: Principal, root: UUID, member_id: UUID
) -> None:
    """A member created by a unit-scoped client joins the root of its subtree: placed
    nowhere, it would leave the client's sight at once (recorded as units.py records it)."""
    await uow.units.add_member(principal.organization_id, root, member_id)
    membership = {"member_id": member_id}
    await audit.record(
        uow.audit,
        deps,
        principal,
        action="unit.member_added",
        resource_type="unit",
        resource_id=root,
        before=None,
        after=membership,
    )


async def get_member(deps: Deps, principal: Principal, member_id: UUID) -> Member:
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        member = await uow.members.get(principal.organization_id, member_id)
        # A unit-scoped API client: a member outside its subtree does not exist (404, no
        # existence leak). One statement more, for such clients only.
        if (
            member is not None
            and principal.unit_scope is not None
            and not await uow.members.in_unit_subtree(
                principal.organization_id, principal.unit_scope, member_id
            )
        ):
            member = None
    if member is None:
        raise NotFound("member not found")
    return member


async def current_member(deps: Deps, principal: Principal) -> Member:
    """The caller's own record. A service token is no member: 403 ``not_a_member`` rather
    than 404, because nothing is missing; the token is the wrong kind of caller."""
    if principal.member_id is None:
        raise Forbidden("a service token is not a member", code="not_a_member")
    return await get_member(deps, principal, principal.member_id)


async def list_members(
    deps: Deps, principal: Principal, filters: MemberFilter, page: PageRequest
) -> Page[Member]:
    ensure_can_read_directory(principal)
    if principal.unit_scope is not None:
        filters = replace(filters, within_unit=principal.unit_scope)
    async with deps.read() as uow:
        return await uow.members.list(principal.organization_id, filters, page)


@retry_lost_updates
async def update_member(
    deps: Deps,
    principal: Principal,
    member_id: UUID,
    changes: MemberChanges,
    *,
    expected_version: int | None = None,
) -> Member:
    ensure_can_manage_members(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        member = await uow.members.get(org_id, member_id)
        if member is None or not await _in_scope(uow, principal, member_id):
            raise NotFound("member not found")
        ensure_version(member.version, expected_version)
        updated = member
        if changes.name is not UNSET:
            updated = replace(
                updated, name=validate_name(changes.name, max_length=MEMBER_NAME_MAX_LENGTH)
            )
        if changes.email is not UNSET:
            updated = replace(updated, email=normalize_email(changes.email))
        if changes.external_id is not UNSET:
            updated = replace(updated, external_id=_clean_external_id(changes.external_id))
        if changes.roles is not UNSET:
            _ensure_may_grant(principal, member.roles, changes.roles)
            updated = replace(updated, roles=changes.roles)
        if changes.active is not UNSET:
            updated = replace(updated, active=changes.active)
        if changes.manager_id is not UNSET:
            if changes.manager_id is not None:
                await _ensure_manager_exists(uow, principal, org_id, changes.manager_id)
                # Before the chain is read: A-manages-B and B-manages-A checked apart would
                # each pass, and a manager loop hands out access to private OKRs.
                await uow.lock_graph(org_id, Graph.MANAGERS)
                chain = await uow.members.manager_chain(org_id, changes.manager_id)
                ensure_no_manager_loop(member_id, changes.manager_id, chain)
            updated = replace(updated, manager_id=changes.manager_id)
        if updated == member:
            return member  # nothing changed: keep the version, so other clients' ETags hold
        updated = replace(updated, version=member.version + 1, updated_at=deps.clock.now())
        await uow.members.update(updated, previous_version=member.version)
        # Recorded whoever writes, themselves included: an HR member who makes themselves
        # someone's manager gains sight of that member's private OKRs.
        await audit.record(
            uow.audit,
            deps,
            principal,
            action=_member_action(member, updated),
            resource_type="member",
            resource_id=member.id,
            before=member,
            after=updated,
        )
        await uow.commit()
    return updated


def _member_action(before: Member, after: Member) -> str:
    if before.active and not after.active:
        return "member.deactivated"
    if after.active and not before.active:
        return "member.reactivated"
    return "member.updated"


@retry_lost_updates
async def deactivate_member(
    deps: Deps, principal: Principal, member_id: UUID, *, expected_version: int | None = None
) -> Member:
    """Members are deactivated, never deleted: their OKRs and reviews keep their author."""
    return await update_member(
        deps, principal, member_id, MemberChanges(active=False), expected_version=expected_version
    )


async def reports_of(
    deps: Deps, principal: Principal, manager_ids: list[UUID]
) -> dict[UUID, list[Member]]:
    """Direct reports of many managers at once (for GraphQL DataLoaders)."""
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        found = await uow.members.reports_of(principal.organization_id, manager_ids)
        shown = await _scoped(uow, principal, [r.id for rs in found.values() for r in rs])
    return {m: [r for r in found.get(m, ()) if r.id in shown] for m in manager_ids}


async def members_by_id(
    deps: Deps, principal: Principal, member_ids: list[UUID]
) -> dict[UUID, Member]:
    """Many members at once (for GraphQL DataLoaders); unknown ids are simply absent."""
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        shown = await _scoped(uow, principal, member_ids)
        return dict(await uow.members.get_many(principal.organization_id, list(shown)))


async def _scoped(uow: UnitOfWork, principal: Principal, member_ids: list[UUID]) -> set[UUID]:
    """Those of ``member_ids`` a unit-scoped client sees (one statement); all otherwise."""
    if principal.unit_scope is None or not member_ids:
        return set(member_ids)
    org_id = principal.organization_id
    return set(await uow.members.within_unit_subtree(org_id, principal.unit_scope, member_ids))
