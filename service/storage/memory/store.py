"""The committed state of the in-memory twin, and the working copy one unit of work edits.

A unit of work reads and writes a private copy of the store. Every write is also kept in a
journal; ``commit`` replays the journal onto the store's latest committed state, so two
units of work that ran side by side interleave the way two Postgres transactions would (a
write that no longer holds, such as an update of a version another commit has bumped,
fails at commit and the store keeps what it had).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from domain.comments import Comment
from domain.cycles import Cycle
from domain.errors import RuleViolation
from domain.kpis import Kpi, KpiMeasurement
from domain.meetings import Meeting
from domain.members import Member
from domain.okrs import Action, CheckIn, KeyResult, Objective
from domain.organizations import Organization
from domain.reviews import ReviewCycle
from domain.templates import Template
from domain.units import OrgUnit
from service.okr_ports import AuditEvent
from service.review_ports import ReviewAssignment, SubmittedResponse

T = TypeVar("T")


@dataclass
class TenantData:
    """One organization's rows, keyed by id. Values are frozen dataclasses, so sharing is safe."""

    members: dict[UUID, Member] = field(default_factory=dict)
    units: dict[UUID, OrgUnit] = field(default_factory=dict)
    unit_members: set[tuple[UUID, UUID]] = field(default_factory=set)  # (unit_id, member_id)
    cycles: dict[UUID, Cycle] = field(default_factory=dict)
    objectives: dict[UUID, Objective] = field(default_factory=dict)
    key_results: dict[UUID, KeyResult] = field(default_factory=dict)
    check_ins: dict[UUID, CheckIn] = field(default_factory=dict)
    actions: dict[UUID, Action] = field(default_factory=dict)
    # Audit events hold JSON dicts: the repository stores and hands out private copies.
    audit_events: dict[UUID, AuditEvent] = field(default_factory=dict)
    review_cycles: dict[UUID, ReviewCycle] = field(default_factory=dict)
    review_assignments: dict[UUID, ReviewAssignment] = field(default_factory=dict)
    review_responses: dict[UUID, SubmittedResponse] = field(default_factory=dict)  # by assignment
    templates: dict[UUID, Template] = field(default_factory=dict)  # the organization's own
    meetings: dict[UUID, Meeting] = field(default_factory=dict)  # with their links
    comments: dict[UUID, Comment] = field(default_factory=dict)  # with their mentions
    kpis: dict[UUID, Kpi] = field(default_factory=dict)
    kpi_measurements: dict[UUID, KpiMeasurement] = field(default_factory=dict)

    def copy(self) -> TenantData:
        return TenantData(
            members=dict(self.members),
            units=dict(self.units),
            unit_members=set(self.unit_members),
            cycles=dict(self.cycles),
            objectives=dict(self.objectives),
            key_results=dict(self.key_results),
            check_ins=dict(self.check_ins),
            actions=dict(self.actions),
            audit_events=dict(self.audit_events),
            review_cycles=dict(self.review_cycles),
            review_assignments=dict(self.review_assignments),
            review_responses=dict(self.review_responses),
            templates=dict(self.templates),
            meetings=dict(self.meetings),
            comments=dict(self.comments),
            kpis=dict(self.kpis),
            kpi_measurements=dict(self.kpi_measurements),
        )


@dataclass
class StoreState:
    organizations: dict[UUID, Organization] = field(default_factory=dict)
    tenants: dict[UUID, TenantData] = field(default_factory=dict)

    def copy(self) -> StoreState:
        return StoreState(
            organizations=dict(self.organizations),
            tenants={org_id: data.copy() for org_id, data in self.tenants.items()},
        )

    def tenant(self, organization_id: UUID) -> TenantData:
        """The tenant's rows for reading; an unknown tenant reads as empty (and stays unknown)."""
        found = self.tenants.get(organization_id)
        return found if found is not None else TenantData()

    def tenant_for_write(self, organization_id: UUID) -> TenantData:
        """The tenant's rows for writing; refuses an organization that does not exist.

        Mirrors the foreign key every Postgres table has on ``organizations``.
        """
        if organization_id not in self.organizations:
            raise unknown_reference()
        return self.tenants.setdefault(organization_id, TenantData())


def unknown_reference() -> RuleViolation:
    """What the Postgres adapter raises for any violated foreign key."""
    return RuleViolation("a referenced resource does not exist", code="unknown_reference")


Write = Callable[[StoreState], T]


class MemoryStore:
    """Every tenant's committed rows. Share one per test; each unit of work copies it."""

    def __init__(self) -> None:
        self._state = StoreState()

    def snapshot(self) -> StoreState:
        return self._state.copy()

    def publish(self, journal: list[Write[object]]) -> None:
        """Apply the journal to the latest committed state, all or nothing."""
        state = self._state.copy()
        for write in journal:
            write(state)
        self._state = state


class Transaction:
    """A working copy of the store and the journal of the writes made to it."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._state: StoreState | None = store.snapshot()
        self._journal: list[Write[object]] = []

    @property
    def state(self) -> StoreState:
        return self._open_state()

    def _open_state(self) -> StoreState:
        if self._state is None:
            raise RuntimeError("the unit of work is closed: use repositories inside `async with`")
        return self._state

    def write(self, write: Write[T]) -> T:
        """Apply ``write`` to the working copy and keep it for ``commit``.

        A write checks every constraint before it changes anything, so a refused write
        leaves the working copy as it was (like a statement in a Postgres savepoint).
        """
        result = write(self.state)
        self._journal.append(write)
        return result

    def commit(self) -> None:
        self._open_state()  # refuse a commit after close
        self._store.publish(self._journal)
        # Writes after a commit belong to a new transaction, discarded unless committed.
        self._state = self._store.snapshot()
        self._journal = []

    def close(self) -> None:
        self._state = None
        self._journal = []
