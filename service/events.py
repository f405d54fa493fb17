"""Events for integrations (事件): the catalogue, the outbox mapping and the change feed.

Every write that matters to an integration already records an audit event in its own
transaction (``service.audit``). The integration event is derived from that audit event by
:func:`from_audit`, a pure mapping, and the storage adapter writes both rows in one
statement: an event exists exactly when its change was committed, and no use case needs a
call of its own.

The feed (:func:`read_events`) returns the events in commit order (see the storage adapter
for why an insert order is not enough), filtered for the caller as reads are: an event about
an objective (its KRs, check-ins, actions) only to those who may see that objective now,
directory events to those who may read the directory, review events to those who may read
every review result. An event carries the values its type allow-lists (:data:`DATA_FIELDS`),
read from the audit snapshot it is derived from. Events are kept :data:`RETENTION`;
:func:`delete_expired_events` forgets older ones (`okr worker` runs it hourly:
service/runtime/worker.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.errors import FieldError, Forbidden, RuleViolation
from service.auth import Principal, Scope, may_export_reviews, may_read_directory
from service.context import Deps
from service.event_ports import (
    START,
    Audience,
    FeedPosition,
    FeedRequest,
    IntegrationEvent,
)
from service.okr_access import viewer_of
from service.okr_ports import AuditEvent
from service.pagination import MAX_LIMIT

VERSION = 1  # of every payload below; a change to a payload's meaning gets a new version
RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class EventType:
    name: str
    audience: Audience
    description: str


def _catalogue(*types: EventType) -> Mapping[str, EventType]:
    return {t.name: t for t in types}


_OKRS, _DIRECTORY, _REVIEWS = Audience.OKRS, Audience.DIRECTORY, Audience.REVIEWS

# The event types, as the README's "Integrate" section lists them.
CATALOGUE: Mapping[str, EventType] = _catalogue(
    EventType("objective.created", _OKRS, "An objective was created (or copied into a cycle)."),
    EventType("objective.updated", _OKRS, "An objective changed (closing it included)."),
    EventType("objective.archived", _OKRS, "An objective was archived."),
    EventType("objective.deleted", _OKRS, "An objective never checked in on was deleted."),
    EventType("key_result.created", _OKRS, "A KR was created (or copied)."),
    EventType("key_result.updated", _OKRS, "A KR changed (moved, KPI linked or unlinked)."),
    EventType("key_result.deleted", _OKRS, "A KR was deleted."),
    EventType("key_result.final_score_set", _OKRS, "A KR's final score was set."),
    EventType(
        "key_result.track_status_changed",
        _OKRS,
        "A KR's track status (on_track, at_risk, off_track) changed, at a check-in or as "
        "the calendar moved (the hourly sweep).",
    ),
    EventType(
        "key_result.stale",
        _OKRS,
        "A KR's update became overdue for its cadence: once per stale spell.",
    ),
    EventType("check_in.created", _OKRS, "A KR was checked in on (by a member or a KPI)."),
    EventType(
        "key_result.forecast_recorded",
        _OKRS,
        "A forecast (a CRM's commit and best case) was posted on a KR; a duplicate external "
        "id records none.",
    ),
    EventType("action.created", _OKRS, "An action was created (or copied)."),
    EventType("action.updated", _OKRS, "An action changed (accepted included)."),
    EventType("cycle.created", _DIRECTORY, "A cycle was created."),
    EventType("cycle.updated", _DIRECTORY, "A cycle changed."),
    EventType("cycle.activated", _DIRECTORY, "A cycle became active."),
    EventType("cycle.closed", _DIRECTORY, "A cycle was closed."),
    EventType("member.created", _DIRECTORY, "A member was added."),
    EventType("member.updated", _DIRECTORY, "A member changed (roles, manager, unit ...)."),
    EventType("member.deactivated", _DIRECTORY, "A member was deactivated."),
    EventType("member.reactivated", _DIRECTORY, "A member was reactivated."),
    EventType("unit.created", _DIRECTORY, "A unit was created."),
    EventType("unit.updated", _DIRECTORY, "A unit changed."),
    EventType("unit.deleted", _DIRECTORY, "A unit was deleted."),
    EventType("unit.member_added", _DIRECTORY, "A member joined a unit."),
    EventType("unit.member_removed", _DIRECTORY, "A member left a unit."),
    EventType(
        "review_cycle.published", _REVIEWS, "A review cycle was published: its results are ready."
    ),
)

# Audit actions that are not their event type's name. An action absent from both this map
# and the catalogue (comments, KPIs, meetings, templates, settings) makes no event.
_RENAMED: Mapping[str, str] = {
    "objective.copied": "objective.created",
    "objective.closed": "objective.updated",
    "key_result.copied": "key_result.created",
    "key_result.moved": "key_result.updated",
    "key_result.kpi_linked": "key_result.updated",
    "key_result.kpi_unlinked": "key_result.updated",
    "key_result.final_scored": "key_result.final_score_set",
    "action.copied": "action.created",
    "action.accepted": "action.updated",
    "forecast.created": "key_result.forecast_recorded",
}

# Bookkeeping that changes with every write: not "what changed".
_NOT_CHANGES = frozenset({"version", "updated_at"})

# What an event's ``data`` carries, per type: an allow-list, so a field added to an entity
# (or to its audit snapshot) never reaches an integration unless it is listed here. Each
# entry: the name in ``data`` -> the field of the audit event's snapshot it is read from
# (``id``: the resource's id). A type not listed carries ``{}``.
# - No free text: a check-in's note and blockers, a final score's reason stay out. The
#   check-in history needs OKR read rights (members only), while an ``events:read``
#   token hears of public objectives' check-ins: the note would reach who cannot read it.
# - Nothing of a 360 review but its id: no respondent, no score.
DATA_FIELDS: Mapping[str, Mapping[str, str]] = {
    "key_result.track_status_changed": {
        n: n for n in ("from", "to", "progress", "expected_progress", "at")
    },
    "key_result.stale": {n: n for n in ("stale_since", "last_check_in_at", "cadence")},
    "check_in.created": {
        n: n
        for n in (
            "key_result_id",
            "value",
            "milestones_done",
            "source",
            "integration",
            "external_id",
        )
    },
    # Never the note: free text, as a check-in's.
    "key_result.forecast_recorded": {
        n: n
        for n in (
            "key_result_id",
            "commit",
            "best_case",
            "as_of_date",
            "source",
            "integration",
            "external_id",
        )
    },
    "key_result.final_score_set": {"score": "final_score"},
    "cycle.activated": {"start_date": "start_date", "end_date": "end_date"},
    "cycle.closed": {"start_date": "start_date", "end_date": "end_date"},
    "review_cycle.published": {"review_cycle_id": "id"},
}


def event_type_of(action: str) -> EventType | None:
    """The catalogue's type of an audit action; ``None``: no integration hears of it."""
    return CATALOGUE.get(_RENAMED.get(action, action))


