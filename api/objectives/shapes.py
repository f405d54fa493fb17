"""The shapes of an objective (目标): REST bodies and GraphQL types are these classes.

``ObjectiveOut`` is REST's objective and the base of GraphQL's ``Objective``
(``api.objectives.graphql`` adds its edges); ``ObjectiveScore`` is the score in both;
``Owner`` is REST's owner and GraphQL's ``ObjectiveOwnerInput``; ``ObjectiveCreate`` is
also GraphQL's ``CreateObjectiveInput``; ``ObjectivePatch`` is REST's PATCH body and the base
of ``UpdateObjectiveInput``. Each input converts itself to the use case's input once.

Decimals (progress, scores) are JSON strings, e.g. "0.6".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

import strawberry
from pydantic import BaseModel, ConfigDict, Field
from strawberry import Maybe

# The enums as registered for GraphQL (named values, descriptions); REST reads them as is.
from api.graphql.enums import (
    Ambition,
    Grade,
    Level,
    ObjectiveStatus,
    OwnerKind,
    TrackStatus,
    Visibility,
)
from api.key_results.shapes import KeyResultOut
from api.shapes import Input, Output, Patch
from domain.limits import OKR_DESCRIPTION_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from service import objectives
from service.objectives import CopyResult
from service.scores import ObjectiveView

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"

Title = Annotated[str, Field(max_length=OKR_TITLE_MAX_LENGTH)]
Description = Annotated[str, Field(max_length=OKR_DESCRIPTION_MAX_LENGTH)]


@strawberry.pydantic.input(
    name="ObjectiveOwnerInput",
    description="Who owns an objective: a member, or a unit (its lead answers).",
)
class Owner(BaseModel):
    kind: OwnerKind = Field(examples=["member"])
    id: UUID = Field(examples=[_EXAMPLE_ID])

    def to_ref(self) -> objectives.OwnerRef:
        return objectives.OwnerRef(kind=self.kind, id=self.id)


@strawberry.pydantic.type(
    description="An objective's score, derived on every read from its KRs' latest check-ins "
    "(0 to 1, four decimal places)."
)
class ObjectiveScore(Output):
    progress: Decimal | None = Field(
        examples=["0.55"],
        description="The weighted mean of its KRs' scores (or, for a roll-up objective without "
        "KRs, of the objectives aligned to it); null while there is nothing to measure.",
    )
    grade: Grade | None = Field(examples=["yellow"])
    expected_progress: Decimal = Field(
        examples=["0.5"],
        description="The elapsed share of the cycle, in the organization's time zone.",
    )
    track_status: TrackStatus | None = Field(
        examples=["on_track"],
        description="The progress against the expected progress; null while there is nothing to "
        "measure.",
    )
    rolled_up: bool = Field(
        description="The progress comes from the objectives aligned to it (a roll-up objective "
        "without KRs of its own), over those you may see.",
    )


class ObjectiveOut(Output):
    id: UUID
    cycle_id: UUID
    title: str = Field(examples=["Increase sales by 10%"])
    description: str
    owner: Owner
    level: Level
    status: ObjectiveStatus
    visibility: Visibility
    roll_up: bool
    ambition: Ambition = Field(
        examples=["committed"],
        description="`committed` (met or missed: graded by the organization's committed "
        "thresholds) or `aspirational`; its KRs are graded by it too.",
    )
    parent_objective_id: UUID | None
    parent_key_result_id: UUID | None
    source_objective_id: UUID | None
    score: ObjectiveScore
    key_results: list[KeyResultOut]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ObjectiveView) -> Self:  # type: ignore[override]
        """The objective's fields by name, its owner, score and KRs as the view computed
        them. The view itself goes along: GraphQL's ``Objective`` keeps it for its edges,
        and REST's shape ignores it."""
        o = view.objective
        return cls.model_validate(
            {
                **vars(o),
                "owner": Owner(kind=o.owner_kind, id=o.owner_id),
                "score": _score(view),
                "key_results": [KeyResultOut.of(k) for k in view.key_results],
                "view": view,
            }
        )


def _score(view: ObjectiveView) -> dict[str, Any]:
    return {
        "progress": view.progress,
        "grade": view.grade,
        "expected_progress": view.expected_progress,
        "track_status": view.status,
        "rolled_up": view.rolled_up,
    }


