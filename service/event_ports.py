"""The port of the event outbox's feed (see service/events.py), and what it speaks in.
Implemented by service/storage/postgres."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from service.okr_ports import Viewer


class Audience(StrEnum):
    """Who may read an event: the same gate as a read of its resource."""

    OKRS = "okrs"  # those who may see its objective now
    DIRECTORY = "directory"  # those who may read the directory
    REVIEWS = "reviews"  # those who may read every review result (admins, HR, reviews:export)


@dataclass(frozen=True)
class IntegrationEvent:
    """One event of the catalogue, as the outbox keeps it.

    ``objective_id`` and ``key_result_id`` place an OKR event (the feed shows it to those who
    may see that objective); for a check-in or an action only the KR is known here, and the
    storage adapter finds its objective in the same statement. ``changes`` names the fields
    an update changed (empty otherwise); ``link`` is the resource's REST path. ``data`` is
    the values its type allow-lists (``service.events.DATA_FIELDS``; empty for the other
    types), JSON-ready; ``None`` for an event kept from before the outbox recorded them.
    """

    id: UUID
    organization_id: UUID
    type: str
    version: int
    occurred_at: datetime
    resource_type: str
    resource_id: UUID
    audience: Audience
    objective_id: UUID | None
    key_result_id: UUID | None
    changes: tuple[str, ...]
    link: str
    data: Mapping[str, Any] | None = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class FeedPosition:
    """Where an event stands in commit order: its transaction, then its insert order."""

    transaction: int
    sequence: int


START = FeedPosition(0, 0)


@dataclass(frozen=True)
class FeedEvent:
    event: IntegrationEvent
    position: FeedPosition


@dataclass(frozen=True)
class FeedRequest:
    """What a caller may read of the feed: the audiences open to them, and which
    objectives (through ``viewer``) for the OKR audience."""

    organization_id: UUID
    viewer: Viewer
    audiences: frozenset[Audience]
    after: FeedPosition
    limit: int


class EventFeed(Protocol):
    async def read(self, request: FeedRequest) -> Sequence[FeedEvent]:
        """Up to ``limit`` events after ``after`` in commit order, only of transactions
        that have ended (so no event can ever appear before one already returned)."""

    async def delete_before(self, instant: datetime) -> int:
        """Forget the events that occurred before ``instant`` (every organization's)."""
