"""Input rules of key results (关键结果): metric, weight, confidence, milestones, final score.

Each refusal is a ``RuleViolation`` (code ``validation_failed`` unless named) whose
``FieldError`` entries name the offending fields, so a client can point at them. Rules
collect every problem they can see before refusing, rather than stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import NoReturn, Protocol
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.limits import (
    CHECK_IN_TEXT_MAX_LENGTH,
    FINAL_SCORE_REASON_MAX_LENGTH,
    OKR_TITLE_MAX_LENGTH,
)
from domain.okrs import Direction, KeyResult, MetricKind, Milestone
from domain.organizations import too_long

_CURRENCY = re.compile(r"[A-Z]{3}")
CONFIDENCE_MIN = 0
CONFIDENCE_MAX = 10


def _refuse(
    detail: str, errors: Sequence[FieldError], *, code: str = "validation_failed"
) -> NoReturn:
    raise RuleViolation(detail, code=code, errors=errors)


# Metric values are business figures: below a quadrillion, to twelve decimal places. Past
# that a number is a typo or a probe, and Postgres NUMERIC would refuse or round it away.
MAGNITUDE_LIMIT = Decimal(10) ** 15
SMALLEST_EXPONENT = -12


def is_measure(value: Decimal) -> bool:
    """Finite, below ``MAGNITUDE_LIMIT`` in size, and no finer than 12 decimal places."""
    if not value.is_finite() or abs(value) >= MAGNITUDE_LIMIT:
        return False
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= SMALLEST_EXPONENT


def _finite(value: Decimal, field: str, errors: list[FieldError]) -> bool:
    if is_measure(value):
        return True
    errors.append(
        FieldError(field, "must be a number below 10^15 with at most 12 decimals", "not_finite")
    )
    return False


def validate_metric(
    *,
    metric_kind: MetricKind,
    start: Decimal,
    target: Decimal,
    direction: Direction,
    currency: str | None,
    milestones: Sequence[Milestone],
) -> None:
    """Refuse a KR metric whose parts do not fit together.

    - start and target are finite numbers;
    - the direction agrees with start and target: an increase KR does not aim below its
      start, a decrease KR does not aim above it (target == start fits both);
    - currency KRs carry a three-letter upper-case ISO 4217 code; other kinds carry none;
    - boolean KRs go from 0 to 1, direction increase;
    - milestones KRs have at least one milestone, each with a non-blank title of at most
      ``OKR_TITLE_MAX_LENGTH`` characters, a distinct id and a weight > 0; other kinds have
      no milestones.
    Percent values are plain numbers and are not bounded.

    The code is ``direction_contradicts_target`` when that is the only problem, else
    ``validation_failed``; either way ``errors`` lists every problem found.
    """
    errors: list[FieldError] = []
    start_ok = _finite(start, "start", errors)
    target_ok = _finite(target, "target", errors)

    if metric_kind is MetricKind.BOOLEAN:
        if start_ok and target_ok and (start != 0 or target != 1):
            errors.append(
                FieldError("target", "a yes/no KR goes from start 0 to target 1", "boolean_range")
            )
        if direction is not Direction.INCREASE:
            errors.append(
                FieldError("direction", "a yes/no KR has direction increase", "boolean_direction")
            )

    if metric_kind is MetricKind.CURRENCY:
        if currency is None or not _CURRENCY.fullmatch(currency):
            errors.append(
                FieldError(
                    "currency", "a currency KR needs an ISO 4217 code such as CNY", "invalid"
                )
            )
    elif currency is not None:
        errors.append(FieldError("currency", "only currency KRs have a currency", "not_allowed"))

    if metric_kind is MetricKind.MILESTONES:
        errors.extend(_milestone_errors(milestones))
    elif milestones:
        errors.append(
            FieldError("milestones", "only milestones KRs have milestones", "not_allowed")
        )

    contradicts = (
        metric_kind is not MetricKind.BOOLEAN  # its own rule above covers it
        and start_ok
        and target_ok
        and (
            (direction is Direction.INCREASE and target < start)
            or (direction is Direction.DECREASE and target > start)
        )
    )
    if contradicts:
        errors.append(
            FieldError(
                "direction",
                f"an {direction} KR cannot have its target ({target}) "
                f"{'below' if direction is Direction.INCREASE else 'above'} its start ({start})",
                "direction_contradicts_target",
            )
        )

    if errors:
        only_direction = contradicts and len(errors) == 1
        _refuse(
            "the direction contradicts start and target"
            if only_direction
            else "invalid key result metric",
            errors,
            code="direction_contradicts_target" if only_direction else "validation_failed",
        )


def _milestone_errors(milestones: Sequence[Milestone]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not milestones:
        errors.append(
            FieldError("milestones", "a milestones KR needs at least one milestone", "required")
        )
    seen: set[UUID] = set()
    for index, milestone in enumerate(milestones):
        path = f"milestones.{index}"
        title = milestone.title.strip()
        if not title:
            errors.append(FieldError(f"{path}.title", "must not be empty", "empty"))
        errors += too_long(title, max_length=OKR_TITLE_MAX_LENGTH, field_name=f"{path}.title")
        if milestone.id in seen:
            errors.append(FieldError(f"{path}.id", "appears twice", "duplicate"))
        seen.add(milestone.id)
        if not is_measure(milestone.weight) or milestone.weight <= 0:
            errors.append(
                FieldError(f"{path}.weight", "must be a number greater than 0", "out_of_range")
            )
    return errors


class SentMilestone(Protocol):
    """A milestone as a client sends it: ``id`` names one of the KR's milestones to keep."""

    @property
    def title(self) -> str: ...
    @property
    def weight(self) -> Decimal: ...
    @property
    def id(self) -> UUID | None: ...


