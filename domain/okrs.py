"""Objectives (目标), key results (关键结果), check-ins (进度更新) and actions (行动): the O, K
and A of OKMA.

Plain values; the rules that read them live in ``scoring``, ``alignment`` and ``actions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.limits import CHECK_IN_ORIGIN_MAX_LENGTH
from domain.organizations import too_long
from domain.pacing_setting import PacingSetting


class Level(StrEnum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"
    INDIVIDUAL = "individual"


class ObjectiveStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class OwnerKind(StrEnum):
    MEMBER = "member"
    UNIT = "unit"


class MetricKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    CURRENCY = "currency"
    BOOLEAN = "boolean"
    MILESTONES = "milestones"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Cadence(StrEnum):
    """How often a KR's owner checks in on it (the M of OKMA: the management rhythm).

    A KR whose last check-in is older than its cadence is stale (``domain.cadence``).
    """

    DAILY = "daily"
    WEEKLY = "weekly"  # the default
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class CheckInSource(StrEnum):
    """How a check-in came: who typed it is its ``author``; this says through what."""

    PERSON = "person"  # a member checking in (the app, a member's own script)
    API = "api"  # a sync on a member's behalf (bulk check-ins) or a service token
    KPI = "kpi"  # a KPI reading the KR follows (service/kpis.py)
    INTEGRATION = "integration"  # a named integration (CheckIn.integration)


class Ambition(StrEnum):
    """How an objective is graded (domain/ambition.py); its KRs inherit it."""

    COMMITTED = "committed"  # met or missed: graded with the stricter committed thresholds
    ASPIRATIONAL = "aspirational"  # the default: 0.7 is a good result


class Aggregation(StrEnum):
    """Where a KR's current value comes from (DOMAIN.md "Quota roll-up")."""

    NONE = "none"  # its own check-ins (the default)
    SUM = "sum"  # the sum of its contributors' current values


class ActionStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True, kw_only=True)
class Objective:
    id: UUID
    organization_id: UUID
    cycle_id: UUID
    title: str
    description: str
    owner_kind: OwnerKind
    owner_id: UUID  # a member or an org unit, by owner_kind
    level: Level
    status: ObjectiveStatus
    visibility: Visibility
    roll_up: bool  # with no KRs, take progress from the objectives aligned to it
    parent_objective_id: UUID | None  # aligns to this objective, or
    parent_key_result_id: UUID | None  # contributes to this KR of another objective
    source_objective_id: UUID | None  # copied (carried over) from this objective
    version: int
    created_at: datetime
    updated_at: datetime
    ambition: Ambition = Ambition.ASPIRATIONAL  # graded by its thresholds; KRs inherit it


@dataclass(frozen=True)
class Milestone:
    id: UUID
    title: str
    weight: Decimal


@dataclass(frozen=True, kw_only=True)
class KeyResult:
    id: UUID
    organization_id: UUID
    objective_id: UUID
    title: str
    owner_id: UUID  # a KR always has one owner (004)
    metric_kind: MetricKind
    unit: str | None  # "customers", "days", "%"
    currency: str | None  # ISO 4217 code for currency KRs
    start: Decimal
    target: Decimal
    direction: Direction
    weight: Decimal
    due_date: date
    confidence: int | None  # 0-10
    milestones: tuple[Milestone, ...]
    final_score: Decimal | None  # set at cycle close, with a reason (audited)
    final_score_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    final_scored_at: datetime | None = None  # when the final score was set (for as_of reads)
    cadence: Cadence = Cadence.WEEKLY  # how often its owner checks in (stale past it)
    kpi_id: UUID | None = None  # follows this KPI: each new measurement is a check-in
    pacing: PacingSetting | None = None  # its own curve; None: the unit's or organization's
    # Quota roll-up: the KR (of the objective its objective aligns to) it adds into, and
    # whether its own value is the sum of the KRs that add into it.
    contributes_to_key_result_id: UUID | None = None
    aggregation: Aggregation = Aggregation.NONE


@dataclass(frozen=True, kw_only=True)
class CheckIn:
    """One immutable update of a KR. A correction is a new check-in, never an edit."""

    id: UUID
    organization_id: UUID
    key_result_id: UUID
    author: str  # the principal's subject: a member id or service:<client>
    value: Decimal | None  # the new current value (None for milestones KRs)
    milestones_done: tuple[UUID, ...] | None  # milestones KRs: the ids done as of now
    confidence: int | None
    note: str  # what happened
    blockers: str  # what blocks
    created_at: datetime
    source: CheckInSource = CheckInSource.PERSON
    integration: str | None = None  # the integration's name; set exactly when source is one
    # The sender's id of this update: a second check-in on the KR with it is the same one.
    external_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Action:
    id: UUID
    organization_id: UUID
    key_result_id: UUID
    title: str
    owner_id: UUID | None
    due_date: date | None
    status: ActionStatus
    completion_standard: str | None  # what "done" means
    accepted_by: UUID | None
    accepted_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


def check_in_source(*, by_service: bool, on_behalf: bool, integration: str | None) -> CheckInSource:
    """The source of a check-in a caller sends: an integration when it names one; else
    ``api`` for a service token or a sync acting for a member (``on_behalf``: bulk); else
    ``person``. ``kpi`` is never sent: only a KPI reading writes it."""
    if integration is not None:
        return CheckInSource.INTEGRATION
    if by_service or on_behalf:
        return CheckInSource.API
    return CheckInSource.PERSON


def validate_check_in_origin(
    integration: str | None, external_id: str | None
) -> tuple[str | None, str | None]:
    """The integration's name and the external id, stripped, each non-blank and at most
    ``CHECK_IN_ORIGIN_MAX_LENGTH`` characters when given. Returns them stripped."""
    errors: list[FieldError] = []
    cleaned: list[str | None] = []
    for name, value in (("integration", integration), ("external_id", external_id)):
        text = None if value is None else value.strip()
        if text == "":
            errors.append(FieldError(name, "must not be blank", "empty"))
        elif text is not None:
            errors += too_long(text, max_length=CHECK_IN_ORIGIN_MAX_LENGTH, field_name=name)
        cleaned.append(text)
    if errors:
        raise RuleViolation(
            "a check-in's integration or external id is invalid",
            code="validation_failed",
            errors=errors,
        )
    return cleaned[0], cleaned[1]
