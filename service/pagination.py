"""Keyset pagination with opaque cursors.

Rows are ordered by their UUIDv7 id (creation order), so a cursor is simply the last id
seen, wrapped so clients treat it as opaque and we may change it later.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from domain.errors import FieldError, RuleViolation

T = TypeVar("T")
U = TypeVar("U")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: UUID | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_after: UUID | None

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.next_after) if self.next_after else None

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return Page([fn(i) for i in self.items], self.next_after)


def encode_cursor(after: UUID) -> str:
    raw = json.dumps({"a": str(after)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> UUID:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["a"]
        if not isinstance(value, str):
            raise ValueError(value)
        return UUID(value)
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise RuleViolation(
            "the cursor is not one this API returned",
            code="invalid_cursor",
            errors=[FieldError("cursor", "not a cursor returned by this API", "invalid_cursor")],
        ) from None


def page_request(limit: int | None, cursor: str | None) -> PageRequest:
    """Validate a client's ``limit`` (1..200) and ``cursor`` into a PageRequest."""
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise RuleViolation(
            f"limit must be between 1 and {MAX_LIMIT}",
            code="validation_failed",
            errors=[FieldError("limit", f"must be between 1 and {MAX_LIMIT}", "out_of_range")],
        )
    return PageRequest(limit=size, after=decode_cursor(cursor) if cursor else None)


def page_of(rows: Sequence[T], request: PageRequest, key: Callable[[T], UUID]) -> Page[T]:
    """Build a page from up to ``limit + 1`` rows: the extra row only says "there is more"."""
    if len(rows) > request.limit:
        kept = rows[: request.limit]
        return Page(kept, key(kept[-1]))
    return Page(rows, None)
