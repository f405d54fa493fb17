"""The ports of the OKR capabilities (objectives, key results, check-ins, actions, audit),
and the filters and values they speak in. Implemented by service/storage/postgres."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain.cycles import Cycle
from domain.okrs import (
    Action,
    ActionStatus,
    Ambition,
    CheckIn,
    KeyResult,
    Level,
    Objective,
    ObjectiveStatus,
)
from domain.pacing_setting import PacingSetting
from service.pagination import Page, PageRequest


@dataclass(frozen=True)
class Viewer:
    """Who reads, for visibility: private objectives are seen by their owner, the owner's
    manager chain and admins (for a unit's objective: the unit lead and the lead's chain)."""

    member_id: UUID | None
    sees_everything: bool
    # An API client (no member): with ``okrs:read_private`` private objectives too, and,
    # limited to a unit subtree, only objectives owned by its units or their members.
    sees_private: bool = False
    unit_scope: UUID | None = None


# Who reads for the whole organization's figures (a review's OKR score, a unit's ownership
# check): every objective, hidden ones included. Never handed to a caller's own reads.
SEES_EVERYTHING = Viewer(member_id=None, sees_everything=True)


@dataclass(frozen=True)
class ObjectiveRecord:
    """An objective with all its view reads today: its cycle, its KRs (oldest first) and
    each KR's latest check-in (by KR id)."""

    objective: Objective
    cycle: Cycle
    key_results: Sequence[KeyResult]
    latest: Mapping[UUID, CheckIn]
    # Its owner unit's default pacing curve (None: a member's objective, or no default),
    # read with the row: judging its KRs costs no read of the units.
    owner_unit_pacing: PacingSetting | None = None


@dataclass(frozen=True)
class KeyResultContext:
    """A key result with its objective and that objective's cycle."""

    key_result: KeyResult
    objective: Objective
    cycle: Cycle
    owner_unit_pacing: PacingSetting | None = None  # the objective's owner unit's default


@dataclass(frozen=True)
class ObjectiveFilter:
    cycle_id: UUID | None = None
    owner_id: UUID | None = None  # a member owning it
    unit_id: UUID | None = None  # a unit owning it
    level: Level | None = None
    status: ObjectiveStatus | None = None
    q: str | None = None
    # Everything below a unit: owned by it or a unit under it, or by their members.
    below_unit_id: UUID | None = None
    orphans: bool = False  # only non-company objectives aligned to nothing
    ambition: Ambition | None = None  # only committed (or only aspirational) objectives


@dataclass(frozen=True)
class KeyResultFilter:
    """Narrows a list of key results; every field given must match."""

    cycle_id: UUID | None = None  # the cycle of its objective
    objective_id: UUID | None = None
    owner_id: UUID | None = None  # the member owning the KR
    # True: only stale KRs (``domain.cadence``); False: only those not stale.
    stale: bool | None = None


@dataclass(frozen=True)
class ActionFilter:
    key_result_id: UUID | None = None
    owner_id: UUID | None = None
    status: ActionStatus | None = None
    due_before: date | None = None
    due_after: date | None = None


@dataclass(frozen=True)
class AuditEvent:
    """Who did what to which resource, with the values before and after (JSON-ready)."""

    id: UUID
    organization_id: UUID
    occurred_at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditFilter:
    resource_type: str | None = None
    resource_id: UUID | None = None
    actor: str | None = None


