"""Instants as both adapters print them: RFC 3339 in UTC with ``Z``.

``datetime.isoformat`` says ``+00:00`` (or whatever offset a value carries); REST's JSON
(pydantic) already says ``Z`` for UTC, and GraphQL and hand-built JSON must say the same.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(value: datetime) -> str:
    """``2027-05-03T18:30:00Z`` (microseconds when there are any); a naive value is UTC."""
    instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return instant.replace(tzinfo=None).isoformat() + "Z"
