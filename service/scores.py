"""Scores on every read: KR and objective progress, grade, expected progress and status.

Derived from the KRs and their latest check-ins by ``domain.scoring`` on each read, never
stored, so they cannot drift from the check-in history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Final, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.ambition import GradeThresholds, grade_of
from domain.cycles import Cycle
from domain.forecast import Forecast, forecast
from domain.okrs import Aggregation, Ambition, CheckIn, KeyResult, MetricKind, Objective, OwnerKind
from domain.organizations import Organization
from domain.pacing import (
    LINEAR,
    JudgedPacing,
    PacingChoice,
    PacingCurve,
    PacingSource,
    elapsed_fraction,
    judge_pacing,
)
from domain.pacing import expected_progress as curve_progress
from domain.pacing_setting import PacingSetting
from domain.scoring import (
    Grade,
    TrackStatus,
    counts_in_figures,
    expected_progress,
    kr_progress,
    kr_score,
    kr_track_status,
    objective_progress,
    rolled_up_progress,
    track_status,
)
from domain.tracks import objective_expected_progress
from service.alignment_ports import KeyResultFigures, ObjectiveNode, PacedProgress
from service.okr_ports import ObjectiveRecord, Viewer
from service.pacing import NO_INPUTS, PacingInputs, pacing_inputs
from service.ports import UnitOfWork
from service.quotas import summed_values, without_hidden_targets

_LINEAR_PACING: Final = JudgedPacing(curve=LINEAR, source=PacingSource.DEFAULT)
_NO_FORECAST: Final = Forecast(projected=None, status=None)


@dataclass(frozen=True)
class KeyResultView:
    key_result: KeyResult
    latest: CheckIn | None
    current: Decimal | None
    milestones_done: frozenset[UUID]
    progress: Decimal
    score: Decimal
    grade: Grade
    expected_progress: Decimal  # p(t) of the curve it is judged by (``pacing``)
    status: TrackStatus
    pacing: JudgedPacing = _LINEAR_PACING
    forecast: Forecast = _NO_FORECAST
    ambition: Ambition = Ambition.ASPIRATIONAL  # its objective's, which graded it


@dataclass(frozen=True)
class ObjectiveView:
    objective: Objective
    key_results: Sequence[KeyResultView]
    progress: Decimal | None  # None: no KRs (or only zero-weight ones)
    grade: Grade | None
    expected_progress: Decimal
    status: TrackStatus | None
    rolled_up: bool = False  # the progress comes from the objectives aligned to it


def local_today(org: Organization, now: datetime) -> date:
    """ "Today" in the organization's time zone: a cycle ends at its local midnight."""
    return now.astimezone(ZoneInfo(org.time_zone)).date()


def as_it_stood(kr: KeyResult, as_of: datetime | None) -> KeyResult:
    """The KR as scoring saw it at ``as_of``: without a final score set after that."""
    if as_of is None or kr.final_score is None:
        return kr
    if kr.final_scored_at is not None and kr.final_scored_at > as_of:
        return replace(kr, final_score=None, final_score_reason=None, final_scored_at=None)
    return kr


def judged_pacing(
    kr: KeyResult,
    cycle: Cycle,
    org: Organization,
    *,
    unit_pacing: PacingSetting | None = None,
    learned: PacingChoice | None = None,
) -> JudgedPacing:
    """How ``kr`` is paced (``domain.pacing.judge_pacing``): its own setting, else
    ``unit_pacing`` (its objective's owner unit's default), else the organization's;
    ``learned`` is its learned curve, read by the caller (service.pacing)."""
    return judge_pacing(
        kr.pacing,
        unit_pacing,
        org.pacing,
        start=kr.start,
        target=kr.target,
        start_date=cycle.start_date,
        end_date=cycle.end_date,
        learned=learned,
    )


def pacing_curve(
    kr: KeyResult,
    cycle: Cycle,
    org: Organization,
    *,
    unit_pacing: PacingSetting | None = None,
    learned: PacingChoice | None = None,
) -> PacingCurve:
    """The curve ``kr`` is judged by (see :func:`judged_pacing`)."""
    return judged_pacing(kr, cycle, org, unit_pacing=unit_pacing, learned=learned).curve


