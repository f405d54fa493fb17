"""Use cases that read 360 review results: per reviewee, for HR export, and completion.

Results exist only once a review cycle is published (``review_not_published`` before), never
live. They are computed by ``domain.reviews.reviewee_result`` from responses read without
reviewer ids or timestamps, so nothing here can tell one peer from another.

Who reads what:
- admins, HR and service tokens with ``reviews:export``: every reviewee's result;
- a reviewee: their own; anyone above a reviewee in the manager chain: theirs;
- anyone else: 404, as for someone who is not a reviewee of the cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.errors import NotFound, RuleViolation
from domain.members import Member
from domain.organizations import Organization
from domain.reviews import (
    Response,
    ReviewCycle,
    ReviewPhase,
    ReviewResult,
    ReviewRole,
    reviewee_result,
)
from service.auth import (
    Principal,
    ensure_can_export_reviews,
    may_export_reviews,
    may_manage_reviews,
)
from service.context import Deps
from service.objectives import organization_of
from service.pagination import MAX_LIMIT, Page, PageRequest
from service.ports import UnitOfWork
from service.review_ports import ReviewAssignment, ReviewCycleFilter, RoleCompletion
from service.reviews import page_of_reviewees, review_cycle_of


@dataclass(frozen=True)
class RevieweeResult:
    """A reviewee's published result, with how many reviewers each role was asked of."""

    review_cycle_id: UUID
    reviewee: Member
    assigned: Mapping[ReviewRole, int]
    result: ReviewResult


@dataclass(frozen=True)
class Completion:
    """How far a review cycle has got: per role, assignments made and answered."""

    review_cycle: ReviewCycle
    reviewees: int
    roles: Mapping[ReviewRole, RoleCompletion]

    @property
    def total(self) -> RoleCompletion:
        return RoleCompletion(
            assigned=sum(c.assigned for c in self.roles.values()),
            done=sum(c.done for c in self.roles.values()),
        )


def _ensure_published(review_cycle: ReviewCycle) -> datetime:
    if review_cycle.phase is not ReviewPhase.PUBLISHED or review_cycle.published_at is None:
        raise RuleViolation(
            f"the review cycle is {review_cycle.phase}: results appear once it is published",
            code="review_not_published",
        )
    return review_cycle.published_at


def _threshold_for(reader: UUID | None, group: Sequence[ReviewAssignment], threshold: int) -> int:
    """A reader who is one of the reviewee's peers knows their own answers: the peer part
    is shown to them only when the threshold is reached without them, or subtracting their
    own response would narrow the others down below what anyone else may see."""
    peers = {a.reviewer_id for a in group if a.role is ReviewRole.PEER}
    return threshold + 1 if reader is not None and reader in peers else threshold


async def _results(
    uow: UnitOfWork,
    org: Organization,
    review_cycle: ReviewCycle,
    groups: Mapping[UUID, Sequence[ReviewAssignment]],
    reader: UUID | None,
) -> list[RevieweeResult]:
    """Results of these reviewees (assignments grouped by reviewee) as ``reader`` (the
    calling member, if any) may see them, in a fixed number of statements whatever their
    number."""
    _ensure_published(review_cycle)
    reviewee_ids = list(groups)
    ids = [a.id for group in groups.values() for a in group]
    responses = await uow.review_responses.of_assignments(org.id, ids)
    members = await uow.members.get_many(org.id, reviewee_ids)
    results = []
    for reviewee_id, group in groups.items():
        by_role: dict[ReviewRole, list[Response]] = {}
        assigned = dict.fromkeys(ReviewRole, 0)
        for a in group:
            assigned[a.role] += 1
            response = responses.get(a.id)
            if response is not None:
                by_role.setdefault(response.role, []).append(response)
        result = reviewee_result(
            by_role,
            weights=review_cycle.weights,
            threshold=_threshold_for(reader, group, review_cycle.peer_anonymity_threshold),
            okr_score=review_cycle.okr_score_of(reviewee_id),
        )
        results.append(RevieweeResult(review_cycle.id, members[reviewee_id], assigned, result))
    return results


