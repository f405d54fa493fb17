"""The shapes of a key result (关键结果) and its check-ins (进度更新): REST bodies and GraphQL
types are these classes.

``KeyResultOut`` and ``CheckInOut`` are REST's and the bases of GraphQL's ``KeyResult`` and
``CheckIn`` (``api.key_results.graphql`` adds their edges); ``KeyResultScore`` and
``MilestoneOut`` (GraphQL's ``Milestone``) are the same in both; ``MilestoneIn`` is also
GraphQL's ``MilestoneInput``. ``KeyResultCreate``, ``KeyResultPatch``, ``KeyResultMove``,
``FinalScore``, ``CheckInCreate`` and ``CheckInBulk`` are the REST bodies and the bases of
GraphQL's inputs. Each input converts itself to the use case's input once. The bulk answer
(``BulkCheckInsOut``) is REST's; GraphQL's payload shows the same with its ``CheckIn``.

Decimals (start, target, values, weights, progress, scores) are JSON strings, e.g. "0.6";
inputs accept strings or numbers.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self
from uuid import UUID

import strawberry
from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from strawberry import Maybe

# The enums as registered for GraphQL (named values, descriptions); REST reads them as is.
from api.graphql.enums import Ambition, Cadence, Direction, Grade, MetricKind, TrackStatus
from api.pacing import ForecastOut, PacingIn, PacingOut, forecast_dict, pacing_dict
from api.rest.problems import validation_errors
from api.shapes import Input, Output, Patch, no_rest_default
from domain.errors import RuleViolation
from domain.limits import (
    CHECK_IN_ORIGIN_MAX_LENGTH,
    CHECK_IN_TEXT_MAX_LENGTH,
    FINAL_SCORE_REASON_MAX_LENGTH,
    KEY_RESULT_UNIT_MAX_LENGTH,
    OKR_TITLE_MAX_LENGTH,
)
from domain.okrs import Aggregation, CheckInSource
from domain.quotas import AllocationStatus
from service import checkins, key_results
from service.checkins import BULK_CHECK_INS_MAX, BulkAnswer, BulkItem, NewCheckIn, Outcome
from service.key_results import UpdateDue
from service.quotas import AllocationView
from service.scores import KeyResultView

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"

Title = Annotated[str, Field(max_length=OKR_TITLE_MAX_LENGTH)]
Unit = Annotated[str, Field(max_length=KEY_RESULT_UNIT_MAX_LENGTH)]
Confidence = Annotated[int, Field(ge=0, le=10)]
CheckInText = Annotated[str, Field(max_length=CHECK_IN_TEXT_MAX_LENGTH)]
CheckInOrigin = Annotated[str, Field(max_length=CHECK_IN_ORIGIN_MAX_LENGTH)]

# Registered here, beside the only shapes that use them (api.graphql.enums has the domain's
# others): values are their names in GraphQL, their values in REST.
strawberry.enum(
    CheckInSource,
    description="How a check-in came: PERSON (a member checking in), API (a sync on a "
    "member's behalf, as bulk check-ins are, or a service token), KPI (a reading of the KPI "
    "the KR follows) or INTEGRATION (a named integration: see `integration`).",
)
strawberry.enum(
    Aggregation,
    description="Where a key result's current value comes from: NONE (its own check-ins, "
    "the default) or SUM (the sum of the current values of the key results contributing to "
    "it that the reader may see: a quota roll-up).",
)
strawberry.enum(
    AllocationStatus,
    description="Whether the targets of the key results contributing to a key result cover "
    "its own: UNDER_ALLOCATED, ALLOCATED (exactly) or OVER_ALLOCATED.",
)
strawberry.enum(
    Outcome,
    name="BulkCheckInOutcome",
    description="APPLIED (stored), DUPLICATE (the KR has a check-in with this external id: "
    "that one, unchanged) or REFUSED (not stored: see the item's error).",
)


# -- out -----------------------------------------------------------------------------------


@strawberry.pydantic.type(
    description="A key result's score, derived on every read from its latest check-in."
)
class KeyResultScore(Output):
    progress: Decimal = Field(
        examples=["0.6"],
        description="clamp((current - start) / (target - start)); milestones: weight done.",
    )
    score: Decimal = Field(
        examples=["0.6"], description="The progress, or the final score once set."
    )
    grade: Grade = Field(examples=["yellow"])
    expected_progress: Decimal = Field(
        examples=["0.5"], description="The elapsed share of the cycle."
    )
    track_status: TrackStatus = Field(
        examples=["on_track"], description="The progress against the expected progress (the pace)."
    )


@strawberry.pydantic.type(
    name="Milestone",
    description="A weighted step of a milestones KR, done as of the latest check-in.",
)
class MilestoneOut(Output):
    id: UUID
    title: str = Field(examples=["Pilot signed"])
    weight: Decimal = Field(examples=["1"])
    done: bool


class KeyResultOut(Output):
    id: UUID
    objective_id: UUID
    title: str = Field(examples=["Sell to 10 new customers"])
    owner_id: UUID
    metric_kind: MetricKind
    unit: str | None = Field(
        examples=["customers"], description='What is counted: "customers", "days".'
    )
    currency: str | None = Field(examples=[None], description="ISO 4217, for currency KRs.")
    start: Decimal = Field(examples=["0"])
    target: Decimal = Field(examples=["10"])
    direction: Direction
    weight: Decimal = Field(examples=["1"], description="Its share of the objective's progress.")
    due_date: date
    confidence: int | None = Field(
        examples=[7],
        description="0 to 10: the latest check-in's, else the one set on the KR.",
    )
    milestones: list[MilestoneOut]
    current: Decimal | None = Field(
        examples=["6"],
        description="The latest check-in's value; null before any (and for milestones KRs).",
    )
    last_check_in_at: datetime | None
    final_score: Decimal | None = Field(
        description="Set at cycle close, with a reason; it replaces the progress as the score."
    )
    final_score_reason: str | None
    score: KeyResultScore
    cadence: Cadence = Field(
        examples=["weekly"],
        description="How often its owner checks in; past it the KR is stale.",
    )
    kpi_id: UUID | None = Field(
        examples=[None],
        description="The KPI it follows: each new measurement of the KPI is a check-in of the KR "
        "(`PUT /v1/key-results/{id}/kpi`, `linkKeyResultToKpi`); null when it follows none.",
    )
    pacing: PacingOut = Field(
        description="The pacing curve it is judged by (expected progress, track status, "
        "forecast): its own, else its objective's owner unit's default, else the "
        "organization's, else linear."
    )
    forecast: ForecastOut = Field(description="Where it will end at its current pace.")
    ambition: Ambition = Field(
        examples=["committed"],
        description="Its objective's ambition, which grades it (read-only: set it on the "
        "objective).",
    )
    contributes_to_key_result_id: UUID | None = Field(
        examples=[None],
        description="The key result it adds into (a quota roll-up): a KR of the objective its "
        "objective aligns to, with the same unit of measure and direction; null: none, or a "
        "KR you may not see. Realigning its objective away from that KR's objective unlinks "
        "it (audited as a KR change).",
    )
    aggregation: Aggregation = Field(
        examples=["none"],
        description="`sum`: its `current` is the sum of the current values of the KRs "
        "contributing to it that you may see (at `as_of` too), and it takes no check-ins of "
        "its own (422 `sum_key_result`); `none`: its own check-ins'.",
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(  # type: ignore[override]
        cls, view: KeyResultView, objective: object | None = None
    ) -> Self:
        """The KR's fields by name, with what its latest check-in gives (the confidence,
        the current value, the milestones done) and its score. The views go along:
        GraphQL's ``KeyResult`` keeps them for its edges, and REST's shape ignores them."""
        kr = view.key_result
        latest = view.latest
        return cls.model_validate(
            {
                **vars(kr),
                "confidence": latest.confidence
                if latest is not None and latest.confidence is not None
                else kr.confidence,
                "milestones": [
                    {**vars(m), "done": m.id in view.milestones_done} for m in kr.milestones
                ],
                "current": view.current,
                "last_check_in_at": latest.created_at if latest is not None else None,
                "score": _score(view),
                "ambition": view.ambition,
                "pacing": pacing_dict(view.pacing),
                "forecast": forecast_dict(view.forecast),
                "view": view,
                "objective_view": objective,
            }
        )


def _score(view: KeyResultView) -> dict[str, Any]:
    return {
        "progress": view.progress,
        "score": view.score,
        "grade": view.grade,
        "expected_progress": view.expected_progress,
        "track_status": view.status,
    }


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


@strawberry.pydantic.type(
    description="One immutable update of a key result (进度更新).",
)
class CheckInOut(Output):
    id: UUID
    key_result_id: UUID
    author: str = Field(
        examples=[_EXAMPLE_ID],
        description="Who checked in: a member id, or `service:<client>` for an integration.",
    )
    value: Decimal | None = Field(
        examples=["6"], description="The KR's value as of this check-in; null for milestones KRs."
    )
    milestones_done: list[UUID] | None = Field(
        description="Milestones KRs: the milestones done as of this check-in."
    )
    confidence: int | None = Field(examples=[7], description="0 to 10.")
    note: str = Field(examples=["2 deals closed"], description="What happened.")
    blockers: str = Field(description="What blocks.")
    created_at: datetime
    source: CheckInSource = Field(
        examples=["person"],
        description="How it came: `person`, `api` (a sync or service token), `kpi` (a KPI "
        "reading) or `integration` (named in `integration`).",
    )
    integration: str | None = Field(
        examples=[None], description="The integration that wrote it, when `source` is one."
    )
    external_id: str | None = Field(
        examples=[None],
        description="The sender's id of this update: the KR has one check-in per external id.",
    )


@strawberry.pydantic.type(
    name="AllocationContributor",
    description="A key result contributing to another, as its allocation counts it.",
)
class AllocationContributorOut(Output):
    key_result_id: UUID
    target: Decimal = Field(examples=["1000000"])
    current: Decimal = Field(
        examples=["400000"], description="Its current value (its start before any check-in)."
    )


@strawberry.pydantic.type(
    name="Allocation",
    description="Whether the targets of the key results contributing to a key result cover "
    "its own (the contributors you may see).",
)
class AllocationOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "over_allocated",
                    "target": "3000000",
                    "allocated": "4000000",
                    "difference": "1000000",
                    "contributors": [
                        {"key_result_id": _EXAMPLE_ID, "target": "1000000", "current": "400000"}
                    ],
                }
            ]
        }
    )
    status: AllocationStatus = Field(examples=["allocated"])
    target: Decimal = Field(examples=["3000000"], description="The key result's own target.")
    allocated: Decimal = Field(
        examples=["3000000"], description="The sum of its contributors' targets."
    )
    difference: Decimal = Field(
        examples=["0"], description="How far `allocated` is from `target` (0 when allocated)."
    )
    contributors: list[AllocationContributorOut] = Field(
        description="The contributing key results you may see, oldest first."
    )

    @classmethod
    def of_view(cls, view: AllocationView) -> AllocationOut:
        a = view.allocation
        return cls(
            status=a.status,
            target=a.target,
            allocated=a.allocated,
            difference=a.difference,
            contributors=[
                AllocationContributorOut(
                    key_result_id=c.key_result_id, target=c.target, current=c.current
                )
                for c in view.contributors
            ],
        )


# -- in ------------------------------------------------------------------------------------


@strawberry.pydantic.input(
    name="MilestoneInput",
    description="A weighted milestone. Ids are the server's: send `id` only to keep one of "
    "this key result's milestones (with its done state); none for a new one. Any other id "
    "(and any id when creating) is `unknown_milestone`.",
)
class MilestoneIn(Input):
    id: UUID | None = Field(
        default=None,
        description="Milestone ids are the server's. On an edit, send a milestone's `id` to "
        "keep it (with its done state; its title and weight change to those sent); send none "
        "for a new milestone, which gets an id. An id that is not one of this key result's "
        "milestones, or any id when creating a key result, is refused (422 `unknown_milestone`, "
        "error at `milestones.<index>.id`).",
    )
    title: Title = Field(examples=["Pilot signed"])
    weight: Decimal = Field(default=Decimal(1), examples=["1"])

    def to_input(self) -> key_results.MilestoneInput:
        return key_results.MilestoneInput(title=self.title, weight=self.weight, id=self.id)


def _milestones(items: list[MilestoneIn]) -> tuple[key_results.MilestoneInput, ...]:
    return tuple(m.to_input() for m in items)


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
    title: Title
    owner_id: UUID
    metric_kind: MetricKind = MetricKind.NUMBER
    unit: Unit | None = None
    currency: str | None = Field(default=None, description="ISO 4217, for currency KRs.")
    start: Decimal = Decimal(0)
    target: Decimal = Decimal(1)
    direction: Direction = Direction.INCREASE
    weight: Decimal = Decimal(1)
    due_date: date | None = Field(default=None, description="Default: the cycle's end.")
    confidence: Confidence | None = Field(
        default=None, description="0 to 10, until the first check-in gives one."
    )
    milestones: list[MilestoneIn] = Field(
        default=[],
        description="For `milestones` KRs: each new, without an `id` (the server names it).",
        json_schema_extra=no_rest_default,
    )
    cadence: Cadence = Field(
        default=Cadence.WEEKLY,
        description="How often its owner checks in: daily, weekly (default), biweekly, monthly.",
    )
    pacing: PacingIn | None = Field(
        default=None,
        description="Its own pacing curve; null (default): its objective's owner unit's "
        "default, else the organization's, else linear.",
    )
    contributes_to_key_result_id: UUID | None = Field(
        default=None,
        description="The key result it adds into: a KR of the objective its objective aligns "
        "to (422 `contribution_not_aligned` otherwise), with the same unit of measure and "
        "direction (422 `contribution_incompatible`), closing no loop (422 "
        "`alignment_cycle`); an unknown or hidden one is 422 `unknown_reference`.",
    )
    aggregation: Aggregation = Field(
        default=Aggregation.NONE,
        description="`sum`: its current value is its contributors' sum (it then takes no "
        "check-ins, push URLs or KPI link: 422 `sum_key_result`); `none` (default).",
    )

    def to_new(self) -> key_results.NewKeyResult:
        fields = {name: value for name, value in self if name in _NEW_FIELDS}
        return key_results.NewKeyResult(
            **fields,
            milestones=_milestones(self.milestones),
            pacing=self.pacing.to_setting() if self.pacing is not None else None,
        )


_NEW_FIELDS = frozenset(KeyResultCreate.model_fields) - {"milestones", "pacing"}


class KeyResultPatch(Patch):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"target": "12", "weight": "2"}]}
    )
    title: Maybe[Title | None] = None
    owner_id: Maybe[UUID | None] = None
    unit: Maybe[Unit | None] = None
    currency: Maybe[str | None] = None
    start: Maybe[Decimal | None] = None
    target: Maybe[Decimal | None] = None
    direction: Maybe[Direction | None] = None
    weight: Maybe[Decimal | None] = None
    due_date: Maybe[date | None] = None
    confidence: Maybe[Confidence | None] = Field(
        default=None,
        description="0-10. Shown only while no check-in carries a confidence: after that the "
        "latest check-in's is shown; to change it, check in.",
    )
    milestones: Maybe[list[MilestoneIn] | None] = Field(
        default=None,
        description="Replaces the list: milestones sent with their `id` are kept (done state "
        "included), those sent without one are new, those not sent are removed (audited).",
    )
    cadence: Maybe[Cadence | None] = Field(
        default=None,
        description="daily, weekly, biweekly or monthly (null is refused).",
    )
    pacing: Maybe[PacingIn | None] = Field(
        default=None,
        description="Its own pacing curve; null: inherit (its unit's, the organization's).",
    )
    contributes_to_key_result_id: Maybe[UUID | None] = Field(
        default=None,
        description="The key result it adds into (checked as on create); null: none.",
    )
    aggregation: Maybe[Aggregation | None] = Field(
        default=None,
        description="`sum` or `none` (null is refused); `sum` on a KR following a KPI is 422 "
        "`sum_key_result` (unlink it first).",
    )

    def to_changes(self) -> key_results.KeyResultChanges:
        sent = self.sent(
            nullable=frozenset(
                {"unit", "currency", "confidence", "pacing", "contributes_to_key_result_id"}
            )
        )
        if "milestones" in sent:
            sent["milestones"] = _milestones(sent["milestones"])
        if "pacing" in sent:
            pacing = sent["pacing"]
            sent["pacing"] = pacing.to_setting() if pacing is not None else None
        return key_results.KeyResultChanges(**sent)


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
    reason: str = Field(max_length=FINAL_SCORE_REASON_MAX_LENGTH)


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
    confidence: Confidence | None = Field(default=None, description="0 to 10.")
    note: CheckInText = Field(default="", description="What happened.")
    blockers: CheckInText = Field(default="", description="What blocks.")
    external_id: CheckInOrigin | None = Field(
        default=None,
        description="Your id of this update (a CRM event, a sheet row): sent again for the "
        "same KR, it is the same check-in, answered as a duplicate and not stored twice.",
    )
    integration: CheckInOrigin | None = Field(
        default=None,
        description="The integration sending it, by name (`hubspot`): its `source` is then "
        "`integration`.",
    )

    def to_new(self) -> checkins.NewCheckIn:
        done = self.milestones_done
        return checkins.NewCheckIn(
            value=self.value,
            milestones_done=tuple(done) if done is not None else None,
            confidence=self.confidence,
            note=self.note,
            blockers=self.blockers,
            external_id=self.external_id,
            integration=self.integration,
        )


_BULK_ITEM_EXAMPLE: dict[str, Any] = {
    "key_result_id": _EXAMPLE_ID,
    "value": "42",
    "note": "nightly CRM sync",
    "external_id": "deal-sync-2027-03-01",
    "integration": "hubspot",
}


class CheckInBulkItem(CheckInCreate):
    """One item of a bulk call. An item its schema refuses (a confidence out of 0-10, a
    text too long, a NUL character, a wrong type, even a bad KR id) does not refuse the
    whole body: it is read as an item refused with the field errors a single check-in's
    422 has, and the others are judged on their own (the README's promise)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_BULK_ITEM_EXAMPLE]})
    key_result_id: UUID = Field(description="The key result to check in on.")
    # Why the item could not be read, when it could not: refused by the use case as is.
    _unreadable: RuleViolation | None = PrivateAttr(default=None)

    # mypy infers the decorator's model type as Never on a cold run of the whole project
    # (import order) and right on a warm one: the ignore holds for both.
    @model_validator(mode="wrap")  # type: ignore[arg-type, unused-ignore]
    @classmethod
    def _refused_alone(
        cls, data: Any, handler: ModelWrapValidatorHandler[CheckInBulkItem]
    ) -> CheckInBulkItem:
        try:
            return handler(data)
        except ValidationError as error:
            # Not validated (that failed): only the item's KR id, when readable, is kept;
            # ``to_item`` reads nothing else of a refused item.
            kept: dict[str, Any] = {"key_result_id": _uuid_or_none(data)}
            item = cls.model_construct(**kept)
            # The single check-in's errors (fields named from the item, as its body's are).
            located = [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
            item._unreadable = RuleViolation(
                "the item is not valid: see errors",
                code="validation_failed",
                errors=validation_errors(located),
            )
            return item

    def to_item(self) -> BulkItem:
        # GraphQL's input (strawberry's copy of this class) has no such attribute: GraphQL's
        # own types refuse a wrong type, and the use case the rest, item by item.
        unreadable: RuleViolation | None = getattr(self, "_unreadable", None)
        if unreadable is not None:
            return BulkItem(self.key_result_id, NewCheckIn(), unreadable=unreadable)
        return BulkItem(self.key_result_id, self.to_new())


def _uuid_or_none(data: Any) -> UUID | None:
    found = data.get("key_result_id") if isinstance(data, dict) else None
    if isinstance(found, UUID):
        return found
    try:
        return UUID(found) if isinstance(found, str) else None
    except ValueError:
        return None


class CheckInBulk(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"items": [_BULK_ITEM_EXAMPLE]}]}
    )
    items: list[CheckInBulkItem] = Field(
        min_length=1,
        max_length=BULK_CHECK_INS_MAX,
        description=f"1 to {BULK_CHECK_INS_MAX} check-ins, each answered on its own.",
    )

    def to_items(self) -> list[BulkItem]:
        return [item.to_item() for item in self.items]