def view_key_result(
    kr: KeyResult,
    latest: CheckIn | None,
    cycle: Cycle,
    org: Organization,
    today: date,
    *,
    as_of: datetime | None = None,
    ambition: Ambition = Ambition.ASPIRATIONAL,
    unit_pacing: PacingSetting | None = None,
    learned: PacingChoice | None = None,
    summed: Decimal | None = None,
) -> KeyResultView:
    """The KR's view, graded by the thresholds of ``ambition``: its objective's. A sum KR's
    current value is ``summed``: its visible contributors' (``service.quotas``)."""
    kr = as_it_stood(kr, as_of)
    current = latest.value if latest is not None else None
    if kr.aggregation is Aggregation.SUM:
        current = summed
    done = frozenset(latest.milestones_done or ()) if latest is not None else frozenset[UUID]()
    if kr.metric_kind is MetricKind.MILESTONES:
        current = None
    progress = kr_progress(kr, current=current, milestones_done=done)
    score = kr_score(kr, progress)
    # Its pacing curve (DOMAIN.md "Sales pacing"): its own, its unit's or the organization's;
    # ``unit_pacing`` is the default of its objective's owner unit, ``learned`` its learned
    # curve, both read by the caller (service.pacing).
    pacing = judged_pacing(kr, cycle, org, unit_pacing=unit_pacing, learned=learned)
    elapsed = elapsed_fraction(cycle.start_date, cycle.end_date, today)
    expected = curve_progress(pacing.curve, elapsed)
    # The aspirational thresholds (red/yellow of the scoring settings) for now.
    thresholds = GradeThresholds(
        red_below=org.scoring.red_below, yellow_below=org.scoring.yellow_below
    )
    return KeyResultView(
        key_result=kr,
        latest=latest,
        current=current,
        milestones_done=done,
        progress=progress,
        score=score,
        grade=grade_of(score, ambition, org.scoring),
        expected_progress=expected,
        status=kr_track_status(kr, progress, expected, org.scoring),
        pacing=pacing,
        forecast=forecast(progress, curve=pacing.curve, elapsed=elapsed, thresholds=thresholds),
        ambition=ambition,
    )


def view_objective(
    objective: Objective,
    key_results: Sequence[KeyResult],
    latest: Mapping[UUID, CheckIn],
    cycle: Cycle,
    org: Organization,
    today: date,
    *,
    as_of: datetime | None = None,
    rolled_up: Mapping[UUID, Decimal | None] | None = None,
    pacing: PacingInputs = NO_INPUTS,
    summed: Mapping[UUID, Decimal | None] | None = None,
) -> ObjectiveView:
    """The objective's view; ``rolled_up`` gives the progress of roll-up objectives that
    have nothing of their own to measure; ``pacing`` what its KRs' curves need (units'
    defaults, learned curves: ``service.pacing``)."""
    krs = [
        view_key_result(
            kr,
            latest.get(kr.id),
            cycle,
            org,
            today,
            as_of=as_of,
            ambition=objective.ambition,
            unit_pacing=pacing.unit_of(kr.id),
            learned=pacing.learned_of(kr.id),
            summed=summed.get(kr.id) if summed else None,
        )
        for kr in key_results
        if as_of is None or kr.created_at <= as_of
    ]
    progress = objective_progress([(v.score, v.key_result.weight) for v in krs])
    from_aligned = progress is None and rolled_up is not None and objective.id in rolled_up
    if from_aligned:
        assert rolled_up is not None
        progress = rolled_up[objective.id]
    # Judged by its KRs' curves (DOMAIN.md "Sales pacing"): the straight line only when it
    # has no KR of its own that weighs (a roll-up objective).
    expected = objective_expected_progress(
        [(v.expected_progress, v.key_result.weight) for v in krs],
        expected_progress(cycle.start_date, cycle.end_date, today),
    )
    return ObjectiveView(
        objective=objective,
        key_results=krs,
        progress=progress,
        grade=grade_of(progress, objective.ambition, org.scoring) if progress is not None else None,
        expected_progress=expected,
        status=track_status(progress, expected, org.scoring) if progress is not None else None,
        rolled_up=from_aligned,
    )


