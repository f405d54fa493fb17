"""The shapes of the alignment reads (对齐): tree, path, unit scores, coverage, cycle stats.

The unit scores and coverage are one shape for both adapters: ``FigureOut`` (GraphQL's
``ScoreFigure``) and ``WeekOut`` (``WeekActivity``) as they are, ``UnitScoresOut`` and
``CoverageOut`` with their parts the bases of GraphQL's types (``api.alignment.graphql`` adds
the cycle and unit edges). Each reads the use case's result by name; a unit's figures read
their unit's id and name from the unit.

Two reads keep a shape per adapter, because they are different documents, not different
spellings: the tree is nested in REST and written straight to JSON from plain dicts
(:func:`tree_json`, ten thousand nodes; the models here describe it for OpenAPI), while
GraphQL, which cannot select a tree of any depth, serves it flattened; and REST's cycle stats
count by key (``{"red": 1}``) where GraphQL lists every kind with its count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

import orjson
import strawberry
from pydantic import BaseModel, Field, model_validator

from api.objectives.shapes import ObjectiveOut, Owner
from api.shapes import Output
from domain.ambition import CommitmentStats
from domain.okrs import Level, ObjectiveStatus, Visibility
from domain.scoring import Grade, TrackStatus
from service import alignment
from service.alignment import AlignmentPath, AlignmentTree, CycleStats, Link, TreeNode

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
SHARE = "0 to 1, four decimal places; null when there is nothing to divide by."
CYCLE_READ = "The cycle read."
INSTANT_READ = "The instant read; null for now."
EVERY_UNIT = "Every org unit."


# -- the tree (REST's document) ------------------------------------------------------------


class TreeNodeOut(BaseModel):
    id: UUID
    cycle_id: UUID
    title: str = Field(examples=["Win 200 new customers"])
    level: Level
    status: ObjectiveStatus
    visibility: Visibility
    owner: Owner
    depth: int = Field(examples=[1], description="0 for a root of this tree")
    link: Link | None = Field(
        examples=["contributes"],
        description="How it hangs under its parent: `aligned` to the objective, or "
        "`contributes` to one of its KRs (`via_key_result_id`); null for a root.",
    )
    via_key_result_id: UUID | None
    progress: Decimal | None = Field(examples=["0.6125"])
    grade: Grade | None = Field(examples=["yellow"])
    track_status: TrackStatus | None = Field(examples=["on_track"])
    expected_progress: Decimal = Field(examples=["0.89"])
    rolled_up: bool = Field(description="The progress comes from the objectives aligned to it.")
    children: list[TreeNodeOut]


class AlignmentTreeOut(BaseModel):
    cycle_id: UUID
    as_of: datetime | None = Field(description="The instant read; null for now.")
    root_id: UUID | None
    depth: int | None
    count: int = Field(examples=[3], description="Nodes in the tree.")
    roots: list[TreeNodeOut]


def _node(n: TreeNode) -> dict[str, Any]:
    o = n.objective
    s = n.score
    return {
        "id": o.id,
        "cycle_id": o.cycle_id,
        "title": o.title,
        "level": o.level,
        "status": o.status,
        "visibility": o.visibility,
        "owner": {"kind": o.owner_kind, "id": o.owner_id},
        "depth": n.depth,
        "link": n.link,
        "via_key_result_id": o.parent_key_result_id if n.link is Link.CONTRIBUTES else None,
        "progress": None if s.progress is None else str(s.progress),
        "grade": s.grade,
        "track_status": s.status,
        "expected_progress": str(s.expected_progress),
        "rolled_up": n.rolled_up,
        "children": [_node(c) for c in n.children],
    }


def tree_json(tree: AlignmentTree) -> bytes:
    """The tree as JSON bytes, in the shape of :class:`AlignmentTreeOut`."""
    return orjson.dumps(
        {
            "cycle_id": tree.cycle.id,
            "as_of": tree.as_of,
            "root_id": tree.root_id,
            "depth": tree.max_depth,
            "count": tree.count,
            "roots": [_node(r) for r in tree.roots],
        },
        default=str,  # asyncpg's own UUID type (an untyped SQL expression's column)
        option=orjson.OPT_UTC_Z,  # "…Z", as pydantic prints UTC elsewhere in REST
    )


class AlignmentPathOut(BaseModel):
    objective_id: UUID = Field(examples=["01a209b4-22a0-764f-84e2-80f0bf395a35"])
    path: list[ObjectiveOut] = Field(
        description="The objective first, then each objective it serves, up to the top."
    )
    hidden_above: bool = Field(
        description="The path continues through an objective you may not see; it stops below it."
    )

    @classmethod
    def of(cls, p: AlignmentPath) -> AlignmentPathOut:
        return cls(
            objective_id=p.objective_id,
            path=[ObjectiveOut.of(v) for v in p.path],
            hidden_above=p.hidden_above,
        )


# -- unit and company scores ---------------------------------------------------------------


@strawberry.pydantic.type(
    name="ScoreFigure",
    description="A mean of objectives' scores and how many objectives are behind it.",
)
class FigureOut(Output):
    score: Decimal | None = Field(
        examples=["0.5833"],
        description="The mean of the objectives' scores, each weighing 1; null for none.",
    )
    objectives: int = Field(examples=[3], description="Objectives with a score behind it.")

    @model_validator(mode="before")
    @classmethod
    def _of_figure(cls, figure: Any) -> Any:
        # The use case's figure is a named tuple: read it by name, as an entity would be.
        return figure._asdict() if isinstance(figure, alignment.Figure) else figure


class UnitScoreOut(Output):
    unit_id: UUID = Field(description="The unit's id.")
    name: str = Field(examples=["Sales"], description="The unit's name.")
    kind: str = Field(examples=["department"])
    parent_id: UUID | None = Field(description="The unit above; null for the top.")
    own: FigureOut = Field(description="Objectives owned by the unit or by its members.")
    total: FigureOut = Field(description="The same with every unit below it.")

    @model_validator(mode="before")
    @classmethod
    def _of_unit(cls, score: Any) -> Any:
        if not isinstance(score, alignment.UnitScore):
            return score
        u = score.unit
        return {
            **vars(score),
            "unit_id": u.id,
            "name": u.name,
            "kind": u.kind,
            "parent_id": u.parent_id,
        }


class UnitScoresOut(Output):
    cycle_id: UUID = Field(examples=[_EXAMPLE_ID], description=CYCLE_READ)
    as_of: datetime | None = Field(description=INSTANT_READ)
    company: FigureOut = Field(description="Every objective of the cycle you may see.")
    units: Sequence[UnitScoreOut] = Field(description=EVERY_UNIT)

    @classmethod
    def of(cls, scores: alignment.UnitScores) -> Self:  # type: ignore[override]
        """The scores by name, with the id of the cycle read (and the cycle, for GraphQL)."""
        return cls.model_validate(
            {**vars(scores), "cycle_id": scores.cycle.id}, from_attributes=True
        )


# -- coverage ------------------------------------------------------------------------------


class UnitCoverageOut(Output):
    unit_id: UUID = Field(description="The unit's id.")
    name: str = Field(examples=["Sales"], description="The unit's name.")
    objectives: int = Field(examples=[4], description="Its non-company objectives.")
    aligned: int = Field(examples=[3], description="Of which align to something above.")
    aligned_share: Decimal | None = Field(
        examples=["0.75"], description="aligned / objectives; " + SHARE
    )
    members: int = Field(examples=[8], description="Its active members.")
    members_with_objectives: int = Field(
        examples=[6], description="Of which own at least one objective of the cycle."
    )
    members_share: Decimal | None = Field(
        examples=["0.75"], description="members with objectives / members; " + SHARE
    )

    @model_validator(mode="before")
    @classmethod
    def _of_unit(cls, coverage: Any) -> Any:
        if not isinstance(coverage, alignment.UnitCoverage):
            return coverage
        return {**vars(coverage), "unit_id": coverage.unit.id, "name": coverage.unit.name}


class CoverageOut(Output):
    cycle_id: UUID = Field(examples=[_EXAMPLE_ID], description=CYCLE_READ)
    company: UnitCoverageOut | None = Field(
        description="The company unit over every objective and active member; null without a "
        "company unit."
    )
    units: Sequence[UnitCoverageOut] = Field(description=EVERY_UNIT)

    @classmethod
    def of(cls, coverage: alignment.Coverage) -> Self:  # type: ignore[override]
        """The coverage by name, with the id of the cycle read (and the cycle, for GraphQL)."""
        return cls.model_validate(
            {**vars(coverage), "cycle_id": coverage.cycle.id}, from_attributes=True
        )


# -- cycle stats (REST's counts by key) ----------------------------------------------------


@strawberry.pydantic.type(
    name="WeekActivity", description="Check-in activity in one week of the cycle."
)
class WeekOut(Output):
    week: int = Field(examples=[6], description="1 for the cycle's first seven days.")
    starts_on: date = Field(description="Its first day.")
    check_ins: int = Field(examples=[42], description="Check-ins made that week.")
    key_results_updated: int = Field(examples=[30], description="KRs checked in on that week.")

    @model_validator(mode="before")
    @classmethod
    def _of_week(cls, week: Any) -> Any:
        # The use case's week is a named tuple: read it by name, as an entity would be.
        return week._asdict() if isinstance(week, alignment.WeekActivity) else week


@strawberry.pydantic.type(
    name="CommittedCounts",
    description="Committed objectives in scope, met or missed by their progress at the "
    "instant read (a KR's final score once set): met once it reaches the organization's "
    "`scoring` committed_yellow_below (default 1.0). An open objective counts too, so while "
    "the cycle runs `missed` means not met yet; one with nothing to measure is missed. "
    "Aspirational objectives are not counted.",
)
class CommittedCountsOut(Output):
    total: int = Field(examples=[4], description="Committed objectives: met + missed.")
    met: int = Field(examples=[3])
    missed: int = Field(examples=[1])

    @classmethod
    def of(cls, stats: CommitmentStats) -> Self:  # type: ignore[override]
        return cls(total=stats.committed, met=stats.met, missed=stats.missed)


class CycleStatsOut(Output):
    cycle_id: UUID
    unit_id: UUID | None
    as_of: datetime | None
    objectives: int
    objectives_by_grade: dict[str, int] = Field(
        examples=[{"red": 1, "yellow": 2, "green": 3, "none": 0}]
    )
    objectives_by_track_status: dict[str, int] = Field(
        examples=[{"on_track": 3, "at_risk": 2, "off_track": 1, "none": 0}]
    )
    objectives_by_state: dict[str, int] = Field(examples=[{"active": 6}])
    key_results: int
    key_results_by_grade: dict[str, int]
    key_results_by_track_status: dict[str, int]
    units_with_objectives: int
    units: int
    units_share: Decimal | None
    members_with_objectives: int
    members: int
    members_share: Decimal | None
    weeks: list[WeekOut] = Field(description="Check-in activity per week, quiet weeks included.")
    committed: CommittedCountsOut

    @classmethod
    def of(cls, stats: CycleStats) -> CycleStatsOut:  # type: ignore[override]
        """The stats by name; the use case says ``*_by_status`` for the track status."""
        return cls.model_validate(
            {
                **vars(stats),
                "committed": CommittedCountsOut.of(stats.committed),
                "cycle_id": stats.cycle.id,
                "objectives_by_track_status": stats.objectives_by_status,
                "key_results_by_track_status": stats.key_results_by_status,
            }
        )
