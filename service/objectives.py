"""Use cases of objectives (目标): create, read with scores, change, align, archive,
carry over into another cycle, and close a cycle's unfinished ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from domain.alignment import (
    alignment_allowed,
    ensure_alignment_level,
    ensure_no_alignment_loop,
    ensure_single_link,
)
from domain.ambition import DEFAULT_AMBITION
from domain.cycles import Cycle, ensure_writable
from domain.errors import Conflict, FieldError, NotFound, RuleViolation
from domain.limits import OKR_DESCRIPTION_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from domain.objectives import (
    default_level,
    ensure_other_cycle,
    ensure_owner_active,
    ensure_status_move,
    level_after_owner_change,
    shift_into_cycle,
)
from domain.okrs import (
    ActionStatus,
    Ambition,
    Direction,
    KeyResult,
    Level,
    MetricKind,
    Milestone,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Organization, ensure_fits, validate_name
from domain.quotas import contribution_errors
from domain.units import UnitKind
from service import audit
from service.as_of import AsOf, resolve_as_of
from service.auth import Principal, ensure_admin, ensure_can_read_okrs
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.okr_access import (
    ensure_may_edit_objective,
    may_see,
    note_private_reads,
    viewer_of,
    visible_among,
    visible_objective,
)
from service.okr_ports import ObjectiveFilter, ObjectiveRecord
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import Graph, UnitOfWork
from service.quotas import ensure_no_contributors, unlink_stale_contributions
from service.scores import ObjectiveView, view_objectives, view_records


@dataclass(frozen=True)
class NewObjective:
    cycle_id: UUID
    title: str
    description: str = ""
    owner_kind: OwnerKind = OwnerKind.MEMBER
    owner_id: UUID | None = None  # default: the caller
    level: Level | None = None  # default: individual, or the owning unit's rank
    status: ObjectiveStatus = ObjectiveStatus.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    roll_up: bool = False
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None
    ambition: Ambition = DEFAULT_AMBITION  # its KRs are graded by its thresholds


@dataclass(frozen=True)
class OwnerRef:
    kind: OwnerKind
    id: UUID


@dataclass(frozen=True)
class ObjectiveChanges:
    title: Maybe[str] = UNSET
    description: Maybe[str] = UNSET
    level: Maybe[Level] = UNSET
    status: Maybe[ObjectiveStatus] = UNSET
    visibility: Maybe[Visibility] = UNSET
    roll_up: Maybe[bool] = UNSET
    ambition: Maybe[Ambition] = UNSET
    parent_objective_id: Maybe[UUID | None] = UNSET
    parent_key_result_id: Maybe[UUID | None] = UNSET
    # Reassigning (when someone leaves, say): the rules of creating it for the new owner.
    owner: Maybe[OwnerRef] = UNSET


async def organization_of(uow: UnitOfWork, principal: Principal) -> Organization:
    org = await uow.organizations.get(principal.organization_id)
    if org is None:
        raise NotFound("organization not found")
    return org


async def writable_cycle(uow: UnitOfWork, org_id: UUID, cycle_id: UUID, field: str) -> Cycle:
    cycle = await uow.cycles.get(org_id, cycle_id)
    if cycle is None:
        raise RuleViolation(
            "the cycle does not exist",
            code="unknown_reference",
            errors=[FieldError(field, "no such cycle", "unknown_reference")],
        )
    ensure_writable(cycle)
    return cycle


async def _owner_level(uow: UnitOfWork, principal: Principal, data: NewObjective) -> Level:
    unit_kind = await _valid_owner(uow, principal, data.owner_kind, data.owner_id, "owner_id")
    return data.level or default_level(data.owner_kind, unit_kind)


async def _valid_owner(
    uow: UnitOfWork, principal: Principal, kind: OwnerKind, owner_id: UUID | None, field: str
) -> UnitKind | None:
    """Check an owner exists (and a member is active); a unit owner's kind gives the rank."""
    org_id = principal.organization_id
    if kind is OwnerKind.MEMBER:
        member = await uow.members.get(org_id, owner_id) if owner_id else None
        if member is None:
            raise _unknown(field, "no such member")
        ensure_owner_active(member.active, field=field)
        return None
    unit = await uow.units.get(org_id, owner_id) if owner_id else None
    if unit is None:
        raise _unknown(field, "no such unit")
    return unit.kind


