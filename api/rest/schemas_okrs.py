"""Request and response bodies of objectives, key results and check-ins.

Decimals (start, target, values, weights, progress, scores) are JSON strings, e.g. "0.6";
inputs accept strings or numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input
from domain.okrs import (
    Cadence,
    CheckIn,
    Direction,
    MetricKind,
)
from domain.scoring import Grade, TrackStatus
from service.key_results import UpdateDue
from service.scores import KeyResultView

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"


class KeyResultScore(BaseModel):
    progress: Decimal = Field(examples=["0.6"], description="clamp((current-start)/(target-start))")
    score: Decimal = Field(examples=["0.6"], description="progress, or the final score if set")
    grade: Grade = Field(examples=["yellow"])
    expected_progress: Decimal = Field(examples=["0.5"], description="elapsed share of the cycle")
    track_status: TrackStatus = Field(
        examples=["on_track"], description="progress against expected_progress (the pace)"
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
