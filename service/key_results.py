"""Use cases of key results (关键结果): create, read with scores, change, move, final score;
lists across objectives (by cycle, owner, staleness) and the caller's updates due."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.alignment import alignment_allowed
from domain.cadence import update_status
from domain.cycles import Cycle, CycleState
from domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from domain.key_results import (
    ensure_final_score_open,
    revise_milestones,
    validate_confidence,
    validate_due_date,
    validate_final_score,
    validate_metric,
    validate_weight,
)
from domain.limits import KEY_RESULT_UNIT_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from domain.okrs import (
    Aggregation,
    Cadence,
    CheckIn,
    Direction,
    KeyResult,
    MetricKind,
    Objective,
)
from domain.organizations import Organization, ensure_fits, validate_name
from domain.pacing_setting import PacingSetting
from service import audit
from service.as_of import AsOf, resolve_as_of
from service.auth import Principal, ensure_can_read_okrs
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.objectives import (
    organization_of,
    refuse_loop_visibly,
    writable_cycle,
)
from service.okr_access import (
    ensure_may_edit_key_result,
    ensure_may_edit_objective,
    note_private_reads,
    viewer_of,
    visible_among,
    visible_key_result,
    visible_objective,
)
from service.okr_ports import KeyResultFilter, Viewer
from service.pacing import ensure_pacing, owner_unit_ids, pacing_inputs
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import Graph, UnitOfWork
from service.quotas import (
    ensure_aggregation_may_change,
    ensure_contribution,
    ensure_contributors_still_fit,
    ensure_no_contributors,
    ensure_no_sum_history,
    ensure_takes_check_ins,
    summed_values,
    unlink_stale_contributions,
    without_hidden_targets,
)
from service.scores import KeyResultView, local_today, view_key_result


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone as sent: ``id`` only to keep one of the KR's milestones (its done state
    with it); none for a new one, which the server names (``revise_milestones``)."""

    title: str
    weight: Decimal = Decimal(1)
    id: UUID | None = None


@dataclass(frozen=True)
class NewKeyResult:
    title: str
    owner_id: UUID
    metric_kind: MetricKind = MetricKind.NUMBER
    start: Decimal = Decimal(0)
    target: Decimal = Decimal(1)
    direction: Direction = Direction.INCREASE
    unit: str | None = None
    currency: str | None = None
    weight: Decimal = Decimal(1)
    due_date: date | None = None  # default: the cycle's end
    confidence: int | None = None
    milestones: tuple[MilestoneInput, ...] = ()
    cadence: Cadence = Cadence.WEEKLY
    pacing: PacingSetting | None = None  # None: inherit (unit, organization)
    contributes_to_key_result_id: UUID | None = None  # the KR it adds into (quota roll-up)
    aggregation: Aggregation = Aggregation.NONE


@dataclass(frozen=True)
class KeyResultChanges:
    title: Maybe[str] = UNSET
    owner_id: Maybe[UUID] = UNSET
    unit: Maybe[str | None] = UNSET
    start: Maybe[Decimal] = UNSET
    target: Maybe[Decimal] = UNSET
    direction: Maybe[Direction] = UNSET
    currency: Maybe[str | None] = UNSET
    weight: Maybe[Decimal] = UNSET
    due_date: Maybe[date] = UNSET
    confidence: Maybe[int | None] = UNSET
    milestones: Maybe[tuple[MilestoneInput, ...]] = UNSET
    cadence: Maybe[Cadence] = UNSET
    pacing: Maybe[PacingSetting | None] = UNSET
    contributes_to_key_result_id: Maybe[UUID | None] = UNSET
    aggregation: Maybe[Aggregation] = UNSET


def _validated(kr: KeyResult) -> KeyResult:
    validate_metric(
        metric_kind=kr.metric_kind,
        start=kr.start,
        target=kr.target,
        direction=kr.direction,
        currency=kr.currency,
        milestones=kr.milestones,
    )
    validate_weight(kr.weight)
    validate_confidence(kr.confidence)
    if kr.unit is not None:
        # Stored as sent (not stripped): the limit is the column's.
        ensure_fits(kr.unit, max_length=KEY_RESULT_UNIT_MAX_LENGTH, field_name="unit")
    return replace(
        kr, title=validate_name(kr.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH)
    )


async def _ensure_member(uow: UnitOfWork, org_id: UUID, member_id: UUID) -> None:
    if await uow.members.get(org_id, member_id) is None:
        raise RuleViolation(
            "the owner is not a member of this organization",
            code="unknown_reference",
            errors=[FieldError("owner_id", "no such member", "unknown_reference")],
        )


