"""Who may see and change OKRs (one policy for REST and GraphQL).

- Members create and edit their own objectives, the KRs they own, and check in on them;
  managers do the same for their reports (the whole chain below them); unit leads for
  their unit's objectives; admins everything.
- Private objectives are seen by the owner, the owner's manager chain and admins (for a
  unit's objective: its lead and the lead's chain); to everyone else they do not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from domain.errors import DomainError, Forbidden, NotFound
from domain.okrs import KeyResult, Objective, OwnerKind, Visibility
from service.auth import Principal, may_read_private_okrs
from service.context import Deps
from service.ids import new_id
from service.okr_ports import AuditEvent, KeyResultContext, Viewer
from service.ports import UnitOfWork


def viewer_of(principal: Principal) -> Viewer:
    """The caller as the SQL visibility filters see it. A service (an API client) is never
    an admin: public objectives, private ones too with ``okrs:read_private``, and only of
    its unit subtree when it has one."""
    if principal.is_service:
        return Viewer(
            member_id=None,
            sees_everything=False,
            sees_private=may_read_private_okrs(principal),
            unit_scope=principal.unit_scope,
        )
    return Viewer(member_id=principal.member_id, sees_everything=principal.is_admin)


def _read_in_sql(principal: Principal) -> bool:
    """Whether what the caller sees needs the SQL filter (``visible_to``): a service's unit
    subtree or private reads are not decided from the objective's row alone."""
    return principal.is_service and (
        principal.unit_scope is not None or may_read_private_okrs(principal)
    )


class Shown(Protocol):
    """What auditing needs of an objective shown: an ``Objective`` or an alignment node."""

    @property
    def id(self) -> UUID: ...

    @property
    def visibility(self) -> Visibility: ...


def _private_read(
    principal: Principal, objectives: Iterable[Shown], at: datetime
) -> AuditEvent | None:
    """The ``okrs.private_read`` event of a read that showed ``objectives``: None unless the
    caller is a client under ``okrs:read_private`` and something private was shown."""
    if not may_read_private_okrs(principal):
        return None
    private = sorted({str(o.id) for o in objectives if o.visibility is not Visibility.PUBLIC})
    if not private:
        return None
    return AuditEvent(
        id=new_id(),
        organization_id=principal.organization_id,
        occurred_at=at,
        actor=principal.subject,
        action=PRIVATE_READ,
        resource_type="api_client",
        resource_id=principal.client_id or UUID(int=0),
        before=None,
        after={"client_id": str(principal.client_id), "objective_ids": private},
    )


async def note_private_reads(
    uow: UnitOfWork, principal: Principal, objectives: Iterable[Shown]
) -> None:
    """Audit ``okrs.private_read`` when a client under ``okrs:read_private`` is shown private
    objectives: one event naming the client and the objective ids, written through the
    read's own unit of work: a read one runs each statement on its own (autocommit), so
    the event is kept at once without a transaction of its own; a write one keeps it with
    the write (a read in ``deps.uow()`` commits to keep it). One INSERT, for such clients
    only, and only when something private is read: no statement otherwise."""
    # The read's own instant: the use case's clock is not handed down to policies.
    event = _private_read(principal, objectives, datetime.now(UTC))
    if event is not None:
        await uow.audit.record(event)


async def audit_private_reads(
    deps: Deps, principal: Principal, objectives: Iterable[Shown]
) -> None:
    """:func:`note_private_reads` for a read on the read models (``deps.read_models()``):
    that unit of work may be on a read replica, where nothing can be written, and is never
    committed; the event gets a transaction of its own on the primary (three statements,
    for such clients only, and only when something private was shown)."""
    event = _private_read(principal, objectives, deps.clock.now())
    if event is None:
        return
    async with deps.uow() as uow:
        await uow.audit.record(event)
        await uow.commit()


PRIVATE_READ = "okrs.private_read"


async def _chain_includes(uow: UnitOfWork, org_id: UUID, member_id: UUID, boss: UUID) -> bool:
    """Whether ``boss`` is ``member_id`` or anyone above them in the manager chain."""
    return boss in await uow.members.manager_chain(org_id, member_id)


