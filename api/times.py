"""Instants as both adapters print them: RFC 3339 in UTC with ``Z``.

``datetime.isoformat`` says ``+00:00`` (or whatever offset a value carries); REST's JSON
(pydantic) already says ``Z`` for UTC, and GraphQL and hand-built JSON must say the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def utc_text(value: datetime) -> str:
    """``2027-05-03T18:30:00Z`` (microseconds when there are any); a naive value is UTC."""
    instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return instant.replace(tzinfo=None).isoformat() + "Z"


def _in_utc(value: datetime) -> datetime:
    """The instant in UTC; one whose UTC form falls outside years 1-9999 (9999-12-31T23:00
    at -01:00) is refused here with a 422, not by the database with a 500."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range: its UTC time must fall within years 1-9999") from None


UtcInstant = Annotated[datetime, AfterValidator(_in_utc)]
"""An instant a client sends, as UTC (naive values are left to the caller's own rule)."""