@strawberry.pydantic.input(
    name="CreateObjectiveInput",
    description="A new objective in a cycle that is not closed. Align it to one objective "
    "(`parentObjectiveId`) or contribute to one KR of another (`parentKeyResultId`).",
)
class ObjectiveCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": _EXAMPLE_ID,
                    "title": "Increase sales by 10%",
                    "owner": {"kind": "unit", "id": _EXAMPLE_ID},
                    "parent_objective_id": _EXAMPLE_ID,
                }
            ]
        },
    )
    cycle_id: UUID
    title: Title
    description: Description = ""
    owner: Owner | None = Field(default=None, description="Default: you.")
    level: Level | None = Field(
        default=None, description="Default: individual for a person, the unit's rank for a unit."
    )
    status: ObjectiveStatus = ObjectiveStatus.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    roll_up: bool = False
    ambition: Ambition = Field(
        default=Ambition.ASPIRATIONAL,
        description="`committed` or `aspirational` (the default); its KRs inherit it.",
    )
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None

    def to_new(self) -> objectives.NewObjective:
        fields = {name: value for name, value in self if name != "owner"}
        if self.owner is None:
            return objectives.NewObjective(**fields)
        return objectives.NewObjective(**fields, owner_kind=self.owner.kind, owner_id=self.owner.id)


class ObjectivePatch(Patch):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "active"}]}
    )
    title: Maybe[Title | None] = None
    description: Maybe[Description | None] = None
    level: Maybe[Level | None] = None
    status: Maybe[ObjectiveStatus | None] = None
    visibility: Maybe[Visibility | None] = None
    roll_up: Maybe[bool | None] = None
    ambition: Maybe[Ambition | None] = None
    parent_objective_id: Maybe[UUID | None] = None
    parent_key_result_id: Maybe[UUID | None] = None
    owner: Maybe[Owner | None] = Field(
        default=None,
        description="Reassign it, under the rules of creating it for that owner: you must "
        "answer for both the current and the new owner (admins; a manager within their chain). "
        "The owner must exist (`unknown_reference`) and a member be active (`owner_inactive`). "
        "Without `level`, a member-to-member move keeps the level; a unit gives its rank, a "
        "member after a unit the individual level. Audited; KRs and check-ins stay. null is "
        "refused.",
    )

    def to_changes(self) -> objectives.ObjectiveChanges:
        sent = self.sent(nullable=frozenset({"parent_objective_id", "parent_key_result_id"}))
        if "owner" in sent:
            sent["owner"] = sent["owner"].to_ref()
        return objectives.ObjectiveChanges(**sent)


class ObjectiveCopy(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"cycle_id": _EXAMPLE_ID}]}
    )
    cycle_id: UUID = Field(
        description="Another cycle than the objective's own (422 `same_cycle`); not closed."
    )
    owner_id: UUID | None = Field(default=None, description="Default: the same owner.")
    carry: Literal["start", "achieved"] = Field(
        default="start",
        description="`start` (default): each KR keeps its start. `achieved`: each KR starts "
        "at its current value in the source (never past its target; yes/no, milestones and "
        "never checked-in KRs keep their start).",
    )

    def to_request(self) -> objectives.CopyRequest:
        return objectives.CopyRequest(
            cycle_id=self.cycle_id, owner_id=self.owner_id, carry=objectives.Carry(self.carry)
        )


class ObjectiveCopyOut(ObjectiveOut):
    alignment: Literal["followed", "unaligned", "none"] = Field(
        description="`followed`: the copy aligns to the copy of the source's parent in the "
        "target cycle (a KR link to that copy's KR of the same title). `unaligned`: the "
        "source was aligned but its parent has no (visible, open) copy there, or the link "
        "breaks a rule: align the copy yourself. `none`: the source aligned to nothing."
    )

    @classmethod
    def of_copy(cls, result: CopyResult) -> ObjectiveCopyOut:
        return cls(**dict(ObjectiveOut.of(result.view)), alignment=result.alignment.value)


class ClosedObjectives(BaseModel):
    closed: list[UUID] = Field(examples=[[_EXAMPLE_ID]])