async def _responsible_member(uow: UnitOfWork, objective: Objective) -> UUID | None:
    """The member answerable for an objective: its owner, or its unit's lead."""
    if objective.owner_kind is OwnerKind.MEMBER:
        return objective.owner_id
    unit = await uow.units.get(objective.organization_id, objective.owner_id)
    return unit.lead_id if unit else None


async def may_see(
    uow: UnitOfWork, principal: Principal, objective: Objective, *, audit: bool = True
) -> bool:
    """Whether the caller may see ``objective``; a private one shown to a client is audited
    (:func:`note_private_reads`) unless ``audit`` is off: a read that shows more than this
    objective audits them all in one event itself."""
    if _read_in_sql(principal):
        # One statement more, for unit-scoped or private-reading clients only.
        org_id = principal.organization_id
        seen = await uow.objectives.is_visible(org_id, objective.id, viewer_of(principal))
        if seen and audit:
            await note_private_reads(uow, principal, [objective])
        return seen
    if objective.visibility is Visibility.PUBLIC or principal.is_admin:
        return True
    if principal.member_id is None:
        return False
    responsible = await _responsible_member(uow, objective)
    return responsible is not None and await _chain_includes(
        uow, objective.organization_id, responsible, principal.member_id
    )


async def may_edit(uow: UnitOfWork, principal: Principal, objective: Objective) -> bool:
    if principal.is_admin:
        return True
    if principal.member_id is None:
        return False
    responsible = await _responsible_member(uow, objective)
    return responsible is not None and await _chain_includes(
        uow, objective.organization_id, responsible, principal.member_id
    )


async def visible_among(
    uow: UnitOfWork, principal: Principal, objectives: Iterable[Objective], *, audit: bool = True
) -> list[Objective]:
    """Those of ``objectives`` the caller may see: :func:`may_see` for many at once (with
    ``audit`` off, the caller audits what it finally shows).

    The same policy in at most two statements whatever the number of objectives: the units
    owning private objectives (for their leads), then the caller's reporting line.
    """
    candidates = list(objectives)
    if _read_in_sql(principal) and candidates:
        seen = await uow.objectives.visible_link_targets(
            principal.organization_id,
            objective_ids=[o.id for o in candidates],
            key_result_ids=[],
            viewer=viewer_of(principal),
        )
        shown = [o for o in candidates if o.id in seen]
        if audit:
            await note_private_reads(uow, principal, shown)
        return shown
    if principal.is_admin or all(o.visibility is Visibility.PUBLIC for o in candidates):
        return candidates
    if principal.member_id is None:
        return [o for o in candidates if o.visibility is Visibility.PUBLIC]
    org_id = principal.organization_id
    private = [o for o in candidates if o.visibility is not Visibility.PUBLIC]
    unit_ids = [o.owner_id for o in private if o.owner_kind is OwnerKind.UNIT]
    units = await uow.units.get_many(org_id, unit_ids) if unit_ids else {}

    def responsible(objective: Objective) -> UUID | None:
        if objective.owner_kind is OwnerKind.MEMBER:
            return objective.owner_id
        unit = units.get(objective.owner_id)
        return unit.lead_id if unit else None

    answerable = {o.id: responsible(o) for o in private}
    line = {principal.member_id}
    if any(m is not None and m not in line for m in answerable.values()):
        line = set(await uow.members.reporting_line(org_id, principal.member_id))
    return [o for o in candidates if o.visibility is Visibility.PUBLIC or answerable[o.id] in line]


async def visible_objective(
    uow: UnitOfWork, principal: Principal, objective_id: UUID, *, audit: bool = True
) -> Objective:
    """The objective if it exists and the caller may see it; NotFound otherwise (no leak)."""
    objective = await uow.objectives.get(principal.organization_id, objective_id)
    if objective is None or not await may_see(uow, principal, objective, audit=audit):
        raise NotFound("objective not found")
    return objective


async def ensure_may_edit_objective(
    uow: UnitOfWork, principal: Principal, objective: Objective
) -> None:
    if not await may_edit(uow, principal, objective):
        raise Forbidden("only the owner, their managers, the unit's lead and admins may")