async def _reowned(
    uow: UnitOfWork, principal: Principal, objective: Objective, changes: ObjectiveChanges
) -> Objective:
    """The objective under its new owner, at the level sent or the one the owner gives."""
    owner = changes.owner
    assert owner is not UNSET
    if (owner.kind, owner.id) == (objective.owner_kind, objective.owner_id):
        return objective
    unit_kind = await _valid_owner(uow, principal, owner.kind, owner.id, "owner.id")
    level = (
        changes.level
        if changes.level is not UNSET
        else level_after_owner_change(objective.level, objective.owner_kind, owner.kind, unit_kind)
    )
    return replace(objective, owner_kind=owner.kind, owner_id=owner.id, level=level)


def _unknown(field: str, message: str) -> RuleViolation:
    return RuleViolation(
        f"{field}: {message}",
        code="unknown_reference",
        errors=[FieldError(field, message, "unknown_reference")],
    )


async def ensure_alignment(
    uow: UnitOfWork, principal: Principal, org: Organization, objective: Objective
) -> None:
    """Check the objective's link upward: one link, a visible target, level, no loop."""
    ensure_single_link(objective.parent_objective_id, objective.parent_key_result_id)
    to_key_result = objective.parent_key_result_id is not None
    if to_key_result:
        assert objective.parent_key_result_id is not None
        kr = await uow.key_results.get(org.id, objective.parent_key_result_id)
        if kr is None:
            raise _unknown("parent_key_result_id", "no such key result")
        parent_id, field = kr.objective_id, "parent_key_result_id"
    elif objective.parent_objective_id is not None:
        parent_id, field = objective.parent_objective_id, "parent_objective_id"
    else:
        return
    parent = await uow.objectives.get(org.id, parent_id)
    if parent is None or not await uow.objectives.is_visible(
        org.id, parent_id, viewer_of(principal)
    ):
        # The same answer as for an unknown id: a hidden objective's KR does not exist.
        raise _unknown(field, "no such key result" if to_key_result else "no such objective")
    ensure_alignment_level(
        child=objective.level,
        parent=parent.level,
        to_key_result=to_key_result,
        upward_only=org.scoring.alignment_upward_only,
    )
    ancestors = await uow.objectives.alignment_ancestors(org.id, parent_id)
    await refuse_loop_visibly(uow, principal, objective.id, parent_id, ancestors, field)


async def _ensure_children_allow(
    uow: UnitOfWork, org: Organization, objective_id: UUID, level: Level
) -> None:
    """The objectives aligned to it must still sit at a level the rule allows; the refusal
    names none of them (some may be private)."""
    for child in await uow.objectives.aligned_children(org.id, objective_id):
        if not alignment_allowed(
            child=child.level,
            parent=level,
            to_key_result=child.parent_key_result_id is not None,
            upward_only=org.scoring.alignment_upward_only,
        ):
            raise RuleViolation(
                "objectives aligned to this one would then break the level rule",
                code="alignment_level",
                errors=[FieldError("level", "breaks aligned objectives' level rule")],
            )


async def refuse_loop_visibly(
    uow: UnitOfWork,
    principal: Principal,
    objective_id: UUID,
    parent_id: UUID,
    ancestors: Mapping[UUID, UUID | None],
    field: str,
) -> None:
    """Refuse a loop (``alignment_cycle``) naming only the loop's objectives the caller may
    see; a hidden one reads ``"hidden"``, so the error does not reveal private objectives."""
    try:
        ensure_no_alignment_loop(objective_id, parent_id, ancestors.get, field=field)
    except RuleViolation as error:
        ids = [UUID(i) for i in error.extra.get("cycle", [])]
        found = await uow.objectives.get_many(principal.organization_id, ids)
        seen = {o.id for o in await visible_among(uow, principal, found.values())}
        error.extra["cycle"] = [str(i) if i in seen else "hidden" for i in ids]
        raise


