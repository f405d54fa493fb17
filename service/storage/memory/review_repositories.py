"""In-memory twins of the 360 review repositories, with the Postgres adapter's semantics
(``service/storage/postgres/review_repositories.py``), constraint for constraint.

Every lookup is scoped by ``organization_id``; updates compare versions; a violated foreign
key is ``unknown_reference`` and a violated unique key the generic ``conflict``, as the
Postgres adapter translates them. A write checks everything before it changes anything.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from domain.reviews import Answer, Response, ReviewCycle, ReviewRole, RoleWeights
from service.pagination import Page, PageRequest
from service.review_ports import (
    ReviewAssignment,
    ReviewCycleFilter,
    RoleCompletion,
    SubmittedResponse,
)
from service.storage.memory.okr_repositories import _plain
from service.storage.memory.repositories import _check_length, _duplicate_key, _paged, _stale
from service.storage.memory.store import StoreState, TenantData, Transaction, unknown_reference


def _stored(review_cycle: ReviewCycle) -> ReviewCycle:
    """As Postgres reads it back: NUMERICs in fixed-point form."""
    w = review_cycle.weights
    weights = RoleWeights(
        weight_self=_plain(w.weight_self),
        weight_peer=_plain(w.weight_peer),
        weight_manager=_plain(w.weight_manager),
        weight_skip_level=_plain(w.weight_skip_level),
    )
    return replace(review_cycle, weights=weights)


def _check_review_cycle(tenant: TenantData, review_cycle: ReviewCycle) -> None:
    _check_length("review_cycles.name", review_cycle.name, 200)
    if review_cycle.cycle_id not in tenant.cycles:
        raise unknown_reference()


class MemoryReviewCycles:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, ReviewCycle]:
        return self._tx.state.tenant(organization_id).review_cycles

    async def get(self, organization_id: UUID, review_cycle_id: UUID) -> ReviewCycle | None:
        return self._rows(organization_id).get(review_cycle_id)

    async def list(
        self, organization_id: UUID, filters: ReviewCycleFilter, page: PageRequest
    ) -> Page[ReviewCycle]:
        rows = (
            rc
            for rc in self._rows(organization_id).values()
            if (filters.cycle_id is None or rc.cycle_id == filters.cycle_id)
            and (filters.phase is None or rc.phase is filters.phase)
        )
        return _paged(rows, page)

    async def add(self, review_cycle: ReviewCycle) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(review_cycle.organization_id)
            if review_cycle.id in tenant.review_cycles:
                raise _duplicate_key()
            _check_review_cycle(tenant, review_cycle)
            tenant.review_cycles[review_cycle.id] = _stored(review_cycle)

        self._tx.write(write)

    async def update(self, review_cycle: ReviewCycle, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(review_cycle.organization_id)
            current = tenant.review_cycles.get(review_cycle.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_review_cycle(tenant, review_cycle)
            tenant.review_cycles[review_cycle.id] = _stored(review_cycle)

        self._tx.write(write)


class MemoryReviewAssignments:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, ReviewAssignment]:
        return self._tx.state.tenant(organization_id).review_assignments

    async def add_many(self, assignments: Sequence[ReviewAssignment]) -> None:
        if not assignments:
            return

        def write(state: StoreState) -> None:
            # Postgres checks keys row by row and foreign keys at the end of the statement.
            pairs = {
                (org, a.review_cycle_id, a.reviewee_id, a.reviewer_id)
                for org, tenant in state.tenants.items()
                for a in tenant.review_assignments.values()
            }
            ids = {
                (org, i) for org, tenant in state.tenants.items() for i in tenant.review_assignments
            }
            for a in assignments:
                pair = (a.organization_id, a.review_cycle_id, a.reviewee_id, a.reviewer_id)
                if (a.organization_id, a.id) in ids or pair in pairs:
                    raise _duplicate_key()
                ids.add((a.organization_id, a.id))
                pairs.add(pair)
            for a in assignments:
                tenant = state.tenant(a.organization_id)
                if (
                    a.organization_id not in state.organizations
                    or a.review_cycle_id not in tenant.review_cycles
                    or a.reviewee_id not in tenant.members
                    or a.reviewer_id not in tenant.members
                ):
                    raise unknown_reference()
            for a in assignments:
                state.tenant_for_write(a.organization_id).review_assignments[a.id] = a

        self._tx.write(write)

    async def get(self, organization_id: UUID, assignment_id: UUID) -> ReviewAssignment | None:
        return self._rows(organization_id).get(assignment_id)

    def _where(
        self,
        organization_id: UUID,
        review_cycle_id: UUID,
        *,
        reviewer_id: UUID | None = None,
        reviewee_id: UUID | None = None,
    ) -> builtins.list[ReviewAssignment]:
        return sorted(
            (
                a
                for a in self._rows(organization_id).values()
                if a.review_cycle_id == review_cycle_id
                and (reviewer_id is None or a.reviewer_id == reviewer_id)
                and (reviewee_id is None or a.reviewee_id == reviewee_id)
            ),
            key=lambda a: a.id,
        )

    async def of_reviewer(
        self, organization_id: UUID, review_cycle_id: UUID, reviewer_id: UUID
    ) -> Sequence[ReviewAssignment]:
        return self._where(organization_id, review_cycle_id, reviewer_id=reviewer_id)

    async def of_reviewee(
        self, organization_id: UUID, review_cycle_id: UUID, reviewee_id: UUID
    ) -> Sequence[ReviewAssignment]:
        return self._where(organization_id, review_cycle_id, reviewee_id=reviewee_id)

    async def of_cycle(
        self, organization_id: UUID, review_cycle_id: UUID
    ) -> Sequence[ReviewAssignment]:
        return self._where(organization_id, review_cycle_id)

    async def delete_of_reviewee(
        self, organization_id: UUID, review_cycle_id: UUID, reviewee_id: UUID
    ) -> int:
        def write(state: StoreState) -> int:
            tenant = state.tenant(organization_id)
            gone = [
                a.id
                for a in tenant.review_assignments.values()
                if a.review_cycle_id == review_cycle_id and a.reviewee_id == reviewee_id
            ]
            for assignment_id in gone:
                del tenant.review_assignments[assignment_id]
                tenant.review_responses.pop(assignment_id, None)  # ON DELETE CASCADE
            return len(gone)

        return self._tx.write(write)

    async def completion(
        self, organization_id: UUID, review_cycle_id: UUID
    ) -> Mapping[ReviewRole, RoleCompletion]:
        responses = self._tx.state.tenant(organization_id).review_responses
        counts = {role: [0, 0] for role in ReviewRole}
        for a in self._where(organization_id, review_cycle_id):
            counts[a.role][0] += 1
            counts[a.role][1] += a.id in responses
        return {role: RoleCompletion(n, done) for role, (n, done) in counts.items()}


class MemoryReviewResponses:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def save(
        self,
        organization_id: UUID,
        assignment_id: UUID,
        answers: Sequence[Answer],
        now: datetime,
    ) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            if assignment_id not in tenant.review_assignments:
                raise unknown_reference()
            previous = tenant.review_responses.get(assignment_id)
            tenant.review_responses[assignment_id] = SubmittedResponse(
                assignment_id=assignment_id,
                answers=tuple(answers),
                submitted_at=now if previous is None else previous.submitted_at,
                updated_at=now,
            )

        self._tx.write(write)

    async def get(self, organization_id: UUID, assignment_id: UUID) -> SubmittedResponse | None:
        return self._tx.state.tenant(organization_id).review_responses.get(assignment_id)

    async def get_many(
        self, organization_id: UUID, assignment_ids: Sequence[UUID]
    ) -> Mapping[UUID, SubmittedResponse]:
        stored = self._tx.state.tenant(organization_id).review_responses
        return {i: stored[i] for i in sorted(set(assignment_ids)) if i in stored}

    async def of_assignments(
        self, organization_id: UUID, assignment_ids: Sequence[UUID]
    ) -> Mapping[UUID, Response]:
        tenant = self._tx.state.tenant(organization_id)
        found: dict[UUID, Response] = {}
        for assignment_id in sorted(set(assignment_ids)):
            stored = tenant.review_responses.get(assignment_id)
            if stored is not None:
                role = tenant.review_assignments[assignment_id].role
                found[assignment_id] = Response(role=role, answers=stored.answers)
        return found
