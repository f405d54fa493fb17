"""One unit of work over the memory store: nothing is kept unless the use case commits."""

from __future__ import annotations

from types import TracebackType
from typing import Self
from uuid import UUID

from service.alignment_ports import AlignmentReader
from service.kpi_ports import KpiRepository
from service.management_ports import CommentRepository, MeetingRepository, WorkPlanReader
from service.okr_ports import (
    ActionRepository,
    AuditLog,
    CheckInRepository,
    KeyResultRepository,
    ObjectiveRepository,
)
from service.ports import (
    CycleRepository,
    Graph,
    MemberRepository,
    OrganizationRepository,
    UnitRepository,
)
from service.review_ports import (
    ReviewAssignmentRepository,
    ReviewCycleRepository,
    ReviewResponseRepository,
)
from service.storage.memory.alignment_reader import MemoryAlignmentReader
from service.storage.memory.comment_repositories import MemoryComments
from service.storage.memory.kpi_repositories import MemoryKpis
from service.storage.memory.meeting_repositories import MemoryMeetings
from service.storage.memory.okr_repositories import (
    MemoryActions,
    MemoryAuditLog,
    MemoryCheckIns,
    MemoryKeyResults,
    MemoryObjectives,
)
from service.storage.memory.repositories import (
    MemoryCycles,
    MemoryMembers,
    MemoryOrganizations,
    MemoryUnits,
)
from service.storage.memory.review_repositories import (
    MemoryReviewAssignments,
    MemoryReviewCycles,
    MemoryReviewResponses,
)
from service.storage.memory.store import MemoryStore, Transaction
from service.storage.memory.template_repositories import MemoryTemplates
from service.storage.memory.work_plan_reader import MemoryWorkPlanReader
from service.template_ports import TemplateRepository


class MemoryUnitOfWork:
    """Repositories see a private working copy; ``commit`` publishes it to the store.

    Leaving the ``async with`` without a commit (or after an error) drops the copy, as the
    Postgres unit of work rolls back. Repositories refuse to work once it is left.
    """

    # Typed as the ports: a Protocol's attributes are settable, hence invariant, so a
    # narrower type here would stop the class from being a UnitOfWork.
    organizations: OrganizationRepository
    members: MemberRepository
    units: UnitRepository
    cycles: CycleRepository
    objectives: ObjectiveRepository
    key_results: KeyResultRepository
    check_ins: CheckInRepository
    actions: ActionRepository
    audit: AuditLog
    alignment: AlignmentReader
    review_cycles: ReviewCycleRepository
    review_assignments: ReviewAssignmentRepository
    review_responses: ReviewResponseRepository
    templates: TemplateRepository
    meetings: MeetingRepository
    comments: CommentRepository
    work_plans: WorkPlanReader
    kpis: KpiRepository

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._tx: Transaction | None = None

    async def __aenter__(self) -> Self:
        self._tx = Transaction(self._store)
        self.organizations = MemoryOrganizations(self._tx)
        self.members = MemoryMembers(self._tx)
        self.units = MemoryUnits(self._tx)
        self.cycles = MemoryCycles(self._tx)
        self.objectives = MemoryObjectives(self._tx)
        self.key_results = MemoryKeyResults(self._tx)
        self.check_ins = MemoryCheckIns(self._tx)
        self.actions = MemoryActions(self._tx)
        self.audit = MemoryAuditLog(self._tx)
        self.alignment = MemoryAlignmentReader(self._tx)
        self.review_cycles = MemoryReviewCycles(self._tx)
        self.review_assignments = MemoryReviewAssignments(self._tx)
        self.review_responses = MemoryReviewResponses(self._tx)
        self.templates = MemoryTemplates(self._tx)
        self.meetings = MemoryMeetings(self._tx)
        self.comments = MemoryComments(self._tx)
        self.work_plans = MemoryWorkPlanReader(self._tx)
        self.kpis = MemoryKpis(self._tx)
        return self

    async def lock_graph(self, organization_id: UUID, graph: Graph) -> None:
        """Nothing to hold: a memory unit of work works on a private copy and publishes it
        at commit, and tests drive it one use case at a time."""

    async def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("commit outside the unit of work")
        self._tx.commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tx is not None:
            self._tx.close()


class MemoryUnitOfWorkFactory:
    """``Deps.uow`` for tests: each call opens a new unit of work on the shared store."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self._store)
