"""Use cases of reviewers: "my reviews to write" and submitting or revising a response.

A reviewer reaches only their own assignments. Someone else's assignment answers exactly
as an unknown one (404 ``not_found``, same message), so probing ids reveals nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.errors import Forbidden, NotFound
from domain.reviews import (
    Answer,
    Response,
    ReviewCycle,
    ReviewPhase,
    ensure_collecting,
    validate_response,
)
from service.auth import Principal
from service.context import Deps
from service.ports import UnitOfWork
from service.review_ports import ReviewAssignment, SubmittedResponse
from service.reviews import review_cycle_of


@dataclass(frozen=True)
class MyReview:
    """One review to write: whom, in which role, and the reviewer's own response so far."""

    assignment: ReviewAssignment
    response: SubmittedResponse | None


def _reviewer(principal: Principal) -> UUID:
    if principal.member_id is None:
        raise Forbidden("reviews are written by members, not service tokens")
    return principal.member_id


async def my_reviews(deps: Deps, principal: Principal, review_cycle_id: UUID) -> list[MyReview]:
    """The caller's assignments in a review cycle, ordered by id, each with their response.
    Nothing in draft: assignments may still change until collecting starts."""
    reviewer = _reviewer(principal)
    org_id = principal.organization_id
    async with deps.read() as uow:
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        if review_cycle.phase is ReviewPhase.DRAFT:
            return []
        mine = await uow.review_assignments.of_reviewer(org_id, review_cycle_id, reviewer)
        responses = await uow.review_responses.get_many(org_id, [a.id for a in mine])
    return [MyReview(a, responses.get(a.id)) for a in mine]


async def _own_assignment(
    uow: UnitOfWork, principal: Principal, assignment_id: UUID
) -> tuple[ReviewAssignment, ReviewCycle]:
    reviewer = _reviewer(principal)
    org_id = principal.organization_id
    assignment = await uow.review_assignments.get(org_id, assignment_id)
    if assignment is None or assignment.reviewer_id != reviewer:
        raise NotFound("review assignment not found")
    review_cycle = await review_cycle_of(uow, org_id, assignment.review_cycle_id)
    if review_cycle.phase is ReviewPhase.DRAFT:
        raise NotFound("review assignment not found")
    return assignment, review_cycle


async def get_my_review(deps: Deps, principal: Principal, assignment_id: UUID) -> MyReview:
    async with deps.read() as uow:
        assignment, _ = await _own_assignment(uow, principal, assignment_id)
        response = await uow.review_responses.get(principal.organization_id, assignment_id)
    return MyReview(assignment, response)


async def submit_response(
    deps: Deps, principal: Principal, assignment_id: UUID, answers: Sequence[Answer]
) -> MyReview:
    """Submit or revise the caller's response while the review cycle is collecting: every
    question answered once, ratings 1-5 (``validation_failed`` otherwise); after close
    ``review_not_collecting``."""
    async with deps.uow() as uow:
        assignment, review_cycle = await _own_assignment(uow, principal, assignment_id)
        ensure_collecting(review_cycle.phase)
        checked = validate_response(
            Response(assignment.role, tuple(answers)), review_cycle.questions
        )
        org_id = principal.organization_id
        await uow.review_responses.save(org_id, assignment_id, checked.answers, deps.clock.now())
        saved = await uow.review_responses.get(org_id, assignment_id)
        await uow.commit()
    return MyReview(assignment, saved)