def revise_milestones(
    current: Sequence[Milestone], sent: Sequence[SentMilestone], new_id: Callable[[], UUID]
) -> tuple[Milestone, ...]:
    """The KR's milestones as sent, in the order sent (titles trimmed).

    The server names milestones: one sent without an id is new and gets ``new_id()``; one
    sent with an id keeps that milestone of ``current`` (its done state goes with the id,
    since check-ins record milestones done by id), with the title and weight sent. Those of
    ``current`` not sent are removed. An id that is not one of ``current`` (made up, another
    KR's, another organization's; any id for a new KR, whose ``current`` is empty) is refused
    with code ``unknown_milestone`` and a ``FieldError`` at ``milestones.<index>.id``.
    """
    known = {m.id for m in current}
    unknown = [index for index, m in enumerate(sent) if m.id is not None and m.id not in known]
    if unknown:
        _refuse(
            "milestone ids are the server's: send an id only to keep one of this key "
            "result's milestones, none for a new one",
            [
                FieldError(f"milestones.{index}.id", "not a milestone of this KR", "unknown")
                for index in unknown
            ],
            code="unknown_milestone",
        )
    return tuple(
        Milestone(id=m.id or new_id(), title=m.title.strip(), weight=m.weight) for m in sent
    )


def validate_weight(weight: Decimal) -> Decimal:
    """A KR's weight in its objective's mean: a finite number >= 0 (0 = does not count)."""
    if not is_measure(weight) or weight < 0:
        _refuse(
            "weight must be a number of at least 0",
            [FieldError("weight", "must be a number of at least 0", "out_of_range")],
        )
    return weight


def validate_confidence(confidence: int | None) -> int | None:
    """Confidence (信心指数) is 0-10, or not given."""
    if confidence is not None and not CONFIDENCE_MIN <= confidence <= CONFIDENCE_MAX:
        _refuse(
            f"confidence must be between {CONFIDENCE_MIN} and {CONFIDENCE_MAX}",
            [
                FieldError(
                    "confidence",
                    f"must be between {CONFIDENCE_MIN} and {CONFIDENCE_MAX}",
                    "out_of_range",
                )
            ],
        )
    return confidence


