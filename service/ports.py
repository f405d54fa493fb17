"""What the use cases need from the outside world, as small Protocols.

The Postgres adapter (service/storage/postgres) implements them; the use-case tests run on
it too, on the embedded Postgres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.cycles import Cycle, CycleKind, CycleState
from domain.members import Member
from domain.organizations import Organization
from domain.units import OrgUnit, UnitKind
from service.alignment_ports import AlignmentReader
from service.api_client_ports import ApiClientRepository
from service.event_ports import EventFeed
from service.forecast_ports import ForecastRepository
from service.kpi_ports import KpiRepository
from service.management_ports import CommentRepository, MeetingRepository, WorkPlanReader
from service.okr_ports import (
    ActionRepository,
    AuditLog,
    CheckInRepository,
    KeyResultRepository,
    ObjectiveRecordReader,
    ObjectiveRepository,
)
from service.pacing_ports import PacingHistory
from service.pagination import Page, PageRequest
from service.push_ports import PushUrlRepository
from service.quota_ports import QuotaRepository
from service.review_ports import (
    ReviewAssignmentRepository,
    ReviewCycleRepository,
    ReviewResponseRepository,
)
from service.scim_ports import ScimStore
from service.template_ports import TemplateRepository
from service.track_ports import KeyResultTracks
from service.webhook_ports import WebhookRepository


@dataclass(frozen=True)
class MemberFilter:
    active: bool | None = None
    manager_id: UUID | None = None
    unit_id: UUID | None = None
    email: str | None = None
    external_id: str | None = None
    q: str | None = None
    # Only members of this unit or a unit under it (a unit-scoped API client's reads).
    within_unit: UUID | None = None


@dataclass(frozen=True)
class UnitFilter:
    kind: UnitKind | None = None
    parent_id: UUID | None = None
    # Only this unit and the units under it (a unit-scoped API client's reads).
    within_unit: UUID | None = None


@dataclass(frozen=True)
class CycleFilter:
    kind: CycleKind | None = None
    state: CycleState | None = None
    contains_date: date | None = None
    parent_id: UUID | None = None


class OrganizationRepository(Protocol):
    async def get(self, organization_id: UUID) -> Organization | None: ...
    async def add(self, organization: Organization) -> None: ...
    async def update(self, organization: Organization, *, previous_version: int) -> None:
        """Save; raise StaleVersion when the stored version is no longer ``previous_version``."""


class MemberRepository(Protocol):
    async def get(self, organization_id: UUID, member_id: UUID) -> Member | None: ...
    async def in_unit_subtree(self, organization_id: UUID, root: UUID, member_id: UUID) -> bool:
        """Whether the member belongs to ``root`` or a unit under it."""

    async def within_unit_subtree(
        self, organization_id: UUID, root: UUID, member_ids: Sequence[UUID]
    ) -> frozenset[UUID]:
        """Those of ``member_ids`` that belong to ``root`` or a unit under it (one query)."""

    async def get_many(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, Member]: ...
    async def list(
        self, organization_id: UUID, filters: MemberFilter, page: PageRequest
    ) -> Page[Member]: ...
    async def reports_of(
        self, organization_id: UUID, manager_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[Member]]: ...
    async def manager_chain(
        self, organization_id: UUID, member_id: UUID
    ) -> Mapping[UUID, UUID | None]:
        """``member_id`` and everyone above it, each with its manager (one query)."""

    async def reporting_line(self, organization_id: UUID, member_id: UUID) -> frozenset[UUID]:
        """``member_id`` and everyone below it in the manager chain (one query)."""

    async def add(self, member: Member) -> None:
        """Insert; raise Conflict (``email_taken`` / ``external_id_taken``) on duplicates."""

    async def update(self, member: Member, *, previous_version: int) -> None: ...


class UnitRepository(Protocol):
    async def get(self, organization_id: UUID, unit_id: UUID) -> OrgUnit | None: ...
    async def get_many(
        self, organization_id: UUID, unit_ids: Sequence[UUID]
    ) -> Mapping[UUID, OrgUnit]:
        """The units found among ``unit_ids`` (one query); unknown ids are absent."""

    async def list(
        self, organization_id: UUID, filters: UnitFilter, page: PageRequest
    ) -> Page[OrgUnit]: ...
    async def ancestors(self, organization_id: UUID, unit_id: UUID) -> Mapping[UUID, UUID | None]:
        """``unit_id`` and every unit above it, each with its parent (one query)."""

    async def subtree(self, organization_id: UUID, root: UUID) -> frozenset[UUID]:
        """``root`` and every unit under it (one query); empty for an unknown root."""

    async def has_children(self, organization_id: UUID, unit_id: UUID) -> bool: ...
    async def add(self, unit: OrgUnit) -> None:
        """Insert; raise Conflict (``company_unit_exists``) on a second company unit."""

    async def update(self, unit: OrgUnit, *, previous_version: int) -> None: ...
    async def delete(self, organization_id: UUID, unit_id: UUID) -> None: ...
    async def member_ids(self, organization_id: UUID, unit_id: UUID) -> Sequence[UUID]: ...
    async def member_ids_of(
        self, organization_id: UUID, unit_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[UUID]]:
        """Members of many units, each unit's ordered by member id (one query).

        A unit without members (or unknown) is absent.
        """

    async def add_member(self, organization_id: UUID, unit_id: UUID, member_id: UUID) -> bool:
        """Idempotent: adding a member twice keeps one membership. Return whether it was
        new (so only a real change is audited)."""

    async def remove_member(self, organization_id: UUID, unit_id: UUID, member_id: UUID) -> bool:
        """Return whether there was a membership to remove."""


class CycleRepository(Protocol):
    async def get(self, organization_id: UUID, cycle_id: UUID) -> Cycle | None: ...
    async def get_many(
        self, organization_id: UUID, cycle_ids: Sequence[UUID]
    ) -> Mapping[UUID, Cycle]:
        """The cycles found among ``cycle_ids`` (one query); unknown ids are absent."""

    async def list(
        self, organization_id: UUID, filters: CycleFilter, page: PageRequest
    ) -> Page[Cycle]: ...
    async def children(self, organization_id: UUID, cycle_id: UUID) -> Sequence[Cycle]: ...
    async def add(self, cycle: Cycle) -> None: ...
    async def update(self, cycle: Cycle, *, previous_version: int) -> None: ...


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class IdempotencyRecord:
    request_hash: str
    response: StoredResponse | None  # None while the first request is still running
    # While unanswered: when the claim's lease runs out and the same request may run again.
    lease_ends_at: datetime | None = None


class IdempotencyStore(Protocol):
    """Remembers POST answers by (organization, caller, key) for at least the retention time.

    A claim is a lease, not a lock: a request that neither answers nor releases its key
    within the lease (its process died; the database went down, so the release failed
    too) has abandoned it, and the next identical request takes it over. A claim is
    identified by the ``now`` it was made (or taken over) at."""

    async def claim(
        self, *, organization_id: UUID, caller: str, key: str, request_hash: str, now: datetime
    ) -> IdempotencyRecord | None:
        """Claim the key; ``None`` when this call now owns it (a new key, or an abandoned
        claim of the same request taken over), else the existing record."""

    async def complete(
        self,
        *,
        organization_id: UUID,
        caller: str,
        key: str,
        claimed_at: datetime,
        response: StoredResponse,
    ) -> None:
        """Keep the answer, unless another request has taken the claim over since."""

    async def release(
        self, *, organization_id: UUID, caller: str, key: str, claimed_at: datetime
    ) -> None:
        """Forget a claim whose request failed unexpectedly, so a retry may run at once
        (never another request's claim, nor an answered key)."""


class Graph(StrEnum):
    """The graphs whose writes are checked for loops: each is written under its own lock."""

    # Objectives' parents and KRs' contributions (``parent_key_result_id``) form one graph:
    # a loop may run through both kinds of link.
    ALIGNMENT = "alignment"
    MANAGERS = "managers"
    UNITS = "units"


class UnitOfWork(Protocol):
    """One transaction. Nothing is kept unless the use case calls ``commit``."""

    organizations: OrganizationRepository
    members: MemberRepository
    units: UnitRepository
    cycles: CycleRepository
    objectives: ObjectiveRepository
    objective_records: ObjectiveRecordReader
    key_results: KeyResultRepository
    check_ins: CheckInRepository
    actions: ActionRepository
    audit: AuditLog
    events: EventFeed
    alignment: AlignmentReader
    review_cycles: ReviewCycleRepository
    review_assignments: ReviewAssignmentRepository
    review_responses: ReviewResponseRepository
    templates: TemplateRepository
    meetings: MeetingRepository
    comments: CommentRepository
    work_plans: WorkPlanReader
    kpis: KpiRepository
    webhooks: WebhookRepository
    push_urls: PushUrlRepository
    tracks: KeyResultTracks
    forecasts: ForecastRepository
    pacing_history: PacingHistory
    quotas: QuotaRepository
    api_clients: ApiClientRepository
    scim: ScimStore

    async def lock_graph(self, organization_id: UUID, graph: Graph) -> None:
        """Hold the organization's lock on ``graph`` until this unit of work ends.

        Take it before reading what a loop check reads: two writes that each pass the check
        alone could otherwise close a loop together.
        """

    async def commit(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class Readiness(Protocol):
    async def check(self) -> str | None:
        """``None`` when the database is reachable and at the head revision, else why not."""
