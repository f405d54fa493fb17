"""The shapes of an action (行动, the A of OKMA): REST bodies and GraphQL types are these
classes.

``ActionOut`` is REST's action and the base of GraphQL's ``Action`` (``api.actions.graphql``
adds its edges); ``ActionCreate`` is REST's POST body and the base of ``CreateActionInput``
(which adds the key result REST names in the path); ``ActionPatch`` is REST's PATCH body and
the base of ``UpdateActionInput``. Each input converts itself to the use case's input once,
for both adapters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field
from strawberry import Maybe

# The enum as registered for GraphQL (named values, description); REST reads it as is.
from api.graphql.enums import ActionStatus
from api.shapes import Input, Output, Patch
from domain.limits import ACTION_COMPLETION_STANDARD_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from service import actions

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"

Title = Annotated[str, Field(max_length=OKR_TITLE_MAX_LENGTH)]
CompletionStandard = Annotated[str, Field(max_length=ACTION_COMPLETION_STANDARD_MAX_LENGTH)]


class ActionOut(Output):
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
    title: Title
    owner_id: UUID | None = None
    due_date: date | None = None
    completion_standard: CompletionStandard | None = None
    status: ActionStatus = ActionStatus.TODO

    def to_new(self) -> actions.NewAction:
        # By name, not ``dict(self)``: GraphQL's input adds the key result to these fields.
        return actions.NewAction(
            title=self.title,
            owner_id=self.owner_id,
            due_date=self.due_date,
            completion_standard=self.completion_standard,
            status=self.status,
        )


class ActionPatch(Patch):
    # JSON merge: null clears the owner, the due date or the completion standard. (A
    # docstring would become the body's description in the published OpenAPI.)
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "doing"}]})
    title: Maybe[Title | None] = None
    owner_id: Maybe[UUID | None] = None
    due_date: Maybe[date | None] = None
    completion_standard: Maybe[CompletionStandard | None] = None
    status: Maybe[ActionStatus | None] = None

    def to_changes(self) -> actions.ActionChanges:
        sent = self.sent(nullable=frozenset({"owner_id", "due_date", "completion_standard"}))
        return actions.ActionChanges(**sent)
