"""The in-memory twin of the KPI repository, with the Postgres adapter's semantics
(``service/storage/postgres/kpi_repositories.py``), constraint for constraint.

Lookups are scoped by ``organization_id``; updates and deletes compare versions; an owner
who is not a member, or a measurement of an unknown KPI, is ``unknown_reference`` (the
foreign keys); deleting a KPI that key results follow is ``kpi_has_linked_key_results``
(their foreign key), and deleting one takes its measurements with it (ON DELETE CASCADE).
A write checks everything before it changes anything.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from domain.kpis import Kpi, KpiMeasurement
from domain.okrs import Direction, KeyResult
from service.kpi_ports import KpiFilter, kpi_has_linked_key_results
from service.pagination import Page, PageRequest, page_of
from service.storage.memory.okr_repositories import _check_failed, _plain
from service.storage.memory.repositories import _check_length, _duplicate_key, _paged, _stale
from service.storage.memory.store import StoreState, TenantData, Transaction, unknown_reference

_DIRECTIONS = frozenset(d.value for d in Direction)


def _check(tenant: TenantData, kpi: Kpi) -> None:
    """The column lengths, the check and the owner's foreign key of ``kpis``."""
    _check_length("kpis.name", kpi.name, 200)
    _check_length("kpis.unit", kpi.unit, 40)
    _check_length("kpis.direction", kpi.direction, 8)
    if kpi.direction not in _DIRECTIONS:
        raise _check_failed()  # ck_kpis_direction
    if kpi.owner_id not in tenant.members:
        raise unknown_reference()


def _stored(kpi: Kpi) -> Kpi:
    """The KPI as it reads back from Postgres: the NUMERIC target in fixed-point form."""
    return replace(kpi, target=_plain(kpi.target))


def _order(m: KpiMeasurement) -> tuple[datetime, datetime, UUID]:
    """Newest-first order of a KPI's measurements, as :func:`domain.kpis.latest_measurement`."""
    return (m.measured_at, m.created_at, m.id)


class MemoryKpis:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _tenant(self, organization_id: UUID) -> TenantData:
        return self._tx.state.tenant(organization_id)

    async def get(self, organization_id: UUID, kpi_id: UUID) -> Kpi | None:
        return self._tenant(organization_id).kpis.get(kpi_id)

    async def get_for_update(self, organization_id: UUID, kpi_id: UUID) -> Kpi | None:
        """As :meth:`get`: the twin takes no row locks."""
        return await self.get(organization_id, kpi_id)

    async def get_many(self, organization_id: UUID, kpi_ids: Sequence[UUID]) -> Mapping[UUID, Kpi]:
        rows = self._tenant(organization_id).kpis
        return {i: rows[i] for i in set(kpi_ids) if i in rows}

    async def list(self, organization_id: UUID, filters: KpiFilter, page: PageRequest) -> Page[Kpi]:
        rows = (k for k in self._tenant(organization_id).kpis.values() if filters.admits(k))
        return _paged(rows, page)

    async def add(self, kpi: Kpi) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(kpi.organization_id)
            if kpi.id in tenant.kpis:
                raise _duplicate_key()
            _check(tenant, kpi)
            tenant.kpis[kpi.id] = _stored(kpi)

        self._tx.write(write)

    async def update(self, kpi: Kpi, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(kpi.organization_id)
            current = tenant.kpis.get(kpi.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check(tenant, kpi)
            tenant.kpis[kpi.id] = _stored(kpi)

        self._tx.write(write)

    async def delete(self, organization_id: UUID, kpi_id: UUID, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            current = tenant.kpis.get(kpi_id)
            if current is None or current.version != previous_version:
                raise _stale()
            if any(kr.kpi_id == kpi_id for kr in tenant.key_results.values()):
                raise kpi_has_linked_key_results()
            for m in [m for m in tenant.kpi_measurements.values() if m.kpi_id == kpi_id]:
                del tenant.kpi_measurements[m.id]
            del tenant.kpis[kpi_id]

        self._tx.write(write)

    async def touch(self, organization_id: UUID, kpi_id: UUID, now: datetime) -> None:
        def write(state: StoreState) -> None:
            kpis = state.tenant_for_write(organization_id).kpis
            if kpi_id in kpis:
                kpis[kpi_id] = replace(kpis[kpi_id], updated_at=max(kpis[kpi_id].updated_at, now))

        self._tx.write(write)

    async def add_measurement(self, measurement: KpiMeasurement) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(measurement.organization_id)
            if measurement.id in tenant.kpi_measurements:
                raise _duplicate_key()
            _check_length("kpi_measurements.recorded_by", measurement.recorded_by, 200)
            if measurement.kpi_id not in tenant.kpis:
                raise unknown_reference()
            tenant.kpi_measurements[measurement.id] = replace(
                measurement, value=_plain(measurement.value)
            )

        self._tx.write(write)

    def _measurements_of(
        self, organization_id: UUID, kpi_id: UUID
    ) -> builtins.list[KpiMeasurement]:
        rows = self._tenant(organization_id).kpi_measurements.values()
        return [m for m in rows if m.kpi_id == kpi_id]

    async def measurements(
        self, organization_id: UUID, kpi_id: UUID, page: PageRequest
    ) -> Page[KpiMeasurement]:
        rows = sorted(self._measurements_of(organization_id, kpi_id), key=_order, reverse=True)
        if page.after is not None:
            cursor = next((m for m in rows if m.id == page.after), None)
            rows = [] if cursor is None else [m for m in rows if _order(m) < _order(cursor)]
        return page_of(rows[: page.limit + 1], page, lambda m: m.id)

    async def latest_measurements(
        self, organization_id: UUID, kpi_ids: Sequence[UUID]
    ) -> Mapping[UUID, KpiMeasurement]:
        wanted = set(kpi_ids)
        found: dict[UUID, KpiMeasurement] = {}
        for m in self._tenant(organization_id).kpi_measurements.values():
            if m.kpi_id not in wanted:
                continue
            best = found.get(m.kpi_id)
            if best is None or _order(m) > _order(best):
                found[m.kpi_id] = m
        return found

    async def linked_key_results(
        self, organization_id: UUID, kpi_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[KeyResult]]:
        wanted = set(kpi_ids)
        found: dict[UUID, builtins.list[KeyResult]] = {}
        for kr in sorted(self._tenant(organization_id).key_results.values(), key=lambda k: k.id):
            if kr.kpi_id is not None and kr.kpi_id in wanted:
                found.setdefault(kr.kpi_id, []).append(kr)
        return found
