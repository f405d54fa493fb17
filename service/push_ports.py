"""What the push-URL use cases (service/push_urls.py) need from storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from service.pagination import Page, PageRequest


@dataclass(frozen=True, kw_only=True)
class PushUrl:
    """A KR's push URL as its editors see it: never its secret, nor the secret's hash."""

    id: UUID
    organization_id: UUID
    key_result_id: UUID
    name: str  # the integration's name: the ``integration`` of the check-ins it writes
    created_by: str  # the creator's principal subject (a member id)
    created_at: datetime
    last_used_at: datetime | None  # the last push sent to it (refused ones included)
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, kw_only=True)
class PushAdmission:
    """A live push URL found by its secret's hash, its rate-limit window already moved."""

    push_url_id: UUID
    organization_id: UUID
    key_result_id: UUID
    name: str
    requests_in_window: int  # this request included
    window_started_at: datetime


class PushUrlRepository(Protocol):
    async def add(self, push_url: PushUrl, *, token_hash: bytes) -> None: ...

    async def get(
        self, organization_id: UUID, key_result_id: UUID, push_url_id: UUID
    ) -> PushUrl | None: ...

    async def list(
        self, organization_id: UUID, key_result_id: UUID, page: PageRequest
    ) -> Page[PushUrl]:
        """The KR's push URLs, revoked ones included, oldest first."""

    async def revoke(
        self, organization_id: UUID, push_url_id: UUID, *, at: datetime, by: str
    ) -> PushUrl | None:
        """Revoke a live push URL and answer it; ``None`` when it was revoked already."""

    async def admit(
        self, token_hash: bytes, *, now: datetime, window: timedelta
    ) -> PushAdmission | None:
        """The live push URL with this hash, in one statement that also counts this request
        in its fixed window of length ``window`` (a new window when the last one ended) and
        marks it used; ``None`` when no live push URL has it."""

    async def lock_key_result_value(
        self, organization_id: UUID, push_url_id: UUID
    ) -> Decimal | None:
        """The current value of the push URL's KR (its start before any check-in), its row
        locked until the unit of work ends, so an increment reads and writes it alone;
        ``None`` when the push URL was revoked (or its KR deleted) meanwhile."""
