"""The alignment reads in the graph: the tree of a cycle, unit and company scores, coverage and
cycle stats, and the ``alignmentTree``, ``unitScores``, ``alignmentCoverage`` and
``cycleStats`` queries, over the use cases REST calls too (``service.alignment``; no rule is
written here).

Unit scores and coverage are the shapes of ``api.alignment.shapes``; only what GraphQL adds
is here: the cycle read and each unit as GraphQL's ``Cycle`` and ``OrgUnit``, and a unit's
rank as the ``UnitKind`` enum. The tree and the stats are GraphQL's own documents (see the
shapes' module):

A client cannot select a tree of any depth, so the tree is a flat list of nodes in
depth-first order, each naming its parent in the tree (``parentId``) and its ``depth``.
Trees reach ten thousand nodes: each node is a plain object built once from the use case's
named tuple, its scalars cost nothing more; only ``objective`` loads, through the request's
objective DataLoader (one batch for every node of the tree).

``asOf`` (time travel) reads the scores as they stood then; what a field loads through the
request's DataLoaders (a tree node's ``objective``) is read as it stands now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, TypeVar
from uuid import UUID

import strawberry

from api.alignment.shapes import (
    CYCLE_READ,
    EVERY_UNIT,
    SHARE,
    CommittedCountsOut,
    CoverageOut,
    UnitCoverageOut,
    UnitScoreOut,
    UnitScoresOut,
    WeekOut,
)
from api.cycles.graphql import Cycle
from api.graphql.as_of import AS_OF, parse_as_of
from api.graphql.context import Info
from api.graphql.enums import (
    Grade,
    Level,
    Link,
    ObjectiveStatus,
    OwnerKind,
    TrackStatus,
    UnitKind,
    Visibility,
)
from api.graphql.fields import field
from api.objectives.graphql import Objective
from api.units.graphql import OrgUnit
from service import alignment

E = TypeVar("E", bound=StrEnum)

THE_UNIT = "The unit itself."


# -- the tree ------------------------------------------------------------------------------


@strawberry.type(
    description="An objective as a node of an alignment tree, with its scores as of the "
    "tree's `asOf`."
)
class AlignmentNode:
    id: UUID = strawberry.field(description="The objective's id.")
    parent_id: UUID | None = strawberry.field(
        description="Its parent in this tree (the objective it serves); null for a root."
    )
    depth: int = strawberry.field(description="0 for a root of this tree.")
    link: Link | None = strawberry.field(
        description="How it hangs under its parent: ALIGNED to the objective, or CONTRIBUTES "
        "to one of its KRs (`viaKeyResultId`); null for a root."
    )
    via_key_result_id: UUID | None = strawberry.field(
        description="The parent's KR it contributes to, when `link` is CONTRIBUTES."
    )
    cycle_id: UUID = strawberry.field(
        description="Its cycle: the tree's, or one nested in it (a year's quarters)."
    )
    title: str = strawberry.field(description="The objective's title.")
    level: Level = strawberry.field(description="Company, department, team or individual.")
    status: ObjectiveStatus = strawberry.field(description="Its state (draft, active...).")
    visibility: Visibility = strawberry.field(description="Public, or private to its owner's line.")
    owner_kind: OwnerKind = strawberry.field(description="A member or a unit owns it.")
    owner_id: UUID = strawberry.field(description="The member or unit owning it (`ownerKind`).")
    progress: Decimal | None = strawberry.field(
        description="The weighted mean of its KRs' scores (or, rolled up, of the objectives "
        "aligned to it that you may see); null while there is nothing to measure."
    )
    grade: Grade | None = strawberry.field(description="The progress's colour; null with it.")
    track_status: TrackStatus | None = strawberry.field(
        description="The progress against `expectedProgress`; null with the progress."
    )
    expected_progress: Decimal = strawberry.field(
        description="The elapsed share of its cycle, in the organization's time zone."
    )
    rolled_up: bool = strawberry.field(
        description="The progress comes from the objectives aligned to it (those you may see)."
    )

    @field(
        description="The whole objective (KRs, owner, links) through the request's objective "
        "loader: one batch for every node of the tree. It reads the objective as it stands "
        "now, not as of the tree's `asOf`."
    )
    async def objective(self, info: Info) -> Objective | None:
        found = await info.context.loaders.objective.load(self.id)
        return Objective.of(found) if found is not None else None


def _node(n: alignment.TreeNode, parent_id: UUID | None) -> AlignmentNode:
    o = n.objective
    s = n.score
    return AlignmentNode(
        id=o.id,
        parent_id=parent_id,
        depth=n.depth,
        link=n.link,
        via_key_result_id=o.parent_key_result_id if n.link is Link.CONTRIBUTES else None,
        cycle_id=o.cycle_id,
        title=o.title,
        level=o.level,
        status=o.status,
        visibility=o.visibility,
        owner_kind=o.owner_kind,
        owner_id=o.owner_id,
        progress=s.progress,
        grade=s.grade,
        track_status=s.status,
        expected_progress=s.expected_progress,
        rolled_up=n.rolled_up,
    )


def flatten(roots: Iterable[alignment.TreeNode]) -> list[AlignmentNode]:
    """The tree depth first (a node, then its subtrees in order), without recursion: an
    alignment chain may be deeper than Python's stack."""
    out: list[AlignmentNode] = []
    stack: list[tuple[alignment.TreeNode, UUID | None]] = [(r, None) for r in reversed(list(roots))]
    while stack:
        node, parent_id = stack.pop()
        out.append(_node(node, parent_id))
        stack.extend((c, node.objective.id) for c in reversed(node.children))
    return out


