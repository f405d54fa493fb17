"""Use cases of SCIM 2.0 directory sync: Users are members, Groups are org units.

Every rule of members and units (the manager-chain lock, no loops, audit, events) lives in
service/members.py and service/units.py: these use cases call them and add only what SCIM
has on top (the login and HR attributes, managers that arrive after their reports).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Self, cast
from uuid import UUID

from domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from domain.limits import (
    EMAIL_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MEMBER_NAME_MAX_LENGTH,
    UNIT_NAME_MAX_LENGTH,
)
from domain.members import Member, Role
from domain.units import OrgUnit, UnitKind
from service import audit, members, units
from service.auth import Principal, Scope
from service.concurrency import ensure_version
from service.context import Deps
from service.pagination import PageRequest
from service.ports import Graph, UnitFilter, UnitOfWork
from service.scim_ports import (
    OwnedWork,
    ScimAttribute,
    ScimCondition,
    ScimOperator,
    ScimProfile,
    ScimUserQuery,
)

# The most Users or Groups one list request answers (ServiceProviderConfig's filter maxResults).
MAX_RESULTS = 1000


@dataclass(frozen=True)
class ScimUserData:
    """A User as a SCIM client writes it (POST, PUT, or the result of a PATCH)."""

    user_name: str
    email: str | None = None
    formatted_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    active: bool = True
    external_id: str | None = None
    # The manager's SCIM id, or its externalId (an identity provider cannot know the id of a
    # manager it has not created yet): None, no manager.
    manager_ref: str | None = None
    department: str | None = None
    employee_number: str | None = None

    def member_name(self) -> str:
        parts = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.formatted_name or parts or self.user_name

    def member_email(self) -> str | None:
        """The primary email, else a userName that is an address; None: neither."""
        if self.email:
            return self.email
        return self.user_name if "@" in self.user_name else None


# The domain of the address a member gets when a SCIM client gives none: members need a
# unique email, and a User needs only a userName. ``.invalid`` is reserved (RFC 2606): no
# mail ever goes there, and SCIM answers such a User without emails.
PLACEHOLDER_EMAIL_DOMAIN = "directory.invalid"


def is_placeholder_email(email: str) -> bool:
    return email.endswith("@" + PLACEHOLDER_EMAIL_DOMAIN)


def _placeholder_for(deps: Deps, email: str) -> str:
    """The member's placeholder address: the one it has, else a new one."""
    return email if is_placeholder_email(email) else f"{deps.new_id()}@{PLACEHOLDER_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class ScimUser:
    member: Member
    profile: ScimProfile | None
    # The manager reference still waiting for its User (``manager_id`` is then None).
    pending_manager: str | None = None
    # What the member owns that needs a new owner: answered when a write deactivates them.
    owned: OwnedWork | None = None


@dataclass(frozen=True)
class ScimUserPage:
    total: int
    users: list[ScimUser]


def _sync_principal(principal: Principal) -> Principal:
    """The ``scim`` scope manages the directory: members (as ``members:write``) and units.

    Units are an admin's to manage, so the sync acts as an admin for the unit use cases it
    calls; it carries no member, so nothing else an admin may do is reachable from /scim.
    """
    if not principal.is_service or Scope.SCIM not in principal.scopes:
        raise Forbidden("this token lacks the scim scope", code="forbidden")
    return replace(principal, scopes=principal.scopes | {Scope.MEMBERS_WRITE, Scope.ORG_READ})


def _unit_principal(principal: Principal) -> Principal:
    return replace(_sync_principal(principal), roles=frozenset({Role.ADMIN}))