class ObjectiveRecordReader(Protocol):
    """Objectives read with their records, as they are now (``as_of`` reads history)."""

    async def records(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Sequence[ObjectiveRecord]:
        """The objectives (those that exist) with their cycle, KRs and latest check-ins, in
        one statement."""

    async def list_records(
        self, organization_id: UUID, filters: ObjectiveFilter, page: PageRequest, viewer: Viewer
    ) -> Page[ObjectiveRecord]:
        """:meth:`ObjectiveRepository.list` with each objective's record, in one statement."""

    async def key_result_context(
        self, organization_id: UUID, key_result_id: UUID
    ) -> KeyResultContext | None:
        """The key result with its objective and cycle, in one statement."""

    async def key_result_contexts(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, KeyResultContext]:
        """:meth:`key_result_context` of each of ``key_result_ids`` that exists, in one
        statement."""

    async def cycles_with_unit_pacing(
        self, organization_id: UUID, cycle_ids: Sequence[UUID], unit_ids: Sequence[UUID]
    ) -> tuple[Mapping[UUID, Cycle], Mapping[UUID, PacingSetting | None]]:
        """The cycles, and the default pacing curve of each of the units (None: it sets
        none), in one statement: what views of objectives read beside their KRs."""


class ObjectiveRepository(Protocol):
    async def get(self, organization_id: UUID, objective_id: UUID) -> Objective | None: ...
    async def get_many(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Mapping[UUID, Objective]: ...
    async def list(
        self, organization_id: UUID, filters: ObjectiveFilter, page: PageRequest, viewer: Viewer
    ) -> Page[Objective]:
        """Only what ``viewer`` may see: hidden objectives are absent, not refused."""

    async def is_visible(
        self, organization_id: UUID, objective_id: UUID, viewer: Viewer
    ) -> bool: ...
    async def visible_link_targets(
        self,
        organization_id: UUID,
        *,
        objective_ids: Sequence[UUID],
        key_result_ids: Sequence[UUID],
        viewer: Viewer,
    ) -> frozenset[UUID]:
        """Those of ``objective_ids`` and of ``key_result_ids`` (a KR through its objective)
        that ``viewer`` may see; unknown ids are absent (one statement)."""

    async def alignment_ancestors(
        self, organization_id: UUID, objective_id: UUID
    ) -> Mapping[UUID, UUID | None]:
        """The objective and all above it, each with the objective it aligns to (one query)."""

    async def has_check_ins(self, organization_id: UUID, objective_id: UUID) -> bool: ...
    async def aligned_children(
        self, organization_id: UUID, objective_id: UUID
    ) -> Sequence[Objective]:
        """Objectives aligned to this one or contributing to one of its KRs."""

    async def aligned_to(
        self, organization_id: UUID, parent_ids: Sequence[UUID], viewer: Viewer
    ) -> Sequence[Objective]:
        """The objectives aligned to any of ``parent_ids`` (their ``parent_objective_id``)
        that ``viewer`` may see, by id (one statement)."""

    async def open_in_cycle(self, organization_id: UUID, cycle_id: UUID) -> Sequence[Objective]:
        """The cycle's objectives that are neither closed nor archived (one query)."""

    async def close_many(
        self, organization_id: UUID, objective_ids: Sequence[UUID], now: datetime
    ) -> None:
        """Close them all and bump their versions (one statement)."""

    async def contributor_ids(self, organization_id: UUID, key_result_id: UUID) -> Sequence[UUID]:
        """The objectives contributing to this KR."""

    async def has_aligned_children(self, organization_id: UUID, objective_id: UUID) -> bool:
        """Whether an objective aligns to this one or to one of its KRs."""

    async def add(self, objective: Objective) -> None: ...
    async def update(self, objective: Objective, *, previous_version: int) -> None: ...
    async def delete(self, organization_id: UUID, objective_id: UUID) -> None: ...
    async def touch(
        self, organization_id: UUID, objective_ids: Collection[UUID], now: datetime
    ) -> None:
        """Move ``updated_at`` (never back) of these objectives and of the roll-up
        objectives above them, whose progress follows theirs, in one statement: their
        representations embed KRs, check-ins and rolled-up progress that changed. The
        ``version`` stays: it guards the objective's own fields."""


class KeyResultRepository(Protocol):
    async def get(self, organization_id: UUID, key_result_id: UUID) -> KeyResult | None: ...
    async def get_many(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, KeyResult]: ...
    async def of_objectives(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[KeyResult]]: ...
    async def list(
        self,
        organization_id: UUID,
        filters: KeyResultFilter,
        page: PageRequest,
        viewer: Viewer,
        *,
        now: datetime,
        time_zone: str,
    ) -> Page[KeyResult]:
        """A page of the KRs whose objective ``viewer`` may see, oldest first, in one
        statement. ``filters.stale`` compares, in that statement, each KR's latest
        check-in (or its creation) plus its cadence on the calendar of ``time_zone`` with
        ``now``, by the rules of ``domain.cadence``."""

    async def add(self, key_result: KeyResult) -> None: ...
    async def update(self, key_result: KeyResult, *, previous_version: int) -> None: ...
    async def delete(self, organization_id: UUID, key_result_id: UUID) -> None: ...
    async def touch(
        self, organization_id: UUID, key_result_ids: Collection[UUID], now: datetime
    ) -> None:
        """Move ``updated_at`` (never back) of these KRs, whose current value changed with
        a check-in, in one statement; the ``version`` stays."""


class CheckInRepository(Protocol):
    async def add(self, check_in: CheckIn) -> CheckIn:
        """Store it; it becomes its KR's current value unless a later one is stored (by
        time, then id), and its KR's ``updated_at`` moves up to its time. When its KR has a
        check-in with its ``external_id`` already, nothing is stored and that one is
        answered (also when it is being stored concurrently); else ``check_in`` itself."""

    async def add_many(self, check_ins: Sequence[CheckIn]) -> Sequence[CheckIn]:
        """:meth:`add` for each, in the order given (an earlier one of them with the same
        KR and external id is the one kept), in a fixed number of statements."""

    async def history(
        self, organization_id: UUID, key_result_id: UUID, page: PageRequest
    ) -> Page[CheckIn]:
        """Newest first."""

    async def latest(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        *,
        as_of: datetime | None = None,
    ) -> Mapping[UUID, CheckIn]:
        """The latest check-in of each KR, made at or before ``as_of`` when given (one
        statement for any number of KRs)."""


class ActionRepository(Protocol):
    async def get(self, organization_id: UUID, action_id: UUID) -> Action | None: ...
    async def list(
        self, organization_id: UUID, filters: ActionFilter, page: PageRequest
    ) -> Page[Action]: ...
    async def of_key_results(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[Action]]: ...
    async def add(self, action: Action) -> None: ...
    async def update(self, action: Action, *, previous_version: int) -> None: ...


class AuditLog(Protocol):
    async def record(self, event: AuditEvent) -> None: ...
    async def record_many(self, events: Sequence[AuditEvent]) -> None:
        """Record many events in one statement."""

    async def list(
        self, organization_id: UUID, filters: AuditFilter, page: PageRequest
    ) -> Page[AuditEvent]: ...