@strawberry.type(
    description="The objectives of a cycle (and of the cycles nested in it) nested by "
    "alignment, flattened depth first: each node names its parent in the tree and its depth."
)
class AlignmentTree:
    cycle_id: UUID = strawberry.field(description="The cycle read.")
    cycle: Cycle = strawberry.field(description="The cycle read.")
    as_of: datetime | None = strawberry.field(description="The instant read; null for now.")
    root_id: UUID | None = strawberry.field(
        description="The objective the tree starts from; null for the whole cycle."
    )
    depth: int | None = strawberry.field(description="Levels kept below the roots; null for all.")
    count: int = strawberry.field(description="Nodes in the tree.")
    nodes: list[AlignmentNode] = strawberry.field(
        description="Every node, depth first: a root, its subtree, the next root..."
    )

    @classmethod
    def of(cls, t: alignment.AlignmentTree) -> AlignmentTree:
        return cls(
            cycle_id=t.cycle.id,
            cycle=Cycle.of(t.cycle),
            as_of=t.as_of,
            root_id=t.root_id,
            depth=t.max_depth,
            count=t.count,
            nodes=flatten(t.roots),
        )


# -- unit and company scores ---------------------------------------------------------------


@strawberry.pydantic.type(description="An org unit's score, alone and with every unit below it.")
class UnitScore(UnitScoreOut):
    kind: Annotated[UnitKind, strawberry.field(description="The unit's rank.")]
    unit: Annotated[OrgUnit, strawberry.field(description=THE_UNIT)]


@strawberry.pydantic.type(
    description="Per unit, the mean of its objectives' scores, and the company's figure. "
    "Objectives you may not see count for nothing (no hidden score can be recovered by "
    "subtraction); objectives without KRs count only when they roll up."
)
class UnitScores(UnitScoresOut):
    cycle: Annotated[Cycle, strawberry.field(description=CYCLE_READ)]
    units: Annotated[Sequence[UnitScore], strawberry.field(description=EVERY_UNIT)]


# The published schema lists ``cycle`` right after ``cycleId``, not after the shape's fields.


# -- coverage ------------------------------------------------------------------------------


@strawberry.pydantic.type(
    description="How much of a unit is aligned: its objectives that align upward, and its "
    "members with objectives."
)
class UnitCoverage(UnitCoverageOut):
    unit: Annotated[OrgUnit, strawberry.field(description=THE_UNIT)]


