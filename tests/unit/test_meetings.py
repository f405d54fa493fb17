"""Unit tests of domain/meetings.py: review meetings (复盘会, 周会, 月报), the management
rhythm of OKMA (DOMAIN.md "Management")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import RuleViolation
from domain.limits import MEETING_FINDINGS_MAX_LENGTH, MEETING_TITLE_MAX_LENGTH
from domain.meetings import (
    ATTENDEES_MAX,
    Meeting,
    MeetingKind,
    validate_meeting,
    validate_meeting_references,
)

NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
ALICE, BOB, CAROL = uuid4(), uuid4(), uuid4()
O1, O2 = uuid4(), uuid4()
A1 = uuid4()


def make_meeting(**changes: Any) -> Meeting:
    meeting = Meeting(
        id=uuid4(),
        organization_id=uuid4(),
        kind=MeetingKind.RETROSPECTIVE,
        title="Q1 销售部复盘会",
        held_on=date(2026, 4, 2),
        cycle_id=uuid4(),
        unit_id=uuid4(),
        attendee_ids=(ALICE, BOB, CAROL),
        objective_ids=(O1, O2),
        findings="新客户目标达成 80%; 回访率偏低, 需要加强培训。",
        follow_up_action_ids=(A1,),
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(meeting, **changes)


def field_codes(error: RuleViolation) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


def refused(meeting: Meeting) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolation) as caught:
        validate_meeting(meeting)
    assert caught.value.code == "validation_failed"
    return field_codes(caught.value)


def test_the_three_kinds_of_the_management_rhythm() -> None:
    assert [k.value for k in MeetingKind] == ["retrospective", "weekly", "monthly_report"]


def test_a_valid_meeting_comes_back_with_its_texts_stripped() -> None:
    meeting = make_meeting(title="  周会 W14 ", findings="\n 跟进大客户 \n")
    cleaned = validate_meeting(meeting)
    assert (cleaned.title, cleaned.findings) == ("周会 W14", "跟进大客户")
    assert cleaned.attendee_ids == meeting.attendee_ids


@pytest.mark.parametrize(
    "changes",
    [
        {"cycle_id": None},  # a team's weekly meeting
        {"unit_id": None},  # the company's quarter retrospective
        {"attendee_ids": (), "kind": MeetingKind.MONTHLY_REPORT},  # a written monthly report
        {"findings": ""},  # recorded before it is held
        {"findings": "x" * MEETING_FINDINGS_MAX_LENGTH, "title": "t" * MEETING_TITLE_MAX_LENGTH},
        {"attendee_ids": tuple(uuid4() for _ in range(ATTENDEES_MAX))},
    ],
)
def test_meetings_within_the_rules_pass(changes: dict[str, Any]) -> None:
    validate_meeting(make_meeting(**changes))


def test_a_meeting_needs_a_cycle_or_a_unit() -> None:
    assert refused(make_meeting(cycle_id=None, unit_id=None)) == {
        ("cycle_id", "required"),
        ("unit_id", "required"),
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": " \t "}, {("title", "empty")}),
        ({"title": "t" * 201}, {("title", "too_long")}),
        ({"findings": "x" * (MEETING_FINDINGS_MAX_LENGTH + 1)}, {("findings", "too_long")}),
    ],
)
def test_title_and_findings_are_bounded(
    changes: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    assert refused(make_meeting(**changes)) == expected


def test_each_list_names_its_repeats() -> None:
    meeting = make_meeting(
        attendee_ids=(ALICE, BOB, ALICE, BOB),
        objective_ids=(O1, O1),
        follow_up_action_ids=(A1, uuid4(), A1),
    )
    assert refused(meeting) == {
        ("attendee_ids[2]", "duplicate"),
        ("attendee_ids[3]", "duplicate"),
        ("objective_ids[1]", "duplicate"),
        ("follow_up_action_ids[2]", "duplicate"),
    }


def test_lists_are_bounded() -> None:
    def many() -> tuple[UUID, ...]:
        return tuple(uuid4() for _ in range(101))

    assert refused(
        make_meeting(attendee_ids=many(), objective_ids=many(), follow_up_action_ids=many())
    ) == {
        ("attendee_ids", "too_many"),
        ("objective_ids", "too_many"),
        ("follow_up_action_ids", "too_many"),
    }


def test_every_problem_is_reported_at_once() -> None:
    meeting = make_meeting(title="", cycle_id=None, unit_id=None, attendee_ids=(BOB, BOB))
    assert refused(meeting) == {
        ("title", "empty"),
        ("cycle_id", "required"),
        ("unit_id", "required"),
        ("attendee_ids[1]", "duplicate"),
    }


def test_references_of_the_organization_pass() -> None:
    validate_meeting_references(
        make_meeting(),
        member_ids={ALICE, BOB, CAROL},
        objective_ids={O1, O2},
        action_ids={A1},
    )


def test_references_outside_the_organization_are_unknown() -> None:
    stranger, foreign_objective, foreign_action = uuid4(), uuid4(), uuid4()
    meeting = make_meeting(
        attendee_ids=(ALICE, stranger),
        objective_ids=(foreign_objective, O1),
        follow_up_action_ids=(foreign_action,),
    )
    with pytest.raises(RuleViolation) as caught:
        validate_meeting_references(
            meeting, member_ids={ALICE, BOB}, objective_ids={O1}, action_ids={A1}
        )
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == {
        ("attendee_ids[1]", "unknown"),
        ("objective_ids[0]", "unknown"),
        ("follow_up_action_ids[0]", "unknown"),
    }
    # The message is the same whether the id is another organization's or nobody's.
    assert {e.message for e in caught.value.errors} == {"not found in this organization"}