def from_audit(event: AuditEvent) -> IntegrationEvent | None:
    """The integration event of an audit event (its id is the audit event's: one change,
    one id), or ``None`` when the action is not in the catalogue."""
    kind = event_type_of(event.action)
    if kind is None:
        return None
    state = event.after if event.after is not None else (event.before or {})
    objective_id, key_result_id = _place(event.resource_type, event.resource_id, state)
    return IntegrationEvent(
        id=event.id,
        organization_id=event.organization_id,
        type=kind.name,
        version=VERSION,
        occurred_at=event.occurred_at,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        audience=kind.audience,
        objective_id=objective_id,
        key_result_id=key_result_id,
        changes=changed_fields(event.before, event.after) if kind.name.endswith("updated") else (),
        link=_link(event.resource_type, event.resource_id, key_result_id),
        data=event_data(kind.name, event.resource_id, state),
    )


def event_data(type_name: str, resource_id: UUID, state: Mapping[str, Any]) -> dict[str, Any]:
    """The ``data`` of an event of ``type_name``: its allow-listed fields of the audit
    snapshot ``state`` (JSON-ready already), each present (null when the snapshot has
    none, as a check-in without an external id)."""
    source = {**state, "id": str(resource_id)}
    return {name: source.get(field) for name, field in DATA_FIELDS.get(type_name, {}).items()}


@dataclass(frozen=True)
class VisibilityBefore:
    """Whether an OKR event's objective was public before the change, for the feed to show
    a reader what takes something out of their view (a deletion, a move to a private
    objective, a change to private): a tombstone only reveals what they could already see.
    ``public`` when the snapshot says it (an objective's own); else ``objective_id``, the
    objective the resource was in before (a KR's), which the storage adapter looks up in
    the same statement; neither: the change took nothing out of anyone's view."""

    public: bool | None = None
    objective_id: UUID | None = None


def visibility_before(event: AuditEvent) -> VisibilityBefore:
    before = event.before
    if before is None:
        return VisibilityBefore()
    if event.resource_type == "objective":
        return VisibilityBefore(public=before.get("visibility") == "public")
    if event.resource_type == "key_result":
        return VisibilityBefore(objective_id=_uuid(before.get("objective_id")))
    return VisibilityBefore()