class NodeProgress(NamedTuple):
    values: dict[UUID, Decimal | None]
    from_aligned: frozenset[UUID]  # the roll-up objectives whose figure came from below
    figures: Sequence[KeyResultFigures]  # the visible nodes' KRs as read (``key_results`` only)
    # The visible nodes' KR weights and own curves, for their expected progress (without
    # ``key_results``; an objective with nothing to measure is absent).
    paced: Mapping[UUID, PacedProgress]


def figure_score(f: KeyResultFigures) -> Decimal:
    """A KR's score from its figures (a milestones KR is measured by its done milestones)."""
    current = None if f.metric_kind is MetricKind.MILESTONES else f.current
    return kr_score(f, kr_progress(f, current=current, milestones_done=f.milestones_done))


def measure(figures: Iterable[KeyResultFigures]) -> dict[UUID, Decimal | None]:
    """Each objective's own progress from its KRs' figures (``None``: nothing to measure)."""
    pairs: dict[UUID, list[tuple[Decimal, Decimal]]] = {}
    for f in figures:
        pairs.setdefault(f.objective_id, []).append((figure_score(f), f.weight))
    return {objective_id: objective_progress(scored) for objective_id, scored in pairs.items()}


async def node_progress(
    uow: UnitOfWork,
    org: Organization,
    nodes: Sequence[ObjectiveNode],
    *,
    viewer: Viewer,
    as_of: datetime,
    subtrees_loaded: bool = False,
    key_results: bool = False,
) -> NodeProgress:
    """The progress of every visible node, rolled up where an objective asks to.

    A roll-up objective takes its progress from the objectives aligned to it that the
    viewer may see (the nodes were read for that viewer) and that count in figures (no
    drafts, nothing archived): a hidden objective counts for nobody who cannot see it, so
    its score cannot be recovered by subtraction. Costs two statements, and three more when
    roll-up objectives reach beyond ``nodes`` (unless ``subtrees_loaded`` says they hold
    every objective below them). A sum KR counts its contributors' sum as ``viewer`` may see
    it, as on its own read (``service.quotas``): where nodes have some, their figures and
    the sums cost a statement more and one per level of sums (never per KR).

    Each objective's own progress is computed by the store (one figure per objective read,
    where a tree has four KRs per objective); ``key_results`` reads the KRs' figures instead
    (``figures``, for what counts KRs) and scores them here, with the same result.
    """
    own: dict[UUID, Decimal | None] = {n.id: None for n in nodes if n.visible}
    figures: Sequence[KeyResultFigures] = ()
    paced: Mapping[UUID, PacedProgress] = {}
    if key_results:
        figures = await uow.alignment.figures(org.id, list(own), as_of=as_of)
        figures = await _with_sums(uow, org.id, figures, viewer, as_of)
        own.update((k, v) for k, v in measure(figures).items() if k in own)
    else:
        # The same statement as the progress alone, with what expected progress needs.
        paced = await uow.alignment.paced_progress(org.id, list(own), as_of=as_of)
        own.update((k, p.progress) for k, p in paced.items())
        own.update(await _rescored(uow, org.id, paced, viewer, as_of))
    every = {n.id: n for n in nodes}
    rollers = [n.id for n in nodes if n.visible and n.roll_up and own[n.id] is None]
    if rollers and not subtrees_loaded:
        below = await uow.alignment.subtree_nodes(
            org.id, rollers, viewer=viewer, as_of=as_of, through_roll_ups=True
        )
        extra = [n for n in below if n.id not in every and n.visible]
        every.update((n.id, n) for n in below if n.id not in every)
        if extra:
            more = await uow.alignment.paced_progress(org.id, [n.id for n in extra], as_of=as_of)
            own.update((n.id, p.progress if (p := more.get(n.id)) else None) for n in extra)
            own.update(await _rescored(uow, org.id, more, viewer, as_of))
    children: dict[UUID, list[UUID]] = {}
    for node in every.values():
        if node.visible and node.parent_id is not None and counts_in_figures(node.status):
            children.setdefault(node.parent_id, []).append(node.id)
    rolls = {n.id for n in every.values() if n.roll_up}
    progress = rolled_up_progress(own, children, rolls)
    from_aligned = frozenset(i for i, p in progress.items() if p is not None and own.get(i) is None)
    return NodeProgress(progress, from_aligned, figures, paced)


