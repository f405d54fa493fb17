"""Use cases of review meetings (复盘会 retrospectives, 周会 weekly meetings, 月报 monthly
reports): the management rhythm that keeps OKRs alive (the M of OKMA).

A meeting is held for a cycle, a unit, or a unit within a cycle; it records who attended,
which objectives were reviewed, what was found, and the follow-up actions decided (actions
of the OKRs, linked by id). The rules of its shape are the domain's
(:mod:`domain.meetings`).

Who may do what:

- Everyone who reads the organization's directory (its members; a service with
  ``org:read``) lists and reads its meetings. A meeting reads with the reviewed objectives
  and follow-up actions the reader may see: a private objective, and the actions of its
  key results, are left out for those who may not see it (to them it does not exist).
- Admins and managers write (create, change, delete) any meeting of the organization. The
  lead of a unit writes the meetings of that unit and of the units under it (a department
  head runs the retrospectives of the department's teams); a meeting of a cycle without a
  unit is the admins' and managers'. A service token never writes: a meeting is recorded
  by a person. A change that moves a meeting to another unit needs the right on both.
- The writer names only what they may see: attendees are members of the organization;
  reviewed objectives and follow-up actions must be visible to the writer. Anything else
  (unknown, another organization's, hidden from the writer) is refused alike
  (``validation_failed``, ``unknown``, naming ``objective_ids[2]``). An unknown cycle or
  unit is ``unknown_reference``. A closed cycle still takes meetings: a cycle's
  retrospective is held once it is over.
- A change of ``objective_ids`` or ``follow_up_action_ids`` replaces what the writer can
  see and keeps what they cannot (another writer may have listed an objective private to
  them), so nobody removes what they cannot see.

Every write is audited (``meeting.created`` / ``meeting.updated`` / ``meeting.deleted``).
Deleting a meeting deletes the record only: its follow-up actions stay with their KRs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain.errors import FieldError, Forbidden, NotFound, RuleViolation
from domain.meetings import Meeting, MeetingKind, validate_meeting, validate_meeting_references
from domain.members import Role
from domain.okrs import Action
from service import audit
from service.auth import Principal, ensure_member_reads_okr_workspace
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.key_results import visible_key_results
from service.management_ports import MeetingFilter
from service.okr_access import visible_among
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import UnitOfWork


@dataclass(frozen=True)
class NewMeeting:
    kind: MeetingKind
    title: str
    held_on: date
    cycle_id: UUID | None = None
    unit_id: UUID | None = None
    attendee_ids: Sequence[UUID] = ()
    objective_ids: Sequence[UUID] = ()
    findings: str = ""
    follow_up_action_ids: Sequence[UUID] = ()


@dataclass(frozen=True)
class MeetingChanges:
    """A merge patch: ``UNSET`` leaves a field alone; ``cycle_id`` and ``unit_id`` may be
    cleared (``None``) as long as the meeting keeps one of them."""

    kind: Maybe[MeetingKind] = UNSET
    title: Maybe[str] = UNSET
    held_on: Maybe[date] = UNSET
    cycle_id: Maybe[UUID | None] = UNSET
    unit_id: Maybe[UUID | None] = UNSET
    attendee_ids: Maybe[Sequence[UUID]] = UNSET
    objective_ids: Maybe[Sequence[UUID]] = UNSET
    findings: Maybe[str] = UNSET
    follow_up_action_ids: Maybe[Sequence[UUID]] = UNSET


@dataclass(frozen=True)
class MeetingView:
    """A meeting as one reader sees it: ``meeting.objective_ids`` and
    ``meeting.follow_up_action_ids`` hold only what the reader may see, and
    ``follow_up_actions`` those actions as they are now, in the meeting's order."""

    meeting: Meeting
    follow_up_actions: tuple[Action, ...]


# -- permissions -----------------------------------------------------------------------------


async def _leads(uow: UnitOfWork, principal: Principal, unit_id: UUID) -> bool:
    """Whether the caller leads the unit or a unit above it (two statements)."""
    org_id = principal.organization_id
    chain = await uow.units.ancestors(org_id, unit_id)
    units = await uow.units.get_many(org_id, list(chain)) if chain else {}
    return any(u.lead_id is not None and u.lead_id == principal.member_id for u in units.values())


async def may_write_meeting(uow: UnitOfWork, principal: Principal, unit_id: UUID | None) -> bool:
    """Admins and managers: any meeting; a unit's lead (or the lead of a unit above it):
    the unit's meetings. Never a service."""
    if principal.is_service:
        return False
    if principal.roles & {Role.ADMIN, Role.MANAGER}:
        return True
    return unit_id is not None and await _leads(uow, principal, unit_id)


