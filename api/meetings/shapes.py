# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""The shapes of a review meeting (复盘会, 周会, 月报): REST bodies and GraphQL types are
these classes.

``MeetingOut`` is REST's meeting and the base of GraphQL's ``Meeting`` (``api.meetings.
graphql`` adds its edges); ``MeetingCreate`` is also GraphQL's ``CreateMeetingInput``;
``MeetingPatch`` is REST's PATCH body and the base of ``UpdateMeetingInput``. Each input
converts itself to the use case's input once, for both adapters.

Texts are checked by the domain (``domain.meetings``, bounds in ``domain.limits``) after
stripping, naming every bad field by its path (``attendee_ids[2]``); the shapes only state
the bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Self
from uuid import UUID

import strawberry
from pydantic import ConfigDict, Field
from strawberry import Maybe

from api.actions.shapes import ActionOut
from api.shapes import Input, Output, Patch, no_rest_default
from domain.limits import MEETING_FINDINGS_MAX_LENGTH, MEETING_TITLE_MAX_LENGTH
from domain.meetings import ATTENDEES_MAX, FOLLOW_UPS_MAX, OBJECTIVES_MAX, MeetingKind
from service import meetings

# Registered here, where its one capability reads it: GraphQL's values and description.
strawberry.enum(
    MeetingKind, description="RETROSPECTIVE (复盘会), WEEKLY (周会) or MONTHLY_REPORT (月报)."
)

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_OTHER_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"
_THIRD_ID = "01a209b4-22b3-7c41-a0d5-7a0f3b9e61c2"

MEETING_EXAMPLE: dict[str, Any] = {
    "kind": "retrospective",
    "title": "2026 Q1 销售复盘会",
    "held_on": "2026-04-02",
    "cycle_id": _EXAMPLE_ID,
    "unit_id": _OTHER_ID,
    "attendee_ids": [_THIRD_ID],
    "objective_ids": [_OTHER_ID],
    "findings": "回款周期太长：合同审批平均两周。下季度把审批缩短到3天。",
    "follow_up_action_ids": [_THIRD_ID],
}


class MeetingOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    kind: MeetingKind = Field(
        examples=["retrospective"],
        description="Retrospective (复盘会), weekly (周会) or monthly report (月报).",
    )
    title: str = Field(examples=["2026 Q1 销售复盘会"])
    held_on: date = Field(
        examples=["2026-04-02"], description="After the cycle's end for its retrospective."
    )
    cycle_id: UUID | None = Field(description="The cycle it reviews; with `unit_id` or alone.")
    unit_id: UUID | None = Field(description="The unit whose meeting it is.")
    attendee_ids: list[UUID] = Field(description="Members, in the order written.")
    objective_ids: list[UUID] = Field(
        description="The objectives reviewed that you may see (private ones you may not "
        "see are left out)."
    )
    findings: str = Field(
        examples=["回款周期太长：合同审批平均两周。"], description="What was found (复盘结论)."
    )
    follow_up_action_ids: list[UUID] = Field(
        description="The follow-up actions on key results you may see."
    )
    follow_up_actions: Sequence[ActionOut] = Field(
        description="Those actions as they are now (status, owner, due date); read-only."
    )
    version: int = Field(examples=[1])
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: meetings.MeetingView) -> Self:  # type: ignore[override]
        """The meeting's fields by name, with its follow-up actions as they are now."""
        return cls.model_validate(
            {**vars(view.meeting), "follow_up_actions": view.follow_up_actions},
            from_attributes=True,
        )


def _ids(what: str, limit: int) -> Any:
    """A list of ids a create body may leave out: ``[]`` in GraphQL's schema, no default in
    REST's, as each has always said."""
    return Field(
        default=[],
        description=f"{what}Each once, at most {limit}.",
        json_schema_extra=no_rest_default,
    )


def _tuples(fields: dict[str, Any]) -> dict[str, Any]:
    # A meeting holds its ids as tuples: a list sent stays as written, in order.
    return {
        k: tuple(v) if isinstance(v, Sequence) and not isinstance(v, str) else v
        for k, v in fields.items()
    }


@strawberry.pydantic.input(
    name="CreateMeetingInput",
    description="A new meeting of a cycle, a unit or both. Attendees are members; the "
    "objectives reviewed and the follow-up actions must be ones you may see (else "
    "`validation_failed`, `unknown`); an unknown cycle or unit is `unknown_reference`.",
)
class MeetingCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [MEETING_EXAMPLE]})
    kind: MeetingKind
    title: str = Field(description=f"At most {MEETING_TITLE_MAX_LENGTH} characters.")
    held_on: date = Field(description="May be after the cycle's end: a retrospective is.")
    cycle_id: UUID | None = Field(default=None, description="A cycle, a unit, or both.")
    unit_id: UUID | None = Field(default=None, description="A cycle, a unit, or both.")
    attendee_ids: list[UUID] = _ids("Members. ", ATTENDEES_MAX)
    objective_ids: list[UUID] = _ids("Objectives reviewed, which you may see. ", OBJECTIVES_MAX)
    findings: str = Field(
        default="",
        description=f"What was found (复盘结论); at most {MEETING_FINDINGS_MAX_LENGTH} characters.",
    )
    follow_up_action_ids: list[UUID] = _ids(
        "Actions decided, on key results you may see. ", FOLLOW_UPS_MAX
    )

    def to_new(self) -> meetings.NewMeeting:
        return meetings.NewMeeting(**_tuples(dict(self)))


class MeetingPatch(Patch):
    """JSON merge: send only what changes; a list replaces the list (of what you may
    see: reviewed objectives and follow-ups hidden from you stay); `cycle_id: null` or
    `unit_id: null` removes one, as long as the other stays."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "findings": "回款周期太长：合同审批平均两周。",
                    "follow_up_action_ids": [_THIRD_ID],
                }
            ]
        },
    )
    kind: Maybe[MeetingKind | None] = None
    title: Maybe[str | None] = None
    held_on: Maybe[date | None] = None
    cycle_id: Maybe[UUID | None] = None
    unit_id: Maybe[UUID | None] = None
    attendee_ids: Maybe[list[UUID] | None] = None
    objective_ids: Maybe[list[UUID] | None] = None
    findings: Maybe[str | None] = None
    follow_up_action_ids: Maybe[list[UUID] | None] = None

    def to_changes(self) -> meetings.MeetingChanges:
        sent = self.sent(nullable=frozenset({"cycle_id", "unit_id"}))
        return meetings.MeetingChanges(**_tuples(sent))
