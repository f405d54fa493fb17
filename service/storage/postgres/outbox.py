"""The audit trail and the outbox of integration events, written in one statement.

A data-modifying CTE inserts the audit event; the outer ``INSERT ... SELECT`` inserts its
integration event (``service.events.from_audit``), or nothing when the action is not in the
catalogue. So the event is in the transaction of its change (rolled back with it, committed
with it) and a write costs no round trip more than its audit event did.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Insert,
    String,
    Text,
    bindparam,
    cast,
    false,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from service.events import from_audit, visibility_before
from service.okr_ports import AuditEvent
from service.storage.postgres import tables as t
from service.storage.postgres.sql import execute_write

_UUID = PGUUID(as_uuid=True)


@cache
def _statement() -> Insert:
    """Built once: parameters are named after the audit columns, plus ``event_*``."""
    a, e, k = t.audit_events, t.events, t.key_results
    audit_row = insert(a).values({c.name: bindparam(c.name, type_=c.type) for c in a.columns}).cte()
    organization_id = bindparam("organization_id", type_=_UUID)
    key_result_id = bindparam("event_key_result_id", type_=_UUID)
    # A check-in's or an action's objective: its KR's, read in this statement.
    objective_id = func.coalesce(
        bindparam("event_objective_id", type_=_UUID),
        select(k.c.objective_id)
        .where(k.c.organization_id == organization_id, k.c.id == key_result_id)
        .scalar_subquery(),
    )
    # Public before the change: as the snapshot says, else as the objective the KR was in
    # before is (a move leaves that one as it was), read in this statement.
    o = t.objectives
    public_before = func.coalesce(
        bindparam("event_public_before", type_=Boolean),
        select(o.c.visibility == "public")
        .where(
            o.c.organization_id == organization_id,
            o.c.id == bindparam("event_objective_before", type_=_UUID),
        )
        .scalar_subquery(),
        false(),
    )
    event_type = bindparam("event_type", type_=String)
    values = select(
        organization_id,
        bindparam("id", type_=_UUID),
        # xid8 has no cast to bigint; its text form is its number (64 bits, never wraps).
        cast(cast(func.pg_current_xact_id(), Text), BigInteger),
        event_type,
        bindparam("event_version", type_=e.c.version.type),
        bindparam("occurred_at", type_=e.c.occurred_at.type),
        bindparam("resource_type", type_=String),
        bindparam("resource_id", type_=_UUID),
        bindparam("event_audience", type_=String),
        objective_id,
        key_result_id,
        bindparam("event_changes", type_=JSONB),
        bindparam("event_link", type_=String),
        public_before,
        bindparam("event_data", type_=JSONB),
    ).where(event_type.is_not(None))
    columns = [
        "organization_id",
        "id",
        "transaction_id",
        "type",
        "version",
        "occurred_at",
        "resource_type",
        "resource_id",
        "audience",
        "objective_id",
        "key_result_id",
        "changes",
        "link",
        "public_before",
        "data",
    ]
    return insert(e).from_select(columns, values).add_cte(audit_row)


def _row(event: AuditEvent) -> dict[str, Any]:
    outgoing = from_audit(event)
    before = visibility_before(event)
    return {
        "organization_id": event.organization_id,
        "id": event.id,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "action": event.action,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "before": event.before,
        "after": event.after,
        "event_type": outgoing and outgoing.type,
        "event_version": outgoing and outgoing.version,
        "event_audience": outgoing and outgoing.audience.value,
        "event_objective_id": outgoing and outgoing.objective_id,
        "event_key_result_id": outgoing and outgoing.key_result_id,
        "event_changes": list(outgoing.changes) if outgoing else [],
        "event_link": outgoing and outgoing.link,
        # Its type's allow-listed values (service.events.DATA_FIELDS), with the event.
        "event_data": dict(outgoing.data or {}) if outgoing else {},
        "event_public_before": before.public,
        "event_objective_before": before.objective_id,
    }


async def record_audit_events(conn: AsyncConnection, events: Sequence[AuditEvent]) -> None:
    """Insert the audit events and their integration events: one statement, however many
    (a list goes as one batch)."""
    if not events:
        return
    rows = [_row(e) for e in events]
    await execute_write(conn, _statement(), rows if len(rows) > 1 else rows[0])
