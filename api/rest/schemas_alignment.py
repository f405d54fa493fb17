"""Response bodies of the alignment reads: tree, path, unit scores, coverage, cycle stats.

The tree is the one large body (ten thousand nodes): it is written straight to JSON from
plain dicts (:func:`tree_json`); the pydantic models here describe it for OpenAPI.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel, Field

from api.rest.schemas_okrs import ObjectiveOut, Owner
from domain.okrs import Level, ObjectiveStatus, Visibility
from domain.scoring import Grade, TrackStatus
from service.alignment import (
    AlignmentPath,
    AlignmentTree,
    Coverage,
    CycleStats,
    Figure,
    Link,
    TreeNode,
    UnitCoverage,
    UnitScores,
)


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


class FigureOut(BaseModel):
    score: Decimal | None = Field(
        examples=["0.5833"], description="Weighted mean of the objectives' scores (each 1)."
    )
    objectives: int = Field(examples=[3], description="Objectives with a score behind it.")

    @classmethod
    def of(cls, f: Figure) -> FigureOut:
        return cls(score=f.score, objectives=f.objectives)


class UnitScoreOut(BaseModel):
    unit_id: UUID
    name: str = Field(examples=["Sales"])
    kind: str = Field(examples=["department"])
    parent_id: UUID | None
    own: FigureOut = Field(description="Objectives owned by the unit or by its members.")
    total: FigureOut = Field(description="The same with every unit below it.")


class UnitScoresOut(BaseModel):
    cycle_id: UUID = Field(examples=["01a209b4-22a0-764f-84e2-80f0bf395a35"])
    as_of: datetime | None
    company: FigureOut = Field(description="Every objective of the cycle you may see.")
    units: list[UnitScoreOut]

    @classmethod
    def of(cls, s: UnitScores) -> UnitScoresOut:
        return cls(
            cycle_id=s.cycle.id,
            as_of=s.as_of,
            company=FigureOut.of(s.company),
            units=[
                UnitScoreOut(
                    unit_id=u.unit.id,
                    name=u.unit.name,
                    kind=u.unit.kind,
                    parent_id=u.unit.parent_id,
                    own=FigureOut.of(u.own),
                    total=FigureOut.of(u.total),
                )
                for u in s.units
            ],
        )


class UnitCoverageOut(BaseModel):
    unit_id: UUID
    name: str = Field(examples=["Sales"])
    objectives: int = Field(examples=[4], description="Its non-company objectives.")
    aligned: int = Field(examples=[3], description="Of which align to something above.")
    aligned_share: Decimal | None = Field(examples=["0.75"])
    members: int = Field(examples=[8], description="Its active members.")
    members_with_objectives: int = Field(examples=[6])
    members_share: Decimal | None = Field(examples=["0.75"])

    @classmethod
    def of(cls, c: UnitCoverage) -> UnitCoverageOut:
        return cls(
            unit_id=c.unit.id,
            name=c.unit.name,
            objectives=c.objectives,
            aligned=c.aligned,
            aligned_share=c.aligned_share,
            members=c.members,
            members_with_objectives=c.members_with_objectives,
            members_share=c.members_share,
        )


class CoverageOut(BaseModel):
    cycle_id: UUID = Field(examples=["01a209b4-22a0-764f-84e2-80f0bf395a35"])
    company: UnitCoverageOut | None = Field(
        description="The company unit over every objective and active member."
    )
    units: list[UnitCoverageOut]

    @classmethod
    def of(cls, c: Coverage) -> CoverageOut:
        return cls(
            cycle_id=c.cycle.id,
            company=UnitCoverageOut.of(c.company) if c.company else None,
            units=[UnitCoverageOut.of(u) for u in c.units],
        )


class WeekOut(BaseModel):
    week: int = Field(examples=[6], description="1 for the cycle's first seven days.")
    starts_on: date
    check_ins: int = Field(examples=[42])
    key_results_updated: int = Field(examples=[30])


class CycleStatsOut(BaseModel):
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

    @classmethod
    def of(cls, s: CycleStats) -> CycleStatsOut:
        return cls(
            cycle_id=s.cycle.id,
            unit_id=s.unit_id,
            as_of=s.as_of,
            objectives=s.objectives,
            objectives_by_grade=dict(s.objectives_by_grade),
            objectives_by_track_status=dict(s.objectives_by_status),
            objectives_by_state=dict(s.objectives_by_state),
            key_results=s.key_results,
            key_results_by_grade=dict(s.key_results_by_grade),
            key_results_by_track_status=dict(s.key_results_by_status),
            units_with_objectives=s.units_with_objectives,
            units=s.units,
            units_share=s.units_share,
            members_with_objectives=s.members_with_objectives,
            members=s.members,
            members_share=s.members_share,
            weeks=[WeekOut(**w._asdict()) for w in s.weeks],
        )
