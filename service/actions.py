"""Use cases of actions (行动, the A of OKMA): concrete tasks serving a KR, with an owner, a
due date, a completion standard and an acceptance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain.actions import (
    WORKED_ON,
    ensure_may_accept,
    ensure_transition,
    is_accepted,
    missing_for_doing,
)
from domain.errors import FieldError, Forbidden, NotFound, RuleViolation
from domain.limits import ACTION_COMPLETION_STANDARD_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from domain.okrs import Action, ActionStatus
from domain.organizations import ensure_fits, validate_name
from service import audit
from service.auth import Principal, ensure_can_read_okrs
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.key_results import visible_key_results
from service.objectives import writable_cycle
from service.okr_access import ensure_may_edit_key_result, visible_key_result
from service.okr_ports import ActionFilter
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import UnitOfWork


@dataclass(frozen=True)
class NewAction:
    title: str
    owner_id: UUID | None = None
    due_date: date | None = None
    completion_standard: str | None = None
    status: ActionStatus = ActionStatus.TODO


@dataclass(frozen=True)
class ActionChanges:
    title: Maybe[str] = UNSET
    owner_id: Maybe[UUID | None] = UNSET
    due_date: Maybe[date | None] = UNSET
    completion_standard: Maybe[str | None] = UNSET
    status: Maybe[ActionStatus] = UNSET


async def _ensure_member(uow: UnitOfWork, org_id: UUID, member_id: UUID | None) -> None:
    if member_id is not None and await uow.members.get(org_id, member_id) is None:
        raise RuleViolation(
            "the owner is not a member of this organization",
            code="unknown_reference",
            errors=[FieldError("owner_id", "no such member", "unknown_reference")],
        )


def _standard(text: str | None) -> str | None:
    cleaned = ensure_fits(
        (text or "").strip(),
        max_length=ACTION_COMPLETION_STANDARD_MAX_LENGTH,
        field_name="completion_standard",
    )
    return cleaned or None


async def create_action(
    deps: Deps, principal: Principal, key_result_id: UUID, data: NewAction
) -> Action:
    now = deps.clock.now()
    async with deps.uow() as uow:
        org_id = principal.organization_id
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        await ensure_may_edit_key_result(uow, principal, kr, objective)
        await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        await _ensure_member(uow, org_id, data.owner_id)
        action = Action(
            id=deps.new_id(),
            organization_id=org_id,
            key_result_id=kr.id,
            title=validate_name(data.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH),
            owner_id=data.owner_id,
            due_date=data.due_date,
            status=ActionStatus.TODO,
            completion_standard=_standard(data.completion_standard),
            accepted_by=None,
            accepted_at=None,
            version=1,
            created_at=now,
            updated_at=now,
        )
        if data.status is not ActionStatus.TODO:
            ensure_transition(action, data.status)
            action = replace(action, status=data.status)
        await uow.actions.add(action)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="action.created",
            resource_type="action",
            resource_id=action.id,
            before=None,
            after=action,
        )
        await uow.commit()
    return action


async def _visible_action(uow: UnitOfWork, principal: Principal, action_id: UUID) -> Action:
    action = await uow.actions.get(principal.organization_id, action_id)
    if action is None:
        raise NotFound("action not found")
    try:
        await visible_key_result(uow, principal, action.key_result_id)
    except NotFound:
        raise NotFound("action not found") from None
    return action


async def get_action(deps: Deps, principal: Principal, action_id: UUID) -> Action:
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        return await _visible_action(uow, principal, action_id)


async def list_actions(
    deps: Deps, principal: Principal, key_result_id: UUID, filters: ActionFilter, page: PageRequest
) -> Page[Action]:
    """Actions of one KR, oldest first, filtered by owner, status and due dates."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        kr, _ = await visible_key_result(uow, principal, key_result_id)
        return await uow.actions.list(
            principal.organization_id, replace(filters, key_result_id=kr.id), page
        )


