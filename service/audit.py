"""The audit trail: every OKR write, and every write to the directory (members, their roles
and managers, units, cycles) and to the organization's settings, records who did what, with
values before and after, in the same transaction as the write (so an event exists exactly
when the change does)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from service.auth import Principal, ensure_admin
from service.context import Deps
from service.okr_ports import AuditEvent, AuditFilter, AuditLog
from service.pagination import Page, PageRequest


def _plain(value: Any) -> Any:  # noqa: PLR0911 - one case per JSON-able kind
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        # RFC 3339 in UTC with Z, as the API prints every other instant.
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        # Sorted: a set (a member's roles) has no order, and its events should compare equal.
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def snapshot(resource: object | None) -> dict[str, Any] | None:
    """A JSON-ready copy of a domain value, for the before/after of an audit event."""
    return None if resource is None else _plain(resource)


async def record(
    log: AuditLog,
    deps: Deps,
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: UUID,
    before: object | None,
    after: object | None,
) -> None:
    await log.record(
        event(
            deps,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            before=before,
            after=after,
        )
    )


def event(
    deps: Deps,
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: UUID,
    before: object | None,
    after: object | None,
) -> AuditEvent:
    return AuditEvent(
        id=deps.new_id(),
        organization_id=principal.organization_id,
        occurred_at=deps.clock.now(),
        actor=principal.subject,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        before=snapshot(before),
        after=snapshot(after),
    )


async def list_audit_events(
    deps: Deps, principal: Principal, filters: AuditFilter, page: PageRequest
) -> Page[AuditEvent]:
    """Admins read the audit trail, oldest first."""
    ensure_admin(principal)
    async with deps.read() as uow:
        return await uow.audit.list(principal.organization_id, filters, page)
