"""/v1/events: the change feed, in commit order, filtered for the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.events.shapes import EventPageOut
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.problems import error_responses
from service import events
from service.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/v1/events", tags=["events"])

AfterParam = Annotated[
    str | None,
    Query(
        description="The `next_cursor` of your previous read; leave it out to start from the "
        "oldest event kept (30 days).",
    ),
]
LimitParam = Annotated[
    int,
    Query(description=f"At most this many events, 1 to {MAX_LIMIT} (default 50).", examples=[50]),
]


@router.get(
    "",
    summary="Read the change feed",
    description="What changed, oldest commit first: objectives, key results, check-ins and "
    "actions (created, updated, archived, deleted, final score set), cycles (activated, "
    "closed), members and units, and review cycles published. Only what you may read: an "
    "event about an objective appears only while you may see that objective; directory "
    "events need the directory (services: `org:read`); review events are for admins, HR and "
    "`reviews:export`. Service tokens need the `events:read` scope.\n\n"
    "Each event names what changed (`changes`, for updates) and carries in `data` the values "
    "an integration needs for its type (a check-in's value and source, a track status's "
    "from and to, a stale KR's since, a final score, a cycle's dates): see `Event.data`.\n\n"
    "Poll with the `next_cursor` of each answer: the feed never shows an event behind a "
    "cursor it already gave, so you miss none; read again at once while `has_more`. The same "
    "cursor answers the same events (replay) for as long as they are kept: 30 days.",
    response_model=EventPageOut,
    responses=error_responses(401, 403, 422),
)
async def list_events(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    after: AfterParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
) -> EventPageOut:
    page = await events.read_events(deps, principal, after=after, limit=limit)
    return EventPageOut.of(page)
