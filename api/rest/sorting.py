"""``sort`` and ``updated_since``: the parameters of incremental sync on the lists of
resources that change (objectives, KRs, members, units, cycles, actions, KPIs, meetings,
review cycles, comments).

``sort`` is an enum of exactly the orders such a list takes, so OpenAPI lists them and any
other value is a 422 naming the allowed ones. Append-only lists (check-ins, measurements,
audit events) keep plain ``page_params``: nothing in them changes, there is nothing to sync
but what is new, which their cursor already gives.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from api.rest.http import CursorParam, LimitParam
from api.times import UtcInstant
from service.pagination import PageRequest, Sort, page_request

SORT_HELP = (
    "The order: `created_at` (the default: oldest first), `-created_at` (newest first), "
    "`updated_at` (least recently changed first: the order to sync in) or `-updated_at`; "
    "ties by id. A `cursor` continues the order it was cut from: with another `sort` it is "
    "refused (422 `invalid_cursor`). Rows changed while you page move in an `updated_at` "
    "order: they come again later (or, in `-updated_at`, are passed by)."
)
UPDATED_SINCE_HELP = (
    "Only what changed at or after this instant: RFC 3339 with its offset, e.g. "
    "`2026-02-14T09:30:00Z` (a time without an offset is refused, 422). Inclusive: resume "
    "with the greatest `updated_at` you saw and you may see that row again, never miss one "
    "(allow for a write still committing: see the README, Syncing incrementally)."
)


async def sync_page_params(
    limit: LimitParam = None,
    cursor: CursorParam = None,
    sort: Annotated[Sort, Query(description=SORT_HELP)] = Sort.CREATED_AT,
    updated_since: Annotated[
        UtcInstant | None,
        Query(description=UPDATED_SINCE_HELP, examples=["2026-02-14T09:30:00Z"]),
    ] = None,
) -> PageRequest:
    return page_request(limit, cursor, sort=sort, updated_since=updated_since)


SyncPageDep = Annotated[PageRequest, Depends(sync_page_params)]
