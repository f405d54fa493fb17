"""The ports of the management rhythm (the M of OKMA): review meetings, comments with their
@mentions, and the reader of work plans. Implemented by service/storage/postgres.

Meetings and comments refer to OKR rows (members, cycles, units, objectives, key results,
actions) that may be deleted while the meeting or comment stays: a reviewed objective or a
follow-up action deleted with its objective drops out of the meetings that listed it; a
comment goes with its target; a meeting goes with its unit (in Postgres by
``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.comments import Comment, CommentTarget
from domain.meetings import Meeting, MeetingKind
from domain.okrs import Action
from service.okr_ports import Viewer
from service.pagination import Page, PageRequest


@dataclass(frozen=True)
class MeetingFilter:
    """Narrow a list of meetings; every given field must match."""

    cycle_id: UUID | None = None
    unit_id: UUID | None = None
    kind: MeetingKind | None = None


class MeetingRepository(Protocol):
    """An organization's review meetings. Every call is scoped to ``organization_id``.

    A meeting reads back with its attendees, reviewed objectives and follow-up actions in
    the order they were written.
    """

    async def get(self, organization_id: UUID, meeting_id: UUID) -> Meeting | None: ...
    async def list(
        self, organization_id: UUID, filters: MeetingFilter, page: PageRequest
    ) -> Page[Meeting]:
        """Oldest first (by id), a keyset page, in one statement."""

    async def add(self, meeting: Meeting) -> None:
        """Insert it with its links; ``unknown_reference`` when the organization, cycle,
        unit, an attendee, an objective or an action does not exist."""

    async def update(self, meeting: Meeting, *, previous_version: int) -> None:
        """Replace the stored meeting and its links; StaleVersion when it is no longer
        stored at ``previous_version``; ``unknown_reference`` as ``add``."""

    async def delete(
        self, organization_id: UUID, meeting_id: UUID, *, previous_version: int
    ) -> None:
        """Remove it with its links (the follow-up actions stay); StaleVersion when it is
        not stored at ``previous_version``."""


class CommentRepository(Protocol):
    """Comments on objectives, key results and actions, with the members they mention.
    Every call is scoped to ``organization_id``."""

    async def get(self, organization_id: UUID, comment_id: UUID) -> Comment | None: ...
    async def of_target(
        self, organization_id: UUID, target: CommentTarget, target_id: UUID, page: PageRequest
    ) -> Page[Comment]:
        """The comments on one objective, key result or action, oldest first (by id)."""

    async def mentioning(
        self, organization_id: UUID, member_id: UUID, viewer: Viewer, page: PageRequest
    ) -> Page[Comment]:
        """The comments mentioning ``member_id`` whose target ``viewer`` may see (the
        objective's visibility: for a KR or an action, that of the objective it serves),
        newest first: ``page.after`` is the last comment of the previous page, and the page
        holds older ones. One statement, driven by the mentions' index."""

    async def add(self, comment: Comment) -> None:
        """Insert it with its mentions; ``unknown_reference`` when the target, the author
        or a mentioned member does not exist."""

    async def update(self, comment: Comment, *, previous_version: int) -> None:
        """Replace its body and mentions; StaleVersion when it is no longer stored at
        ``previous_version``."""

    async def delete(
        self, organization_id: UUID, comment_id: UUID, *, previous_version: int
    ) -> None:
        """Remove it with its mentions; StaleVersion when it is not stored at
        ``previous_version``."""


class WorkPlanReader(Protocol):
    """Reads actions across key results: by id, and for a member's or a unit's work plan."""

    async def actions(
        self, organization_id: UUID, action_ids: Sequence[UUID]
    ) -> Mapping[UUID, Action]:
        """The actions found among ``action_ids`` (one statement); unknown ids are absent."""

    async def plan_actions(
        self,
        organization_id: UUID,
        cycle_id: UUID,
        viewer: Viewer,
        *,
        member_id: UUID | None = None,
        unit_id: UUID | None = None,
        limit: int,
    ) -> Sequence[Action]:
        """The actions of a work plan, by id, at most ``limit + 1`` (one statement): on key
        results of objectives of ``cycle_id`` that are not archived and that ``viewer`` may
        see, and

        - ``member_id``: owned by the member, or without an owner on a KR the member owns;
        - ``unit_id``: on a KR of an objective the unit owns, or owned by one of its
          members (direct membership).

        Exactly one of ``member_id`` and ``unit_id`` is given.
        """
