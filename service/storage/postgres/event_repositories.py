"""The change feed: the outbox read in commit order, filtered for the reader.

Why not order by ``seq`` alone: a sequence number is taken at insert, not at commit. A
transaction that took 10 may commit after one that took 11; a reader that already moved its
cursor past 11 would never see 10. So each event keeps its writer's transaction id, and the
feed returns only events of transactions older than every transaction still in progress
(``transaction_id < pg_snapshot_xmin(pg_current_snapshot())``), in (transaction_id, seq)
order. Every such transaction has ended, so no event can ever be added below that line (an
aborted one left none), and the line only moves up: a cursor taken from one answer is never
passed by an event that becomes visible later. The price: an event waits for every older
transaction still open (in the whole cluster) to end before the feed shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    and_,
    cast,
    delete,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from service.event_ports import (
    Audience,
    FeedEvent,
    FeedPosition,
    FeedRequest,
    IntegrationEvent,
)
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import visible_to
from service.storage.postgres.repositories import unit_subtree


def _ended_transactions() -> ColumnElement[bool]:
    horizon = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)
    return t.events.c.transaction_id < horizon


def _readable(request: FeedRequest) -> ColumnElement[bool]:
    """The events of the audiences open to the reader; of OKR events, those whose
    objective the reader may see now, or that was public before the change (a deletion,
    a move to a private objective, a change to private: integrations remove what they
    mirrored, and the event reveals only what the reader could already see)."""
    e, o = t.events, t.objectives
    org = request.organization_id
    allowed: list[ColumnElement[bool]] = []
    scope = request.viewer.unit_scope
    for audience in request.audiences:
        condition = e.c.audience == audience.value
        if audience is Audience.OKRS and not request.viewer.sees_everything:
            visible = select(o.c.id).where(
                o.c.organization_id == org, visible_to(org, request.viewer)
            )
            # A unit-scoped client: only objectives of its subtree now; an earlier public
            # state says nothing of where an objective (perhaps deleted) belonged.
            seen = e.c.objective_id.in_(visible)
            condition = and_(condition, seen if scope else or_(e.c.public_before, seen))
        if audience is Audience.DIRECTORY and scope is not None:
            condition = and_(condition, _in_subtree(org, scope))
        allowed.append(condition)
    return or_(*allowed) if allowed else false()


def _in_subtree(organization_id: UUID, root: UUID) -> ColumnElement[bool]:
    """A directory event a unit-scoped client reads: about a unit of its subtree or a member
    of one (one walk of the subtree in the feed's statement); cycles are the organization's."""
    e, um = t.events, t.unit_members
    units = select(unit_subtree(organization_id, root, "feed_scope_units").c.id)
    members = select(um.c.member_id).where(
        um.c.organization_id == organization_id, um.c.unit_id.in_(units)
    )
    return or_(
        and_(e.c.resource_type == "unit", e.c.resource_id.in_(units)),
        and_(e.c.resource_type == "member", e.c.resource_id.in_(members)),
        e.c.resource_type.not_in(("unit", "member")),
    )


def _event(row: Any) -> FeedEvent:
    return FeedEvent(
        event=IntegrationEvent(
            id=row.id,
            organization_id=row.organization_id,
            type=row.type,
            version=row.version,
            occurred_at=row.occurred_at,
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            audience=Audience(row.audience),
            objective_id=row.objective_id,
            key_result_id=row.key_result_id,
            changes=tuple(row.changes),
            link=row.link,
            data=row.data,
        ),
        position=FeedPosition(row.transaction_id, row.seq),
    )


class PostgresEventFeed:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def read(self, request: FeedRequest) -> Sequence[FeedEvent]:
        e = t.events
        statement = (
            select(e)
            .where(
                e.c.organization_id == request.organization_id,
                tuple_(e.c.transaction_id, e.c.seq)
                > tuple_(request.after.transaction, request.after.sequence),
                _ended_transactions(),
                _readable(request),
            )
            .order_by(e.c.transaction_id, e.c.seq)
            .limit(request.limit)
        )
        return [_event(row) for row in await self._conn.execute(statement)]

    async def delete_before(self, instant: datetime) -> int:
        result = await self._conn.execute(delete(t.events).where(t.events.c.occurred_at < instant))
        return int(result.rowcount)