class _Joined:
    """The one transaction of a SCIM write, lent to the member use cases it calls.

    They enter it, read, write, lock and commit as they always do; only :func:`_one_transaction`
    really commits, once, at the end. So a User's member, its SCIM row, its pending manager
    and the reports waiting for it are kept together or not at all, without the member use
    cases knowing about SCIM.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    async def lock_graph(self, organization_id: UUID, graph: Graph) -> None:
        await self._uow.lock_graph(organization_id, graph)

    async def commit(self) -> None:
        """Nothing yet: the transaction is committed by its owner."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        """Leave the transaction open: an error propagates to its owner, which rolls back."""


@asynccontextmanager
async def _one_transaction(deps: Deps) -> AsyncIterator[tuple[Deps, UnitOfWork]]:
    """``deps`` whose every unit of work (reads too: they must see this one's writes) is one
    transaction, committed when the block ends without an error."""
    async with deps.uow() as uow:
        joined = cast(UnitOfWork, _Joined(uow))

        def factory() -> UnitOfWork:
            return joined

        yield replace(deps, uow=factory, reads=factory, read_models_uow=factory), uow
        await uow.commit()


async def _lock_and_find_manager(
    uow: UnitOfWork, org_id: UUID, ref: str | None
) -> tuple[UUID | None, str | None]:
    """The member ``ref`` names (by SCIM id, else by externalId) and the reference left
    pending (``ref`` when no member has it yet), with the manager-references lock held.

    The lock closes a race of a sync's concurrent creates: a report that finds no manager
    and the manager's own create looking for its waiting reports could each miss the other's
    uncommitted row, leaving the report pending for ever. A found manager needs only the
    shared lock (the write then looks for its own waiting reports); a miss takes it
    exclusive and looks once more, so a manager whose create was under way is seen now.
    An advisory lock rather than a second look after the commit: a look after the commit
    can still miss a manager committing at that moment, and would split the User's one
    transaction in two.
    """
    found = await uow.scim.member_named_by(org_id, ref) if ref else None
    if not ref or found is not None:
        await uow.scim.lock_manager_references(org_id, exclusive=False)
        return found, None
    await uow.scim.lock_manager_references(org_id, exclusive=True)
    found = await uow.scim.member_named_by(org_id, ref)
    return found, (ref if found is None else None)


def _profile(member_id: UUID, data: ScimUserData) -> ScimProfile:
    return ScimProfile(
        member_id=member_id,
        user_name=data.user_name.strip(),
        given_name=data.given_name,
        family_name=data.family_name,
        department=data.department,
        employee_number=data.employee_number,
    )


def _ensure_user_name(data: ScimUserData) -> None:
    """A blank userName, or an attribute longer than its column, is refused before any
    write (400 ``invalidValue``, not a 500 from the database)."""
    if not data.user_name.strip():
        raise RuleViolation("userName must not be blank", code="validation_failed")
    limits = (
        ("userName", data.user_name.strip(), EMAIL_MAX_LENGTH),
        ("name.givenName", data.given_name, MEMBER_NAME_MAX_LENGTH),
        ("name.familyName", data.family_name, MEMBER_NAME_MAX_LENGTH),
        ("department", data.department, UNIT_NAME_MAX_LENGTH),
        ("employeeNumber", data.employee_number, EXTERNAL_ID_MAX_LENGTH),
    )
    for field, value, limit in limits:
        if value is not None and len(value) > limit:
            raise RuleViolation(
                f"{field} is longer than {limit} characters",
                code="validation_failed",
                errors=[FieldError(field, f"at most {limit} characters", "too_long")],
            )


async def create_user(deps: Deps, principal: Principal, data: ScimUserData) -> ScimUser:
    """Create the member, its SCIM row and its pending manager in one transaction, then give
    the reports waiting for it their manager, in the same one: a crash leaves all or none."""
    sync = _sync_principal(principal)
    _ensure_user_name(data)
    org_id = sync.organization_id
    async with _one_transaction(deps) as (tx, uow):
        if await uow.scim.user_name_owner(org_id, data.user_name.strip()) is not None:
            raise _user_name_taken()
        manager_id, pending = await _lock_and_find_manager(uow, org_id, data.manager_ref)
        member = await members.create_member(
            tx,
            sync,
            members.NewMember(
                name=data.member_name(),
                email=data.member_email() or f"{deps.new_id()}@{PLACEHOLDER_EMAIL_DOMAIN}",
                external_id=data.external_id,
                manager_id=manager_id,
            ),
        )
        profile = _profile(member.id, data)
        await uow.scim.save_profile(org_id, profile)
        if pending is not None:
            await uow.scim.set_pending_manager(org_id, member.id, pending, deps.clock.now())
        if not data.active:
            member = await members.deactivate_member(tx, sync, member.id)
        await _resolve_waiting_reports(tx, sync, member)
    return ScimUser(member, profile, pending)


def _user_name_query(user_name: str) -> ScimUserQuery:
    return ScimUserQuery(
        conditions=(ScimCondition(ScimAttribute.USER_NAME, ScimOperator.EQ, user_name),),
        count=1,
    )


def _user_name_taken() -> Conflict:
    return Conflict(
        "another User of this organization has this userName",
        code="user_name_taken",
        errors=[FieldError("userName", "already used", "taken")],
    )


async def _resolve_waiting_reports(deps: Deps, sync: Principal, manager: Member) -> None:
    """Give the reports that named ``manager`` before it existed their manager.

    Each goes through :func:`service.members.update_member`, which takes the manager-chain
    lock and refuses a loop, so a pending reference never stores one: a reference that
    would close a loop is dropped and recorded in the audit log as
    ``scim.pending_manager_dropped`` on the report (``before``: the reference).
    """
    org_id = manager.organization_id
    refs = [str(manager.id)] + ([manager.external_id] if manager.external_id else [])
    async with deps.read() as uow:
        waiting = await uow.scim.waiting_for(org_id, refs)
    for report_id in waiting:
        try:
            await members.update_member(
                deps, sync, report_id, members.MemberChanges(manager_id=manager.id)
            )
        except RuleViolation as error:
            if error.code != "manager_cycle":
                raise
            async with deps.uow() as uow:
                await uow.scim.clear_pending_manager(org_id, report_id)
                await audit.record(
                    uow.audit,
                    deps,
                    sync,
                    action="scim.pending_manager_dropped",
                    resource_type="member",
                    resource_id=report_id,
                    before={"manager_ref": refs[0], "reason": "manager_cycle"},
                    after=None,
                )
                await uow.commit()
            continue
        async with deps.uow() as uow:
            await uow.scim.clear_pending_manager(org_id, report_id)
            await uow.commit()


async def get_user(deps: Deps, principal: Principal, member_id: UUID) -> ScimUser:
    sync = _sync_principal(principal)
    org_id = sync.organization_id
    async with deps.read() as uow:
        return await _read_user(uow, org_id, member_id)


async def _read_user(uow: UnitOfWork, org_id: UUID, member_id: UUID) -> ScimUser:
    member = await uow.members.get(org_id, member_id)
    if member is None:
        raise NotFound("User not found")
    profiles = await uow.scim.profiles(org_id, [member_id])
    pending = await uow.scim.pending_managers(org_id, [member_id])
    return ScimUser(member, profiles.get(member_id), pending.get(member_id))


async def list_users(deps: Deps, principal: Principal, query: ScimUserQuery) -> ScimUserPage:
    sync = _sync_principal(principal)
    org_id = sync.organization_id
    query = replace(query, count=max(0, min(query.count, MAX_RESULTS)))
    async with deps.read() as uow:
        total, ids = await uow.scim.search(org_id, query)
        found = await uow.members.get_many(org_id, ids)
        profiles = await uow.scim.profiles(org_id, ids)
        pending = await uow.scim.pending_managers(org_id, ids)
    users = [ScimUser(found[i], profiles.get(i), pending.get(i)) for i in ids if i in found]
    return ScimUserPage(total=total, users=users)


async def replace_user(
    deps: Deps,
    principal: Principal,
    member_id: UUID,
    data: ScimUserData,
    *,
    expected_version: int | None = None,
) -> ScimUser:
    """Make the User what ``data`` says (PUT, and PATCH once applied to the current User):
    the member and its SCIM row change in one transaction, and the reports waiting for the
    User (it may just have gained the externalId they name) get their manager in it too."""
    sync = _sync_principal(principal)
    _ensure_user_name(data)
    org_id = sync.organization_id
    async with _one_transaction(deps) as (tx, uow):
        current = await _read_user(uow, org_id, member_id)
        ensure_version(current.member.version, expected_version)
        owner = await uow.scim.user_name_owner(org_id, data.user_name.strip())
        if owner is not None and owner != member_id:
            raise _user_name_taken()
        # Before update_member, which may take the managers' graph lock: always this order.
        manager_id, pending = await _lock_and_find_manager(uow, org_id, data.manager_ref)
        changes = members.MemberChanges(
            name=data.member_name(),
            # No address: the emails were removed (PUT replaces them all; a PATCH ``remove``).
            # A member needs one, so it gets a placeholder, which SCIM answers as no emails.
            email=data.member_email() or _placeholder_for(deps, current.member.email),
            external_id=data.external_id,
            # A manager still pending leaves the member without one until it arrives.
            manager_id=manager_id,
            active=data.active,
        )
        updated = await members.update_member(
            tx, sync, member_id, changes, expected_version=expected_version
        )
        profile = _profile(member_id, data)
        await uow.scim.save_profile(org_id, profile)
        if pending is not None:
            await uow.scim.set_pending_manager(org_id, member_id, pending, deps.clock.now())
        elif current.pending_manager is not None:
            await uow.scim.clear_pending_manager(org_id, member_id)
        owned = None
        if current.member.active and not updated.active:
            owned = await uow.scim.owned_by(org_id, member_id)
        # Every time, not only when the externalId changes: it also resolves reports left
        # waiting before the lock existed, when the identity provider next writes the User.
        await _resolve_waiting_reports(tx, sync, updated)
    return ScimUser(updated, profile, pending, owned)


async def delete_user(
    deps: Deps, principal: Principal, member_id: UUID, *, expected_version: int | None = None
) -> OwnedWork:
    """DELETE deactivates: the member's OKRs and review history stay. Answers what they own."""
    sync = _sync_principal(principal)
    await members.deactivate_member(deps, sync, member_id, expected_version=expected_version)
    return await owned_by(deps, sync, member_id)


async def owned_by(deps: Deps, principal: Principal, member_id: UUID) -> OwnedWork:
    sync = _sync_principal(principal)
    async with deps.read() as uow:
        return await uow.scim.owned_by(sync.organization_id, member_id)


# -- Groups: org units and their members ---------------------------------------------------


@dataclass(frozen=True)
class ScimGroup:
    unit: OrgUnit
    member_ids: list[UUID]


async def get_group(deps: Deps, principal: Principal, unit_id: UUID) -> ScimGroup:
    sync = _unit_principal(principal)
    unit = await units.get_unit(deps, sync, unit_id)
    return ScimGroup(unit, await units.list_unit_members(deps, sync, unit_id))


async def list_groups(
    deps: Deps, principal: Principal, display_name: str | None
) -> list[ScimGroup]:
    """Every unit (``displayName eq``: the ones with that name, ignoring case)."""
    sync = _unit_principal(principal)
    found: list[OrgUnit] = []
    after: UUID | None = None
    while True:
        page = await units.list_units(deps, sync, UnitFilter(), PageRequest(limit=200, after=after))
        found.extend(page.items)
        if not page.items or page.next_cursor is None:
            break
        after = page.items[-1].id
    if display_name is not None:
        found = [u for u in found if u.name.lower() == display_name.lower()]
    roster = await units.unit_member_ids(deps, sync, [u.id for u in found])
    return [ScimGroup(u, roster.get(u.id, [])) for u in found]


async def create_group(
    deps: Deps, principal: Principal, name: str, member_ids: list[UUID]
) -> ScimGroup:
    """A Group is a department under the company unit (SCIM has no kinds or tree); its
    members are added one by one. An organization without its company unit gets one, named
    after the organization, so that a directory sync needs no set-up first."""
    sync = _unit_principal(principal)
    parent_id = await _company_unit(deps, sync)
    unit = await units.create_unit(
        deps, sync, units.NewUnit(kind=UnitKind.DEPARTMENT, name=name, parent_id=parent_id)
    )
    for member_id in member_ids:
        await units.add_unit_member(deps, sync, unit.id, member_id)
    return await get_group(deps, principal, unit.id)


async def _company_unit(deps: Deps, sync: Principal) -> UUID:
    page = await units.list_units(
        deps, sync, UnitFilter(kind=UnitKind.COMPANY), PageRequest(limit=1)
    )
    if page.items:
        return page.items[0].id
    async with deps.read() as uow:
        organization = await uow.organizations.get(sync.organization_id)
    name = organization.name if organization is not None else "Company"
    company = await units.create_unit(deps, sync, units.NewUnit(kind=UnitKind.COMPANY, name=name))
    return company.id


async def change_group(
    deps: Deps,
    principal: Principal,
    unit_id: UUID,
    *,
    name: str | None,
    add: list[UUID],
    remove: list[UUID],
    expected_version: int | None = None,
) -> ScimGroup:
    sync = _unit_principal(principal)
    current = await get_group(deps, principal, unit_id)
    ensure_version(current.unit.version, expected_version)
    if name is not None and name != current.unit.name:
        await units.update_unit(
            deps, sync, unit_id, units.UnitChanges(name=name), expected_version=expected_version
        )
    for member_id in add:
        await units.add_unit_member(deps, sync, unit_id, member_id)
    for member_id in remove:
        if member_id in current.member_ids or member_id in add:
            await units.remove_unit_member(deps, sync, unit_id, member_id)
    return await get_group(deps, principal, unit_id)


async def delete_group(
    deps: Deps, principal: Principal, unit_id: UUID, *, expected_version: int | None = None
) -> None:
    sync = _unit_principal(principal)
    await units.delete_unit(deps, sync, unit_id, expected_version=expected_version)