@strawberry.pydantic.type(
    description="Alignment coverage per unit, over the objectives you may see."
)
class AlignmentCoverage(CoverageOut):
    cycle: Annotated[Cycle, strawberry.field(description=CYCLE_READ)]
    company: Annotated[
        UnitCoverage | None,
        strawberry.field(
            description="The company unit over every objective and active member; null "
            "without a company unit."
        ),
    ]
    units: Annotated[Sequence[UnitCoverage], strawberry.field(description=EVERY_UNIT)]


# -- cycle stats ---------------------------------------------------------------------------


@strawberry.type(description="How many have a grade.")
class GradeCount:
    grade: Grade | None = strawberry.field(
        description="null: nothing to measure (an objective without KRs)."
    )
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="How many have a track status.")
class TrackStatusCount:
    track_status: TrackStatus | None = strawberry.field(
        description="null: nothing to measure (an objective without KRs)."
    )
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="How many objectives are in a state.")
class ObjectiveStatusCount:
    status: ObjectiveStatus = strawberry.field(description="The state.")
    count: int = strawberry.field(description="How many objectives.")


def _counts(tally: Mapping[str, int], kinds: type[E]) -> list[tuple[E | None, int]]:
    """Every kind in its order, zeros included, then ``None`` ("none": nothing to measure)
    when the tally has that key."""
    pairs: list[tuple[E | None, int]] = [(k, tally.get(str(k), 0)) for k in kinds]
    if "none" in tally:
        pairs.append((None, tally["none"]))
    return pairs


def _by_grade(tally: Mapping[str, int]) -> list[GradeCount]:
    return [GradeCount(grade=g, count=n) for g, n in _counts(tally, Grade)]


def _by_status(tally: Mapping[str, int]) -> list[TrackStatusCount]:
    return [TrackStatusCount(track_status=s, count=n) for s, n in _counts(tally, TrackStatus)]


@strawberry.type(
    description="A retrospective (复盘) of a cycle, or of one unit with the units below it: "
    "objectives and KRs by grade and track status, objectives by state, the share of units "
    "and members with OKRs, and check-ins per week (over what you may see)."
)
class CycleStats:
    cycle_id: UUID = strawberry.field(description="The cycle read.")
    cycle: Cycle = strawberry.field(description="The cycle read.")
    unit_id: UUID | None = strawberry.field(
        description="The unit the stats are for (with the units below it); null: the cycle."
    )
    as_of: datetime | None = strawberry.field(description="The instant read; null for now.")
    objectives: int = strawberry.field(description="Objectives in scope that you may see.")
    objectives_by_grade: list[GradeCount] = strawberry.field(
        description="RED, YELLOW, GREEN, then null (nothing to measure), zeros included."
    )
    objectives_by_track_status: list[TrackStatusCount] = strawberry.field(
        description="ON_TRACK, AT_RISK, OFF_TRACK, then null (nothing to measure), zeros included."
    )
    objectives_by_state: list[ObjectiveStatusCount] = strawberry.field(
        description="Every state, zeros included."
    )
    key_results: int = strawberry.field(description="Their key results.")
    key_results_by_grade: list[GradeCount] = strawberry.field(
        description="By the KR's score: RED, YELLOW, GREEN, then null (always 0 for KRs)."
    )
    key_results_by_track_status: list[TrackStatusCount] = strawberry.field(
        description="ON_TRACK, AT_RISK, OFF_TRACK, then null (always 0 for KRs)."
    )
    units_with_objectives: int = strawberry.field(
        description="Units in scope owning, or with members owning, an objective."
    )
    units: int = strawberry.field(description="Units in scope.")
    units_share: Decimal | None = strawberry.field(
        description="unitsWithObjectives / units; " + SHARE
    )
    members_with_objectives: int = strawberry.field(
        description="Members in scope owning an objective."
    )
    members: int = strawberry.field(description="Active members in scope.")
    members_share: Decimal | None = strawberry.field(
        description="membersWithObjectives / members; " + SHARE
    )
    weeks: list[WeekOut] = strawberry.field(
        description="Every week of the cycle up to today (or its end), quiet weeks included."
    )
    committed: CommittedCountsOut = strawberry.field(
        description="Committed objectives met and missed (aspirational ones do not count)."
    )

    @classmethod
    def of(cls, s: alignment.CycleStats) -> CycleStats:
        return cls(
            cycle_id=s.cycle.id,
            cycle=Cycle.of(s.cycle),
            unit_id=s.unit_id,
            as_of=s.as_of,
            objectives=s.objectives,
            objectives_by_grade=_by_grade(s.objectives_by_grade),
            objectives_by_track_status=_by_status(s.objectives_by_status),
            objectives_by_state=[
                ObjectiveStatusCount(status=k, count=s.objectives_by_state.get(str(k), 0))
                for k in ObjectiveStatus
            ],
            key_results=s.key_results,
            key_results_by_grade=_by_grade(s.key_results_by_grade),
            key_results_by_track_status=_by_status(s.key_results_by_status),
            units_with_objectives=s.units_with_objectives,
            units=s.units,
            units_share=s.units_share,
            members_with_objectives=s.members_with_objectives,
            members=s.members,
            members_share=s.members_share,
            weeks=[WeekOut.model_validate(w) for w in s.weeks],
            committed=CommittedCountsOut.of(s.committed),
        )


