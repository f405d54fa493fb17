"""Alignment reads (对齐, 层层递进): the tree of a cycle, the path up to the company, and
the figures that roll up through it (unit and company scores, coverage, cycle stats).

Every read is for a viewer: an objective the caller may not see is left out with its
subtree, and counts in no figure they are shown (README "Visibility in roll-ups"), so a
hidden score cannot be recovered by subtraction. All of it accepts ``as_of``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import takewhile
from typing import NamedTuple
from uuid import UUID

from domain.alignment import Branch, alignment_forest, aligns_upward, walk
from domain.alignment import alignment_path as walk_up
from domain.ambition import CommitmentStats, ambition_settings, commitment_stats, grade_for
from domain.cycles import Cycle
from domain.errors import FieldError, NotFound, RuleViolation
from domain.okrs import Ambition, Level, OwnerKind
from domain.organizations import Organization
from domain.pacing import elapsed_fraction, judge_pacing
from domain.pacing import expected_progress as curve_progress
from domain.pacing_setting import PacingSetting
from domain.scoring import (
    ONE,
    ZERO,
    Grade,
    TrackStatus,
    counts_in_figures,
    expected_progress,
    share,
    track_status,
    weighted_mean,
)
from domain.tracks import objective_expected_progress, pooled_expected_progress
from domain.units import OrgUnit
from service.alignment_ports import KeyResultFigures, ObjectiveNode, PacedProgress
from service.as_of import AsOf, resolve_as_of
from service.auth import Principal, ensure_can_read_okrs
from service.context import Deps
from service.objectives import organization_of, visible_objective_at
from service.okr_access import (
    audit_private_reads,
    note_private_reads,
    viewer_of,
    visible_among,
    visible_objective,
)
from service.okr_ports import Viewer
from service.ports import UnitOfWork
from service.scores import (
    NodeProgress,
    ObjectiveView,
    figure_score,
    local_today,
    node_progress,
    view_objectives,
)

# Alignment runs four levels deep by the default rule; a hundred bounds any relaxed chain
# (and the walks that render it), as the recursive subtree query does.
MAX_TREE_DEPTH = 100


class Link(StrEnum):
    ALIGNED = "aligned"  # aligned to the parent objective
    CONTRIBUTES = "contributes"  # contributes to one of the parent's KRs


class Score(NamedTuple):
    progress: Decimal | None
    grade: Grade | None
    status: TrackStatus | None
    expected_progress: Decimal


class TreeNode(NamedTuple):
    objective: ObjectiveNode
    depth: int
    link: Link | None  # how it hangs under its parent in this tree; None for a root
    score: Score
    rolled_up: bool  # its progress comes from the objectives aligned to it
    children: list[TreeNode]


@dataclass(frozen=True)
class AlignmentTree:
    cycle: Cycle
    as_of: datetime | None
    root_id: UUID | None
    max_depth: int | None
    count: int
    roots: list[TreeNode]


@dataclass(frozen=True)
class AlignmentPath:
    objective_id: UUID
    path: list[ObjectiveView]  # the objective first, then what it serves, upward
    hidden_above: bool  # the path goes on through an objective the caller may not see


class Figure(NamedTuple):
    """A weighted mean and the count of objectives behind it."""

    score: Decimal | None
    objectives: int


@dataclass(frozen=True)
class UnitScore:
    unit: OrgUnit
    own: Figure  # objectives owned by the unit or by its members
    total: Figure  # the same with every unit below it


@dataclass(frozen=True)
class UnitScores:
    cycle: Cycle
    as_of: datetime | None
    company: Figure  # every objective of the cycle the caller may see
    units: list[UnitScore]


@dataclass(frozen=True)
class UnitCoverage:
    unit: OrgUnit
    objectives: int  # its non-company objectives
    aligned: int  # of which align upward
    aligned_share: Decimal | None
    members: int  # its active members
    members_with_objectives: int
    members_share: Decimal | None


@dataclass(frozen=True)
class Coverage:
    cycle: Cycle
    company: UnitCoverage | None  # the company unit, counting every objective and member
    units: list[UnitCoverage]


class WeekActivity(NamedTuple):
    week: int
    starts_on: date
    check_ins: int
    key_results_updated: int


@dataclass(frozen=True)
class CycleStats:
    cycle: Cycle
    unit_id: UUID | None
    as_of: datetime | None
    objectives: int
    objectives_by_grade: Mapping[str, int]  # red, yellow, green, none (nothing to measure)
    objectives_by_status: Mapping[str, int]  # on_track, at_risk, off_track, none
    objectives_by_state: Mapping[str, int]  # draft, active, closed, archived
    key_results: int
    key_results_by_grade: Mapping[str, int]
    key_results_by_status: Mapping[str, int]
    units_with_objectives: int
    units: int
    units_share: Decimal | None
    members_with_objectives: int
    members: int
    members_share: Decimal | None
    weeks: list[WeekActivity]
    # Committed objectives met / missed by their progress at the read's instant (a final
    # score once set): a live view while the cycle runs, the result once it closed.
    committed: CommitmentStats


# -- the tree ------------------------------------------------------------------------------


async def alignment_tree(
    deps: Deps,
    principal: Principal,
    cycle_id: UUID,
    *,
    root_id: UUID | None = None,
    depth: int | None = None,
    as_of: AsOf | None = None,
) -> AlignmentTree:
    """The cycle's objectives (with its nested cycles') nested by alignment, each with its
    progress, grade and status; optionally from one objective down, cut at ``depth``.
    A fixed number of statements whatever the size of the tree."""
    ensure_can_read_okrs(principal)
    _ensure_depth(depth)
    async with deps.read_models() as uow:
        org = await organization_of(uow, principal)
        now = deps.clock.now()
        at = resolve_as_of(as_of, org, now)
        instant = at or now
        cycle = await _cycle(uow, org.id, cycle_id)
        viewer = viewer_of(principal)
        if root_id is not None:
            # Audited below with the whole tree shown: one event per read.
            root = await visible_objective(uow, principal, root_id, audit=False)
            if root.created_at > instant or not await _within(uow, org.id, root.cycle_id, cycle):
                raise NotFound("no such objective in this cycle")
            nodes = await uow.alignment.subtree_nodes(
                org.id, [root_id], viewer=viewer, as_of=instant, max_depth=depth
            )
        else:
            nodes = await uow.alignment.cycle_nodes(org.id, cycle.id, viewer=viewer, as_of=instant)
        forest = alignment_forest(
            [n.id for n in nodes],
            {n.id: n.parent_id for n in nodes},
            {n.id for n in nodes if n.visible},
            roots=None if root_id is None else [root_id],
            max_depth=MAX_TREE_DEPTH if depth is None else min(depth, MAX_TREE_DEPTH),
        )
        # A whole cycle's tree holds what its roll-ups need; a cut one may not.
        progress = await node_progress(
            uow, org, nodes, viewer=viewer, as_of=instant, subtrees_loaded=depth is None
        )
        # The owner units' default curves ride on the cycles' statement: no read of units.
        cycles, unit_pacing = await uow.objective_records.cycles_with_unit_pacing(
            org.id, list({n.cycle_id for n in nodes}), _owner_units(nodes)
        )
    by_id = {n.id: n for n in nodes}
    shown = [by_id[b.id] for b, _ in walk(forest)]
    await audit_private_reads(deps, principal, shown)
    scorer = _Scorer(org, cycles, local_today(org, instant))
    expected = _paced_expected(scorer, nodes, progress.paced, unit_pacing)
    roots = [_tree_node(b, by_id, progress, scorer, expected, is_root=True) for b in forest]
    count = len(shown)
    return AlignmentTree(cycle, at, root_id, depth, count, roots)


def _owner_units(nodes: Iterable[ObjectiveNode]) -> list[UUID]:
    return list({n.owner_id for n in nodes if n.owner_kind is OwnerKind.UNIT})


def _paced_expected(
    scorer: _Scorer,
    nodes: Iterable[ObjectiveNode],
    paced: Mapping[UUID, PacedProgress],
    unit_pacing: Mapping[UUID, PacingSetting | None],
) -> dict[UUID, Decimal]:
    """Each visible objective's expected progress by its KRs' curves (DOMAIN.md "Sales
    pacing"), from its KRs' total weight and the few KRs with a curve of their own: the
    others share its owner unit's default or the organization's. No statement."""
    return {
        n.id: scorer.objective_expected(
            n.cycle_id,
            paced.get(n.id),
            unit_pacing.get(n.owner_id) if n.owner_kind is OwnerKind.UNIT else None,
        )
        for n in nodes
        if n.visible
    }


def _ensure_depth(depth: int | None) -> None:
    if depth is not None and depth < 0:
        raise RuleViolation(
            "depth must be 0 or more",
            code="validation_failed",
            errors=[FieldError("depth", "must be 0 or more", "invalid")],
        )


async def _cycle(uow: UnitOfWork, org_id: UUID, cycle_id: UUID) -> Cycle:
    cycle = await uow.cycles.get(org_id, cycle_id)
    if cycle is None:
        raise NotFound("cycle not found")
    return cycle


async def _within(uow: UnitOfWork, org_id: UUID, cycle_id: UUID, outer: Cycle) -> bool:
    """Whether ``cycle_id`` is ``outer`` or nested in it (cycles nest a few levels deep)."""
    current: UUID | None = cycle_id
    for _ in range(8):
        if current is None:
            return False
        if current == outer.id:
            return True
        found = await uow.cycles.get(org_id, current)
        current = found.parent_id if found is not None else None
    return False


class _Scorer:
    """Grade and track status of a progress figure in its cycle, on one day."""

    def __init__(self, org: Organization, cycles: Mapping[UUID, Cycle], today: date) -> None:
        self._org = org
        self._cycles = cycles
        self._today = today
        self._expected = {
            cycle_id: expected_progress(c.start_date, c.end_date, today)
            for cycle_id, c in cycles.items()
        }
        self._inherited_memo: dict[tuple[UUID, PacingSetting | None], Decimal] = {}
        # Once per read, not per node: a 10,000-node tree grades 10,000 figures.
        self._ambitions = ambition_settings(org.scoring)

    def straight_line(self, cycle_id: UUID) -> Decimal:
        return self._expected[cycle_id]

    def key_result_expected(
        self, f: KeyResultFigures, cycle_id: UUID, unit_pacing: PacingSetting | None
    ) -> Decimal:
        """The KR's expected progress by its curve (its own, its objective's owner unit's
        default, the organization's: ``domain.pacing.judge_pacing``). A ``learned`` setting
        reads its default curve here: learning needs the history, which the figures of a
        whole cycle do not read."""
        cycle = self._cycles[cycle_id]
        judged = judge_pacing(
            f.pacing,
            unit_pacing,
            self._org.pacing,
            start=f.start,
            target=f.target,
            start_date=cycle.start_date,
            end_date=cycle.end_date,
        )
        elapsed = elapsed_fraction(cycle.start_date, cycle.end_date, self._today)
        return curve_progress(judged.curve, elapsed)

    def objective_expected(
        self, cycle_id: UUID, paced: PacedProgress | None, unit_pacing: PacingSetting | None
    ) -> Decimal:
        """An objective's expected progress: the weighted mean of its KRs' by their curves
        (``domain.tracks.pooled_expected_progress``); the straight line without KRs that
        weigh (``paced`` None: a roll-up). A ``learned`` setting reads its default curve,
        as in :meth:`key_result_expected`."""
        straight = self._expected[cycle_id]
        if paced is None:
            return straight
        inherited = self._inherited(cycle_id, unit_pacing)
        if not paced.own_curves and paced.weight > 0:
            # Every KR inherits one curve: their weighted mean is that curve's figure
            # (most objectives of a 10,000-node tree; the general sum below is exact too).
            return inherited
        cycle = self._cycles[cycle_id]
        own = [
            (self._curve_at(cycle, c.pacing, unit_pacing, c.start, c.target), c.weight)
            for c in paced.own_curves
        ]
        return pooled_expected_progress(paced.weight, inherited, own, straight)

    def _inherited(self, cycle_id: UUID, unit_pacing: PacingSetting | None) -> Decimal:
        """The expected progress of a KR without a curve of its own: the same for every such
        KR of a unit in a cycle (a default is never a schedule: no start or target needed),
        so computed once per pair, not per objective of a 10,000-node tree."""
        key = (cycle_id, unit_pacing)
        found = self._inherited_memo.get(key)
        if found is None:
            cycle = self._cycles[cycle_id]
            found = self._curve_at(cycle, None, unit_pacing, ZERO, ONE)
            self._inherited_memo[key] = found
        return found

    def _curve_at(
        self,
        cycle: Cycle,
        own: PacingSetting | None,
        unit_pacing: PacingSetting | None,
        start: Decimal,
        target: Decimal,
    ) -> Decimal:
        judged = judge_pacing(
            own,
            unit_pacing,
            self._org.pacing,
            start=start,
            target=target,
            start_date=cycle.start_date,
            end_date=cycle.end_date,
        )
        return curve_progress(
            judged.curve, elapsed_fraction(cycle.start_date, cycle.end_date, self._today)
        )

    def score(
        self,
        cycle_id: UUID,
        progress: Decimal | None,
        ambition: Ambition = Ambition.ASPIRATIONAL,
        *,
        expected: Decimal | None = None,
    ) -> Score:
        """The figure graded by the thresholds of its objective's ``ambition``, judged
        against ``expected`` (default: the straight line of its cycle)."""
        if expected is None:
            expected = self._expected[cycle_id]
        if progress is None:
            return Score(None, None, None, expected)
        settings = self._org.scoring
        return Score(
            progress,
            grade_for(progress, ambition, self._ambitions),
            track_status(progress, expected, settings),
            expected,
        )


def _tree_node(
    branch: Branch,
    nodes: Mapping[UUID, ObjectiveNode],
    progress: NodeProgress,
    scorer: _Scorer,
    expected: Mapping[UUID, Decimal],
    *,
    is_root: bool,
) -> TreeNode:
    node = nodes[branch.id]
    link = None
    if not is_root:
        link = Link.CONTRIBUTES if node.parent_key_result_id is not None else Link.ALIGNED
    value = progress.values.get(node.id)
    return TreeNode(
        objective=node,
        depth=branch.depth,
        link=link,
        score=scorer.score(node.cycle_id, value, node.ambition, expected=expected.get(node.id)),
        rolled_up=node.id in progress.from_aligned,
        children=[
            _tree_node(c, nodes, progress, scorer, expected, is_root=False) for c in branch.children
        ],
    )


# -- the path ------------------------------------------------------------------------------


async def alignment_path(
    deps: Deps, principal: Principal, objective_id: UUID, *, as_of: AsOf | None = None
) -> AlignmentPath:
    """From an objective up through what it serves to the top (the company objective),
    each with its KRs and scores; it stops below an objective the caller may not see."""
    ensure_can_read_okrs(principal)
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        now = deps.clock.now()
        at = resolve_as_of(as_of, org, now)
        # Audited below with the whole path shown: one event per read.
        await visible_objective_at(uow, principal, objective_id, at, audit=False)
        parents = await uow.objectives.alignment_ancestors(org.id, objective_id)
        chain = walk_up(objective_id, parents.get)
        found = await uow.objectives.get_many(org.id, chain)
        seen = {o.id for o in await visible_among(uow, principal, found.values(), audit=False)}
        # The path stops below the first objective the caller may not see.
        shown = list(takewhile(lambda step: step in seen, chain))
        path = [found[step] for step in shown]
        views = await view_objectives(uow, org, path, now, viewer_of(principal), as_of=at)
        await note_private_reads(uow, principal, path)
        # A read in a transaction: committing keeps that audit event (COMMIT instead of
        # the ROLLBACK that would close it: no statement more).
        await uow.commit()
    return AlignmentPath(objective_id, views, hidden_above=len(shown) < len(chain))


class _CycleRead(NamedTuple):
    org: Organization
    at: datetime | None  # the as_of instant asked for; None for now
    instant: datetime  # the instant read: as_of or now
    cycle: Cycle
    viewer: Viewer
    nodes: list[ObjectiveNode]  # the cycle's objectives (nested cycles too) the viewer sees


async def _read_cycle(
    deps: Deps, uow: UnitOfWork, principal: Principal, cycle_id: UUID, as_of: AsOf | None
) -> _CycleRead:
    """What every per-cycle figure starts from: the organization, the instant, the cycle and
    the objectives of it the caller may see (hidden ones count in nothing they are shown)."""
    org = await organization_of(uow, principal)
    now = deps.clock.now()
    at = resolve_as_of(as_of, org, now)
    instant = at or now
    cycle = await _cycle(uow, org.id, cycle_id)
    viewer = viewer_of(principal)
    found = await uow.alignment.cycle_nodes(org.id, cycle.id, viewer=viewer, as_of=instant)
    return _CycleRead(org, at, instant, cycle, viewer, [n for n in found if n.visible])


def _counted(nodes: Iterable[ObjectiveNode]) -> list[ObjectiveNode]:
    """The objectives that count in a figure: no drafts, nothing archived."""
    return [n for n in nodes if counts_in_figures(n.status)]


# -- unit and company scores ---------------------------------------------------------------


async def unit_scores(
    deps: Deps, principal: Principal, cycle_id: UUID, *, as_of: AsOf | None = None
) -> UnitScores:
    """Per unit: the weighted mean of its objectives' scores (each weighs 1), alone and with
    every unit below it, with the count behind each figure; and the company's figure."""
    ensure_can_read_okrs(principal)
    async with deps.read_models() as uow:
        org, at, instant, cycle, viewer, read = await _read_cycle(
            deps, uow, principal, cycle_id, as_of
        )
        nodes = _counted(read)
        progress = await node_progress(
            uow, org, nodes, viewer=viewer, as_of=instant, subtrees_loaded=True
        )
        units, memberships = _within_scope(
            principal,
            await uow.alignment.units(org.id),
            await uow.alignment.unit_memberships(org.id),
        )
    owned = _objectives_by_unit(nodes, memberships)
    below = _units_below(units)
    result = []
    for unit in units:
        own = owned.get(unit.id, [])
        total = [o for u in below[unit.id] for o in owned.get(u, [])]
        result.append(
            UnitScore(unit, _figure(own, progress.values), _figure(total, progress.values))
        )
    company = _figure([n.id for n in nodes], progress.values)
    await audit_private_reads(deps, principal, nodes)
    return UnitScores(cycle, at, company, result)


def _within_scope(
    principal: Principal,
    units: Sequence[OrgUnit],
    memberships: Sequence[tuple[UUID, UUID]],
) -> tuple[list[OrgUnit], list[tuple[UUID, UUID]]]:
    """The units (and their memberships) a client limited to a unit subtree may see: its
    subtree only (a review found unit scores and coverage listing every unit, with member
    counts, to such a client); everything for anyone else."""
    if principal.unit_scope is None:
        return list(units), list(memberships)
    keep = set(_units_below(units).get(principal.unit_scope, ()))
    return [u for u in units if u.id in keep], [(u, m) for u, m in memberships if u in keep]


def _objectives_by_unit(
    nodes: Iterable[ObjectiveNode], memberships: Iterable[tuple[UUID, UUID]]
) -> dict[UUID, list[UUID]]:
    """A unit's objectives: owned by the unit, or by one of its members (a member in two
    units counts in both)."""
    units_of: dict[UUID, list[UUID]] = {}
    for unit_id, member_id in memberships:
        units_of.setdefault(member_id, []).append(unit_id)
    owned: dict[UUID, list[UUID]] = {}
    for node in nodes:
        if node.owner_kind is OwnerKind.UNIT:
            owned.setdefault(node.owner_id, []).append(node.id)
        else:
            for unit_id in units_of.get(node.owner_id, ()):
                owned.setdefault(unit_id, []).append(node.id)
    return owned


def _units_below(units: Sequence[OrgUnit]) -> dict[UUID, list[UUID]]:
    """Each unit with every unit under it (itself included)."""
    children: dict[UUID, list[UUID]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.id)
    below: dict[UUID, list[UUID]] = {}
    for unit in units:
        seen: dict[UUID, None] = {}  # ordered, with O(1) membership
        stack = [unit.id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen[current] = None
            stack.extend(children.get(current, ()))
        below[unit.id] = list(seen)
    return below


def _figure(objective_ids: Iterable[UUID], progress: Mapping[UUID, Decimal | None]) -> Figure:
    scored = [p for o in dict.fromkeys(objective_ids) if (p := progress.get(o)) is not None]
    return Figure(weighted_mean((p, ONE) for p in scored), len(scored))


# -- coverage ------------------------------------------------------------------------------


async def alignment_coverage(deps: Deps, principal: Principal, cycle_id: UUID) -> Coverage:
    """Per unit: the share of its objectives that align upward, and the share of its
    members with at least one objective in the cycle (objectives the caller may see)."""
    ensure_can_read_okrs(principal)
    async with deps.uow() as uow:
        org, _, _, cycle, _, read = await _read_cycle(deps, uow, principal, cycle_id, None)
        nodes = _counted(read)
        units, memberships = _within_scope(
            principal,
            await uow.alignment.units(org.id),
            await uow.alignment.unit_memberships(org.id),
        )
        everyone = await uow.alignment.active_member_ids(org.id)
    if principal.unit_scope is not None:  # the organization's size is not the subtree's
        everyone = list({m for _, m in memberships})
    by_id = {n.id: n for n in nodes}
    await audit_private_reads(deps, principal, nodes)
    owned = _objectives_by_unit(nodes, memberships)
    owners = {n.owner_id for n in nodes if n.owner_kind is OwnerKind.MEMBER}
    members_of: dict[UUID, list[UUID]] = {}
    for unit_id, member_id in memberships:
        members_of.setdefault(unit_id, []).append(member_id)
    rows = [
        _coverage(
            unit, [by_id[o] for o in owned.get(unit.id, [])], members_of.get(unit.id, []), owners
        )
        for unit in units
    ]
    company_unit = next((u for u in units if u.parent_id is None), None)
    company = _coverage(company_unit, nodes, everyone, owners) if company_unit is not None else None
    return Coverage(cycle, company, rows)


def _coverage(
    unit: OrgUnit,
    objectives: Sequence[ObjectiveNode],
    members: Sequence[UUID],
    owners: set[UUID],
) -> UnitCoverage:
    below_company = [o for o in objectives if o.level is not Level.COMPANY]
    aligned = sum(
        1
        for o in below_company
        if aligns_upward(o.level, o.parent_objective_id, o.parent_key_result_id)
    )
    with_objectives = sum(1 for m in set(members) if m in owners)
    return UnitCoverage(
        unit=unit,
        objectives=len(below_company),
        aligned=aligned,
        aligned_share=share(aligned, len(below_company)),
        members=len(set(members)),
        members_with_objectives=with_objectives,
        members_share=share(with_objectives, len(set(members))),
    )


# -- cycle stats ---------------------------------------------------------------------------


async def cycle_stats(
    deps: Deps,
    principal: Principal,
    cycle_id: UUID,
    *,
    unit_id: UUID | None = None,
    as_of: AsOf | None = None,
) -> CycleStats:
    """For a retrospective (复盘): objectives and KRs by grade and status, the share of units
    and members with OKRs, and check-in activity per week; for the cycle or one unit (with
    the units below it)."""
    ensure_can_read_okrs(principal)
    async with deps.read_models() as uow:
        org, at, instant, cycle, viewer, read = await _read_cycle(
            deps, uow, principal, cycle_id, as_of
        )
        units, memberships = _within_scope(
            principal,
            await uow.alignment.units(org.id),
            await uow.alignment.unit_memberships(org.id),
        )
        if principal.unit_scope is not None:
            # A client limited to a subtree gets the stats of that subtree (or of a unit in
            # it): the organization's shares would tell the size of what it may not see.
            if unit_id is not None and unit_id not in {u.id for u in units}:
                raise NotFound("unit not found")
            unit_id = unit_id or principal.unit_scope
        scope_units = _scope_units(units, unit_id)
        owned = _objectives_by_unit(read, memberships)
        if unit_id is not None:
            in_scope = {o for u in scope_units for o in owned.get(u, [])}
            read = [n for n in read if n.id in in_scope]
            members = sorted({m for u, m in memberships if u in set(scope_units)})
        else:
            members = list(await uow.alignment.active_member_ids(org.id))
        # Drafts and archived objectives show in the count by state, and in nothing else.
        by_state = Counter(str(n.status) for n in read)
        nodes = _counted(read)
        owned = _objectives_by_unit(nodes, memberships)
        progress = await node_progress(
            uow, org, nodes, viewer=viewer, as_of=instant, subtrees_loaded=True, key_results=True
        )
        figures = progress.figures
        counts = await uow.alignment.check_in_weeks(
            org.id,
            [n.id for n in nodes],
            starts_on=cycle.start_date,
            ends_on=cycle.end_date,
            time_zone=org.time_zone,
            as_of=instant,
        )
        cycles = await uow.cycles.get_many(org.id, list({n.cycle_id for n in nodes} | {cycle.id}))
    # Drafts count in the tally by state: every objective read is audited.
    await audit_private_reads(deps, principal, read)
    today = local_today(org, instant)
    scorer = _Scorer(org, cycles, today)
    cycle_of = {n.id: n.cycle_id for n in nodes}
    ambition_of = {n.id: n.ambition for n in nodes}
    # Each KR judged by its curve, each objective by its KRs' (DOMAIN.md "Sales pacing").
    kr_expected = _key_results_expected(scorer, nodes, figures, units)
    objective_expected = _objectives_expected(scorer, nodes, figures, kr_expected)
    objective_scores = [
        scorer.score(
            n.cycle_id, progress.values.get(n.id), n.ambition, expected=objective_expected[n.id]
        )
        for n in nodes
    ]
    kr_scores = [
        # A graded KR reads "scored", as on the KR itself (domain.scoring.kr_track_status).
        s._replace(status=TrackStatus.SCORED) if f.final_score is not None else s
        for f in figures
        for s in [
            scorer.score(
                cycle_of[f.objective_id],
                figure_score(f),
                ambition_of[f.objective_id],
                expected=kr_expected[f.id],
            )
        ]
    ]
    owners = {n.owner_id for n in nodes if n.owner_kind is OwnerKind.MEMBER}
    units_with = sum(
        1 for u in scope_units if owned.get(u) and any(o in cycle_of for o in owned[u])
    )
    members_with = sum(1 for m in members if m in owners)
    return CycleStats(
        cycle=cycle,
        unit_id=unit_id,
        as_of=at,
        objectives=len(nodes),
        objectives_by_grade=_tally((s.grade for s in objective_scores), Grade),
        objectives_by_status=_tally((s.status for s in objective_scores), TrackStatus),
        objectives_by_state=dict(by_state),
        key_results=len(figures),
        key_results_by_grade=_tally((s.grade for s in kr_scores), Grade),
        key_results_by_status=_tally((s.status for s in kr_scores), TrackStatus),
        units_with_objectives=units_with,
        units=len(scope_units),
        units_share=share(units_with, len(scope_units)),
        members_with_objectives=members_with,
        members=len(members),
        members_share=share(members_with, len(members)),
        weeks=_weeks(counts, cycle, today),
        committed=committed_counts(nodes, progress.values, org),
    )


def _key_results_expected(
    scorer: _Scorer,
    nodes: Sequence[ObjectiveNode],
    figures: Iterable[KeyResultFigures],
    units: Sequence[OrgUnit],
) -> dict[UUID, Decimal]:
    """Each KR's expected progress by its curve; its objective's owner unit's default comes
    from the units already read (no statement)."""
    unit_pacing = {u.id: u.pacing for u in units}
    node_of = {n.id: n for n in nodes}

    def unit_of(node: ObjectiveNode) -> PacingSetting | None:
        return unit_pacing.get(node.owner_id) if node.owner_kind is OwnerKind.UNIT else None

    return {
        f.id: scorer.key_result_expected(
            f, node_of[f.objective_id].cycle_id, unit_of(node_of[f.objective_id])
        )
        for f in figures
    }


def _objectives_expected(
    scorer: _Scorer,
    nodes: Sequence[ObjectiveNode],
    figures: Iterable[KeyResultFigures],
    kr_expected: Mapping[UUID, Decimal],
) -> dict[UUID, Decimal]:
    """Each objective's expected progress: the weighted mean of its KRs' (the weights of
    its progress); the straight line for one without KRs that weigh (a roll-up)."""
    pairs: dict[UUID, list[tuple[Decimal, Decimal]]] = {}
    for f in figures:
        pairs.setdefault(f.objective_id, []).append((kr_expected[f.id], f.weight))
    return {
        n.id: objective_expected_progress(pairs.get(n.id, ()), scorer.straight_line(n.cycle_id))
        for n in nodes
    }


def committed_counts(
    nodes: Iterable[ObjectiveNode], progress: Mapping[UUID, Decimal | None], org: Organization
) -> CommitmentStats:
    """Committed objectives met and missed, each judged by its progress as read (a KR's
    final score counts in it once set). An open objective counts too: "met" means it has
    reached the committed green threshold, "missed" that it has not (yet); one with nothing
    to measure has met nothing."""
    zero = Decimal(0)
    scored = [
        (n.ambition, p if (p := progress.get(n.id)) is not None else zero)
        for n in {n.id: n for n in nodes}.values()
    ]
    return commitment_stats(scored, ambition_settings(org.scoring))


def _scope_units(units: Sequence[OrgUnit], unit_id: UUID | None) -> list[UUID]:
    if unit_id is None:
        return [u.id for u in units]
    below = _units_below(units)
    if unit_id not in below:
        raise NotFound("unit not found")
    return below[unit_id]


def _tally(values: Iterable[StrEnum | None], kinds: type[StrEnum]) -> dict[str, int]:
    counted = Counter(str(v) if v is not None else "none" for v in values)
    return {**{str(k): 0 for k in kinds}, "none": 0, **counted}


def _weeks(counts: Mapping[int, tuple[int, int]], cycle: Cycle, today: date) -> list[WeekActivity]:
    """Every week of the cycle up to today (or its end), zeros included: a quiet week is a
    finding in a retrospective, not a gap in the data."""
    last = min(cycle.end_date, today)
    weeks = max(0, (last - cycle.start_date).days // 7 + 1)
    return [
        WeekActivity(
            week=n,
            starts_on=cycle.start_date + timedelta(days=7 * (n - 1)),
            check_ins=counts.get(n, (0, 0))[0],
            key_results_updated=counts.get(n, (0, 0))[1],
        )
        for n in range(1, weeks + 1)
    ]
