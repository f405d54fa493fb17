"""What the track events last reported of each KR (``key_results.reported_*``), and the KRs
the sweep looks at: the port of service/track_ports.py.

Each write is one statement for any number of KRs: the lists go as arrays, unnested.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, String, and_, bindparam, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cycles import CycleState
from domain.okrs import ObjectiveStatus
from domain.scoring import TrackStatus
from domain.tracks import Reported
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import KEY_RESULT_ROWS
from service.storage.postgres.pacing_json import pacing_from_json
from service.storage.postgres.repositories import cycle_from_record, organization_from_record
from service.storage.postgres.sql import UUID_ARRAY, plain
from service.track_ports import (
    CheckInTrack,
    NewReport,
    SweepPosition,
    TrackedKeyResult,
)

# The sweep's advisory lock ("okrtrks"): one sweep at a time across workers.
SWEEP_LOCK = 0x6F6B7274726B73
_TEXTS = ARRAY(String())
_INSTANTS = ARRAY(DateTime(timezone=True))


def _reported(status: str | None, stale_since: datetime | None) -> Reported:
    return Reported(TrackStatus(status) if status is not None else None, stale_since)


def _report_check_ins() -> Any:
    """Set each given status on its KR where the given check-in is the KR's latest, and
    answer what the row said before: ``prev`` is the same row read by this statement, which
    runs after the check-in's own statement locked it (so no other writer came between)."""
    k = t.key_results
    prev = k.alias("prev")
    given = (
        func.unnest(
            bindparam("key_result_ids", type_=UUID_ARRAY),
            bindparam("check_in_ids", type_=UUID_ARRAY),
            bindparam("statuses", type_=_TEXTS),
        )
        .table_valued("key_result_id", "check_in_id", "status")
        .render_derived(name="given")
    )
    return (
        update(k)
        .where(
            k.c.organization_id == bindparam("of_organization_id"),
            k.c.id == given.c.key_result_id,
            k.c.latest_check_in_id == given.c.check_in_id,
            prev.c.organization_id == k.c.organization_id,
            prev.c.id == k.c.id,
        )
        .values(reported_track_status=given.c.status)
        .returning(given.c.check_in_id, prev.c.reported_track_status, prev.c.reported_stale_since)
    )


def _keep_reports() -> Any:
    """Keep each report whose KR still says what the sweep saw (compare and set)."""
    k = t.key_results
    given = (
        func.unnest(
            bindparam("organization_ids", type_=UUID_ARRAY),
            bindparam("key_result_ids", type_=UUID_ARRAY),
            bindparam("seen_statuses", type_=_TEXTS),
            bindparam("seen_stale", type_=_INSTANTS),
            bindparam("seen_latest", type_=UUID_ARRAY),
            bindparam("statuses", type_=_TEXTS),
            bindparam("stale", type_=_INSTANTS),
        )
        .table_valued(
            "organization_id",
            "key_result_id",
            "seen_status",
            "seen_stale_since",
            "seen_latest",
            "status",
            "stale_since",
        )
        .render_derived(name="given")
    )
    return (
        update(k)
        .where(
            k.c.organization_id == given.c.organization_id,
            k.c.id == given.c.key_result_id,
            k.c.reported_track_status.is_not_distinct_from(given.c.seen_status),
            k.c.reported_stale_since.is_not_distinct_from(given.c.seen_stale_since),
            k.c.latest_check_in_id.is_not_distinct_from(given.c.seen_latest),
        )
        .values(reported_track_status=given.c.status, reported_stale_since=given.c.stale_since)
        .returning(k.c.id)
    )