async def _view(
    deps: Deps,
    uow: UnitOfWork,
    principal: Principal,
    kr: KeyResult,
    objective: Objective,
    *,
    org: Organization | None = None,
    as_of: datetime | None = None,
) -> KeyResultView:
    """The KR's view for ``principal``, now or as it stood at ``as_of``."""
    if org is None:
        org = await organization_of(uow, principal)
    cycle = await uow.cycles.get(org.id, objective.cycle_id)
    assert cycle is not None
    at = deps.clock.now() if as_of is None else as_of
    latest = (await uow.check_ins.latest(org.id, [kr.id], as_of=as_of)).get(kr.id)
    pacing = await pacing_inputs(uow, org, [(kr, objective, cycle)], at)
    summed = await summed_values(uow, org.id, [kr], viewer_of(principal), as_of=as_of)
    (kr,) = await without_hidden_targets(uow, org.id, [kr], viewer_of(principal))
    return view_key_result(
        kr,
        latest,
        cycle,
        org,
        local_today(org, at),
        as_of=as_of,
        ambition=objective.ambition,
        unit_pacing=pacing.unit_of(kr.id),
        learned=pacing.learned_of(kr.id),
        summed=summed.get(kr.id),
    )


async def create_key_result(
    deps: Deps, principal: Principal, objective_id: UUID, data: NewKeyResult
) -> KeyResultView:
    now = deps.clock.now()
    async with deps.uow() as uow:
        org_id = principal.organization_id
        objective = await visible_objective(uow, principal, objective_id)
        await ensure_may_edit_objective(uow, principal, objective)
        cycle = await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        await _ensure_member(uow, org_id, data.owner_id)
        kr = _validated(
            KeyResult(
                id=deps.new_id(),
                organization_id=org_id,
                objective_id=objective.id,
                title=data.title,
                owner_id=data.owner_id,
                metric_kind=data.metric_kind,
                unit=data.unit,
                currency=data.currency,
                start=data.start,
                target=data.target,
                direction=data.direction,
                weight=data.weight,
                due_date=cycle.end_date
                if data.due_date is None
                else validate_due_date(data.due_date, cycle.start_date, cycle.end_date),
                confidence=data.confidence,
                milestones=revise_milestones((), data.milestones, deps.new_id),
                final_score=None,
                final_score_reason=None,
                cadence=data.cadence,
                version=1,
                created_at=now,
                updated_at=now,
                pacing=data.pacing,
                contributes_to_key_result_id=data.contributes_to_key_result_id,
                aggregation=data.aggregation,
            )
        )
        ensure_pacing(kr, cycle)
        if kr.contributes_to_key_result_id is not None:
            # The alignment and the contributions the check reads must not change before
            # the write (DOMAIN.md: graph writes under a lock).
            await uow.lock_graph(org_id, Graph.ALIGNMENT)
            await ensure_contribution(uow, principal, kr, objective)
        await uow.key_results.add(kr)
        # The objective embeds its KRs: its updated_at moves too (not its version).
        await uow.objectives.touch(org_id, [objective.id], now)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.created",
            resource_type="key_result",
            resource_id=kr.id,
            before=None,
            after=kr,
        )
        await uow.commit()
        return await _view(deps, uow, principal, kr, objective)


