"""The shape of an integration event: REST's body and GraphQL's ``Event`` (through
``strawberry.pydantic``), the same payload a webhook delivers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

import strawberry
from pydantic import BaseModel, Field
from strawberry.scalars import JSON

from api.shapes import Output
from service.event_ports import IntegrationEvent
from service.events import EventPage

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"

DATA_DESCRIPTION = (
    "The values an integration needs, per type (every key always present, null when "
    "unset): `key_result.track_status_changed`: `from` (null when none was reported yet), "
    "`to` (on_track, at_risk, off_track), `progress`, `expected_progress` (0-1, decimal "
    "strings), `at`; `key_result.stale`: `stale_since`, `last_check_in_at`, `cadence`; "
    "`check_in.created`: `key_result_id`, `value` (decimal string; null for a milestones "
    "KR), `milestones_done`, `source`, `integration`, `external_id` (never the note or "
    "blockers); `key_result.final_score_set`: `score`; `cycle.activated` and "
    "`cycle.closed`: `start_date`, `end_date`; `review_cycle.published`: `review_cycle_id` "
    "(nothing of a respondent or a score). `{}` for every other type; null for an event "
    "recorded before events carried data."
)


@strawberry.pydantic.type(name="EventResource", description="What an event is about.")
class EventResource(Output):
    type: str = Field(
        examples=["objective"],
        description="objective, key_result, check_in, action, cycle, member, unit or review_cycle.",
    )
    id: UUID = Field(examples=[_EXAMPLE_ID])
    url: str = Field(
        examples=[f"/v1/objectives/{_EXAMPLE_ID}"],
        description="Its REST path (for a check-in: its KR's check-ins; for a review cycle: "
        "its results).",
    )


@strawberry.pydantic.type(
    name="Event",
    description="A change, as integrations hear of it: the feed's item and a webhook's body.",
)
class EventOut(Output):
    id: UUID = Field(
        examples=[_EXAMPLE_ID], description="Unique per event: deduplicate deliveries by it."
    )
    type: str = Field(examples=["objective.updated"], description="See the event catalogue.")
    version: int = Field(
        examples=[1], description="Of the payload of this type; a new meaning gets a new one."
    )
    organization_id: UUID
    occurred_at: datetime
    resource: EventResource
    objective_id: UUID | None = Field(
        description="The objective an OKR event is about (a KR's, check-in's or action's)."
    )
    key_result_id: UUID | None = Field(
        description="The KR a KR, check-in or action event is about."
    )
    changes: list[str] = Field(
        examples=[["title", "visibility"]],
        description="The names of the fields an `*.updated` event changed; empty otherwise.",
    )
    data: Annotated[
        dict[str, Any] | None,
        strawberry.field(graphql_type=JSON | None, description=DATA_DESCRIPTION),
    ] = Field(
        examples=[
            {
                "from": "on_track",
                "to": "at_risk",
                "progress": "0.3",
                "expected_progress": "0.5",
                "at": "2027-05-04T09:00:00Z",
            }
        ],
        description=DATA_DESCRIPTION,
    )

    @classmethod
    def of_event(cls, event: IntegrationEvent) -> Self:
        return cls(
            id=event.id,
            type=event.type,
            version=event.version,
            organization_id=event.organization_id,
            occurred_at=event.occurred_at,
            resource=EventResource(type=event.resource_type, id=event.resource_id, url=event.link),
            objective_id=event.objective_id,
            key_result_id=event.key_result_id,
            changes=list(event.changes),
            data=None if event.data is None else dict(event.data),
        )


class EventPageOut(BaseModel):
    items: list[EventOut]
    next_cursor: str = Field(
        examples=["MTIzNDU2LjQy"],
        description="Pass as `after` to read on: after the last item, or the `after` you "
        "sent when there was none. Keep it: the same cursor answers the same events.",
    )
    has_more: bool = Field(description="Whether more events wait: read on at once.")

    @classmethod
    def of(cls, page: EventPage) -> Self:
        return cls(
            items=[EventOut.of_event(e.event) for e in page.items],
            next_cursor=page.next_cursor,
            has_more=page.has_more,
        )