async def _ensure_may_write(uow: UnitOfWork, principal: Principal, unit_id: UUID | None) -> None:
    if not await may_write_meeting(uow, principal, unit_id):
        raise Forbidden(
            "only admins, managers and the unit's leads record its meetings"
            if unit_id is not None
            else "only admins and managers record a cycle's meetings"
        )


# -- what the reader and the writer may see ------------------------------------------------


async def _visible_objective_ids(
    uow: UnitOfWork, principal: Principal, objective_ids: Collection[UUID]
) -> set[UUID]:
    if not objective_ids:
        return set()
    found = await uow.objectives.get_many(principal.organization_id, list(objective_ids))
    return {o.id for o in await visible_among(uow, principal, found.values())}


async def _visible_actions(
    uow: UnitOfWork, principal: Principal, action_ids: Collection[UUID]
) -> dict[UUID, Action]:
    """The actions among ``action_ids`` on KRs the caller may see (a fixed number of
    statements)."""
    if not action_ids:
        return {}
    found = await uow.work_plans.actions(principal.organization_id, list(action_ids))
    krs = await visible_key_results(uow, principal, list({a.key_result_id for a in found.values()}))
    return {i: a for i, a in found.items() if a.key_result_id in krs}


async def _views(
    uow: UnitOfWork, principal: Principal, meetings: Sequence[Meeting]
) -> list[MeetingView]:
    """The meetings as the caller may see them, in a fixed number of statements."""
    objectives = await _visible_objective_ids(
        uow, principal, {i for m in meetings for i in m.objective_ids}
    )
    actions = await _visible_actions(
        uow, principal, {i for m in meetings for i in m.follow_up_action_ids}
    )
    views: list[MeetingView] = []
    for m in meetings:
        follow_ups = tuple(actions[i] for i in m.follow_up_action_ids if i in actions)
        seen = replace(
            m,
            objective_ids=tuple(i for i in m.objective_ids if i in objectives),
            follow_up_action_ids=tuple(a.id for a in follow_ups),
        )
        views.append(MeetingView(meeting=seen, follow_up_actions=follow_ups))
    return views


def _unknown(field: str, message: str) -> RuleViolation:
    return RuleViolation(
        f"{field}: {message}",
        code="unknown_reference",
        errors=[FieldError(field, message, "unknown_reference")],
    )


async def _check_references(
    uow: UnitOfWork,
    principal: Principal,
    meeting: Meeting,
    *,
    kept_objective_ids: Iterable[UUID] = (),
    kept_action_ids: Iterable[UUID] = (),
) -> None:
    """The cycle and unit exist; attendees are members; reviewed objectives and follow-up
    actions are visible to the writer (``kept_*``: stored ones hidden from the writer,
    which a change keeps)."""
    org_id = principal.organization_id
    if meeting.cycle_id is not None and await uow.cycles.get(org_id, meeting.cycle_id) is None:
        raise _unknown("cycle_id", "no such cycle")
    if meeting.unit_id is not None and await uow.units.get(org_id, meeting.unit_id) is None:
        raise _unknown("unit_id", "no such unit")
    members = (
        await uow.members.get_many(org_id, list(meeting.attendee_ids))
        if meeting.attendee_ids
        else {}
    )
    objectives = await _visible_objective_ids(uow, principal, set(meeting.objective_ids))
    actions = await _visible_actions(uow, principal, set(meeting.follow_up_action_ids))
    validate_meeting_references(
        meeting,
        member_ids=members,
        objective_ids=objectives | set(kept_objective_ids),
        action_ids=set(actions) | set(kept_action_ids),
    )


# -- reads -----------------------------------------------------------------------------------


async def _meeting(uow: UnitOfWork, principal: Principal, meeting_id: UUID) -> Meeting:
    found = await uow.meetings.get(principal.organization_id, meeting_id)
    if found is None:
        raise NotFound("meeting not found")
    return found


async def get_meeting(deps: Deps, principal: Principal, meeting_id: UUID) -> MeetingView:
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        meeting = await _meeting(uow, principal, meeting_id)
        return (await _views(uow, principal, [meeting]))[0]


async def list_meetings(
    deps: Deps, principal: Principal, filters: MeetingFilter, page: PageRequest
) -> Page[MeetingView]:
    """The organization's meetings in ``page.sort`` order, by cycle, unit and kind."""
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        found = await uow.meetings.list(principal.organization_id, filters, page)
        views = await _views(uow, principal, found.items)
    return found.with_items(views)


# -- writes ----------------------------------------------------------------------------------


