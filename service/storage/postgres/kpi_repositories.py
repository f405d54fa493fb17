"""The repository of KPIs (关键绩效指标) and their measurements.

Every query filters on ``organization_id`` first. Numbers are NUMERIC and read back in
fixed-point form (:func:`service.storage.postgres.sql.plain`). A KPI's measurements are
ordered as :func:`domain.kpis.latest_measurement` orders them (``measured_at``, then
``created_at``, then id), which ``ix_kpi_measurements_kpi_measured_at`` serves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Delete,
    Select,
    any_,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ConcurrentChange, StaleVersion
from domain.kpis import Kpi, KpiMeasurement
from domain.okrs import KeyResult
from service.kpi_ports import KpiFilter, kpi_has_linked_key_results
from service.pagination import Page, PageRequest, page_of, stamped_page_of
from service.storage.postgres import tables as t
from service.storage.postgres.errors import constraint_name, translate
from service.storage.postgres.okr_repositories import _key_result
from service.storage.postgres.rows import EntityRows
from service.storage.postgres.sql import escape_like, id_array, paged

# The key results' foreign key on kpis: deleting a KPI that KRs follow violates it.
LINK_CONSTRAINT: Final = "fk_key_results_kpi_id_kpis"


async def _write(conn: AsyncConnection, statement: Any) -> int:
    """Run a write; the KR link's foreign key is ``kpi_has_linked_key_results``, any other
    violated constraint what :func:`translate` makes of it."""
    try:
        result = await conn.execute(statement)
    except IntegrityError as error:
        if constraint_name(error) == LINK_CONSTRAINT:
            raise kpi_has_linked_key_results() from None
        raise translate(error, deleting=isinstance(statement, Delete)) from None
    return int(result.rowcount)


def _stale() -> StaleVersion:
    return ConcurrentChange("the resource changed meanwhile: reload and retry")


_KPIS = EntityRows(Kpi, t.kpis)
_kpi = _KPIS.entity
_MEASUREMENTS = EntityRows(KpiMeasurement, t.kpi_measurements)
_measurement = _MEASUREMENTS.entity


class PostgresKpis:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, kpi_id: UUID) -> Kpi | None:
        k = t.kpis
        row = (
            await self._conn.execute(
                select(k).where(k.c.organization_id == organization_id, k.c.id == kpi_id)
            )
        ).first()
        return _kpi(row) if row else None

    async def get_for_update(self, organization_id: UUID, kpi_id: UUID) -> Kpi | None:
        # FOR NO KEY UPDATE: conflicts with other writers of the KPI (and its UPDATE/DELETE)
        # but not with the FOR KEY SHARE lock that inserting a measurement takes on it.
        k = t.kpis
        statement = (
            select(k)
            .where(k.c.organization_id == organization_id, k.c.id == kpi_id)
            .with_for_update(key_share=True)
        )
        row = (await self._conn.execute(statement)).first()
        return _kpi(row) if row else None

    async def get_many(self, organization_id: UUID, kpi_ids: Sequence[UUID]) -> Mapping[UUID, Kpi]:
        if not kpi_ids:
            return {}
        k = t.kpis
        rows = await self._conn.execute(
            select(k).where(
                k.c.organization_id == organization_id, k.c.id == any_(id_array(kpi_ids))
            )
        )
        return {row.id: _kpi(row) for row in rows}

    async def list(self, organization_id: UUID, filters: KpiFilter, page: PageRequest) -> Page[Kpi]:
        k = t.kpis
        statement: Select[Any] = select(k).where(k.c.organization_id == organization_id)
        if filters.owner_id is not None:
            statement = statement.where(k.c.owner_id == filters.owner_id)
        if filters.q:
            statement = statement.where(k.c.name.ilike(f"%{escape_like(filters.q)}%", escape="\\"))
        rows = (await self._conn.execute(paged(statement, k, page))).all()
        return stamped_page_of([_kpi(r) for r in rows], page)

    async def add(self, kpi: Kpi) -> None:
        await _write(
            self._conn,
            insert(t.kpis).values(**_KPIS.insert_values(kpi)),
        )

    async def update(self, kpi: Kpi, *, previous_version: int) -> None:
        k = t.kpis
        statement = (
            update(k)
            .where(
                k.c.organization_id == kpi.organization_id,
                k.c.id == kpi.id,
                k.c.version == previous_version,
            )
            .values(**_KPIS.values(kpi))
        )
        if await _write(self._conn, statement) != 1:
            raise _stale()

    async def delete(self, organization_id: UUID, kpi_id: UUID, *, previous_version: int) -> None:
        k = t.kpis
        statement = delete(k).where(
            k.c.organization_id == organization_id,
            k.c.id == kpi_id,
            k.c.version == previous_version,
        )
        if await _write(self._conn, statement) != 1:
            raise _stale()

    async def touch(self, organization_id: UUID, kpi_id: UUID, now: datetime) -> None:
        k = t.kpis
        await _write(
            self._conn,
            update(k)
            .where(k.c.organization_id == organization_id, k.c.id == kpi_id)
            .values(
                updated_at=func.greatest(k.c.updated_at, literal(now, DateTime(timezone=True)))
            ),
        )

    async def add_measurement(self, measurement: KpiMeasurement) -> None:
        await _write(
            self._conn,
            insert(t.kpi_measurements).values(**_MEASUREMENTS.insert_values(measurement)),
        )

    async def measurements(
        self, organization_id: UUID, kpi_id: UUID, page: PageRequest
    ) -> Page[KpiMeasurement]:
        m = t.kpi_measurements
        order = (m.c.measured_at, m.c.created_at, m.c.id)
        statement = select(m).where(m.c.organization_id == organization_id, m.c.kpi_id == kpi_id)
        if page.after is not None:
            # Keyset on the cursor row's own key: NULL (no rows) for an id that is not a
            # measurement of this KPI.
            c = m.alias("cursor_row")
            cursor = select(c.c.measured_at, c.c.created_at, c.c.id).where(
                c.c.organization_id == organization_id,
                c.c.kpi_id == kpi_id,
                c.c.id == page.after,
            )
            statement = statement.where(tuple_(*order) < cursor.scalar_subquery())
        rows = (
            await self._conn.execute(
                statement.order_by(*(c.desc() for c in order)).limit(page.limit + 1)
            )
        ).all()
        return page_of([_measurement(r) for r in rows], page, lambda x: x.id)

    async def latest_measurements(
        self, organization_id: UUID, kpi_ids: Sequence[UUID]
    ) -> Mapping[UUID, KpiMeasurement]:
        if not kpi_ids:
            return {}
        m = t.kpi_measurements
        rows = await self._conn.execute(
            select(m)
            .where(m.c.organization_id == organization_id, m.c.kpi_id == any_(id_array(kpi_ids)))
            .ext(distinct_on(m.c.kpi_id))
            .order_by(m.c.kpi_id, m.c.measured_at.desc(), m.c.created_at.desc(), m.c.id.desc())
        )
        return {row.kpi_id: _measurement(row) for row in rows}

    async def linked_key_results(
        self, organization_id: UUID, kpi_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[KeyResult]]:
        if not kpi_ids:
            return {}
        k = t.key_results
        rows = await self._conn.execute(
            select(k)
            .where(k.c.organization_id == organization_id, k.c.kpi_id == any_(id_array(kpi_ids)))
            .order_by(k.c.id)
        )
        found: dict[UUID, list[KeyResult]] = defaultdict(list)
        for row in rows:
            found[row.kpi_id].append(_key_result(row))
        return found