async def get_key_result(
    deps: Deps, principal: Principal, key_result_id: UUID, *, as_of: AsOf | None = None
) -> KeyResultView:
    """One KR with its score, as it stood at ``as_of`` when given (its latest check-in
    then; a final score set later does not count; a KR created later: not found)."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        at = resolve_as_of(as_of, org, deps.clock.now())
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        if at is None:
            return await _view(deps, uow, principal, kr, objective)
        if kr.created_at > at:
            raise NotFound("the key result did not exist yet at as_of")
        return await _view(deps, uow, principal, kr, objective, org=org, as_of=at)


async def list_key_results(
    deps: Deps, principal: Principal, objective_id: UUID
) -> list[KeyResultView]:
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        objective = await visible_objective(uow, principal, objective_id)
        krs = (await uow.key_results.of_objectives(org.id, [objective.id])).get(objective.id, ())
        latest = await uow.check_ins.latest(org.id, [kr.id for kr in krs])
        cycle = await uow.cycles.get(org.id, objective.cycle_id)
        assert cycle is not None
        now = deps.clock.now()
        today = local_today(org, now)
        pacing = await pacing_inputs(uow, org, [(kr, objective, cycle) for kr in krs], now)
        summed = await summed_values(uow, org.id, krs, viewer_of(principal))
        krs = await without_hidden_targets(uow, org.id, krs, viewer_of(principal))
        return [
            view_key_result(
                kr,
                latest.get(kr.id),
                cycle,
                org,
                today,
                ambition=objective.ambition,
                unit_pacing=pacing.unit_of(kr.id),
                learned=pacing.learned_of(kr.id),
                summed=summed.get(kr.id),
            )
            for kr in krs
        ]


def _measure_or_link_changed(kr: KeyResult, updated: KeyResult) -> bool:
    return any(
        getattr(kr, name) != getattr(updated, name)
        for name in ("contributes_to_key_result_id", "metric_kind", "unit", "currency", "direction")
    )


async def _ensure_still_follows(uow: UnitOfWork, kr: KeyResult) -> None:
    """A KR following a KPI keeps pointing the KPI's way: otherwise measurements would
    silently stop reaching it. Unlink it first."""
    kpi = await uow.kpis.get(kr.organization_id, kr.kpi_id) if kr.kpi_id else None
    if kpi is not None and kpi.direction is not kr.direction:
        raise RuleViolation(
            f"the key result follows a KPI that is {kpi.direction}: unlink it first",
            code="validation_failed",
            errors=[FieldError("direction", "differs from its KPI's", "direction_mismatch")],
        )


@retry_lost_updates
async def update_key_result(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    changes: KeyResultChanges,
    *,
    expected_version: int | None = None,
) -> KeyResultView:
    async with deps.uow() as uow:
        org_id = principal.organization_id
        if changes.contributes_to_key_result_id not in (UNSET, None) or any(
            getattr(changes, name) is not UNSET
            for name in ("unit", "currency", "direction", "aggregation")
        ):
            # First, before anything the checks read: the alignment and the contributions
            # must not change before the write (a concurrent contribution could close a loop,
            # add into the KR under a measure it is leaving, or add into a sum turning plain).
            await uow.lock_graph(org_id, Graph.ALIGNMENT)
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        await ensure_may_edit_key_result(uow, principal, kr, objective)
        ensure_version(kr.version, expected_version)
        cycle = await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        if changes.due_date is not UNSET:
            validate_due_date(changes.due_date, cycle.start_date, cycle.end_date)
        updated = kr
        for name in (
            "title",
            "unit",
            "start",
            "target",
            "direction",
            "currency",
            "weight",
            "due_date",
            "confidence",
            "cadence",
            "pacing",
            "contributes_to_key_result_id",
            "aggregation",
        ):
            value = getattr(changes, name)
            if value is not UNSET:
                updated = replace(updated, **{name: value})
        if changes.owner_id is not UNSET:
            await _ensure_member(uow, org_id, changes.owner_id)
            updated = replace(updated, owner_id=changes.owner_id)
        if changes.milestones is not UNSET:
            milestones = revise_milestones(kr.milestones, changes.milestones, deps.new_id)
            updated = replace(updated, milestones=milestones)
        updated = _validated(updated)
        # A schedule is checked against the KR's start and target: again when they change.
        if updated.pacing != kr.pacing or (
            updated.pacing is not None
            and (updated.start != kr.start or updated.target != kr.target)
        ):
            ensure_pacing(updated, cycle)
        if updated.contributes_to_key_result_id is not None and _measure_or_link_changed(
            kr, updated
        ):
            # Under the lock taken above when the link changes; a change of unit or
            # direction alone checks the kept link against the KR it adds into.
            await ensure_contribution(uow, principal, updated, objective)
        # The KRs adding into it keep its measure (under the lock taken above).
        await ensure_contributors_still_fit(uow, principal, kr, updated)
        if updated == kr:
            return await _view(deps, uow, principal, kr, objective)
        if updated.kpi_id is not None and updated.direction is not kr.direction:
            await _ensure_still_follows(uow, updated)
        if updated.aggregation is not kr.aggregation:
            if updated.kpi_id is not None:
                # A sum KR takes no KPI measurements (they would never show): unlink it first.
                ensure_takes_check_ins(updated, field="aggregation")
            await ensure_aggregation_may_change(uow, kr)
        updated = replace(updated, version=kr.version + 1, updated_at=deps.clock.now())
        await uow.key_results.update(updated, previous_version=kr.version)
        # The objective embeds its KRs: its updated_at moves too (not its version).
        await uow.objectives.touch(kr.organization_id, [objective.id], updated.updated_at)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.updated",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=updated,
        )
        await uow.commit()
        return await _view(deps, uow, principal, updated, objective)


@retry_lost_updates
async def delete_key_result(
    deps: Deps, principal: Principal, key_result_id: UUID, *, expected_version: int | None = None
) -> None:
    """Delete a KR never checked in on, nor a sum ever added into (its history would be
    lost otherwise: 409)."""
    async with deps.uow() as uow:
        org_id = principal.organization_id
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        await ensure_may_edit_objective(uow, principal, objective)
        ensure_version(kr.version, expected_version)
        await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        if await uow.objectives.contributor_ids(org_id, kr.id):
            raise Conflict(
                "objectives contribute to this key result: unlink them first",
                code="key_result_has_contributors",
            )
        await ensure_no_contributors(uow, principal, [kr])
        if (await uow.check_ins.latest(org_id, [kr.id])).get(kr.id) is not None:
            raise Conflict(
                "this key result has check-ins: its history is kept",
                code="key_result_has_check_ins",
            )
        await ensure_no_sum_history(uow, kr)
        await uow.key_results.delete(org_id, kr.id)
        # The objective embeds its KRs: its updated_at moves too (not its version).
        await uow.objectives.touch(org_id, [objective.id], deps.clock.now())
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.deleted",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=None,
        )
        await uow.commit()


@retry_lost_updates
async def move_key_result(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    objective_id: UUID,
    *,
    expected_version: int | None = None,
) -> KeyResultView:
    """Move a KR to another objective of the same cycle; check-ins and actions go with it."""
    async with deps.uow() as uow:
        org_id = principal.organization_id
        # First, before anything the checks read: the objectives contributing to the KR come
        # to serve the target, so a link or a move written meanwhile could close a loop with
        # this one, or change a level the rule below was checked against.
        await uow.lock_graph(org_id, Graph.ALIGNMENT)
        kr, source = await visible_key_result(uow, principal, key_result_id)
        await ensure_may_edit_objective(uow, principal, source)
        ensure_version(kr.version, expected_version)
        target = await visible_objective(uow, principal, objective_id)
        await ensure_may_edit_objective(uow, principal, target)
        if target.cycle_id != source.cycle_id:
            raise RuleViolation(
                "a key result moves only between objectives of the same cycle",
                code="different_cycle",
                errors=[FieldError("objective_id", "in another cycle", "different_cycle")],
            )
        await writable_cycle(uow, org_id, source.cycle_id, "cycle_id")
        if target.id == source.id:
            return await _view(deps, uow, principal, kr, source)
        # Quota roll-up: the KRs adding into it align to the source, not the target (refused,
        # as its delete is); its own contribution must suit the target objective's alignment.
        await ensure_no_contributors(uow, principal, [kr])
        await ensure_contribution(uow, principal, replace(kr, objective_id=target.id), target)
        contributors = await uow.objectives.contributor_ids(org_id, kr.id)
        if contributors:
            # Objectives contributing to the KR now align to the target objective: the level
            # rule and no loop (errors name no objective the caller may not see).
            org = await organization_of(uow, principal)
            found = await uow.objectives.get_many(org_id, contributors)
            if any(
                not alignment_allowed(
                    child=c.level,
                    parent=target.level,
                    to_key_result=True,
                    upward_only=org.scoring.alignment_upward_only,
                )
                for c in found.values()
            ):
                raise RuleViolation(
                    "objectives contributing to this KR would then break the level rule",
                    code="alignment_level",
                    errors=[FieldError("objective_id", "breaks contributors' level rule")],
                )
            above_target = await uow.objectives.alignment_ancestors(org_id, target.id)
            for contributor in contributors:
                await refuse_loop_visibly(
                    uow, principal, contributor, target.id, above_target, "objective_id"
                )
        moved = replace(
            kr, objective_id=target.id, version=kr.version + 1, updated_at=deps.clock.now()
        )
        await uow.key_results.update(moved, previous_version=kr.version)
        # The objectives aligned to it now serve the target: their KRs adding into KRs of
        # the source stop, audited, as when those objectives are realigned (under the lock).
        touched = [kr.objective_id, target.id]
        if contributors:
            for c in found.values():
                if await unlink_stale_contributions(uow, deps, principal, c):
                    touched.append(c.id)
        # The objectives embed their KRs: they move (not their versions).
        await uow.objectives.touch(org_id, touched, moved.updated_at)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.moved",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=moved,
        )
        await uow.commit()
        return await _view(deps, uow, principal, moved, target)


@retry_lost_updates
async def set_final_score(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    *,
    score: Decimal,
    reason: str,
    expected_version: int | None = None,
) -> KeyResultView:
    """The KR's final score at cycle close, with a required reason; always audited.

    Allowed from the cycle's end date (organization time) and on a closed cycle (the one
    write a closed cycle takes), by admins and the owner's managers.
    """
    score, reason = validate_final_score(score, reason)
    async with deps.uow() as uow:
        org_id = principal.organization_id
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        ensure_version(kr.version, expected_version)
        if not principal.is_admin:
            chain = await uow.members.manager_chain(org_id, kr.owner_id)
            managers = set(chain) - {kr.owner_id}
            if principal.member_id not in managers:
                raise Forbidden("only admins and the KR owner's managers set final scores")
        # No writable-cycle check: closed cycles keep taking final scores. Open cycles take
        # them from their last day on (grading happens before the formal close).
        now = deps.clock.now()
        org = await organization_of(uow, principal)
        cycle = await uow.cycles.get(org_id, objective.cycle_id)
        assert cycle is not None
        ensure_final_score_open(
            cycle.end_date, cycle.state is CycleState.CLOSED, local_today(org, now)
        )
        scored = replace(
            kr,
            final_score=score,
            final_score_reason=reason,
            final_scored_at=now,
            version=kr.version + 1,
            updated_at=now,
        )
        await uow.key_results.update(scored, previous_version=kr.version)
        # The objective embeds its KRs: its updated_at moves too (not its version).
        await uow.objectives.touch(kr.organization_id, [objective.id], now)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.final_scored",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=scored,
        )
        await uow.commit()
        return await _view(deps, uow, principal, scored, objective)


# -- batch reads (GraphQL DataLoaders) -----------------------------------------------------


async def visible_key_results(
    uow: UnitOfWork, principal: Principal, key_result_ids: Sequence[UUID]
) -> dict[UUID, tuple[KeyResult, Objective]]:
    """The KRs among ``key_result_ids`` whose objective the caller may see, each with that
    objective, in a fixed number of statements; the others are absent (never refused)."""
    org_id = principal.organization_id
    krs = await uow.key_results.get_many(org_id, key_result_ids)
    objectives = await uow.objectives.get_many(org_id, list({k.objective_id for k in krs.values()}))
    visible = {o.id: o for o in await visible_among(uow, principal, objectives.values())}
    return {
        kr.id: (kr, visible[kr.objective_id]) for kr in krs.values() if kr.objective_id in visible
    }


async def key_results_by_id(
    deps: Deps, principal: Principal, key_result_ids: Sequence[UUID]
) -> dict[UUID, KeyResultView]:
    """Many KRs with their current values and scores (for GraphQL DataLoaders), in a fixed
    number of statements; unknown, other organizations' and hidden ones are absent."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        found = await visible_key_results(uow, principal, key_result_ids)
        latest = await uow.check_ins.latest(org.id, list(found))
        # The owner units' default curves ride on the cycles' statement: no read of units.
        cycles, unit_pacing = await uow.objective_records.cycles_with_unit_pacing(
            org.id,
            list({o.cycle_id for _, o in found.values()}),
            owner_unit_ids(o for _, o in found.values()),
        )
        now = deps.clock.now()
        today = local_today(org, now)
        pacing = await pacing_inputs(
            uow,
            org,
            [(kr, o, cycles[o.cycle_id]) for kr, o in found.values()],
            now,
            unit_defaults=unit_pacing,
        )
        summed = await summed_values(
            uow, org.id, [kr for kr, _ in found.values()], viewer_of(principal)
        )
        shown = await without_hidden_targets(
            uow, org.id, [kr for kr, _ in found.values()], viewer_of(principal)
        )
        found = {kr.id: (kr, found[kr.id][1]) for kr in shown}
        return {
            kr.id: view_key_result(
                kr,
                latest.get(kr.id),
                cycles[o.cycle_id],
                org,
                today,
                ambition=o.ambition,
                unit_pacing=pacing.unit_of(kr.id),
                learned=pacing.learned_of(kr.id),
                summed=summed.get(kr.id),
            )
            for kr, o in found.values()
        }


