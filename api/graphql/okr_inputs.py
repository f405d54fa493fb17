"""Input objects of the OKR mutations and filters, and their mapping to use-case inputs.

As in ``inputs``: a field left out of an update is ``UNSET`` (left alone), ``null`` clears
a nullable field (the alignment links ``parentObjectiveId`` / ``parentKeyResultId``, a KR's
``unit``, ``currency`` and ``confidence``) and is refused elsewhere. Texts have REST's length
limits; numbers and rules are checked by the use cases, so both adapters refuse the same things.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import strawberry

from api.graphql.enums import (
    Direction,
    MetricKind,
)
from api.graphql.inputs import Sent
from domain.errors import FieldError, RuleViolation
from domain.okrs import Cadence  # registered as the schema's enum in okr_types
from service import checkins, key_results
from service.okr_ports import KeyResultFilter
from service.patch import UNSET

_LONG_TEXT = 10_000


class Lengths:
    """Collects the texts over their limit and refuses them all at once (as REST's 422)."""

    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def check(self, value: object, field: str, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self._errors.append(FieldError(field, f"at most {limit} characters", "too_long"))

    def done(self) -> None:
        if self._errors:
            raise RuleViolation(
                "too long: " + ", ".join(e.field for e in self._errors),
                code="validation_failed",
                errors=self._errors,
            )


def _limited(*checks: tuple[object, str, int]) -> None:
    lengths = Lengths()
    for value, field, limit in checks:
        lengths.check(value, field, limit)
    lengths.done()


# -- filters -------------------------------------------------------------------------------


@strawberry.input(description="Narrows `keyResults`; every field given must match.")
class KeyResultFilterInput:
    cycle_id: UUID | None = strawberry.field(default=None, description="The objective's cycle.")
    objective_id: UUID | None = None
    owner_id: UUID | None = strawberry.field(default=None, description="The member owning the KR.")
    stale: bool | None = strawberry.field(
        default=None,
        description="true: only KRs whose check-in is overdue now (the last check-in, else "
        "the KR's creation, plus its cadence, on the organization's calendar; only KRs of "
        "active objectives in cycles not closed, without a final score); false: the others.",
    )

    def to_filter(self) -> KeyResultFilter:
        return KeyResultFilter(
            cycle_id=self.cycle_id,
            objective_id=self.objective_id,
            owner_id=self.owner_id,
            stale=self.stale,
        )


# -- key results ---------------------------------------------------------------------------


@strawberry.input(
    description="A weighted milestone. Ids are the server's: send `id` only to keep one of "
    "this key result's milestones (with its done state); none for a new one. Any other id "
    "(and any id when creating) is `unknown_milestone`."
)
class MilestoneInput:
    title: str
    weight: Decimal = Decimal(1)
    id: UUID | None = None

    def to_input(self) -> key_results.MilestoneInput:
        return key_results.MilestoneInput(title=self.title, weight=self.weight, id=self.id)


def _milestones(items: list[MilestoneInput]) -> tuple[key_results.MilestoneInput, ...]:
    _limited(*((m.title, "milestones.title", 300) for m in items))
    return tuple(m.to_input() for m in items)


@strawberry.input(
    description="A new key result; it always has an owner. A direction that contradicts "
    "start and target is `direction_contradicts_target`."
)
class CreateKeyResultInput:
    objective_id: UUID
    title: str
    owner_id: UUID
    metric_kind: MetricKind = MetricKind.NUMBER
    start: Decimal = Decimal(0)
    target: Decimal = Decimal(1)
    direction: Direction = Direction.INCREASE
    unit: str | None = None
    currency: str | None = strawberry.field(default=None, description="ISO 4217.")
    weight: Decimal = Decimal(1)
    due_date: date | None = strawberry.field(default=None, description="Default: cycle's end.")
    confidence: int | None = strawberry.field(default=None, description="0 to 10.")
    milestones: list[MilestoneInput] = strawberry.field(default_factory=list)
    cadence: Cadence = strawberry.field(
        default=Cadence.WEEKLY, description="How often its owner checks in."
    )

    def to_new(self) -> key_results.NewKeyResult:
        _limited((self.title, "title", 300), (self.unit, "unit", 40))
        return key_results.NewKeyResult(
            title=self.title,
            owner_id=self.owner_id,
            metric_kind=self.metric_kind,
            start=self.start,
            target=self.target,
            direction=self.direction,
            unit=self.unit,
            currency=self.currency,
            weight=self.weight,
            due_date=self.due_date,
            confidence=self.confidence,
            milestones=_milestones(self.milestones),
            cadence=self.cadence,
        )


@strawberry.input(
    description="Send only what changes; null clears unit, currency or confidence. "
    "`milestones` replaces the list. The value changes only through check-ins."
)
class UpdateKeyResultInput:
    id: UUID
    title: str | None = strawberry.UNSET
    owner_id: UUID | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    start: Decimal | None = strawberry.UNSET
    target: Decimal | None = strawberry.UNSET
    direction: Direction | None = strawberry.UNSET
    weight: Decimal | None = strawberry.UNSET
    due_date: date | None = strawberry.UNSET
    confidence: int | None = strawberry.UNSET
    milestones: list[MilestoneInput] | None = strawberry.UNSET
    cadence: Cadence | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> key_results.KeyResultChanges:
        sent = Sent()
        milestones = sent.value(self.milestones, "milestones")
        changes = key_results.KeyResultChanges(
            title=sent.value(self.title, "title"),
            owner_id=sent.value(self.owner_id, "ownerId"),
            unit=sent.nullable(self.unit),
            currency=sent.nullable(self.currency),
            start=sent.value(self.start, "start"),
            target=sent.value(self.target, "target"),
            direction=sent.value(self.direction, "direction"),
            weight=sent.value(self.weight, "weight"),
            due_date=sent.value(self.due_date, "dueDate"),
            confidence=sent.nullable(self.confidence),
            milestones=UNSET if milestones is UNSET else _milestones(milestones),
            cadence=sent.value(self.cadence, "cadence"),
        )
        sent.check()
        _limited((changes.title, "title", 300), (changes.unit, "unit", 40))
        return changes


@strawberry.input(
    description="Moves a KR, with its check-ins and actions, to another objective of the "
    "same cycle."
)
class MoveKeyResultInput:
    id: UUID
    objective_id: UUID
    expected_version: int | None = None


@strawberry.input(
    description="At cycle close: the KR's final score (0 to 1) with a required reason."
)
class SetFinalScoreInput:
    id: UUID
    score: Decimal
    reason: str
    expected_version: int | None = None

    def checked_reason(self) -> str:
        _limited((self.reason, "reason", 2000))
        return self.reason


@strawberry.input(description="Deletes a KR never checked in on; its actions go with it.")
class DeleteKeyResultInput:
    id: UUID
    expected_version: int | None = None


@strawberry.input(
    description="A KR's new value (or, for a milestones KR, the milestones done), with a "
    "confidence and a note. History is never rewritten: a correction is a new check-in."
)
class CheckInInput:
    key_result_id: UUID
    value: Decimal | None = None
    milestones_done: list[UUID] | None = None
    confidence: int | None = strawberry.field(default=None, description="0 to 10.")
    note: str = strawberry.field(default="", description="What happened.")
    blockers: str = strawberry.field(default="", description="What blocks.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The KR's version you read: refused (STALE_VERSION) when it changed since.",
    )

    def to_new(self) -> checkins.NewCheckIn:
        _limited((self.note, "note", _LONG_TEXT), (self.blockers, "blockers", _LONG_TEXT))
        return checkins.NewCheckIn(
            value=self.value,
            milestones_done=tuple(self.milestones_done)
            if self.milestones_done is not None
            else None,
            confidence=self.confidence,
            note=self.note,
            blockers=self.blockers,
        )
