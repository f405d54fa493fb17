"""The port of KPIs (关键绩效指标) and their measurements, and the filter it speaks in.
Implemented by service/storage/postgres.

A KPI is a standing metric; its measurements are immutable readings, kept with it and
deleted with it. A key result follows a KPI through its own ``kpi_id`` (written by the key
results repository); this port reads those links, many KPIs at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.errors import Conflict
from domain.kpis import Kpi, KpiMeasurement
from domain.okrs import KeyResult
from service.pagination import Page, PageRequest


@dataclass(frozen=True)
class KpiFilter:
    """Narrow a list of KPIs; every given field must match.

    - ``owner_id``: the member owning the KPI;
    - ``q``: a piece of its name, ignoring case (``%`` and ``_`` are plain characters).
    """

    owner_id: UUID | None = None
    q: str | None = None


def kpi_has_linked_key_results() -> Conflict:
    """What the storage adapter raises when a KPI that key results follow is deleted (and
    what the use case raises before trying)."""
    return Conflict(
        "key results follow this KPI: unlink them first (their history stays)",
        code="kpi_has_linked_key_results",
    )


class KpiRepository(Protocol):
    """An organization's KPIs and their measurements. Every call is scoped to
    ``organization_id``."""

    async def get(self, organization_id: UUID, kpi_id: UUID) -> Kpi | None: ...
    async def get_for_update(self, organization_id: UUID, kpi_id: UUID) -> Kpi | None:
        """The KPI, locked until the transaction ends: writers of its measurements take
        turns, so each derives its check-ins from the ones before it."""

    async def get_many(self, organization_id: UUID, kpi_ids: Sequence[UUID]) -> Mapping[UUID, Kpi]:
        """The KPIs found among ``kpi_ids`` (one statement); unknown ids are absent."""

    async def list(self, organization_id: UUID, filters: KpiFilter, page: PageRequest) -> Page[Kpi]:
        """Ordered by id (creation order), a keyset page."""

    async def add(self, kpi: Kpi) -> None:
        """Insert; ``unknown_reference`` for an owner who is not a member of the
        organization (or an unknown organization)."""

    async def update(self, kpi: Kpi, *, previous_version: int) -> None:
        """Replace the stored KPI; StaleVersion when the stored version is no longer
        ``previous_version`` (or the KPI is gone); ``unknown_reference`` as ``add``."""

    async def delete(self, organization_id: UUID, kpi_id: UUID, *, previous_version: int) -> None:
        """Remove it with its measurements; StaleVersion when it is not stored at
        ``previous_version``; Conflict ``kpi_has_linked_key_results`` while a key result
        follows it."""

    async def add_measurement(self, measurement: KpiMeasurement) -> None:
        """Insert; ``unknown_reference`` for an unknown KPI."""

    async def touch(self, organization_id: UUID, kpi_id: UUID, now: datetime) -> None:
        """Move the KPI's ``updated_at`` (never back, ``version`` unchanged): its body shows
        the latest measurement, so a sync must see it again."""

    async def measurements(
        self, organization_id: UUID, kpi_id: UUID, page: PageRequest
    ) -> Page[KpiMeasurement]:
        """A KPI's measurements newest first: by ``measured_at``, then the last posted
        (``created_at``, id) first, as :func:`domain.kpis.latest_measurement` orders them.
        The cursor is the last measurement's id; one that is not a measurement of this KPI
        gives an empty page."""

    async def latest_measurements(
        self, organization_id: UUID, kpi_ids: Sequence[UUID]
    ) -> Mapping[UUID, KpiMeasurement]:
        """Each KPI's current reading (:func:`domain.kpis.latest_measurement`), one
        statement for any number of KPIs; a KPI without measurements is absent."""

    async def linked_key_results(
        self, organization_id: UUID, kpi_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[KeyResult]]:
        """The key results following each KPI, oldest first (one statement); a KPI that
        no KR follows is absent."""
