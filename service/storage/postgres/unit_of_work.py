"""One transaction per use case: rolled back unless the use case commits."""

from __future__ import annotations

import hashlib
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

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
from service.ports import (
    CycleRepository,
    Graph,
    MemberRepository,
    OrganizationRepository,
    UnitRepository,
)
from service.push_ports import PushUrlRepository
from service.quota_ports import QuotaRepository
from service.review_ports import (
    ReviewAssignmentRepository,
    ReviewCycleRepository,
    ReviewResponseRepository,
)
from service.scim_ports import ScimStore
from service.storage.postgres.alignment_reader import PostgresAlignmentReader
from service.storage.postgres.api_client_repositories import PostgresApiClients
from service.storage.postgres.comment_repositories import PostgresComments
from service.storage.postgres.event_repositories import PostgresEventFeed
from service.storage.postgres.forecast_repositories import PostgresForecasts
from service.storage.postgres.kpi_repositories import PostgresKpis
from service.storage.postgres.meeting_repositories import PostgresMeetings
from service.storage.postgres.objective_records import PostgresObjectiveRecords
from service.storage.postgres.okr_repositories import (
    PostgresActions,
    PostgresAuditLog,
    PostgresCheckIns,
    PostgresKeyResults,
    PostgresObjectives,
)
from service.storage.postgres.organization_cache import OrganizationCache, OrganizationsSeen
from service.storage.postgres.pacing_history import PostgresPacingHistory
from service.storage.postgres.push_url_repositories import PostgresPushUrls
from service.storage.postgres.quota_repositories import PostgresQuotas
from service.storage.postgres.repositories import (
    PostgresCycles,
    PostgresMembers,
    PostgresOrganizations,
    PostgresUnits,
)
from service.storage.postgres.review_repositories import (
    PostgresReviewAssignments,
    PostgresReviewCycles,
    PostgresReviewResponses,
)
from service.storage.postgres.scim_repositories import PostgresScimStore
from service.storage.postgres.template_repositories import PostgresTemplates
from service.storage.postgres.track_repositories import PostgresKeyResultTracks
from service.storage.postgres.webhook_repositories import PostgresWebhooks
from service.storage.postgres.work_plan_reader import PostgresWorkPlanReader
from service.template_ports import TemplateRepository
from service.track_ports import KeyResultTracks
from service.webhook_ports import WebhookRepository


class PostgresUnitOfWork:
    """One transaction; or, ``read_only``, none: each statement on its own (autocommit).

    A read sends no BEGIN and ROLLBACK around its statements (two round trips of the three
    a one-statement read cost). It loses nothing: at READ COMMITTED each statement of a
    transaction takes its own snapshot anyway, and a reader holds no locks.
    """

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

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool = False,
        organizations: OrganizationCache | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._seen = OrganizationsSeen(organizations or OrganizationCache(), may_keep=read_only)
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        if self._read_only:
            # Reset to the pool's default when the connection goes back to the pool.
            await self._conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            self._tx = await self._conn.begin()
        self.organizations = PostgresOrganizations(self._conn, self._seen)
        self.members = PostgresMembers(self._conn)
        self.units = PostgresUnits(self._conn)
        self.cycles = PostgresCycles(self._conn)
        self.objectives = PostgresObjectives(self._conn)
        self.objective_records = PostgresObjectiveRecords(self._conn, self._seen)
        self.key_results = PostgresKeyResults(self._conn)
        self.check_ins = PostgresCheckIns(self._conn)
        self.actions = PostgresActions(self._conn)
        self.audit = PostgresAuditLog(self._conn)
        self.events = PostgresEventFeed(self._conn)
        self.alignment = PostgresAlignmentReader(self._conn)
        self.review_cycles = PostgresReviewCycles(self._conn)
        self.review_assignments = PostgresReviewAssignments(self._conn)
        self.review_responses = PostgresReviewResponses(self._conn)
        self.templates = PostgresTemplates(self._conn)
        self.meetings = PostgresMeetings(self._conn)
        self.comments = PostgresComments(self._conn)
        self.work_plans = PostgresWorkPlanReader(self._conn)
        self.kpis = PostgresKpis(self._conn)
        self.webhooks = PostgresWebhooks(self._conn)
        self.push_urls = PostgresPushUrls(self._conn)
        self.tracks = PostgresKeyResultTracks(self._conn)
        self.forecasts = PostgresForecasts(self._conn)
        self.pacing_history = PostgresPacingHistory(self._conn)
        self.quotas = PostgresQuotas(self._conn)
        self.api_clients = PostgresApiClients(self._conn)
        self.scim = PostgresScimStore(self._conn)
        return self

    async def lock_graph(self, organization_id: UUID, graph: Graph) -> None:
        # A transaction-scoped advisory lock: released by the commit or rollback, so it can
        # never outlive the unit of work (a dropped connection releases it too). Readers
        # take no lock; only writers of the same graph in the same organization wait.
        assert self._conn is not None
        assert self._tx is not None, "lock outside a writing unit of work"
        await self._conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": graph_lock_key(organization_id, graph)},
        )

    async def commit(self) -> None:
        assert self._tx is not None, "commit outside a writing unit of work"
        await self._tx.commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
        finally:
            await self._conn.close()


def graph_lock_key(organization_id: UUID, graph: Graph) -> int:
    """A stable signed 64-bit advisory-lock key for (organization, graph)."""
    digest = hashlib.blake2b(f"okr-graph:{graph.value}:{organization_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class PostgresUnitOfWorkFactory:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool = False,
        organizations: OrganizationCache | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        # One per process (shared by the factories the composition root builds).
        self._organizations = organizations or OrganizationCache()

    def __call__(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(
            self._engine, read_only=self._read_only, organizations=self._organizations
        )