@retry_lost_updates
async def update_action(
    deps: Deps,
    principal: Principal,
    action_id: UUID,
    changes: ActionChanges,
    *,
    expected_version: int | None = None,
) -> Action:
    async with deps.uow() as uow:
        org_id = principal.organization_id
        action = await _visible_action(uow, principal, action_id)
        kr, objective = await visible_key_result(uow, principal, action.key_result_id)
        if principal.member_id is None or principal.member_id != action.owner_id:
            await ensure_may_edit_key_result(uow, principal, kr, objective)
        ensure_version(action.version, expected_version)
        await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        if is_accepted(action):
            raise RuleViolation("an accepted action is final", code="action_accepted")
        updated = action
        if changes.title is not UNSET:
            updated = replace(
                updated,
                title=validate_name(
                    changes.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH
                ),
            )
        if changes.owner_id is not UNSET:
            await _ensure_member(uow, org_id, changes.owner_id)
            updated = replace(updated, owner_id=changes.owner_id)
        if changes.due_date is not UNSET:
            updated = replace(updated, due_date=changes.due_date)
        if changes.completion_standard is not UNSET:
            updated = replace(updated, completion_standard=_standard(changes.completion_standard))
        if changes.status is not UNSET and changes.status is not action.status:
            ensure_transition(updated, changes.status)
            updated = replace(updated, status=changes.status)
        if updated.status in WORKED_ON and (missing := missing_for_doing(updated)):
            # A started or finished action keeps its owner, due date and standard.
            raise RuleViolation(
                f"a {updated.status} action needs an owner, a due date and a completion standard",
                code="action_not_ready",
                errors=missing,
            )
        if updated == action:
            return action
        updated = replace(updated, version=action.version + 1, updated_at=deps.clock.now())
        await uow.actions.update(updated, previous_version=action.version)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="action.updated",
            resource_type="action",
            resource_id=action.id,
            before=action,
            after=updated,
        )
        await uow.commit()
    return updated


@retry_lost_updates
async def accept_action(
    deps: Deps, principal: Principal, action_id: UUID, *, expected_version: int | None = None
) -> Action:
    """Accept a done action: only the KR's owner or the action owner's manager may.

    Always audited (who accepted, when)."""
    async with deps.uow() as uow:
        org_id = principal.organization_id
        action = await _visible_action(uow, principal, action_id)
        kr, _ = await visible_key_result(uow, principal, action.key_result_id)
        ensure_version(action.version, expected_version)
        _, objective = await visible_key_result(uow, principal, action.key_result_id)
        await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        owner = await uow.members.get(org_id, action.owner_id) if action.owner_id else None
        if principal.member_id is None:
            raise Forbidden("a person accepts actions", code="not_acceptor")
        ensure_may_accept(
            action,
            acceptor_id=principal.member_id,
            kr_owner_id=kr.owner_id,
            action_owner_manager_id=owner.manager_id if owner else None,
        )
        now = deps.clock.now()
        accepted = replace(
            action,
            accepted_by=principal.member_id,
            accepted_at=now,
            version=action.version + 1,
            updated_at=now,
        )
        await uow.actions.update(accepted, previous_version=action.version)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="action.accepted",
            resource_type="action",
            resource_id=action.id,
            before=action,
            after=accepted,
        )
        await uow.commit()
    return accepted


async def actions_of_key_results(
    deps: Deps, principal: Principal, key_result_ids: Sequence[UUID]
) -> dict[UUID, list[Action]]:
    """The actions of many KRs (for GraphQL DataLoaders), each KR's oldest first, in a
    fixed number of statements; KRs the caller may not see (or unknown) are absent."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        visible = await visible_key_results(uow, principal, key_result_ids)
        found = await uow.actions.of_key_results(principal.organization_id, list(visible))
    return {kr_id: list(found.get(kr_id, ())) for kr_id in visible}
