"""The repository of review meetings (复盘会, 周会, 月报).

One row per meeting in ``meetings``; its attendees, reviewed objectives and follow-up
actions in three link tables, each row with its ``position`` so the lists read back in the
order they were written. A meeting is read in one statement (each list an ordered
``array_agg`` subquery). Every query filters on ``organization_id`` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, Table, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ConcurrentChange, StaleVersion
from domain.meetings import Meeting
from service.management_ports import MeetingFilter
from service.pagination import Page, PageRequest, stamped_page_of
from service.storage.postgres import tables as t
from service.storage.postgres.rows import EntityRows, Stored
from service.storage.postgres.sql import execute_write, paged

# The link tables, the column each links to, and the meeting's field it holds.
_LINKS: Final = (
    (t.meeting_attendees, "member_id", "attendee_ids"),
    (t.meeting_objectives, "objective_id", "objective_ids"),
    (t.meeting_actions, "action_id", "follow_up_action_ids"),
)


def _stale() -> StaleVersion:
    return ConcurrentChange("the resource changed meanwhile: reload and retry")


def _linked(link: Table, column: str) -> ColumnElement[Any]:
    """The ids a meeting links to through ``link``, in their written order (NULL for none),
    as a correlated subquery of a statement selecting from ``meetings``."""
    m = t.meetings
    return (
        select(func.array_agg(aggregate_order_by(link.c[column], link.c.position)))
        .where(
            link.c.organization_id == m.c.organization_id,
            link.c.meeting_id == m.c.id,
        )
        .correlate(m)
        .scalar_subquery()
    )


def _select() -> Select[Any]:
    m = t.meetings
    return select(
        m, *(_linked(link, column).label(field) for link, column, field in _LINKS)
    ).select_from(m)


def _linked_ids(field: str) -> Stored[Meeting]:
    """A list kept in a link table: read from the ``_select`` column of its name (NULL for
    none); written by ``_link``, not as a column of ``meetings``."""

    def read(row: Row[Any]) -> tuple[UUID, ...]:
        ids: Sequence[UUID] | None = getattr(row, field)
        return tuple(ids or ())

    return Stored(read, lambda _: {})


_MEETINGS = EntityRows(Meeting, t.meetings, {field: _linked_ids(field) for _, _, field in _LINKS})
_meeting = _MEETINGS.entity


class PostgresMeetings:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, meeting_id: UUID) -> Meeting | None:
        m = t.meetings
        row = (
            await self._conn.execute(
                _select().where(m.c.organization_id == organization_id, m.c.id == meeting_id)
            )
        ).first()
        return _meeting(row) if row else None

    async def list(
        self, organization_id: UUID, filters: MeetingFilter, page: PageRequest
    ) -> Page[Meeting]:
        m = t.meetings
        statement = _select().where(m.c.organization_id == organization_id)
        if filters.cycle_id is not None:
            statement = statement.where(m.c.cycle_id == filters.cycle_id)
        if filters.unit_id is not None:
            statement = statement.where(m.c.unit_id == filters.unit_id)
        if filters.kind is not None:
            statement = statement.where(m.c.kind == filters.kind.value)
        rows = (await self._conn.execute(paged(statement, m, page))).all()
        return stamped_page_of([_meeting(r) for r in rows], page)

    async def _link(self, meeting: Meeting) -> None:
        for link, column, field in _LINKS:
            ids: tuple[UUID, ...] = getattr(meeting, field)
            if ids:
                await execute_write(
                    self._conn,
                    insert(link).values(
                        [
                            {
                                "organization_id": meeting.organization_id,
                                "meeting_id": meeting.id,
                                column: item,
                                "position": position,
                            }
                            for position, item in enumerate(ids)
                        ]
                    ),
                )

    async def add(self, meeting: Meeting) -> None:
        await execute_write(
            self._conn,
            insert(t.meetings).values(**_MEETINGS.insert_values(meeting)),
        )
        await self._link(meeting)

    async def update(self, meeting: Meeting, *, previous_version: int) -> None:
        m = t.meetings
        statement = (
            update(m)
            .where(
                m.c.organization_id == meeting.organization_id,
                m.c.id == meeting.id,
                m.c.version == previous_version,
            )
            .values(**_MEETINGS.values(meeting))
        )
        if await execute_write(self._conn, statement) != 1:
            raise _stale()
        for link, _, _ in _LINKS:
            await execute_write(
                self._conn,
                delete(link).where(
                    and_(
                        link.c.organization_id == meeting.organization_id,
                        link.c.meeting_id == meeting.id,
                    )
                ),
            )
        await self._link(meeting)

    async def delete(
        self, organization_id: UUID, meeting_id: UUID, *, previous_version: int
    ) -> None:
        m = t.meetings
        statement = delete(m).where(
            m.c.organization_id == organization_id,
            m.c.id == meeting_id,
            m.c.version == previous_version,
        )
        # The links go with it (ON DELETE CASCADE).
        if await execute_write(self._conn, statement) != 1:
            raise _stale()
