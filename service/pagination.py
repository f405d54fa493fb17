"""Keyset pagination with opaque cursors, in creation or update order.

The default order is creation: rows are ordered by their UUIDv7 id (time-ordered), so a
cursor is the last id seen. Lists of resources that change also sort by ``updated_at``
(ties broken by id) and filter by ``updated_since``, so an integration syncs only what
changed. A cursor names the order it was cut from and, in an update order, the last row's
``updated_at``: rows inserted or moved meanwhile never shift a page, and a cursor sent with
another order is refused. Cursors are base64url JSON, opaque to clients so we may change
them (a cursor of the default order is still ``{"a": id}``, as before sorting existed).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from domain.errors import FieldError, RuleViolation

T = TypeVar("T")
U = TypeVar("U")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class Sort(StrEnum):
    """The orders of a list of resources that change; ``-`` is descending."""

    CREATED_AT = "created_at"  # the default: creation order (the time-ordered id)
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"  # oldest change first, ties by id: the order to sync in
    UPDATED_AT_DESC = "-updated_at"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def by_update(self) -> bool:
        return self in (Sort.UPDATED_AT, Sort.UPDATED_AT_DESC)


# The orders of append-only lists (check-ins, measurements, audit events): nothing updates.
CREATION_SORTS = (Sort.CREATED_AT, Sort.CREATED_AT_DESC)


class Stamped(Protocol):
    """A row a list sorts by update: its id and when it last changed."""

    @property
    def id(self) -> UUID: ...
    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True)
class PageRequest:
    """A page of a list: at most ``limit`` rows in ``sort`` order after the row
    (``after``, and ``after_updated_at`` in an update order) that ended the previous page;
    with ``updated_since``, only rows whose ``updated_at`` is at or after it."""

    limit: int = DEFAULT_LIMIT
    after: UUID | None = None
    sort: Sort = Sort.CREATED_AT
    after_updated_at: datetime | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_after: UUID | None
    sort: Sort = Sort.CREATED_AT
    next_updated_at: datetime | None = None  # the last row's, in an update order

    @property
    def next_cursor(self) -> str | None:
        if self.next_after is None:
            return None
        return encode_cursor(self.next_after, sort=self.sort, updated_at=self.next_updated_at)

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return self.with_items([fn(i) for i in self.items])

    def with_items(self, items: Sequence[U]) -> Page[U]:
        """The same page (same next cursor) holding ``items``: views built from its rows."""
        return Page(items, self.next_after, self.sort, self.next_updated_at)

    def cursor_of(self, row: Stamped) -> str:
        """The cursor that continues after ``row`` (one of this page's rows) in this order."""
        return encode_cursor(
            row.id, sort=self.sort, updated_at=row.updated_at if self.sort.by_update else None
        )


def encode_cursor(
    after: UUID, *, sort: Sort = Sort.CREATED_AT, updated_at: datetime | None = None
) -> str:
    body: dict[str, str] = {"a": str(after)}
    if sort is not Sort.CREATED_AT:
        body["s"] = sort.value
    if sort.by_update:
        if updated_at is None:
            raise ValueError("a cursor of an update order needs the row's updated_at")
        body["u"] = updated_at.isoformat()
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor(detail: str = "the cursor is not one this API returned") -> RuleViolation:
    return RuleViolation(
        detail,
        code="invalid_cursor",
        errors=[FieldError("cursor", "not a cursor returned by this API", "invalid_cursor")],
    )


def _decode(cursor: str) -> tuple[Sort, UUID, datetime | None]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(body, dict) or not set(body) <= {"a", "s", "u"}:
            raise ValueError(body)
        after, sort_name, stamp = body["a"], body.get("s", Sort.CREATED_AT.value), body.get("u")
        if not isinstance(after, str) or not isinstance(sort_name, str):
            raise ValueError(body)
        sort = Sort(sort_name)
        if sort.by_update != isinstance(stamp, str):
            raise ValueError(body)
        updated_at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
        if updated_at is not None and updated_at.tzinfo is None:
            raise ValueError(body)
        return sort, UUID(after), updated_at
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _invalid_cursor() from None


def decode_cursor(cursor: str) -> UUID:
    """The id a cursor of the default order continues after (``invalid_cursor`` else)."""
    return _position(cursor, Sort.CREATED_AT)[0]


def _position(cursor: str, sort: Sort) -> tuple[UUID, datetime | None]:
    cut_from, after, updated_at = _decode(cursor)
    if cut_from is not sort:
        raise _invalid_cursor(
            f"the cursor was cut from the sort {cut_from.value!r}, not {sort.value!r}: "
            "send the sort of the page it came from"
        )
    return after, updated_at


def page_request(
    limit: int | None,
    cursor: str | None,
    *,
    sort: Sort = Sort.CREATED_AT,
    updated_since: datetime | None = None,
) -> PageRequest:
    """Validate a client's ``limit`` (1..200), ``cursor`` (of this ``sort``) and
    ``updated_since`` (an instant with its offset) into a PageRequest."""
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise RuleViolation(
            f"limit must be between 1 and {MAX_LIMIT}",
            code="validation_failed",
            errors=[FieldError("limit", f"must be between 1 and {MAX_LIMIT}", "out_of_range")],
        )
    if updated_since is not None and updated_since.utcoffset() is None:
        # A time without an offset names no instant: which zone's 09:00 is it?
        raise RuleViolation(
            "updated_since must be an RFC 3339 instant with its offset, e.g. 2026-02-14T09:30:00Z",
            code="validation_failed",
            errors=[
                FieldError(
                    "updated_since",
                    "needs an offset (Z or +08:00): a time without one names no instant",
                    "naive_time",
                )
            ],
        )
    after, after_updated_at = _position(cursor, sort) if cursor else (None, None)
    return PageRequest(
        limit=size,
        after=after,
        sort=sort,
        after_updated_at=after_updated_at,
        updated_since=updated_since,
    )


def page_of(rows: Sequence[T], request: PageRequest, key: Callable[[T], UUID]) -> Page[T]:
    """Build a page, in creation order, from up to ``limit + 1`` rows: the extra row only
    says "there is more"."""
    if request.sort.by_update:
        raise ValueError("a page in update order is built by stamped_page_of")
    if len(rows) > request.limit:
        kept = rows[: request.limit]
        return Page(kept, key(kept[-1]), request.sort)
    return Page(rows, None, request.sort)


S = TypeVar("S", bound=Stamped)


def stamped_page_of(rows: Sequence[S], request: PageRequest) -> Page[S]:
    """:func:`page_of` for rows that may be sorted by update: the next cursor holds the
    last row's ``updated_at`` too."""
    if len(rows) <= request.limit:
        return Page(rows, None, request.sort)
    kept = rows[: request.limit]
    last = kept[-1]
    return Page(kept, last.id, request.sort, last.updated_at if request.sort.by_update else None)