# -- lists across objectives: by cycle, owner and staleness (the management rhythm) ---------


@dataclass(frozen=True)
class UpdateDue:
    """A KR whose check-in is overdue (stale), with its objective and the instant its
    check-in fell due."""

    key_result: KeyResultView
    objective: Objective
    last_check_in_at: datetime | None
    due_at: datetime

    @property
    def stale_since(self) -> datetime:
        """Stale from the due instant on (any instant after it)."""
        return self.due_at


@dataclass(frozen=True)
class _Loaded:
    """KRs' views with what they were built from."""

    views: list[KeyResultView]
    objectives: Mapping[UUID, Objective]
    cycles: Mapping[UUID, Cycle]
    latest: Mapping[UUID, CheckIn]


async def _load_views(
    deps: Deps, uow: UnitOfWork, org: Organization, krs: Sequence[KeyResult], viewer: Viewer
) -> _Loaded:
    """The KRs' views, with their objectives, cycles and latest check-ins (three
    statements; one more per level of sums when the page holds sum KRs)."""
    latest = await uow.check_ins.latest(org.id, [kr.id for kr in krs])
    objectives = await uow.objectives.get_many(org.id, list({kr.objective_id for kr in krs}))
    cycles = await uow.cycles.get_many(org.id, list({o.cycle_id for o in objectives.values()}))
    now = deps.clock.now()
    today = local_today(org, now)
    paced = [(kr, o := objectives[kr.objective_id], cycles[o.cycle_id]) for kr in krs]
    pacing = await pacing_inputs(uow, org, paced, now)
    summed = await summed_values(uow, org.id, krs, viewer)
    krs = await without_hidden_targets(uow, org.id, krs, viewer)
    views = [
        view_key_result(
            kr,
            latest.get(kr.id),
            cycles[objectives[kr.objective_id].cycle_id],
            org,
            today,
            ambition=objectives[kr.objective_id].ambition,
            unit_pacing=pacing.unit_of(kr.id),
            learned=pacing.learned_of(kr.id),
            summed=summed.get(kr.id),
        )
        for kr in krs
    ]
    return _Loaded(views, objectives, cycles, latest)


