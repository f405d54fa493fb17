"""The change feed in the graph: the ``events`` connection (the type is
``api.events.shapes.EventOut``, named ``Event``)."""

from __future__ import annotations

import strawberry

from api.events.shapes import EventOut
from api.graphql.connections import AfterArg, Connection, Edge, FirstArg, PageInfo, page_request
from api.graphql.context import Info
from api.graphql.fields import field
from service import events
from service.pagination import DEFAULT_LIMIT


@strawberry.type
class EventQuery:
    @field(
        description="What changed, oldest commit first, only what you may read (see the REST "
        "`GET /v1/events`). Read on with `pageInfo.endCursor` (keep your `after` when a page is "
        "empty): no event ever appears behind a cursor given. Kept 30 days. Service tokens "
        "need `events:read`."
    )
    async def events(
        self, info: Info, first: FirstArg = DEFAULT_LIMIT, after: AfterArg = None
    ) -> Connection[EventOut]:
        page_request(first, None)  # refuses a `first` out of bounds, naming `first`
        ctx = info.context
        page = await events.read_events(ctx.deps, ctx.principal, after=after, limit=first)
        edges = [Edge(cursor=e.cursor, node=EventOut.of_event(e.event)) for e in page.items]
        return Connection(
            edges=edges,
            nodes=[e.node for e in edges],
            # As REST's next_cursor: on an empty page, the cursor read from (null would read
            # from the start again, the whole retention, on every idle poll).
            page_info=PageInfo(has_next_page=page.has_more, end_cursor=page.next_cursor),
        )