def validate_milestones_done(kr: KeyResult, done_ids: Sequence[UUID]) -> frozenset[UUID]:
    """Every id must be one of the KR's milestones (code ``unknown_milestone``).

    Returns the ids as a set, ready for ``scoring.kr_progress``. ``extra["unknown"]`` lists
    the unknown ids; each gets a ``FieldError`` at ``milestones_done.<index>``.
    """
    known = {m.id for m in kr.milestones}
    unknown = [(index, i) for index, i in enumerate(done_ids) if i not in known]
    if unknown:
        raise RuleViolation(
            "some milestones are not milestones of this key result",
            code="unknown_milestone",
            errors=[
                FieldError(f"milestones_done.{index}", "not a milestone of this KR", "unknown")
                for index, _ in unknown
            ],
            extra={"unknown": [str(i) for _, i in unknown]},
        )
    return frozenset(done_ids)


def validate_check_in_value(kr: KeyResult, value: Decimal | None) -> Decimal | None:
    """The value a check-in reports: none for milestones KRs (they report milestones done);
    for the others a finite number, and 0 or 1 for yes/no KRs."""
    if kr.metric_kind is MetricKind.MILESTONES:
        if value is not None:
            _refuse(
                "a milestones KR reports milestones done, not a value",
                [FieldError("value", "a milestones KR takes milestones_done", "not_allowed")],
            )
        return None
    if value is None:
        _refuse("a check-in needs a value", [FieldError("value", "is required", "required")])
    if not is_measure(value):
        _refuse(
            "value must be a number below 10^15 with at most 12 decimals",
            [FieldError("value", "out of range", "not_finite")],
        )
    if kr.metric_kind is MetricKind.BOOLEAN and value not in (Decimal(0), Decimal(1)):
        _refuse(
            "a yes/no KR takes 0 (no) or 1 (yes)",
            [FieldError("value", "must be 0 or 1", "boolean_value")],
        )
    return value


def validate_final_score(score: Decimal, reason: str) -> tuple[Decimal, str]:
    """A final score set at cycle close lies in [0, 1] and comes with a non-blank reason of at
    most ``FINAL_SCORE_REASON_MAX_LENGTH`` characters.

    Returns the score and the stripped reason.
    """
    errors: list[FieldError] = []
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(1):
        errors.append(FieldError("score", "must be between 0 and 1", "out_of_range"))
    cleaned = reason.strip()
    if not cleaned:
        errors.append(FieldError("reason", "a final score needs a reason", "required"))
    errors += too_long(cleaned, max_length=FINAL_SCORE_REASON_MAX_LENGTH, field_name="reason")
    if errors:
        _refuse("invalid final score", errors)
    return score, cleaned


def validate_check_in_texts(note: str, blockers: str) -> tuple[str, str]:
    """A check-in's note and blockers, stripped, each at most ``CHECK_IN_TEXT_MAX_LENGTH``
    characters (both may be empty). Returns them stripped."""
    note, blockers = note.strip(), blockers.strip()
    errors = too_long(note, max_length=CHECK_IN_TEXT_MAX_LENGTH, field_name="note")
    errors += too_long(blockers, max_length=CHECK_IN_TEXT_MAX_LENGTH, field_name="blockers")
    if errors:
        _refuse("a check-in text is too long", errors)
    return note, blockers


def ensure_final_score_open(cycle_end: date, cycle_closed: bool, today: date) -> None:
    """Final scores are given at grading: from the cycle's last day (``today`` in the
    organization's time zone) or once the cycle is closed, whichever comes first.

    Earlier, later check-ins would no longer move a score someone fixed mid-cycle.
    """
    if not cycle_closed and today < cycle_end:
        raise RuleViolation(
            f"a final score can be set from the cycle's end date {cycle_end.isoformat()} "
            "or once the cycle is closed",
            code="final_score_too_early",
        )


def validate_due_date(due_date: date, cycle_start: date, cycle_end: date) -> date:
    """A KR falls due inside its cycle, its first and last days included."""
    if not cycle_start <= due_date <= cycle_end:
        _refuse(
            f"due_date {due_date.isoformat()} lies outside the cycle "
            f"({cycle_start.isoformat()} to {cycle_end.isoformat()})",
            [
                FieldError(
                    "due_date",
                    f"must lie between {cycle_start.isoformat()} and {cycle_end.isoformat()}",
                    "outside_cycle",
                )
            ],
        )
    return due_date