async def may_edit_key_result(
    uow: UnitOfWork, principal: Principal, key_result: KeyResult, objective: Objective
) -> bool:
    """The objective's editors, and the KR's owner with their manager chain."""
    if await may_edit(uow, principal, objective):
        return True
    if principal.member_id is None:
        return False
    return await _chain_includes(
        uow, key_result.organization_id, key_result.owner_id, principal.member_id
    )


async def ensure_may_edit_key_result(
    uow: UnitOfWork, principal: Principal, key_result: KeyResult, objective: Objective
) -> None:
    if not await may_edit_key_result(uow, principal, key_result, objective):
        raise _cannot_edit()


async def visible_key_result_context(
    uow: UnitOfWork, principal: Principal, key_result_id: UUID
) -> KeyResultContext:
    """:func:`visible_key_result` with the objective's cycle, in one statement when the
    objective is public."""
    found = await uow.objective_records.key_result_context(principal.organization_id, key_result_id)
    if found is None or not await may_see(uow, principal, found.objective):
        raise NotFound("key result not found")
    return found


async def key_result_refusals(
    uow: UnitOfWork, principal: Principal, found: Iterable[KeyResultContext]
) -> dict[UUID, DomainError]:
    """Why the caller may not check in on each KR it may not: NotFound when it may not see
    the objective (:func:`may_see`), Forbidden when it may see but not edit the KR
    (:func:`may_edit_key_result`). KRs absent from the answer may be checked in on.

    The same policy for many KRs in at most two statements (the units owning objectives,
    for their leads; the caller's reporting line), as :func:`visible_among` is for reads.
    """
    contexts = list(found)
    if principal.is_admin:
        return {}
    refused: dict[UUID, DomainError] = {}
    if principal.member_id is None:
        for f in contexts:
            public = f.objective.visibility is Visibility.PUBLIC
            refused[f.key_result.id] = _cannot_edit() if public else _not_found()
        return refused
    org_id = principal.organization_id
    unit_ids = [f.objective.owner_id for f in contexts if f.objective.owner_kind is OwnerKind.UNIT]
    units = await uow.units.get_many(org_id, unit_ids) if unit_ids else {}
    line = set(await uow.members.reporting_line(org_id, principal.member_id))
    for f in contexts:
        objective = f.objective
        if objective.owner_kind is OwnerKind.MEMBER:
            responsible: UUID | None = objective.owner_id
        else:
            unit = units.get(objective.owner_id)
            responsible = unit.lead_id if unit else None
        answerable = responsible is not None and responsible in line
        if objective.visibility is not Visibility.PUBLIC and not answerable:
            refused[f.key_result.id] = _not_found()
        elif not answerable and f.key_result.owner_id not in line:
            refused[f.key_result.id] = _cannot_edit()
    return refused


async def outside_client_scope(
    uow: UnitOfWork, principal: Principal, found: Iterable[KeyResultContext]
) -> dict[UUID, DomainError]:
    """NotFound for each KR whose objective is outside a unit-scoped client's subtree (one
    statement, for such clients only): to it they do not exist."""
    contexts = list(found)
    if principal.unit_scope is None or not contexts:
        return {}
    seen = await uow.objectives.visible_link_targets(
        principal.organization_id,
        objective_ids=[f.objective.id for f in contexts],
        key_result_ids=[],
        viewer=viewer_of(principal),
    )
    return {f.key_result.id: _not_found() for f in contexts if f.objective.id not in seen}


def _not_found() -> NotFound:
    return NotFound("key result not found")


def _cannot_edit() -> Forbidden:
    return Forbidden("only the KR's owner, their managers, the objective's editors may")


async def visible_key_result(
    uow: UnitOfWork, principal: Principal, key_result_id: UUID
) -> tuple[KeyResult, Objective]:
    """A KR and its objective, if the caller may see the objective; NotFound otherwise."""
    key_result = await uow.key_results.get(principal.organization_id, key_result_id)
    if key_result is None:
        raise NotFound("key result not found")
    objective = await uow.objectives.get(principal.organization_id, key_result.objective_id)
    if objective is None or not await may_see(uow, principal, objective):
        raise NotFound("key result not found")
    return key_result, objective
