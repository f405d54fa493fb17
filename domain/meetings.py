"""Review meetings (管理节奏, the M of OKMA): retrospectives, weekly meetings, monthly reports.

DOMAIN.md "Management" and articles 000, 001, 003: the OKRs stay alive through a rhythm of
meetings. A meeting is held for a cycle, a unit, or a unit within a cycle; it records who
attended, which objectives were reviewed, what was found, and the follow-up actions it
decided (actions of the OKRs, :class:`domain.okrs.Action`, referred to by id).

A meeting may be dated after its cycle ends: the retrospective (复盘) of a cycle is held
once it is over, and closed cycles stay open to retrospectives (DOMAIN.md "Cycle").

What a caller may rely on: :func:`validate_meeting` refuses with ``validation_failed``,
naming every bad field by its path (``attendee_ids[3]``, ``title``), and returns the meeting
with its texts stripped; :func:`validate_meeting_references` refuses ids that are not the
organization's, in the same way.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Final
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.limits import MEETING_FINDINGS_MAX_LENGTH, MEETING_TITLE_MAX_LENGTH

# A review meeting is a team's or a department's; a hundred bounds any that is still a
# meeting rather than an all-hands broadcast. Reviewed objectives and follow-ups likewise.
ATTENDEES_MAX: Final = 100
OBJECTIVES_MAX: Final = 100
FOLLOW_UPS_MAX: Final = 100


class MeetingKind(StrEnum):
    """复盘会 retrospective, 周会 weekly meeting, 月报 monthly report."""

    RETROSPECTIVE = "retrospective"
    WEEKLY = "weekly"
    MONTHLY_REPORT = "monthly_report"


@dataclass(frozen=True, kw_only=True)
class Meeting:
    """A review meeting. ``cycle_id`` and ``unit_id``: the cycle and/or the org unit it
    reviews (at least one). ``findings``: what was found (复盘结论), free text."""

    id: UUID
    organization_id: UUID
    kind: MeetingKind
    title: str
    held_on: date
    cycle_id: UUID | None
    unit_id: UUID | None
    attendee_ids: tuple[UUID, ...]  # members
    objective_ids: tuple[UUID, ...]  # the objectives reviewed
    findings: str
    follow_up_action_ids: tuple[UUID, ...]
    version: int
    created_at: datetime
    updated_at: datetime


def _ids(ids: Sequence[UUID], field: str, limit: int, errors: list[FieldError]) -> None:
    if len(ids) > limit:
        errors.append(FieldError(field, f"at most {limit}", "too_many"))
    seen: set[UUID] = set()
    for index, item in enumerate(ids):
        if item in seen:
            errors.append(FieldError(f"{field}[{index}]", "appears twice", "duplicate"))
        seen.add(item)


def validate_meeting(meeting: Meeting) -> Meeting:
    """Refuse a meeting that does not hold together (``validation_failed``):

    - title non-blank, at most ``MEETING_TITLE_MAX_LENGTH`` characters; findings at most
      ``MEETING_FINDINGS_MAX_LENGTH``
      (they may be empty: a meeting is often recorded before it is held);
    - for a cycle, a unit, or both: with neither, both ``cycle_id`` and ``unit_id`` are named;
    - attendees, reviewed objectives and follow-up actions: each id once (the repeat is
      named, ``attendee_ids[2]``), at most ``ATTENDEES_MAX`` / ``OBJECTIVES_MAX`` /
      ``FOLLOW_UPS_MAX``. No attendee is required: a monthly report (月报) is written,
      not attended.

    Returns the meeting with title and findings stripped.
    """
    errors: list[FieldError] = []
    title = meeting.title.strip()
    if not title:
        errors.append(FieldError("title", "must not be empty", "empty"))
    elif len(title) > MEETING_TITLE_MAX_LENGTH:
        errors.append(
            FieldError("title", f"at most {MEETING_TITLE_MAX_LENGTH} characters", "too_long")
        )
    findings = meeting.findings.strip()
    if len(findings) > MEETING_FINDINGS_MAX_LENGTH:
        errors.append(
            FieldError("findings", f"at most {MEETING_FINDINGS_MAX_LENGTH} characters", "too_long")
        )
    if meeting.cycle_id is None and meeting.unit_id is None:
        for field in ("cycle_id", "unit_id"):
            errors.append(
                FieldError(field, "a meeting is for a cycle, a unit, or both", "required")
            )
    _ids(meeting.attendee_ids, "attendee_ids", ATTENDEES_MAX, errors)
    _ids(meeting.objective_ids, "objective_ids", OBJECTIVES_MAX, errors)
    _ids(meeting.follow_up_action_ids, "follow_up_action_ids", FOLLOW_UPS_MAX, errors)
    if errors:
        raise RuleViolation("invalid meeting", code="validation_failed", errors=errors)
    return replace(meeting, title=title, findings=findings)


def validate_meeting_references(
    meeting: Meeting,
    *,
    member_ids: Container[UUID],
    objective_ids: Container[UUID],
    action_ids: Container[UUID],
) -> None:
    """Refuse attendees, objectives and follow-up actions that are not the organization's.

    The containers hold the ids known in the meeting's organization (the use case loads
    them). An id of another organization reads exactly as one that does not exist
    (``unknown``), so the refusal reveals nothing across tenants.
    """
    errors: list[FieldError] = []
    for field, ids, known in (
        ("attendee_ids", meeting.attendee_ids, member_ids),
        ("objective_ids", meeting.objective_ids, objective_ids),
        ("follow_up_action_ids", meeting.follow_up_action_ids, action_ids),
    ):
        errors.extend(
            FieldError(f"{field}[{index}]", "not found in this organization", "unknown")
            for index, item in enumerate(ids)
            if item not in known
        )
    if errors:
        raise RuleViolation(
            "the meeting refers to unknown records", code="validation_failed", errors=errors
        )