async def create_objective(deps: Deps, principal: Principal, data: NewObjective) -> ObjectiveView:
    org_id = principal.organization_id
    if data.owner_kind is OwnerKind.MEMBER and data.owner_id is None:
        data = replace(data, owner_id=principal.member_id)
    now = deps.clock.now()
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        await writable_cycle(uow, org_id, data.cycle_id, "cycle_id")
        level = await _owner_level(uow, principal, data)
        assert data.owner_id is not None
        objective = Objective(
            id=deps.new_id(),
            organization_id=org_id,
            cycle_id=data.cycle_id,
            title=validate_name(data.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH),
            description=_description(data.description),
            owner_kind=data.owner_kind,
            owner_id=data.owner_id,
            level=level,
            status=data.status,
            visibility=data.visibility,
            roll_up=data.roll_up,
            parent_objective_id=data.parent_objective_id,
            parent_key_result_id=data.parent_key_result_id,
            source_objective_id=None,
            version=1,
            created_at=now,
            updated_at=now,
            ambition=data.ambition,
        )
        await ensure_may_edit_objective(uow, principal, objective)
        if objective.parent_objective_id or objective.parent_key_result_id:
            # A new objective closes no loop, but its parent's level (or existence) must not
            # change between the check and the write: writers of those take this lock too.
            await uow.lock_graph(org_id, Graph.ALIGNMENT)
        await ensure_alignment(uow, principal, org, objective)
        await uow.objectives.add(objective)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="objective.created",
            resource_type="objective",
            resource_id=objective.id,
            before=None,
            after=objective,
        )
        await uow.commit()
        return (await view_objectives(uow, org, [objective], now, viewer_of(principal)))[0]


async def visible_objective_at(
    uow: UnitOfWork,
    principal: Principal,
    objective_id: UUID,
    at: datetime | None,
    *,
    audit: bool = True,
) -> Objective:
    """The objective the caller may see, as it existed at ``at`` (created later: not found)."""
    objective = await visible_objective(uow, principal, objective_id, audit=audit)
    if at is not None and objective.created_at > at:
        raise NotFound("the objective did not exist yet at as_of")
    return objective


async def get_objective(
    deps: Deps, principal: Principal, objective_id: UUID, *, as_of: AsOf | None = None
) -> ObjectiveView:
    """One objective with its KRs and scores, as they stood at ``as_of`` when given (an
    objective created after it did not exist then: not found)."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        now = deps.clock.now()
        if as_of is None:
            # The objective's statement confirms the organization this process keeps: the
            # organization costs no statement of its own after it.
            record = await _visible_record(uow, principal, objective_id)
            org = await organization_of(uow, principal)
            return (await view_records(uow, org, [record], now, viewer_of(principal)))[0]
        org = await organization_of(uow, principal)
        at = resolve_as_of(as_of, org, now)
        objective = await visible_objective_at(uow, principal, objective_id, at)
        views = await view_objectives(uow, org, [objective], now, viewer_of(principal), as_of=at)
        return views[0]


async def _visible_record(
    uow: UnitOfWork, principal: Principal, objective_id: UUID
) -> ObjectiveRecord:
    """:func:`visible_objective` read with its record (one statement for a public one)."""
    found = await uow.objective_records.records(principal.organization_id, [objective_id])
    if not found or not await may_see(uow, principal, found[0].objective):
        raise NotFound("objective not found")
    return found[0]


async def list_objectives(
    deps: Deps, principal: Principal, filters: ObjectiveFilter, page: PageRequest
) -> Page[ObjectiveView]:
    """A page of the objectives the caller may see, with KRs and scores, in ``page.sort``
    order (``updated_since`` kept), in a fixed number of statements whatever the page size."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        viewer = viewer_of(principal)
        org_id = principal.organization_id
        found = await uow.objective_records.list_records(org_id, filters, page, viewer)
        await note_private_reads(uow, principal, [r.objective for r in found.items])
        org = await organization_of(uow, principal)  # confirmed by the page's statement
        views = await view_records(uow, org, found.items, deps.clock.now(), viewer)
    return found.with_items(views)


def _description(text: str) -> str:
    return ensure_fits(
        text.strip(), max_length=OKR_DESCRIPTION_MAX_LENGTH, field_name="description"
    )