def _taking_updates(*, after: bool) -> Any:
    """KRs of active objectives in cycles not closed, without a final score (the rule of
    ``domain.cadence.takes_updates``, in SQL: the sweep reads only those), with their
    cycle and organization as whole rows; by (organization, id), the primary key's order."""
    k, o, cy, org, u = t.key_results, t.objectives, t.cycles, t.organizations, t.org_units
    whole = cy.alias("whole_cycle")  # the cycle joined below, as one composite column
    cycle_row = select(whole.table_valued()).where(
        whole.c.organization_id == cy.c.organization_id, whole.c.id == cy.c.id
    )
    organization_row = select(org.table_valued()).where(
        org.c.organization_id == k.c.organization_id
    )
    # The owner unit's default curve, which judges a KR that sets none (NULL: no unit).
    unit_pacing = select(u.c.pacing).where(
        u.c.organization_id == o.c.organization_id, u.c.id == o.c.owner_unit_id
    )
    joined = k.join(
        o, and_(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id)
    ).join(cy, and_(cy.c.organization_id == o.c.organization_id, cy.c.id == o.c.cycle_id))
    statement = (
        select(
            k,
            o.c.status.label("objective_status"),
            cycle_row.scalar_subquery().label("cycle_row"),
            organization_row.scalar_subquery().label("organization_row"),
            o.c.owner_unit_id,
            unit_pacing.scalar_subquery().label("unit_pacing"),
        )
        .select_from(joined)
        .where(
            o.c.status == ObjectiveStatus.ACTIVE.value,
            cy.c.state != CycleState.CLOSED.value,
            k.c.final_score.is_(None),
        )
        .order_by(k.c.organization_id, k.c.id)
        .limit(bindparam("limit"))
    )
    if after:
        statement = statement.where(
            tuple_(k.c.organization_id, k.c.id)
            > tuple_(bindparam("after_organization_id"), bindparam("after_key_result_id"))
        )
    return statement


# Built once each: SQLAlchemy keeps a statement object's cache key.
_REPORT_CHECK_INS = _report_check_ins()
_KEEP_REPORTS = _keep_reports()
_FIRST_TAKING_UPDATES = _taking_updates(after=False)
_NEXT_TAKING_UPDATES = _taking_updates(after=True)


def _tracked(row: Any) -> TrackedKeyResult:
    return TrackedKeyResult(
        key_result=KEY_RESULT_ROWS.entity(row),
        objective_status=ObjectiveStatus(row.objective_status),
        cycle=cycle_from_record(row.cycle_row),
        organization=organization_from_record(row.organization_row),
        current=plain(row.current_value) if row.current_value is not None else None,
        milestones_done=frozenset(row.current_milestones_done or ()),
        latest_check_in_id=row.latest_check_in_id,
        latest_check_in_at=row.latest_check_in_at,
        reported=_reported(row.reported_track_status, row.reported_stale_since),
        owner_unit_id=row.owner_unit_id,
        unit_pacing=pacing_from_json(row.unit_pacing),
    )


class PostgresKeyResultTracks:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def report_check_ins(
        self, organization_id: UUID, tracks: Sequence[CheckInTrack]
    ) -> Mapping[UUID, Reported]:
        if not tracks:
            return {}
        rows = await self._conn.execute(
            _REPORT_CHECK_INS,
            {
                "of_organization_id": organization_id,
                "key_result_ids": [x.key_result_id for x in tracks],
                "check_in_ids": [x.check_in_id for x in tracks],
                "statuses": [x.status.value for x in tracks],
            },
        )
        return {
            row.check_in_id: _reported(row.reported_track_status, row.reported_stale_since)
            for row in rows
        }

    async def taking_updates(
        self, after: SweepPosition | None, limit: int
    ) -> Sequence[TrackedKeyResult]:
        if after is None:
            rows = await self._conn.execute(_FIRST_TAKING_UPDATES, {"limit": limit})
        else:
            rows = await self._conn.execute(
                _NEXT_TAKING_UPDATES,
                {
                    "limit": limit,
                    "after_organization_id": after.organization_id,
                    "after_key_result_id": after.key_result_id,
                },
            )
        return [_tracked(row) for row in rows]

    async def try_lock_sweep(self) -> bool:
        # Transaction-scoped: the unit of work's end (commit, rollback, a dead connection)
        # releases it, so a crashed worker never keeps the others from sweeping.
        taken = await self._conn.execute(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK)))
        return bool(taken.scalar())

    async def keep_reports(self, reports: Collection[NewReport]) -> set[UUID]:
        if not reports:
            return set()
        listed = list(reports)
        rows = await self._conn.execute(
            _KEEP_REPORTS,
            {
                "organization_ids": [r.organization_id for r in listed],
                "key_result_ids": [r.key_result_id for r in listed],
                "seen_statuses": [_status(r.seen) for r in listed],
                "seen_stale": [r.seen.stale_since for r in listed],
                "seen_latest": [r.seen_latest_check_in_id for r in listed],
                "statuses": [_status(r.keep) for r in listed],
                "stale": [r.keep.stale_since for r in listed],
            },
        )
        return {row.id for row in rows}


def _status(reported: Reported) -> str | None:
    return reported.status.value if reported.status is not None else None