async def _with_sums(
    uow: UnitOfWork,
    org_id: UUID,
    figures: Sequence[KeyResultFigures],
    viewer: Viewer,
    as_of: datetime,
) -> Sequence[KeyResultFigures]:
    """The figures with each sum KR's current value its sum as ``viewer`` sees it (the
    store reads its row's, which a sum KR never has). No statement without a sum KR."""
    summed = await summed_values(uow, org_id, figures, viewer, as_of=as_of)
    if not summed:
        return figures
    return [f._replace(current=summed[f.id]) if f.id in summed else f for f in figures]


async def _rescored(
    uow: UnitOfWork,
    org_id: UUID,
    paced: Mapping[UUID, PacedProgress],
    viewer: Viewer,
    as_of: datetime,
) -> dict[UUID, Decimal | None]:
    """The progress of the objectives whose store-computed progress counted a sum KR at
    its start (``PacedProgress.sums``), scored again from their KRs' figures with the sums
    ``viewer`` may see. No statement when none has a sum KR (the common case)."""
    ids = [objective_id for objective_id, p in paced.items() if p.sums]
    if not ids:
        return {}
    figures = await uow.alignment.figures(org_id, ids, as_of=as_of)
    rescored = measure(await _with_sums(uow, org_id, figures, viewer, as_of))
    return {objective_id: rescored.get(objective_id) for objective_id in ids}


async def view_objectives(
    uow: UnitOfWork,
    org: Organization,
    objectives: Sequence[Objective],
    now: datetime,
    viewer: Viewer,
    *,
    as_of: datetime | None = None,
) -> list[ObjectiveView]:
    """Views of many objectives in a fixed number of statements (KRs, check-ins, cycles,
    and, for roll-up objectives, their subtree); as they stood at ``as_of`` when given."""
    if not objectives:
        return []
    org_id = org.id
    objectives = await _without_hidden_links(uow, org_id, objectives, viewer)
    krs = await uow.key_results.of_objectives(org_id, [o.id for o in objectives])
    kr_ids = [kr.id for group in krs.values() for kr in group]
    latest = await uow.check_ins.latest(org_id, kr_ids, as_of=as_of)
    # The owner units' default curves ride on the cycles' statement: no read of the units.
    units = list({o.owner_id for o in objectives if o.owner_kind is OwnerKind.UNIT})
    cycles, unit_pacing = await uow.objective_records.cycles_with_unit_pacing(
        org_id, list({o.cycle_id for o in objectives}), units
    )
    return await _views(
        uow,
        org,
        objectives,
        krs,
        latest,
        cycles,
        now,
        viewer,
        as_of=as_of,
        unit_defaults=unit_pacing,
    )


async def view_records(
    uow: UnitOfWork,
    org: Organization,
    records: Sequence[ObjectiveRecord],
    now: datetime,
    viewer: Viewer,
) -> list[ObjectiveView]:
    """:func:`view_objectives` of objectives read with their records (as they are now):
    statements only for hidden links and roll-ups."""
    if not records:
        return []
    objectives = await _without_hidden_links(uow, org.id, [r.objective for r in records], viewer)
    krs = {r.objective.id: r.key_results for r in records}
    latest = {kr_id: check_in for r in records for kr_id, check_in in r.latest.items()}
    cycles = {r.cycle.id: r.cycle for r in records}
    # The owner units' default curves came with the records: no read of the units.
    units = {
        r.objective.owner_id: r.owner_unit_pacing
        for r in records
        if r.objective.owner_kind is OwnerKind.UNIT
    }
    return await _views(
        uow, org, objectives, krs, latest, cycles, now, viewer, as_of=None, unit_defaults=units
    )