def _with_changes(objective: Objective, changes: ObjectiveChanges) -> Objective:
    """The objective with the plain fields sent (the owner is checked apart)."""
    updated = objective
    if changes.title is not UNSET:
        updated = replace(
            updated,
            title=validate_name(changes.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH),
        )
    if changes.description is not UNSET:
        updated = replace(updated, description=_description(changes.description))
    if changes.level is not UNSET:
        updated = replace(updated, level=changes.level)
    if changes.status is not UNSET:
        ensure_status_move(objective.status, changes.status)
        updated = replace(updated, status=changes.status)
    if changes.visibility is not UNSET:
        updated = replace(updated, visibility=changes.visibility)
    if changes.roll_up is not UNSET:
        updated = replace(updated, roll_up=changes.roll_up)
    if changes.ambition is not UNSET:
        updated = replace(updated, ambition=changes.ambition)
    if changes.parent_objective_id is not UNSET:
        updated = replace(updated, parent_objective_id=changes.parent_objective_id)
    if changes.parent_key_result_id is not UNSET:
        updated = replace(updated, parent_key_result_id=changes.parent_key_result_id)
    return updated


@retry_lost_updates
async def update_objective(
    deps: Deps,
    principal: Principal,
    objective_id: UUID,
    changes: ObjectiveChanges,
    *,
    expected_version: int | None = None,
) -> ObjectiveView:
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        objective = await visible_objective(uow, principal, objective_id)
        await ensure_may_edit_objective(uow, principal, objective)
        ensure_version(objective.version, expected_version)
        await writable_cycle(uow, org.id, objective.cycle_id, "cycle_id")
        updated = _with_changes(objective, changes)
        if changes.owner is not UNSET:
            updated = await _reowned(uow, principal, updated, changes)
        if updated == objective:
            return (
                await view_objectives(uow, org, [objective], deps.clock.now(), viewer_of(principal))
            )[0]
        if (updated.parent_objective_id, updated.parent_key_result_id, updated.level) != (
            objective.parent_objective_id,
            objective.parent_key_result_id,
            objective.level,
        ):
            # Before the check reads the ancestors (and the children): two links checked
            # apart could otherwise close a loop together.
            await uow.lock_graph(org.id, Graph.ALIGNMENT)
            await ensure_alignment(uow, principal, org, updated)
        if (updated.parent_objective_id, updated.parent_key_result_id) != (
            objective.parent_objective_id,
            objective.parent_key_result_id,
        ):
            # Its KRs adding into KRs of an objective it no longer aligns to stop (audited).
            await unlink_stale_contributions(uow, deps, principal, updated)
        if updated.level is not objective.level:
            await _ensure_children_allow(uow, org, objective.id, updated.level)
        if (updated.owner_kind, updated.owner_id) != (objective.owner_kind, objective.owner_id):
            # As if creating it for the new owner: the caller must also answer for them.
            await ensure_may_edit_objective(uow, principal, updated)
        updated = replace(updated, version=objective.version + 1, updated_at=deps.clock.now())
        await uow.objectives.update(updated, previous_version=objective.version)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="objective.updated",
            resource_type="objective",
            resource_id=objective.id,
            before=objective,
            after=updated,
        )
        await uow.commit()
        return (await view_objectives(uow, org, [updated], deps.clock.now(), viewer_of(principal)))[
            0
        ]


@retry_lost_updates
async def delete_objective(
    deps: Deps, principal: Principal, objective_id: UUID, *, expected_version: int | None = None
) -> ObjectiveView | None:
    """Delete an objective never checked in on; once it has check-ins it is archived
    instead (history is kept) and the archived objective is returned."""
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        objective = await visible_objective(uow, principal, objective_id)
        await ensure_may_edit_objective(uow, principal, objective)
        ensure_version(objective.version, expected_version)
        await writable_cycle(uow, org.id, objective.cycle_id, "cycle_id")
        if objective.status is ObjectiveStatus.ARCHIVED:
            return (
                await view_objectives(uow, org, [objective], deps.clock.now(), viewer_of(principal))
            )[0]
        # So that no objective aligns to this one between the check and the delete.
        await uow.lock_graph(org.id, Graph.ALIGNMENT)
        if await uow.objectives.has_aligned_children(org.id, objective_id):
            raise Conflict(
                "objectives align to this one: move or unlink them first",
                code="objective_has_children",
            )
        # KRs adding into its KRs (quota roll-up) whose objective no longer aligns here
        # (links stored before realignment unlinked them): refused like a KR's delete, and
        # before archiving too, so an archived objective's KRs never serve a stale sum.
        own = (await uow.key_results.of_objectives(org.id, [objective_id])).get(objective_id, ())
        await ensure_no_contributors(uow, principal, own)
        if await uow.objectives.has_check_ins(org.id, objective_id):
            archived = replace(
                objective,
                status=ObjectiveStatus.ARCHIVED,
                version=objective.version + 1,
                updated_at=deps.clock.now(),
            )
            await uow.objectives.update(archived, previous_version=objective.version)
            await audit.record(
                uow.audit,
                deps,
                principal,
                action="objective.archived",
                resource_type="objective",
                resource_id=objective.id,
                before=objective,
                after=archived,
            )
            await uow.commit()
            return (
                await view_objectives(uow, org, [archived], deps.clock.now(), viewer_of(principal))
            )[0]
        await uow.objectives.delete(org.id, objective_id)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="objective.deleted",
            resource_type="objective",
            resource_id=objective.id,
            before=objective,
            after=None,
        )
        await uow.commit()
        return None


