"""What the forecast use cases (service/forecasts.py) need from storage. Implemented by
service/storage/postgres/forecast_repositories.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.forecasts import ExternalForecast
from service.pagination import Page, PageRequest


class ForecastRepository(Protocol):
    async def add(self, forecast: ExternalForecast) -> ExternalForecast:
        """Store the forecast and answer it; with an external id its KR already has (a
        concurrent insert of it included, once committed), store nothing and answer the
        entry stored with it."""

    async def history(
        self,
        organization_id: UUID,
        key_result_id: UUID,
        page: PageRequest,
        *,
        as_of: datetime | None = None,
    ) -> Page[ExternalForecast]:
        """The KR's forecasts, newest first by ``created_at`` (the id breaks ties); with
        ``as_of``, those created at or before it. One statement."""

    async def latest_forecasts(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        as_of: datetime | None = None,
    ) -> Mapping[UUID, ExternalForecast]:
        """The latest forecast of each KR (created at or before ``as_of`` when given), by KR
        id; KRs without one are absent. One statement whatever the number of KRs."""
