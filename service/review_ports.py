"""The ports of 360 reviews (review cycles, assignments, responses) and the values they
speak in. Implemented by service/storage/postgres.

Stored data is kept minimal: a response is its answers, and the time it was first
submitted and last revised only for the reviewer's own view. Results read responses
through :meth:`ReviewResponseRepository.of_assignments`, which hands out neither reviewer
ids nor timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.reviews import Answer, Assignment, Response, ReviewCycle, ReviewPhase, ReviewRole
from service.pagination import Page, PageRequest


@dataclass(frozen=True)
class ReviewCycleFilter:
    cycle_id: UUID | None = None
    phase: ReviewPhase | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewAssignment:
    """A stored assignment: ``reviewer_id`` reviews ``reviewee_id`` in ``role`` within
    ``review_cycle_id``."""

    id: UUID
    organization_id: UUID
    review_cycle_id: UUID
    reviewee_id: UUID
    reviewer_id: UUID
    role: ReviewRole

    @property
    def assignment(self) -> Assignment:
        return Assignment(self.reviewee_id, self.reviewer_id, self.role)


@dataclass(frozen=True, kw_only=True)
class SubmittedResponse:
    """A reviewer's own response as they see it: answers and when they submitted it."""

    assignment_id: UUID
    answers: tuple[Answer, ...]
    submitted_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RoleCompletion:
    assigned: int
    done: int


class ReviewCycleRepository(Protocol):
    async def get(self, organization_id: UUID, review_cycle_id: UUID) -> ReviewCycle | None: ...
    async def list(
        self, organization_id: UUID, filters: ReviewCycleFilter, page: PageRequest
    ) -> Page[ReviewCycle]: ...
    async def add(self, review_cycle: ReviewCycle) -> None:
        """Insert; ``unknown_reference`` when its OKR cycle does not exist."""

    async def update(self, review_cycle: ReviewCycle, *, previous_version: int) -> None:
        """Save; raise StaleVersion when the stored version is no longer ``previous_version``."""


class ReviewAssignmentRepository(Protocol):
    async def add_many(self, assignments: Sequence[ReviewAssignment]) -> None:
        """Insert them all (one statement); Conflict (``conflict``) when a reviewer already
        reviews that reviewee in the review cycle, ``unknown_reference`` for an unknown
        review cycle or member. All or nothing."""

    async def get(self, organization_id: UUID, assignment_id: UUID) -> ReviewAssignment | None: ...
    async def of_reviewer(
        self, organization_id: UUID, review_cycle_id: UUID, reviewer_id: UUID
    ) -> Sequence[ReviewAssignment]:
        """What ``reviewer_id`` has to review, ordered by id."""

    async def of_reviewee(
        self, organization_id: UUID, review_cycle_id: UUID, reviewee_id: UUID
    ) -> Sequence[ReviewAssignment]:
        """Who reviews ``reviewee_id``, ordered by id."""

    async def of_cycle(
        self, organization_id: UUID, review_cycle_id: UUID, *, within_unit: UUID | None = None
    ) -> Sequence[ReviewAssignment]:
        """Every assignment of the review cycle, ordered by id; with ``within_unit``, only
        those of reviewees in that unit or a unit under it (a unit-scoped client's export)."""

    async def delete_of_reviewee(
        self, organization_id: UUID, review_cycle_id: UUID, reviewee_id: UUID
    ) -> int:
        """Remove the reviewee's assignments (and their responses), for re-nomination while
        in draft; return how many were removed."""

    async def completion(
        self, organization_id: UUID, review_cycle_id: UUID
    ) -> Mapping[ReviewRole, RoleCompletion]:
        """Per role, how many assignments there are and how many have a response (one
        query). Every role is present, with zeros when it has no assignments."""


class ReviewResponseRepository(Protocol):
    async def save(
        self,
        organization_id: UUID,
        assignment_id: UUID,
        answers: Sequence[Answer],
        now: datetime,
    ) -> None:
        """Insert or revise (one statement): a revision replaces the answers and sets
        ``updated_at``; ``submitted_at`` stays the first submission. ``unknown_reference``
        for an unknown assignment."""

    async def get(self, organization_id: UUID, assignment_id: UUID) -> SubmittedResponse | None:
        """The reviewer's own view of their response."""

    async def get_many(
        self, organization_id: UUID, assignment_ids: Sequence[UUID]
    ) -> Mapping[UUID, SubmittedResponse]:
        """The reviewer's own view of many responses (one query); absent when unanswered."""

    async def of_assignments(
        self, organization_id: UUID, assignment_ids: Sequence[UUID]
    ) -> Mapping[UUID, Response]:
        """The responses of these assignments, each in its assignment's role (one query);
        an assignment without a response is absent. No reviewer id, no timestamp."""