class Carry(StrEnum):
    """Where a copied KR starts: its old start, or what the source achieved."""

    START = "start"
    ACHIEVED = "achieved"


class CopyAlignment(StrEnum):
    """What became of the source's alignment link in the copy."""

    FOLLOWED = "followed"  # to the parent's copy in the target cycle
    UNALIGNED = "unaligned"  # the parent was not copied there: align the copy by hand
    NONE = "none"  # the source aligned to nothing


@dataclass(frozen=True)
class CopyRequest:
    cycle_id: UUID
    owner_id: UUID | None = None  # default: the same owner
    carry: Carry = Carry.START


@dataclass(frozen=True)
class CopyResult:
    view: ObjectiveView
    alignment: CopyAlignment


async def copy_objective(
    deps: Deps, principal: Principal, objective_id: UUID, request: CopyRequest
) -> CopyResult:
    """Carry an objective over into another cycle as a draft: its KRs (start, target,
    weights, milestones, KPI link) and the actions not done, without check-ins; the copy
    remembers its source. Due dates move with the cycle; ``carry=achieved`` starts each KR
    where the source stands; the alignment follows the parent's copy in the target cycle."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        source = await visible_objective(uow, principal, objective_id)
        ensure_other_cycle(source.cycle_id, request.cycle_id)
        target_cycle = await writable_cycle(uow, org.id, request.cycle_id, "cycle_id")
        source_cycle = await uow.cycles.get(org.id, source.cycle_id)
        assert source_cycle is not None  # a foreign key guarantees it
        move = _date_mover(source_cycle, target_cycle)
        owner_id = request.owner_id or source.owner_id
        copy = replace(
            source,
            id=deps.new_id(),
            cycle_id=target_cycle.id,
            owner_id=owner_id,
            status=ObjectiveStatus.DRAFT,
            parent_objective_id=None,
            parent_key_result_id=None,
            source_objective_id=source.id,
            version=1,
            created_at=now,
            updated_at=now,
        )
        if request.owner_id is not None:
            await _owner_level(
                uow,
                principal,
                NewObjective(
                    cycle_id=copy.cycle_id,
                    title=copy.title,
                    owner_kind=copy.owner_kind,
                    owner_id=copy.owner_id,
                    level=copy.level,
                ),
            )
        await ensure_may_edit_objective(uow, principal, copy)
        copy, alignment = await _follow_alignment(uow, principal, org, source, copy)
        await uow.objectives.add(copy)
        key_results = (await uow.key_results.of_objectives(org.id, [source.id])).get(source.id, ())
        adds_into = await _followed_contributions(uow, org.id, key_results, copy, alignment)
        actions = await uow.actions.of_key_results(org.id, [kr.id for kr in key_results])
        reached = (
            await uow.check_ins.latest(org.id, [kr.id for kr in key_results])
            if request.carry is Carry.ACHIEVED
            else {}
        )
        for kr in key_results:
            latest = reached.get(kr.id)
            kr_copy = _copy_key_result(deps, kr, copy.id, move, now)
            kr_copy = replace(kr_copy, contributes_to_key_result_id=adds_into.get(kr.id))
            if latest is not None and latest.value is not None:
                kr_copy = replace(kr_copy, start=_carried_start(kr, latest.value))
            await uow.key_results.add(kr_copy)
            await audit.record(
                uow.audit,
                deps,
                principal,
                action="key_result.copied",
                resource_type="key_result",
                resource_id=kr_copy.id,
                before=None,
                after=kr_copy,
            )
            for action in actions.get(kr.id, ()):
                if action.status is ActionStatus.DONE:
                    continue
                action_copy = replace(
                    action,
                    id=deps.new_id(),
                    key_result_id=kr_copy.id,
                    due_date=move(action.due_date) if action.due_date else None,
                    accepted_by=None,
                    accepted_at=None,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                await uow.actions.add(action_copy)
                await audit.record(
                    uow.audit,
                    deps,
                    principal,
                    action="action.copied",
                    resource_type="action",
                    resource_id=action_copy.id,
                    before=None,
                    after=action_copy,
                )
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="objective.copied",
            resource_type="objective",
            resource_id=copy.id,
            before=None,
            after=copy,
        )
        await uow.commit()
        view = (await view_objectives(uow, org, [copy], now, viewer_of(principal)))[0]
        return CopyResult(view, alignment)


def _date_mover(source: Cycle, target: Cycle) -> Callable[[date], date]:
    def move(day: date) -> date:
        return shift_into_cycle(
            day, (source.start_date, source.end_date), (target.start_date, target.end_date)
        )

    return move


def _carried_start(kr: KeyResult, reached: Decimal) -> Decimal:
    """What the source achieved as the new start, never past the target (an overshoot would
    contradict the KR's direction); yes/no and milestones KRs keep their start."""
    if kr.metric_kind in (MetricKind.BOOLEAN, MetricKind.MILESTONES):
        return kr.start
    if kr.direction is Direction.DECREASE:
        return max(reached, kr.target)
    return min(reached, kr.target)


async def _follow_alignment(
    uow: UnitOfWork, principal: Principal, org: Organization, source: Objective, copy: Objective
) -> tuple[Objective, CopyAlignment]:
    """Align the copy to the copy of the source's parent in the same target cycle (a KR link
    to the KR of that copy with the same title), checked like any link; else unaligned."""
    if source.parent_key_result_id is not None:
        parent_kr = await uow.key_results.get(org.id, source.parent_key_result_id)
        parent_id = parent_kr.objective_id if parent_kr else None
    else:
        parent_kr, parent_id = None, source.parent_objective_id
    if parent_id is None:
        return copy, (
            CopyAlignment.NONE if source.parent_key_result_id is None else CopyAlignment.UNALIGNED
        )
    copies = [
        o
        for o in await uow.objectives.open_in_cycle(org.id, copy.cycle_id)
        if o.source_objective_id == parent_id
    ]
    parent_copy = (await visible_among(uow, principal, copies))[:1]
    if not parent_copy:
        return copy, CopyAlignment.UNALIGNED
    if parent_kr is None:
        linked = replace(copy, parent_objective_id=parent_copy[0].id)
    else:
        krs = (await uow.key_results.of_objectives(org.id, [parent_copy[0].id])).get(
            parent_copy[0].id, ()
        )
        same = [k for k in krs if k.title == parent_kr.title]
        if len(same) != 1:
            return copy, CopyAlignment.UNALIGNED
        linked = replace(copy, parent_key_result_id=same[0].id)
    await uow.lock_graph(org.id, Graph.ALIGNMENT)
    try:
        await ensure_alignment(uow, principal, org, linked)
    except RuleViolation:
        # The level rule may refuse it (the copy's owner or the settings changed).
        return copy, CopyAlignment.UNALIGNED
    return linked, CopyAlignment.FOLLOWED


async def _followed_contributions(
    uow: UnitOfWork,
    org_id: UUID,
    key_results: Sequence[KeyResult],
    copy: Objective,
    alignment: CopyAlignment,
) -> dict[UUID, UUID]:
    """Where each copied KR adds into (quota roll-up), by the KR's id: the KR of the same
    title, measured alike, of the objective the copy aligns to (the parent's copy), as the
    alignment itself follows; else nowhere: a KR of the source's cycle would be a link the
    copy's alignment does not allow. No statement unless a KR adds into one and the
    alignment followed (then under the graph lock :func:`_follow_alignment` took)."""
    linked = [kr for kr in key_results if kr.contributes_to_key_result_id is not None]
    if not linked or alignment is not CopyAlignment.FOLLOWED:
        return {}
    aligned_to = copy.parent_objective_id
    if aligned_to is None and copy.parent_key_result_id is not None:
        parent_kr = await uow.key_results.get(org_id, copy.parent_key_result_id)
        aligned_to = parent_kr.objective_id if parent_kr is not None else None
    if aligned_to is None:
        return {}
    sources = await uow.key_results.get_many(
        org_id,
        [kr.contributes_to_key_result_id for kr in linked if kr.contributes_to_key_result_id],
    )
    candidates = (await uow.key_results.of_objectives(org_id, [aligned_to])).get(aligned_to, ())
    found: dict[UUID, UUID] = {}
    for kr in linked:
        source = (
            sources.get(kr.contributes_to_key_result_id)
            if kr.contributes_to_key_result_id
            else None
        )
        same = [k for k in candidates if source is not None and k.title == source.title]
        if len(same) == 1 and not contribution_errors(kr, same[0]):
            found[kr.id] = same[0].id
    return found


def _copy_key_result(
    deps: Deps, kr: KeyResult, objective_id: UUID, move: Callable[[date], date], now: datetime
) -> KeyResult:
    return replace(
        kr,
        id=deps.new_id(),
        objective_id=objective_id,
        due_date=move(kr.due_date),
        milestones=tuple(Milestone(deps.new_id(), m.title, m.weight) for m in kr.milestones),
        final_score=None,
        final_score_reason=None,
        confidence=None,
        version=1,
        created_at=now,
        updated_at=now,
    )


async def close_unfinished(deps: Deps, principal: Principal, cycle_id: UUID) -> list[UUID]:
    """Close every objective of the cycle that is neither closed nor archived (admins), in
    three statements whatever their number: read them, close them, audit them."""
    ensure_admin(principal)
    now = deps.clock.now()
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        if await uow.cycles.get(org.id, cycle_id) is None:
            raise NotFound("cycle not found")
        open_ones = await uow.objectives.open_in_cycle(org.id, cycle_id)
        await uow.objectives.close_many(org.id, [o.id for o in open_ones], now)
        await uow.audit.record_many(
            [
                audit.event(
                    deps,
                    principal,
                    action="objective.closed",
                    resource_type="objective",
                    resource_id=o.id,
                    before=o,
                    after=replace(
                        o, status=ObjectiveStatus.CLOSED, version=o.version + 1, updated_at=now
                    ),
                )
                for o in open_ones
            ]
        )
        await uow.commit()
    return [o.id for o in open_ones]


# -- batch reads (GraphQL DataLoaders) -----------------------------------------------------


async def objectives_by_id(
    deps: Deps, principal: Principal, objective_ids: Sequence[UUID]
) -> dict[UUID, ObjectiveView]:
    """Many objectives with their KRs and scores (for GraphQL DataLoaders), in a fixed
    number of statements. Unknown ids, other organizations' objectives and private ones the
    caller may not see are all simply absent: nothing tells them apart."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        found = await uow.objectives.get_many(org.id, objective_ids)
        visible = await visible_among(uow, principal, found.values())
        views = await view_objectives(uow, org, visible, deps.clock.now(), viewer_of(principal))
    return {v.objective.id: v for v in views}


async def children_of(
    deps: Deps, principal: Principal, parent_ids: Sequence[UUID]
) -> dict[UUID, list[ObjectiveView]]:
    """The objectives aligned to each of many objectives (for GraphQL DataLoaders), by id,
    with KRs and scores, in a fixed number of statements. Only those the caller may see:
    the same rule (``visible_to``) as the objectives list."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        viewer = viewer_of(principal)
        found = await uow.objectives.aligned_to(org.id, parent_ids, viewer)
        # One event per loader batch: each batch is a read of its own.
        await note_private_reads(uow, principal, found)
        views = await view_objectives(uow, org, found, deps.clock.now(), viewer)
    children: dict[UUID, list[ObjectiveView]] = {i: [] for i in parent_ids}
    for view in views:
        parent_id = view.objective.parent_objective_id
        if parent_id in children:
            children[parent_id].append(view)
    return children