async def create_meeting(deps: Deps, principal: Principal, data: NewMeeting) -> MeetingView:
    """Record a meeting. Refusals: ``forbidden`` (see the module), ``validation_failed``
    (the domain's rules; unknown or hidden attendees, objectives, actions),
    ``unknown_reference`` (cycle, unit)."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        await _ensure_may_write(uow, principal, data.unit_id)
        meeting = validate_meeting(
            Meeting(
                id=deps.new_id(),
                organization_id=principal.organization_id,
                kind=data.kind,
                title=data.title,
                held_on=data.held_on,
                cycle_id=data.cycle_id,
                unit_id=data.unit_id,
                attendee_ids=tuple(data.attendee_ids),
                objective_ids=tuple(data.objective_ids),
                findings=data.findings,
                follow_up_action_ids=tuple(data.follow_up_action_ids),
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        await _check_references(uow, principal, meeting)
        await uow.meetings.add(meeting)
        await _audit(uow, deps, principal, "meeting.created", meeting.id, None, meeting)
        await uow.commit()
        return (await _views(uow, principal, [meeting]))[0]


def _merged(
    current: Sequence[UUID], sent: Maybe[Sequence[UUID]], visible: Collection[UUID]
) -> tuple[tuple[UUID, ...], tuple[UUID, ...]]:
    """The ids after a change, and the stored ones hidden from the writer it keeps.

    An id the writer sends is checked as sent, even when it is stored and hidden from
    them: otherwise a 200 for a hidden stored id and a 422 for an unknown one would tell
    them which hidden objectives a meeting reviews."""
    hidden = tuple(i for i in current if i not in visible)
    if sent is UNSET:
        return tuple(current), hidden
    kept = tuple(i for i in hidden if i not in sent)
    return (*sent, *kept), kept


@retry_lost_updates
async def update_meeting(
    deps: Deps,
    principal: Principal,
    meeting_id: UUID,
    changes: MeetingChanges,
    *,
    expected_version: int | None = None,
) -> MeetingView:
    """Change a meeting (JSON merge); the refusals of :func:`create_meeting`, and
    ``stale_version`` for an ``expected_version`` that is not the current one."""
    async with deps.uow() as uow:
        current = await _meeting(uow, principal, meeting_id)
        await _ensure_may_write(uow, principal, current.unit_id)
        ensure_version(current.version, expected_version)
        seen = (await _views(uow, principal, [current]))[0].meeting
        objective_ids, kept_objectives = _merged(
            current.objective_ids, changes.objective_ids, seen.objective_ids
        )
        action_ids, kept_actions = _merged(
            current.follow_up_action_ids,
            changes.follow_up_action_ids,
            seen.follow_up_action_ids,
        )
        updated = replace(
            current,
            kind=current.kind if changes.kind is UNSET else changes.kind,
            title=current.title if changes.title is UNSET else changes.title,
            held_on=current.held_on if changes.held_on is UNSET else changes.held_on,
            cycle_id=current.cycle_id if changes.cycle_id is UNSET else changes.cycle_id,
            unit_id=current.unit_id if changes.unit_id is UNSET else changes.unit_id,
            attendee_ids=current.attendee_ids
            if changes.attendee_ids is UNSET
            else tuple(changes.attendee_ids),
            objective_ids=objective_ids,
            findings=current.findings if changes.findings is UNSET else changes.findings,
            follow_up_action_ids=action_ids,
        )
        if updated.unit_id != current.unit_id:
            await _ensure_may_write(uow, principal, updated.unit_id)
        updated = validate_meeting(updated)
        await _check_references(
            uow,
            principal,
            updated,
            kept_objective_ids=kept_objectives,
            kept_action_ids=kept_actions,
        )
        if updated == current:
            return (await _views(uow, principal, [current]))[0]
        updated = replace(updated, version=current.version + 1, updated_at=deps.clock.now())
        await uow.meetings.update(updated, previous_version=current.version)
        await _audit(uow, deps, principal, "meeting.updated", updated.id, current, updated)
        await uow.commit()
        return (await _views(uow, principal, [updated]))[0]


@retry_lost_updates
async def delete_meeting(
    deps: Deps, principal: Principal, meeting_id: UUID, *, expected_version: int | None = None
) -> None:
    """Delete a meeting's record for good (its follow-up actions stay)."""
    async with deps.uow() as uow:
        current = await _meeting(uow, principal, meeting_id)
        await _ensure_may_write(uow, principal, current.unit_id)
        ensure_version(current.version, expected_version)
        await uow.meetings.delete(
            principal.organization_id, meeting_id, previous_version=current.version
        )
        await _audit(uow, deps, principal, "meeting.deleted", meeting_id, current, None)
        await uow.commit()


async def _audit(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    action: str,
    meeting_id: UUID,
    before: Meeting | None,
    after: Meeting | None,
) -> None:
    await audit.record(
        uow.audit,
        deps,
        principal,
        action=action,
        resource_type="meeting",
        resource_id=meeting_id,
        before=before,
        after=after,
    )