def changed_fields(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """The names of the fields whose values differ, sorted."""
    old, new = before or {}, after or {}
    names = (set(old) | set(new)) - _NOT_CHANGES
    return tuple(sorted(n for n in names if old.get(n) != new.get(n)))


def _uuid(value: object) -> UUID | None:
    return UUID(value) if isinstance(value, str) else None


def _place(
    resource_type: str, resource_id: UUID, state: Mapping[str, Any]
) -> tuple[UUID | None, UUID | None]:
    """The objective and KR an OKR resource belongs to, as far as its snapshot says."""
    if resource_type == "objective":
        return resource_id, None
    if resource_type == "key_result":
        return _uuid(state.get("objective_id")), resource_id
    return None, _uuid(state.get("key_result_id"))


def _link(resource_type: str, resource_id: UUID, key_result_id: UUID | None) -> str:
    if resource_type == "check_in":
        # Check-ins are read as their KR's history.
        return f"/v1/key-results/{key_result_id}/check-ins"
    if resource_type == "key_result_forecast":
        # Forecasts too: the KR's series.
        return f"/v1/key-results/{key_result_id}/forecasts"
    if resource_type == "review_cycle":
        return f"/v1/review-cycles/{resource_id}/results"
    return f"/v1/{resource_type.replace('_', '-')}s/{resource_id}"


# -- the feed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadEvent:
    event: IntegrationEvent
    cursor: str  # to read on from just after this event


@dataclass(frozen=True)
class EventPage:
    items: Sequence[ReadEvent]
    next_cursor: str  # where to read on from: after the last item, or ``after`` unchanged
    has_more: bool


def encode_cursor(position: FeedPosition) -> str:
    raw = f"{position.transaction}.{position.sequence}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_BIGINT_END = 2**63


def decode_cursor(cursor: str | None, *, field: str = "after") -> FeedPosition:
    if cursor is None:
        return START
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        transaction, sequence = (int(part) for part in raw.split("."))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid(field, "is not a cursor of the event feed", "invalid_cursor") from None
    # Both are Postgres bigints: a larger number is no cursor the feed gave (and would
    # fail in the database instead of here).
    if not (0 <= transaction < _BIGINT_END and 0 <= sequence < _BIGINT_END):
        raise _invalid(field, "is not a cursor of the event feed", "invalid_cursor")
    return FeedPosition(transaction, sequence)


def _invalid(field: str, message: str, code: str) -> RuleViolation:
    return RuleViolation(
        f"{field} {message}", code="validation_failed", errors=[FieldError(field, message, code)]
    )


def audiences_of(principal: Principal) -> frozenset[Audience]:
    """The audiences a caller reads, by the same gates as their reads. A service token needs
    ``events:read``; with it, it reads OKR events of public objectives (as a reader who is no
    member would), directory events with ``org:read`` or ``members:write``, review events
    with ``reviews:export``."""
    if principal.is_service and Scope.EVENTS_READ not in principal.scopes:
        raise Forbidden("this token lacks the events:read scope", code="forbidden")
    audiences = {Audience.OKRS}
    if may_read_directory(principal):
        audiences.add(Audience.DIRECTORY)
    # Review events are about whole review cycles: not a unit-scoped client's to read.
    if may_export_reviews(principal) and principal.unit_scope is None:
        audiences.add(Audience.REVIEWS)
    return frozenset(audiences)


async def read_events(
    deps: Deps, principal: Principal, *, after: str | None, limit: int
) -> EventPage:
    """The caller's events after the cursor, oldest commit first. Replayable: the same
    cursor answers the same events (until they pass :data:`RETENTION`); polling with each
    answer's ``next_cursor`` misses none."""
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid("limit", f"must be between 1 and {MAX_LIMIT}", "out_of_range")
    position = decode_cursor(after)
    request = FeedRequest(
        organization_id=principal.organization_id,
        # Private objectives' events are not read through the feed even under
        # okrs:read_private: the feed's reads are not audited per objective.
        viewer=replace(viewer_of(principal), sees_private=False),
        audiences=audiences_of(principal),
        after=position,
        limit=limit + 1,
    )
    async with deps.read() as uow:
        found = await uow.events.read(request)
    items = [ReadEvent(f.event, encode_cursor(f.position)) for f in found[:limit]]
    return EventPage(
        items=items,
        next_cursor=items[-1].cursor if items else encode_cursor(position),
        has_more=len(found) > limit,
    )


async def delete_expired_events(deps: Deps) -> int:
    """Forget the events older than :data:`RETENTION`, every organization's: a job for the
    worker (hourly). Returns how many went."""
    async with deps.uow() as uow:
        deleted = await uow.events.delete_before(deps.clock.now() - RETENTION)
        await uow.commit()
    return deleted