# -- queries ------------------------------------------------------------------------------


@strawberry.type
class AlignmentQuery:
    @field(
        description="Every objective of the cycle and of the cycles nested in it (a year's "
        "quarters), nested under the objective it aligns to or whose KR it contributes to "
        "(`link`), each with its progress, grade and track status, flattened depth first "
        "(`parentId`, `depth`). `rootId` starts from one objective (and follows its subtree "
        "into any cycle); `depth` cuts the tree (0: the roots alone). An objective you may "
        "not see is left out with its subtree. The same few SQL statements whatever the "
        "size of the tree (and one batch more for the nodes' `objective`)."
    )
    async def alignment_tree(
        self,
        info: Info,
        cycle_id: UUID,
        root_id: Annotated[
            UUID | None, strawberry.argument(description="Start from this objective.")
        ] = None,
        depth: Annotated[
            int | None,
            strawberry.argument(description="Levels kept below the roots (0 or more)."),
        ] = None,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> AlignmentTree:
        ctx = info.context
        tree = await alignment.alignment_tree(
            ctx.deps,
            ctx.principal,
            cycle_id,
            root_id=root_id,
            depth=depth,
            as_of=parse_as_of(as_of),
        )
        return AlignmentTree.of(tree)

    @field(
        description="For each org unit: the mean of its objectives' scores (owned by the "
        "unit or its members; each objective weighs 1) alone (`own`) and with every unit "
        "below it (`total`), with the count behind each figure; and the company's figure "
        "over every objective of the cycle. Objectives you may not see count for nothing; "
        "objectives without KRs count only when they roll up."
    )
    async def unit_scores(
        self,
        info: Info,
        cycle_id: UUID,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> UnitScores:
        ctx = info.context
        scores = await alignment.unit_scores(
            ctx.deps, ctx.principal, cycle_id, as_of=parse_as_of(as_of)
        )
        return UnitScores.of(scores)

    @field(
        description="For each org unit: the share of its non-company objectives that align "
        "to something above them, and the share of its active members with at least one "
        "objective in the cycle (objectives you may see)."
    )
    async def alignment_coverage(self, info: Info, cycle_id: UUID) -> AlignmentCoverage:
        ctx = info.context
        return AlignmentCoverage.of(
            await alignment.alignment_coverage(ctx.deps, ctx.principal, cycle_id)
        )

    @field(
        description="A retrospective (复盘): objectives and KRs by grade and track status, "
        "objectives by state, the share of units and members with OKRs, and check-ins per "
        "week of the cycle (quiet weeks included); for the whole cycle or one unit with the "
        "units below it (`unitId`)."
    )
    async def cycle_stats(
        self,
        info: Info,
        cycle_id: UUID,
        unit_id: Annotated[
            UUID | None,
            strawberry.argument(description="Only this unit, with the units below it."),
        ] = None,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> CycleStats:
        ctx = info.context
        stats = await alignment.cycle_stats(
            ctx.deps, ctx.principal, cycle_id, unit_id=unit_id, as_of=parse_as_of(as_of)
        )
        return CycleStats.of(stats)