async def find_key_results(
    deps: Deps, principal: Principal, filters: KeyResultFilter, page: PageRequest
) -> Page[KeyResultView]:
    """A page of the KRs of the objectives the caller may see (private ones of others are
    absent), in ``page.sort`` order, with values and scores; ``filters.stale`` keeps only the KRs
    whose check-in is overdue now (or only the others): ``domain.cadence``, in the
    organization's time zone. A fixed number of statements whatever the page size."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        found = await uow.key_results.list(
            org.id,
            filters,
            page,
            viewer_of(principal),
            now=deps.clock.now(),
            time_zone=org.time_zone,
        )
        loaded = await _load_views(deps, uow, org, found.items, viewer_of(principal))
        await note_private_reads(uow, principal, loaded.objectives.values())
    return found.with_items(loaded.views)


async def updates_due(
    deps: Deps, principal: Principal, page: PageRequest, *, cycle_id: UUID | None = None
) -> Page[UpdateDue]:
    """What needs the caller's update: the KRs they own that are stale now (of objectives
    they may see; in one cycle when ``cycle_id`` is given), oldest KR first, each with the
    instant its check-in fell due. Only a member has KRs: another token is refused."""
    ensure_can_read_okrs(principal)
    if principal.member_id is None:
        raise Forbidden("only a member's token has updates due", code="forbidden")
    now = deps.clock.now()
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        found = await uow.key_results.list(
            org.id,
            KeyResultFilter(cycle_id=cycle_id, owner_id=principal.member_id, stale=True),
            page,
            viewer_of(principal),
            now=now,
            time_zone=org.time_zone,
        )
        loaded = await _load_views(deps, uow, org, found.items, viewer_of(principal))
    due: list[UpdateDue] = []
    for view in loaded.views:
        kr = view.key_result
        if kr.aggregation is Aggregation.SUM:
            continue  # it takes no check-ins (its contributors do): nothing of it falls due
        objective = loaded.objectives[kr.objective_id]
        last = loaded.latest.get(kr.id)
        status = update_status(
            kr,
            last.created_at if last is not None else None,
            objective_status=objective.status,
            cycle_state=loaded.cycles[objective.cycle_id].state,
            now=now,
            time_zone=org.time_zone,
        )
        if status.due_at is None:
            continue  # closed between the list's statement and ours (the list asked for stale)
        due.append(
            UpdateDue(
                key_result=view,
                objective=objective,
                last_check_in_at=status.last_check_in_at,
                due_at=status.due_at,
            )
        )
    return Page(due, found.next_after)