async def _views(
    uow: UnitOfWork,
    org: Organization,
    objectives: Sequence[Objective],
    krs: Mapping[UUID, Sequence[KeyResult]],
    latest: Mapping[UUID, CheckIn],
    cycles: Mapping[UUID, Cycle],
    now: datetime,
    viewer: Viewer,
    *,
    as_of: datetime | None,
    unit_defaults: Mapping[UUID, PacingSetting | None] | None = None,
) -> list[ObjectiveView]:
    at = as_of or now
    today = local_today(org, at)
    krs = await _without_hidden_targets(uow, org.id, krs, viewer)
    rollers = [o.id for o in objectives if o.roll_up and not _measurable(krs.get(o.id, ()), as_of)]
    rolled = await _rolled_up(uow, org, rollers, viewer, at) if rollers else None
    paced = [(kr, o, cycles[o.cycle_id]) for o in objectives for kr in krs.get(o.id, ())]
    pacing = await pacing_inputs(uow, org, paced, at, unit_defaults=unit_defaults)
    # Sum KRs' values (service.quotas): no statement unless the objectives have some.
    summed = await summed_values(uow, org.id, [kr for kr, _, _ in paced], viewer, as_of=as_of)
    return [
        view_objective(
            o,
            krs.get(o.id, ()),
            latest,
            cycles[o.cycle_id],
            org,
            today,
            as_of=as_of,
            rolled_up=rolled,
            pacing=pacing,
            summed=summed,
        )
        for o in objectives
    ]


async def _without_hidden_links(
    uow: UnitOfWork, org_id: UUID, objectives: Sequence[Objective], viewer: Viewer
) -> Sequence[Objective]:
    """The objectives with each link up to what ``viewer`` may not see cleared: a hidden
    parent objective or parent KR reads as none (as GraphQL's ``parent`` and
    ``parentKeyResult`` do), so a private objective's or KR's id does not leak through the
    objectives aligned to it. At most one statement."""
    if viewer.sees_everything:
        return objectives
    parents = {o.parent_objective_id for o in objectives if o.parent_objective_id}
    parent_krs = {o.parent_key_result_id for o in objectives if o.parent_key_result_id}
    if not parents and not parent_krs:
        return objectives
    seen = await uow.objectives.visible_link_targets(
        org_id, objective_ids=list(parents), key_result_ids=list(parent_krs), viewer=viewer
    )

    def shown(link: UUID | None) -> UUID | None:
        return link if link in seen else None

    return [
        replace(
            o,
            parent_objective_id=shown(o.parent_objective_id),
            parent_key_result_id=shown(o.parent_key_result_id),
        )
        for o in objectives
    ]


async def _without_hidden_targets(
    uow: UnitOfWork, org_id: UUID, krs: Mapping[UUID, Sequence[KeyResult]], viewer: Viewer
) -> Mapping[UUID, Sequence[KeyResult]]:
    """The KRs with contributions to KRs ``viewer`` may not see cleared (service.quotas):
    at most one statement for the whole page."""
    flat = [kr for group in krs.values() for kr in group]
    shown = {kr.id: kr for kr in await without_hidden_targets(uow, org_id, flat, viewer)}
    return {o_id: [shown[kr.id] for kr in group] for o_id, group in krs.items()}


def _measurable(key_results: Sequence[KeyResult], as_of: datetime | None) -> bool:
    return any(kr.weight > 0 and (as_of is None or kr.created_at <= as_of) for kr in key_results)


async def _rolled_up(
    uow: UnitOfWork, org: Organization, root_ids: Sequence[UUID], viewer: Viewer, at: datetime
) -> Mapping[UUID, Decimal | None]:
    nodes = await uow.alignment.subtree_nodes(
        org.id, root_ids, viewer=viewer, as_of=at, through_roll_ups=True
    )
    rolled = await node_progress(uow, org, nodes, viewer=viewer, as_of=at, subtrees_loaded=True)
    return rolled.values
