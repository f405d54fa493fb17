"""Learned pacing's reads (service.pacing_ports): closed cycles' KRs and their histories."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from types import SimpleNamespace
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cycles import CycleKind, CycleState
from domain.okrs import ObjectiveStatus
from service.pacing_ports import ClosedKeyResult, PastCheckIn
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import key_result_from_row
from service.storage.postgres.repositories import cycle_from_row
from service.storage.postgres.sql import plain

# Drafts and archived objectives do not count in figures (domain.scoring.counts_in_figures).
_NOT_COUNTED = (ObjectiveStatus.DRAFT.value, ObjectiveStatus.ARCHIVED.value)


class PostgresPacingHistory:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def closed_key_results(
        self,
        organization_id: UUID,
        *,
        kind: CycleKind,
        ended_before: date,
        cycles: int,
        kpi_ids: Collection[UUID],
        unit_ids: Collection[UUID],
    ) -> Sequence[ClosedKeyResult]:
        if not kpi_ids and not unit_ids:
            return []
        k, o, c = t.key_results, t.objectives, t.cycles
        recent = (
            select(c.c.id)
            .where(
                c.c.organization_id == organization_id,
                c.c.state == CycleState.CLOSED.value,
                c.c.kind == kind.value,
                c.c.end_date < ended_before,
                # Closed before the day read, not only now: as_of learns from the cycles
                # that were closed then (a quarter ended but closed later was still open).
                c.c.closed_at < ended_before,
            )
            .order_by(c.c.end_date.desc(), c.c.id.desc())
            .limit(cycles)
            .scalar_subquery()
        )
        comparable = []
        if kpi_ids:
            comparable.append(k.c.kpi_id.in_(list(kpi_ids)))
        if unit_ids:
            comparable.append(o.c.owner_unit_id.in_(list(unit_ids)))
        statement = (
            select(k, o.c.owner_unit_id, *[col.label(f"cycle_{col.name}") for col in c.c])
            .join(o, and_(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id))
            .join(c, and_(c.c.organization_id == o.c.organization_id, c.c.id == o.c.cycle_id))
            .where(
                k.c.organization_id == organization_id,
                o.c.cycle_id.in_(recent),
                o.c.status.not_in(_NOT_COUNTED),
                or_(*comparable),
            )
            .order_by(k.c.id)
        )
        rows = await self._conn.execute(statement)
        found = []
        for row in rows:
            cycle_row = {col.name: getattr(row, f"cycle_{col.name}") for col in c.c}
            found.append(
                ClosedKeyResult(
                    key_result=key_result_from_row(row),
                    owner_unit_id=row.owner_unit_id,
                    cycle=cycle_from_row(SimpleNamespace(**cycle_row)),
                )
            )
        return found

    async def check_ins(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> dict[UUID, list[PastCheckIn]]:
        if not key_result_ids:
            return {}
        ci = t.check_ins
        rows = await self._conn.execute(
            select(ci.c.key_result_id, ci.c.created_at, ci.c.value, ci.c.milestones_done)
            .where(
                ci.c.organization_id == organization_id,
                ci.c.key_result_id.in_(list(key_result_ids)),
            )
            .order_by(ci.c.key_result_id, ci.c.created_at, ci.c.id)
        )
        histories: dict[UUID, list[PastCheckIn]] = {}
        for row in rows:
            histories.setdefault(row.key_result_id, []).append(
                PastCheckIn(
                    created_at=row.created_at,
                    value=None if row.value is None else plain(row.value),
                    milestones_done=None
                    if row.milestones_done is None
                    else tuple(row.milestones_done),
                )
            )
        return histories
