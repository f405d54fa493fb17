"""Repositories of 360 review cycles, assignments and responses.

Every query filters on ``organization_id`` first. A response row holds its answers and two
timestamps for the reviewer's own view; results read it through ``of_assignments``, which
returns neither reviewer ids nor timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Select, and_, any_, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.reviews import (
    Answer,
    PeerBounds,
    Question,
    Response,
    ReviewCycle,
    ReviewPhase,
    ReviewRole,
    RoleWeights,
)
from service.pagination import Page, PageRequest, stamped_page_of
from service.review_ports import (
    ReviewAssignment,
    ReviewCycleFilter,
    RoleCompletion,
    SubmittedResponse,
)
from service.storage.postgres import tables as t
from service.storage.postgres.sql import execute_write, id_array, paged, plain, update_versioned


def questions_json(questions: Sequence[Question]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(q.id),
            "text_zh": q.text_zh,
            "text_en": q.text_en,
            "comment_allowed": q.comment_allowed,
        }
        for q in questions
    ]


def questions_from(data: Sequence[Mapping[str, Any]]) -> tuple[Question, ...]:
    return tuple(
        Question(
            id=UUID(q["id"]),
            text_zh=q["text_zh"],
            text_en=q["text_en"],
            comment_allowed=bool(q["comment_allowed"]),
        )
        for q in data
    )


def answers_json(answers: Sequence[Answer]) -> list[dict[str, Any]]:
    return [
        {"question_id": str(a.question_id), "rating": a.rating, "comment": a.comment}
        for a in answers
    ]


def answers_from(data: Sequence[Mapping[str, Any]]) -> tuple[Answer, ...]:
    return tuple(
        Answer(question_id=UUID(a["question_id"]), rating=int(a["rating"]), comment=a["comment"])
        for a in data
    )


def _submitted(row: Row[Any]) -> SubmittedResponse:
    return SubmittedResponse(
        assignment_id=row.assignment_id,
        answers=answers_from(row.answers),
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
    )


# -- review cycles -------------------------------------------------------------------------


def _review_cycle(row: Row[Any]) -> ReviewCycle:
    return ReviewCycle(
        id=row.id,
        organization_id=row.organization_id,
        cycle_id=row.cycle_id,
        name=row.name,
        phase=ReviewPhase(row.phase),
        questions=questions_from(row.questions),
        weights=RoleWeights(
            weight_self=plain(row.weight_self),
            weight_peer=plain(row.weight_peer),
            weight_manager=plain(row.weight_manager),
            weight_skip_level=plain(row.weight_skip_level),
        ),
        peer_anonymity_threshold=row.peer_anonymity_threshold,
        peer_bounds=PeerBounds(min_peers=row.min_peers, max_peers=row.max_peers),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        okr_scores=tuple(
            (UUID(k), None if v is None else Decimal(v)) for k, v in (row.okr_scores or {}).items()
        ),
    )


def _review_cycle_values(rc: ReviewCycle) -> dict[str, Any]:
    return {
        "cycle_id": rc.cycle_id,
        "name": rc.name,
        "phase": rc.phase.value,
        "questions": questions_json(rc.questions),
        "weight_self": rc.weights.weight_self,
        "weight_peer": rc.weights.weight_peer,
        "weight_manager": rc.weights.weight_manager,
        "weight_skip_level": rc.weights.weight_skip_level,
        "peer_anonymity_threshold": rc.peer_anonymity_threshold,
        "min_peers": rc.peer_bounds.min_peers,
        "max_peers": rc.peer_bounds.max_peers,
        "version": rc.version,
        "created_at": rc.created_at,
        "updated_at": rc.updated_at,
        "published_at": rc.published_at,
        # Decimal strings, so a score reads back exactly.
        "okr_scores": (
            {str(k): None if v is None else str(v) for k, v in rc.okr_scores}
            if rc.okr_scores
            else None
        ),
    }


class PostgresReviewCycles:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, review_cycle_id: UUID) -> ReviewCycle | None:
        rc = t.review_cycles
        row = (
            await self._conn.execute(
                select(rc).where(
                    rc.c.organization_id == organization_id, rc.c.id == review_cycle_id
                )
            )
        ).first()
        return _review_cycle(row) if row else None

    async def list(
        self, organization_id: UUID, filters: ReviewCycleFilter, page: PageRequest
    ) -> Page[ReviewCycle]:
        rc = t.review_cycles
        statement: Select[Any] = select(rc).where(rc.c.organization_id == organization_id)
        if filters.cycle_id is not None:
            statement = statement.where(rc.c.cycle_id == filters.cycle_id)
        if filters.phase is not None:
            statement = statement.where(rc.c.phase == filters.phase.value)
        rows = (await self._conn.execute(paged(statement, rc, page))).all()
        return stamped_page_of([_review_cycle(r) for r in rows], page)

    async def add(self, review_cycle: ReviewCycle) -> None:
        await execute_write(
            self._conn,
            insert(t.review_cycles).values(
                organization_id=review_cycle.organization_id,
                id=review_cycle.id,
                **_review_cycle_values(review_cycle),
            ),
        )

    async def update(self, review_cycle: ReviewCycle, *, previous_version: int) -> None:
        rc = t.review_cycles
        await update_versioned(
            self._conn,
            rc,
            and_(rc.c.organization_id == review_cycle.organization_id, rc.c.id == review_cycle.id),
            _review_cycle_values(review_cycle),
            previous_version,
        )


# -- assignments ---------------------------------------------------------------------------


def _assignment(row: Row[Any]) -> ReviewAssignment:
    return ReviewAssignment(
        id=row.id,
        organization_id=row.organization_id,
        review_cycle_id=row.review_cycle_id,
        reviewee_id=row.reviewee_id,
        reviewer_id=row.reviewer_id,
        role=ReviewRole(row.role),
    )


class PostgresReviewAssignments:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, assignments: Sequence[ReviewAssignment]) -> None:
        if not assignments:
            return
        await execute_write(
            self._conn,
            insert(t.review_assignments).values(
                [
                    {
                        "organization_id": a.organization_id,
                        "id": a.id,
                        "review_cycle_id": a.review_cycle_id,
                        "reviewee_id": a.reviewee_id,
                        "reviewer_id": a.reviewer_id,
                        "role": a.role.value,
                    }
                    for a in assignments
                ]
            ),
        )

    async def get(self, organization_id: UUID, assignment_id: UUID) -> ReviewAssignment | None:
        a = t.review_assignments
        row = (
            await self._conn.execute(
                select(a).where(a.c.organization_id == organization_id, a.c.id == assignment_id)
            )
        ).first()
        return _assignment(row) if row else None

    async def _where(self, organization_id: UUID, *conditions: Any) -> list[ReviewAssignment]:
        a = t.review_assignments
        rows = await self._conn.execute(
            select(a).where(a.c.organization_id == organization_id, *conditions).order_by(a.c.id)
        )
        return [_assignment(r) for r in rows]

    async def of_reviewer(
        self, organization_id: UUID, review_cycle_id: UUID, reviewer_id: UUID
    ) -> Sequence[ReviewAssignment]:
        a = t.review_assignments
        return await self._where(
            organization_id, a.c.review_cycle_id == review_cycle_id, a.c.reviewer_id == reviewer_id
        )

    async def of_reviewee(
        self, organization_id: UUID, review_cycle_id: UUID, reviewee_id: UUID
    ) -> Sequence[ReviewAssignment]:
        a = t.review_assignments
        return await self._where(
            organization_id, a.c.review_cycle_id == review_cycle_id, a.c.reviewee_id == reviewee_id
        )

    async def of_cycle(
        self, organization_id: UUID, review_cycle_id: UUID
    ) -> Sequence[ReviewAssignment]:
        a = t.review_assignments
        return await self._where(organization_id, a.c.review_cycle_id == review_cycle_id)

    async def delete_of_reviewee(
        self, organization_id: UUID, review_cycle_id: UUID, reviewee_id: UUID
    ) -> int:
        a = t.review_assignments
        return await execute_write(
            self._conn,
            delete(a).where(
                a.c.organization_id == organization_id,
                a.c.review_cycle_id == review_cycle_id,
                a.c.reviewee_id == reviewee_id,
            ),
        )

    async def completion(
        self, organization_id: UUID, review_cycle_id: UUID
    ) -> Mapping[ReviewRole, RoleCompletion]:
        a, r = t.review_assignments, t.review_responses
        rows = await self._conn.execute(
            select(a.c.role, func.count(a.c.id), func.count(r.c.assignment_id))
            .select_from(
                a.outerjoin(
                    r,
                    and_(
                        r.c.organization_id == a.c.organization_id,
                        r.c.assignment_id == a.c.id,
                    ),
                )
            )
            .where(a.c.organization_id == organization_id, a.c.review_cycle_id == review_cycle_id)
            .group_by(a.c.role)
        )
        found = {ReviewRole(role): RoleCompletion(int(n), int(done)) for role, n, done in rows}
        return {role: found.get(role, RoleCompletion(0, 0)) for role in ReviewRole}


# -- responses -----------------------------------------------------------------------------


class PostgresReviewResponses:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def save(
        self,
        organization_id: UUID,
        assignment_id: UUID,
        answers: Sequence[Answer],
        now: datetime,
    ) -> None:
        r = t.review_responses
        statement = pg_insert(r).values(
            organization_id=organization_id,
            assignment_id=assignment_id,
            answers=answers_json(answers),
            submitted_at=now,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[r.c.organization_id, r.c.assignment_id],
            set_={
                "answers": statement.excluded.answers,
                "updated_at": statement.excluded.updated_at,
            },
        )
        await execute_write(self._conn, statement)

    async def get(self, organization_id: UUID, assignment_id: UUID) -> SubmittedResponse | None:
        r = t.review_responses
        row = (
            await self._conn.execute(
                select(r).where(
                    r.c.organization_id == organization_id, r.c.assignment_id == assignment_id
                )
            )
        ).first()
        return None if row is None else _submitted(row)

    async def get_many(
        self, organization_id: UUID, assignment_ids: Sequence[UUID]
    ) -> Mapping[UUID, SubmittedResponse]:
        r = t.review_responses
        rows = await self._conn.execute(
            select(r).where(
                r.c.organization_id == organization_id,
                r.c.assignment_id == any_(id_array(assignment_ids)),
            )
        )
        return {row.assignment_id: _submitted(row) for row in rows}

    async def of_assignments(
        self, organization_id: UUID, assignment_ids: Sequence[UUID]
    ) -> Mapping[UUID, Response]:
        if not assignment_ids:
            return {}
        a, r = t.review_assignments, t.review_responses
        rows = await self._conn.execute(
            select(r.c.assignment_id, a.c.role, r.c.answers)
            .join(a, and_(a.c.organization_id == r.c.organization_id, a.c.id == r.c.assignment_id))
            .where(
                r.c.organization_id == organization_id,
                r.c.assignment_id == any_(id_array(assignment_ids)),
            )
            .order_by(r.c.assignment_id)
        )
        return {
            row.assignment_id: Response(
                role=ReviewRole(row.role), answers=answers_from(row.answers)
            )
            for row in rows
        }
