"""Input objects of the OKR mutations and filters, and their mapping to use-case inputs.

As in ``inputs``: a field left out of an update is ``UNSET`` (left alone), ``null`` clears
a nullable field (the alignment links ``parentObjectiveId`` / ``parentKeyResultId``, a KR's
``unit``, ``currency`` and ``confidence``, an action's ``ownerId``, ``dueDate`` and
``completionStandard``) and is refused elsewhere. Texts have REST's length limits; numbers
and rules are checked by the use cases, so both adapters refuse the same things.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import strawberry

from api.graphql.enums import (
    ActionStatus,
    Direction,
    Level,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from api.graphql.inputs import Sent
from domain.errors import FieldError, RuleViolation
from domain.okrs import Cadence  # registered as the schema's enum in okr_types
from service import actions, checkins, key_results, objectives
from service.okr_ports import AuditFilter, KeyResultFilter, ObjectiveFilter
from service.patch import UNSET, Maybe

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


@strawberry.input(description="Narrows `objectives`; every field given must match.")
class ObjectiveFilterInput:
    cycle_id: UUID | None = None
    owner_id: UUID | None = strawberry.field(default=None, description="A member owning it.")
    unit_id: UUID | None = strawberry.field(default=None, description="A unit owning it.")
    level: Level | None = None
    status: ObjectiveStatus | None = None
    q: str | None = strawberry.field(default=None, description="Part of the title, any case.")
    below_unit_id: UUID | None = strawberry.field(
        default=None,
        description="Everything below a unit: owned by it or a unit under it, or by one of "
        "their members.",
    )
    orphans: bool = strawberry.field(
        default=False, description="Only non-company objectives aligned to nothing."
    )

    def to_filter(self) -> ObjectiveFilter:
        _limited((self.q, "filter.q", 200))
        return ObjectiveFilter(
            cycle_id=self.cycle_id,
            owner_id=self.owner_id,
            unit_id=self.unit_id,
            level=self.level,
            status=self.status,
            q=self.q,
            below_unit_id=self.below_unit_id,
            orphans=self.orphans,
        )


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


@strawberry.input(description="Narrows `auditEvents`.")
class AuditEventFilterInput:
    resource_type: str | None = strawberry.field(
        default=None,
        description="objective, key_result, check_in, action, member, unit, cycle, organization...",
    )
    resource_id: UUID | None = None
    actor: str | None = strawberry.field(
        default=None, description="A member id, or `service:<client>`."
    )

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            resource_type=self.resource_type, resource_id=self.resource_id, actor=self.actor
        )


# -- objectives ----------------------------------------------------------------------------


@strawberry.input(description="Who owns an objective: a member, or a unit (its lead answers).")
class ObjectiveOwnerInput:
    kind: OwnerKind
    id: UUID


@strawberry.input(
    description="A new objective in a cycle that is not closed. Align it to one objective "
    "(`parentObjectiveId`) or contribute to one KR of another (`parentKeyResultId`)."
)
class CreateObjectiveInput:
    cycle_id: UUID
    title: str
    description: str = ""
    owner: ObjectiveOwnerInput | None = strawberry.field(default=None, description="Default: you.")
    level: Level | None = strawberry.field(
        default=None, description="Default: individual for a person, the unit's rank for a unit."
    )
    status: ObjectiveStatus = ObjectiveStatus.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    roll_up: bool = False
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None

    def to_new(self) -> objectives.NewObjective:
        _limited((self.title, "title", 300), (self.description, "description", _LONG_TEXT))
        return objectives.NewObjective(
            cycle_id=self.cycle_id,
            title=self.title,
            description=self.description,
            owner_kind=self.owner.kind if self.owner else OwnerKind.MEMBER,
            owner_id=self.owner.id if self.owner else None,
            level=self.level,
            status=self.status,
            visibility=self.visibility,
            roll_up=self.roll_up,
            parent_objective_id=self.parent_objective_id,
            parent_key_result_id=self.parent_key_result_id,
        )


@strawberry.input(
    description="Send only what changes. `parentObjectiveId` / `parentKeyResultId` set the "
    "alignment link (one of them); null clears it; left out, it stays."
)
class UpdateObjectiveInput:
    id: UUID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    level: Level | None = strawberry.UNSET
    status: ObjectiveStatus | None = strawberry.UNSET
    visibility: Visibility | None = strawberry.UNSET
    roll_up: bool | None = strawberry.UNSET
    parent_objective_id: UUID | None = strawberry.UNSET
    parent_key_result_id: UUID | None = strawberry.UNSET
    owner: ObjectiveOwnerInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Reassign it, under the rules of creating it for that owner (you answer "
        "for both owners); unknown: `unknown_reference`, a deactivated member: "
        "`owner_inactive`. Without `level`, member to member keeps the level; a unit gives "
        "its rank. Audited; KRs and check-ins stay.",
    )
    expected_version: int | None = None

    def to_changes(self) -> objectives.ObjectiveChanges:
        sent = Sent()
        changes = objectives.ObjectiveChanges(
            title=sent.value(self.title, "title"),
            description=sent.value(self.description, "description"),
            level=sent.value(self.level, "level"),
            status=sent.value(self.status, "status"),
            visibility=sent.value(self.visibility, "visibility"),
            roll_up=sent.value(self.roll_up, "rollUp"),
            parent_objective_id=sent.nullable(self.parent_objective_id),
            parent_key_result_id=sent.nullable(self.parent_key_result_id),
            owner=_owner_ref(sent.value(self.owner, "owner")),
        )
        sent.check()
        _limited((changes.title, "title", 300), (changes.description, "description", _LONG_TEXT))
        return changes


def _owner_ref(owner: Maybe[ObjectiveOwnerInput]) -> Maybe[objectives.OwnerRef]:
    return UNSET if owner is UNSET else objectives.OwnerRef(kind=owner.kind, id=owner.id)


@strawberry.input(
    description="Deletes an objective never checked in on; once checked in, archives it."
)
class DeleteObjectiveInput:
    id: UUID
    expected_version: int | None = None


@strawberry.input(
    description="Carries an objective over into another cycle as a draft, with its KRs and "
    "the actions not done, without check-ins."
)
class CopyObjectiveInput:
    id: UUID
    cycle_id: UUID
    owner_id: UUID | None = strawberry.field(default=None, description="Default: the same owner.")
    carry_achieved: bool = strawberry.field(
        default=False,
        description="Start each KR at its current value in the source (never past its "
        "target); false keeps the old start.",
    )

    def to_request(self) -> objectives.CopyRequest:
        carry = objectives.Carry.ACHIEVED if self.carry_achieved else objectives.Carry.START
        return objectives.CopyRequest(cycle_id=self.cycle_id, owner_id=self.owner_id, carry=carry)


@strawberry.input(description="Closes every objective of the cycle not closed or archived.")
class CloseCycleObjectivesInput:
    cycle_id: UUID


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


# -- actions -------------------------------------------------------------------------------


@strawberry.input(
    description="A task serving a KR. Without an owner, a due date and a completion "
    "standard it cannot move to DOING (`action_not_ready`)."
)
class CreateActionInput:
    key_result_id: UUID
    title: str
    owner_id: UUID | None = None
    due_date: date | None = None
    completion_standard: str | None = strawberry.field(default=None, description="What done means.")
    status: ActionStatus = ActionStatus.TODO

    def to_new(self) -> actions.NewAction:
        _limited(
            (self.title, "title", 300),
            (self.completion_standard, "completionStandard", _LONG_TEXT),
        )
        return actions.NewAction(
            title=self.title,
            owner_id=self.owner_id,
            due_date=self.due_date,
            completion_standard=self.completion_standard,
            status=self.status,
        )


@strawberry.input(
    description="Send only what changes; null clears ownerId, dueDate or completionStandard. "
    "The action's owner may change it too; an accepted action is final."
)
class UpdateActionInput:
    id: UUID
    title: str | None = strawberry.UNSET
    owner_id: UUID | None = strawberry.UNSET
    due_date: date | None = strawberry.UNSET
    completion_standard: str | None = strawberry.UNSET
    status: ActionStatus | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> actions.ActionChanges:
        sent = Sent()
        changes = actions.ActionChanges(
            title=sent.value(self.title, "title"),
            owner_id=sent.nullable(self.owner_id),
            due_date=sent.nullable(self.due_date),
            completion_standard=sent.nullable(self.completion_standard),
            status=sent.value(self.status, "status"),
        )
        sent.check()
        _limited(
            (changes.title, "title", 300),
            (changes.completion_standard, "completionStandard", _LONG_TEXT),
        )
        return changes


@strawberry.input(
    description="Accepts a done action: only the KR's owner or the action owner's manager "
    "may (`not_acceptor`)."
)
class AcceptActionInput:
    id: UUID
    expected_version: int | None = None
