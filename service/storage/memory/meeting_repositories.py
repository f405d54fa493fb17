"""The in-memory twin of the meetings repository, with the Postgres adapter's semantics
(``service/storage/postgres/meeting_repositories.py``), constraint for constraint.

Postgres deletes a meeting with its unit, and a link with the objective or action it points
at (``ON DELETE CASCADE``); the twin's OKR repositories know nothing of meetings, so every
read here leaves out what refers to a deleted row, which from the outside is the same.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from domain.meetings import Meeting
from service.management_ports import MeetingFilter
from service.pagination import Page, PageRequest
from service.storage.memory.okr_repositories import _check_failed
from service.storage.memory.repositories import _check_length, _duplicate_key, _paged, _stale
from service.storage.memory.store import StoreState, TenantData, Transaction, unknown_reference


def _alive(tenant: TenantData, meeting: Meeting | None) -> Meeting | None:
    """The meeting as Postgres would hold it now: gone with its unit, without the
    objectives and actions deleted since it was written."""
    if meeting is None or (meeting.unit_id is not None and meeting.unit_id not in tenant.units):
        return None
    objective_ids = tuple(i for i in meeting.objective_ids if i in tenant.objectives)
    action_ids = tuple(i for i in meeting.follow_up_action_ids if i in tenant.actions)
    if (objective_ids, action_ids) == (meeting.objective_ids, meeting.follow_up_action_ids):
        return meeting
    return replace(meeting, objective_ids=objective_ids, follow_up_action_ids=action_ids)


def _check(tenant: TenantData, meeting: Meeting) -> None:
    """The column lengths, the checks and the foreign keys of ``meetings`` and its links."""
    _check_length("meetings.title", meeting.title, 200)
    if meeting.cycle_id is None and meeting.unit_id is None:
        raise _check_failed()  # ck_meetings_cycle_or_unit
    if meeting.cycle_id is not None and meeting.cycle_id not in tenant.cycles:
        raise unknown_reference()
    if meeting.unit_id is not None and meeting.unit_id not in tenant.units:
        raise unknown_reference()
    for ids, rows in (
        (meeting.attendee_ids, tenant.members),
        (meeting.objective_ids, tenant.objectives),
        (meeting.follow_up_action_ids, tenant.actions),
    ):
        if any(i not in rows for i in ids):
            raise unknown_reference()
        if len(set(ids)) != len(ids):
            raise _duplicate_key()


class MemoryMeetings:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _tenant(self, organization_id: UUID) -> TenantData:
        return self._tx.state.tenant(organization_id)

    async def get(self, organization_id: UUID, meeting_id: UUID) -> Meeting | None:
        tenant = self._tenant(organization_id)
        return _alive(tenant, tenant.meetings.get(meeting_id))

    async def list(
        self, organization_id: UUID, filters: MeetingFilter, page: PageRequest
    ) -> Page[Meeting]:
        tenant = self._tenant(organization_id)
        alive = (_alive(tenant, m) for m in tenant.meetings.values())
        rows = (
            m
            for m in alive
            if m is not None
            and (filters.cycle_id is None or m.cycle_id == filters.cycle_id)
            and (filters.unit_id is None or m.unit_id == filters.unit_id)
            and (filters.kind is None or m.kind is filters.kind)
        )
        return _paged(rows, page)

    async def add(self, meeting: Meeting) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(meeting.organization_id)
            if meeting.id in tenant.meetings:
                raise _duplicate_key()
            _check(tenant, meeting)
            tenant.meetings[meeting.id] = meeting

        self._tx.write(write)

    async def update(self, meeting: Meeting, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(meeting.organization_id)
            current = _alive(tenant, tenant.meetings.get(meeting.id))
            if current is None or current.version != previous_version:
                raise _stale()
            _check(tenant, meeting)
            tenant.meetings[meeting.id] = meeting

        self._tx.write(write)

    async def delete(
        self, organization_id: UUID, meeting_id: UUID, *, previous_version: int
    ) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            current = _alive(tenant, tenant.meetings.get(meeting_id))
            if current is None or current.version != previous_version:
                raise _stale()
            del tenant.meetings[meeting_id]

        self._tx.write(write)
