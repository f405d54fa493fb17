"""Request and response bodies of objectives, key results, check-ins, actions and audit.

Decimals (start, target, values, weights, progress, scores) are JSON strings, e.g. "0.6";
inputs accept strings or numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input
from domain.okrs import (
    Action,
    ActionStatus,
    Cadence,
    CheckIn,
    Direction,
    Level,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.scoring import Grade, TrackStatus
from service.key_results import UpdateDue
from service.objectives import CopyResult
from service.okr_ports import AuditEvent
from service.scores import KeyResultView, ObjectiveView

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"


class Owner(BaseModel):
    kind: OwnerKind = Field(examples=["member"])
    id: UUID = Field(examples=[_EXAMPLE_ID])


class KeyResultScore(BaseModel):
    progress: Decimal = Field(examples=["0.6"], description="clamp((current-start)/(target-start))")
    score: Decimal = Field(examples=["0.6"], description="progress, or the final score if set")
    grade: Grade = Field(examples=["yellow"])
    expected_progress: Decimal = Field(examples=["0.5"], description="elapsed share of the cycle")
    track_status: TrackStatus = Field(
        examples=["on_track"], description="progress against expected_progress (the pace)"
    )


class ObjectiveScore(BaseModel):
    progress: Decimal | None = Field(examples=["0.55"], description="weighted mean of KR scores")
    grade: Grade | None = Field(examples=["yellow"])
    expected_progress: Decimal = Field(examples=["0.5"])
    track_status: TrackStatus | None = Field(
        examples=["on_track"],
        description="progress against expected_progress; null while there is nothing to measure",
    )
    rolled_up: bool = Field(
        description="Without KRs of its own, the progress is the mean of the objectives "
        "aligned to it that you may see (roll_up).",
    )


class MilestoneOut(BaseModel):
    id: UUID
    title: str = Field(examples=["Pilot signed"])
    weight: Decimal = Field(examples=["1"])
    done: bool


class KeyResultOut(BaseModel):
    id: UUID
    objective_id: UUID
    title: str = Field(examples=["Sell to 10 new customers"])
    owner_id: UUID
    metric_kind: MetricKind
    unit: str | None = Field(examples=["customers"])
    currency: str | None = Field(examples=[None])
    start: Decimal = Field(examples=["0"])
    target: Decimal = Field(examples=["10"])
    direction: Direction
    weight: Decimal = Field(examples=["1"])
    due_date: date
    confidence: int | None = Field(
        examples=[7],
        description="0-10: the latest check-in's confidence, or the KR's own until a check-in "
        "gives one",
    )
    milestones: list[MilestoneOut]
    current: Decimal | None = Field(examples=["6"], description="the latest check-in's value")
    last_check_in_at: datetime | None
    final_score: Decimal | None
    final_score_reason: str | None
    score: KeyResultScore
    cadence: Cadence = Field(
        examples=["weekly"],
        description="How often its owner checks in; past it the KR is stale (see "
        "`GET /v1/key-results?stale=true`).",
    )
    kpi_id: UUID | None = Field(
        examples=[None],
        description="The KPI it follows: each new measurement of the KPI is a check-in of "
        "the KR (`PUT /v1/key-results/{id}/kpi`); null when it follows none.",
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, v: KeyResultView) -> KeyResultOut:
        kr = v.key_result
        return cls(
            id=kr.id,
            objective_id=kr.objective_id,
            title=kr.title,
            owner_id=kr.owner_id,
            metric_kind=kr.metric_kind,
            unit=kr.unit,
            currency=kr.currency,
            start=kr.start,
            target=kr.target,
            direction=kr.direction,
            weight=kr.weight,
            due_date=kr.due_date,
            confidence=v.latest.confidence
            if v.latest and v.latest.confidence is not None
            else kr.confidence,
            milestones=[
                MilestoneOut(
                    id=m.id, title=m.title, weight=m.weight, done=m.id in v.milestones_done
                )
                for m in kr.milestones
            ],
            current=v.current,
            last_check_in_at=v.latest.created_at if v.latest else None,
            final_score=kr.final_score,
            final_score_reason=kr.final_score_reason,
            score=KeyResultScore(
                progress=v.progress,
                score=v.score,
                grade=v.grade,
                expected_progress=v.expected_progress,
                track_status=v.status,
            ),
            cadence=kr.cadence,
            kpi_id=kr.kpi_id,
            version=kr.version,
            created_at=kr.created_at,
            updated_at=kr.updated_at,
        )


class KeyResultDueOut(KeyResultOut):
    """A KR of yours whose check-in is overdue (stale), with when it fell due."""

    objective_title: str = Field(examples=["Increase sales by 10%"])
    due_at: datetime = Field(
        description="When the check-in fell due: the last check-in (else the KR's creation) "
        "plus its cadence, on the organization's calendar."
    )
    stale_since: datetime = Field(
        description="Since when the KR is stale: any instant after `due_at` (the same "
        "instant; named for clients that show how long it has been stale)."
    )

    @classmethod
    def of_due(cls, due: UpdateDue) -> KeyResultDueOut:
        return cls(
            **dict(KeyResultOut.of(due.key_result)),
            objective_title=due.objective.title,
            due_at=due.due_at,
            stale_since=due.stale_since,
        )


class ObjectiveOut(BaseModel):
    id: UUID
    cycle_id: UUID
    title: str = Field(examples=["Increase sales by 10%"])
    description: str
    owner: Owner
    level: Level
    status: ObjectiveStatus
    visibility: Visibility
    roll_up: bool
    parent_objective_id: UUID | None
    parent_key_result_id: UUID | None
    source_objective_id: UUID | None
    score: ObjectiveScore
    key_results: list[KeyResultOut]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, v: ObjectiveView) -> ObjectiveOut:
        o = v.objective
        return cls(
            id=o.id,
            cycle_id=o.cycle_id,
            title=o.title,
            description=o.description,
            owner=Owner(kind=o.owner_kind, id=o.owner_id),
            level=o.level,
            status=o.status,
            visibility=o.visibility,
            roll_up=o.roll_up,
            parent_objective_id=o.parent_objective_id,
            parent_key_result_id=o.parent_key_result_id,
            source_objective_id=o.source_objective_id,
            score=ObjectiveScore(
                progress=v.progress,
                grade=v.grade,
                expected_progress=v.expected_progress,
                track_status=v.status,
                rolled_up=v.rolled_up,
            ),
            key_results=[KeyResultOut.of(k) for k in v.key_results],
            version=o.version,
            created_at=o.created_at,
            updated_at=o.updated_at,
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
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=10_000)
    owner: Owner | None = Field(default=None, description="Default: you.")
    level: Level | None = Field(
        default=None, description="Default: individual for a person, the unit's rank for a unit."
    )
    status: ObjectiveStatus = ObjectiveStatus.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    roll_up: bool = False
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None


class ObjectivePatch(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "active"}]}
    )
    title: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    level: Level | None = None
    status: ObjectiveStatus | None = None
    visibility: Visibility | None = None
    roll_up: bool | None = None
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None
    owner: Owner | None = Field(
        default=None,
        description="Reassign it, under the rules of creating it for that owner: you must "
        "answer for both the current and the new owner (admins; a manager within their "
        "chain). The owner must exist (422 `unknown_reference`) and a member be active "
        "(422 `owner_inactive`). Without `level`, a member-to-member move keeps the level; "
        "a unit gives its rank, a member after a unit `individual`. Audited; KRs and "
        "check-ins stay. null is refused.",
    )


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


class MilestoneIn(Input):
    id: UUID | None = Field(
        default=None,
        description="Milestone ids are the server's. On an edit, send a milestone's `id` to "
        "keep it (with its done state; its title and weight change to those sent); send none "
        "for a new milestone, which gets an id. An id that is not one of this key result's "
        "milestones, or any id when creating a key result, is refused (422 "
        "`unknown_milestone`, error at `milestones.<index>.id`).",
    )
    title: str = Field(max_length=300, examples=["Pilot signed"])
    weight: Decimal = Field(default=Decimal(1), examples=["1"])


class KeyResultCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Sell to 10 new customers",
                    "owner_id": _EXAMPLE_ID,
                    "metric_kind": "number",
                    "unit": "customers",
                    "start": "0",
                    "target": "10",
                }
            ]
        },
    )
    title: str = Field(max_length=300)
    owner_id: UUID
    metric_kind: MetricKind = MetricKind.NUMBER
    unit: str | None = Field(default=None, max_length=40)
    currency: str | None = Field(default=None, description="ISO 4217, for currency KRs")
    start: Decimal = Decimal(0)
    target: Decimal = Decimal(1)
    direction: Direction = Direction.INCREASE
    weight: Decimal = Decimal(1)
    due_date: date | None = Field(default=None, description="Default: the cycle's end.")
    confidence: int | None = Field(
        default=None, ge=0, le=10, description="0-10, until the first check-in gives one."
    )
    milestones: list[MilestoneIn] = Field(
        default_factory=list,
        description="For `milestones` KRs: each new, without an `id` (the server names it).",
    )
    cadence: Cadence = Field(
        default=Cadence.WEEKLY,
        description="How often its owner checks in: daily, weekly (default), biweekly, monthly.",
    )


class KeyResultPatch(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"target": "12", "weight": "2"}]}
    )
    title: str | None = Field(default=None, max_length=300)
    owner_id: UUID | None = None
    unit: str | None = Field(default=None, max_length=40)
    currency: str | None = None
    start: Decimal | None = None
    target: Decimal | None = None
    direction: Direction | None = None
    weight: Decimal | None = None
    due_date: date | None = None
    confidence: int | None = Field(
        default=None,
        ge=0,
        le=10,
        description="0-10. Shown only while no check-in carries a confidence: after that the "
        "latest check-in's is shown; to change it, check in.",
    )
    milestones: list[MilestoneIn] | None = Field(
        default=None,
        description="Replaces the list: milestones sent with their `id` are kept (done state "
        "included), those sent without one are new, those not sent are removed (audited).",
    )
    cadence: Cadence | None = Field(
        default=None, description="daily, weekly, biweekly or monthly (null is refused)."
    )


class KeyResultMove(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"objective_id": _EXAMPLE_ID}]}
    )
    objective_id: UUID


class FinalScore(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": "0.7", "reason": "Two deals slipped to Q3"}]},
    )
    score: Decimal
    reason: str = Field(max_length=2000)


class CheckInCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"value": "6", "confidence": 7, "note": "2 deals closed", "blockers": "legal"}
            ]
        },
    )
    value: Decimal | None = Field(default=None, description="The new current value.")
    milestones_done: list[UUID] | None = Field(
        default=None, description="Milestones KRs: the ids done as of now."
    )
    confidence: int | None = Field(default=None, ge=0, le=10)
    note: str = Field(default="", max_length=10_000, description="What happened.")
    blockers: str = Field(default="", max_length=10_000, description="What blocks.")


class CheckInOut(BaseModel):
    id: UUID
    key_result_id: UUID
    author: str = Field(examples=[_EXAMPLE_ID])
    value: Decimal | None = Field(examples=["6"])
    milestones_done: list[UUID] | None
    confidence: int | None = Field(examples=[7])
    note: str = Field(examples=["2 deals closed"])
    blockers: str
    created_at: datetime

    @classmethod
    def of(cls, c: CheckIn) -> CheckInOut:
        return cls(
            id=c.id,
            key_result_id=c.key_result_id,
            author=c.author,
            value=c.value,
            milestones_done=list(c.milestones_done) if c.milestones_done is not None else None,
            confidence=c.confidence,
            note=c.note,
            blockers=c.blockers,
            created_at=c.created_at,
        )


class ActionOut(BaseModel):
    id: UUID
    key_result_id: UUID
    title: str = Field(examples=["Visit schedule for the top 20 accounts"])
    owner_id: UUID | None
    due_date: date | None
    status: ActionStatus
    completion_standard: str | None = Field(examples=["All 20 visited, notes in CRM"])
    accepted_by: UUID | None
    accepted_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, a: Action) -> ActionOut:
        return cls(
            id=a.id,
            key_result_id=a.key_result_id,
            title=a.title,
            owner_id=a.owner_id,
            due_date=a.due_date,
            status=a.status,
            completion_standard=a.completion_standard,
            accepted_by=a.accepted_by,
            accepted_at=a.accepted_at,
            version=a.version,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


class ActionCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Visit schedule for the top 20 accounts",
                    "owner_id": _EXAMPLE_ID,
                    "due_date": "2027-03-31",
                    "completion_standard": "All 20 visited, notes in CRM",
                }
            ]
        },
    )
    title: str = Field(max_length=300)
    owner_id: UUID | None = None
    due_date: date | None = None
    completion_standard: str | None = Field(default=None, max_length=10_000)
    status: ActionStatus = ActionStatus.TODO


class ActionPatch(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "doing"}]})
    title: str | None = Field(default=None, max_length=300)
    owner_id: UUID | None = None
    due_date: date | None = None
    completion_standard: str | None = Field(default=None, max_length=10_000)
    status: ActionStatus | None = None


class AuditEventOut(BaseModel):
    id: UUID
    occurred_at: datetime
    actor: str = Field(examples=[_EXAMPLE_ID])
    action: str = Field(examples=["key_result.final_scored"])
    resource_type: str = Field(examples=["key_result"])
    resource_id: UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventOut:
        return cls(
            id=e.id,
            occurred_at=e.occurred_at,
            actor=e.actor,
            action=e.action,
            resource_type=e.resource_type,
            resource_id=e.resource_id,
            before=e.before,
            after=e.after,
        )