# -- the bulk answer (REST; GraphQL's payload is api.key_results.graphql's) ------------------


class BulkItemFieldError(Output):
    field: str = Field(examples=["value"])
    message: str = Field(examples=["is required"])
    code: str = Field(examples=["required"])


class BulkItemError(Output):
    """Why an item was refused: the ``code``, ``detail`` and field ``errors`` of the
    problem a single check-in would have been answered with."""

    code: str = Field(examples=["cycle_closed"])
    detail: str = Field(examples=["the cycle is closed and read-only"])
    errors: list[BulkItemFieldError] = Field(default_factory=list)


class BulkCheckInResult(Output):
    index: int = Field(examples=[0], description="The item's position in `items`, from 0.")
    key_result_id: UUID | None = Field(
        description="The item's KR; null when the item had no valid KR id (refused)."
    )
    outcome: Outcome = Field(examples=["applied"])
    check_in: CheckInOut | None = Field(
        default=None,
        description="Applied: the new check-in; duplicate: the one stored with its external "
        "id; refused: null.",
    )
    error: BulkItemError | None = Field(default=None, description="Refused: why; null otherwise.")


class BulkCheckInsOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "index": 0,
                            "key_result_id": _EXAMPLE_ID,
                            "outcome": "refused",
                            "check_in": None,
                            "error": {
                                "code": "cycle_closed",
                                "detail": "the cycle is closed and read-only",
                                "errors": [],
                            },
                        }
                    ],
                    "applied": 0,
                    "duplicates": 0,
                    "refused": 1,
                }
            ]
        }
    )
    items: list[BulkCheckInResult] = Field(description="One answer per item, in their order.")
    applied: int = Field(examples=[1])
    duplicates: int = Field(examples=[0])
    refused: int = Field(examples=[0])

    @classmethod
    def of_answers(cls, items: list[BulkItem], answers: list[BulkAnswer]) -> BulkCheckInsOut:
        results = [
            BulkCheckInResult(
                index=index,
                key_result_id=item.key_result_id,
                outcome=answer.outcome,
                check_in=CheckInOut.of(answer.check_in) if answer.check_in else None,
                error=_item_error(answer),
            )
            for index, (item, answer) in enumerate(zip(items, answers, strict=True))
        ]
        counts = Counter(a.outcome for a in answers)
        return cls(
            items=results,
            applied=counts[Outcome.APPLIED],
            duplicates=counts[Outcome.DUPLICATE],
            refused=counts[Outcome.REFUSED],
        )


def _item_error(answer: BulkAnswer) -> BulkItemError | None:
    # A DomainError has the code, detail and field errors (field, message, code) by name.
    return BulkItemError.of(answer.error) if answer.error is not None else None
