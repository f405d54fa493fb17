"""Pages of a list as GraphQL connections, for every capability.

A list field takes ``first`` and ``after`` (``FirstArg``, ``AfterArg``), and for the lists
of changing resources ``sort`` and ``updatedSince`` (``SortArg``, ``UpdatedSinceArg``);
``page_request`` turns them into the use case's ``PageRequest`` and ``connection`` /
``sorted_connection`` turn its ``Page`` into a ``Connection`` (``FooConnection`` in the
schema).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

import strawberry

from api.graphql.enums import Sort
from domain.errors import FieldError, RuleViolation
from service import pagination
from service.pagination import MAX_LIMIT, Page, PageRequest, encode_cursor

D = TypeVar("D")
N = TypeVar("N")

FIRST = "Page size, 1 to 200."
AFTER = "The `endCursor` (or an edge's `cursor`) of the previous page."
SORT = "The order (see `ListSort`); `after` must come from a page of the same order."
UPDATED_SINCE = (
    "Only what changed at or after this instant (with its offset, e.g. "
    "`2026-02-14T09:30:00Z`; without one: `validation_failed`). Inclusive: resume with the "
    "greatest `updatedAt` you saw and you may see that node again, never miss one."
)
FirstArg = Annotated[int, strawberry.argument(description=FIRST)]
AfterArg = Annotated[str | None, strawberry.argument(description=AFTER)]
SortArg = Annotated[Sort, strawberry.argument(description=SORT)]
UpdatedSinceArg = Annotated[datetime | None, strawberry.argument(description=UPDATED_SINCE)]
# The use cases' field names, as the GraphQL arguments spell them.
_ARGUMENTS = {"cursor": "after", "limit": "first", "updated_since": "updatedSince"}


@strawberry.type(description="Where a page of a connection ends.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on an empty page."
    )


@strawberry.type(description="A node and its cursor.")
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(
    description="A page of a list, in the order its field states (most are oldest first); "
    "`nodes` when cursors per node are not needed."
)
class Connection(Generic[N]):
    edges: list[Edge[N]]
    nodes: list[N]
    page_info: PageInfo


def page_request(
    first: int,
    after: str | None,
    *,
    sort: Sort = Sort.CREATED_AT,
    updated_since: datetime | None = None,
) -> PageRequest:
    """Validate ``first`` (1..200), ``after`` (a cursor of ``sort``) and ``updated_since``
    into a page request, before any query runs; errors name the GraphQL arguments."""
    if not 1 <= first <= MAX_LIMIT:
        raise RuleViolation(
            f"first must be between 1 and {MAX_LIMIT}",
            code="validation_failed",
            errors=[FieldError("first", f"must be between 1 and {MAX_LIMIT}", "out_of_range")],
        )
    try:
        return pagination.page_request(first, after, sort=sort, updated_since=updated_since)
    except RuleViolation as error:
        raise RuleViolation(
            error.detail,
            code=error.code,
            errors=[
                FieldError(_ARGUMENTS.get(e.field, e.field), e.message, e.code)
                for e in error.errors
            ],
        ) from None


def _connection(page: Page[D], node: Callable[[D], N], cursor: Callable[[D], str]) -> Connection[N]:
    items: Sequence[D] = page.items
    edges = [Edge(cursor=cursor(i), node=node(i)) for i in items]
    return Connection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=page.next_after is not None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def connection(page: Page[D], node: Callable[[D], N], key: Callable[[D], UUID]) -> Connection[N]:
    """A connection of a list in creation order: a node's cursor is its id's."""
    return _connection(page, node, lambda i: encode_cursor(key(i)))


def sorted_connection(
    page: Page[D], node: Callable[[D], N], row: Callable[[D], pagination.Stamped]
) -> Connection[N]:
    """A connection of a list that sorts by creation or update: each node's cursor
    continues the page's order after that node's ``row``."""
    return _connection(page, node, lambda i: page.cursor_of(row(i)))