async def review_results(
    deps: Deps, principal: Principal, review_cycle_id: UUID, page: PageRequest
) -> Page[RevieweeResult]:
    """Every reviewee's result, a page at a time in reviewee id order: for admins, HR and
    tokens with ``reviews:export``."""
    ensure_can_export_reviews(principal)
    org_id = principal.organization_id
    async with deps.read_models() as uow:
        org = await organization_of(uow, principal)
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        _ensure_published(review_cycle)
        assignments = await uow.review_assignments.of_cycle(
            org_id, review_cycle_id, within_unit=principal.unit_scope
        )
        chosen = page_of_reviewees(assignments, page, lambda r, group: (r, group))
        results = await _results(uow, org, review_cycle, dict(chosen.items), principal.member_id)
    return Page(results, chosen.next_after)


async def _may_read_result(uow: UnitOfWork, principal: Principal, reviewee_id: UUID) -> bool:
    if principal.unit_scope is not None:
        # A unit-scoped client: only reviewees of its subtree (one statement more).
        return may_export_reviews(principal) and await uow.members.in_unit_subtree(
            principal.organization_id, principal.unit_scope, reviewee_id
        )
    if may_export_reviews(principal) or principal.member_id == reviewee_id:
        return True
    if principal.member_id is None:
        return False
    chain = await uow.members.manager_chain(principal.organization_id, reviewee_id)
    return principal.member_id in chain


async def review_result(
    deps: Deps, principal: Principal, review_cycle_id: UUID, reviewee_id: UUID
) -> RevieweeResult:
    """One reviewee's published result, for them, their manager chain, admins and HR."""
    org_id = principal.organization_id
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        if not await _may_read_result(uow, principal, reviewee_id):
            raise NotFound("reviewee not found in this review cycle")
        group = await uow.review_assignments.of_reviewee(org_id, review_cycle_id, reviewee_id)
        if not group:
            raise NotFound("reviewee not found in this review cycle")
        (result,) = await _results(
            uow, org, review_cycle, {reviewee_id: group}, principal.member_id
        )
    return result


async def review_completion(deps: Deps, principal: Principal, review_cycle_id: UUID) -> Completion:
    """Per role across the cycle, how many assignments are answered: for admins, HR and
    tokens with ``reviews:export``. Never per reviewer or per reviewee."""
    if not may_manage_reviews(principal):
        ensure_can_export_reviews(principal)
    org_id = principal.organization_id
    async with deps.read() as uow:
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        roles = await uow.review_assignments.completion(org_id, review_cycle_id)
    # Every reviewee has exactly one self assignment (domain.reviews.assignments_for).
    return Completion(review_cycle, roles[ReviewRole.SELF].assigned, roles)


async def results_of_member(
    deps: Deps, principal: Principal, member_id: UUID
) -> list[RevieweeResult]:
    """A member's published results, oldest review cycle first: for the member, anyone above
    them in the manager chain, admins, HR and export tokens. Anyone else gets an empty
    list, exactly what a member never reviewed gets."""
    org_id = principal.organization_id
    results: list[RevieweeResult] = []
    async with deps.read() as uow:
        if not await _may_read_result(uow, principal, member_id):
            return []
        org = await organization_of(uow, principal)
        page = PageRequest(limit=MAX_LIMIT)
        while True:
            found = await uow.review_cycles.list(
                org_id, ReviewCycleFilter(phase=ReviewPhase.PUBLISHED), page
            )
            for review_cycle in found.items:
                group = await uow.review_assignments.of_reviewee(org_id, review_cycle.id, member_id)
                if group:
                    results.extend(
                        await _results(
                            uow, org, review_cycle, {member_id: group}, principal.member_id
                        )
                    )
            if found.next_after is None:
                return results
            page = PageRequest(limit=MAX_LIMIT, after=found.next_after)
