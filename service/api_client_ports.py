"""What the API-client use cases need from storage (service/api_clients.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.api_clients import ApiClient


class ApiClientRepository(Protocol):
    async def add(self, client: ApiClient) -> None: ...
    async def get(self, organization_id: UUID, client_id: UUID) -> ApiClient | None:
        """The client, locked for update within a writing unit of work."""

    async def find(self, client_id: UUID) -> ApiClient | None:
        """The client of any organization: the token endpoint knows only the client id."""

    async def list(self, organization_id: UUID) -> Sequence[ApiClient]:
        """The organization's clients, oldest first."""

    async def update(self, client: ApiClient) -> None: ...
    async def mark_used(self, organization_id: UUID, client_id: UUID, at: datetime) -> None:
        """Set ``last_used_at``: one statement, without the audit (a use is no change)."""
