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
from service.storage.postgres.repositories import in_unit_subtree
from service.storage.postgres.rows import EntityRows, Stored
from service.storage.postgres.sql import execute_write, id_array, paged, update_versioned


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


# Read only: ``save`` writes a response from its answers and the time.
_submitted = EntityRows(
    SubmittedResponse,
    t.review_responses,
    {"answers": Stored(lambda row: answers_from(row.answers), lambda _: {})},
).entity


# -- review cycles -------------------------------------------------------------------------


def _in_own_columns(value_type: type[Any], field: str) -> Stored[ReviewCycle]:
    """A value of ``value_type`` kept in the columns named as its fields."""
    columns = EntityRows(value_type, t.review_cycles, keys=())
    return Stored(columns.entity, lambda rc: columns.values(getattr(rc, field)))


def _okr_scores(row: Row[Any]) -> tuple[tuple[UUID, Decimal | None], ...]:
    scores: Mapping[str, str | None] = row.okr_scores or {}
    return tuple((UUID(k), None if v is None else Decimal(v)) for k, v in scores.items())


def _okr_scores_column(rc: ReviewCycle) -> dict[str, object]:
    # Decimal strings, so a score reads back exactly; NULL until published.
    scores = {str(k): None if v is None else str(v) for k, v in rc.okr_scores}
    return {"okr_scores": scores or None}


# Each weight and peer bound is a column of its own; questions and scores JSONB documents.
_REVIEW_CYCLES = EntityRows(
    ReviewCycle,
    t.review_cycles,
    {
        "questions": Stored(
            lambda row: questions_from(row.questions),
            lambda rc: {"questions": questions_json(rc.questions)},
        ),
        "weights": _in_own_columns(RoleWeights, "weights"),
        "peer_bounds": _in_own_columns(PeerBounds, "peer_bounds"),
        "okr_scores": Stored(_okr_scores, _okr_scores_column),
    },
)
_review_cycle = _REVIEW_CYCLES.entity


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
            insert(t.review_cycles).values(**_REVIEW_CYCLES.insert_values(review_cycle)),
        )

    async def update(self, review_cycle: ReviewCycle, *, previous_version: int) -> None:
        rc = t.review_cycles
        await update_versioned(
            self._conn,
            rc,
            and_(rc.c.organization_id == review_cycle.organization_id, rc.c.id == review_cycle.id),
            _REVIEW_CYCLES.values(review_cycle),
            previous_version,
        )


# -- assignments ---------------------------------------------------------------------------


_ASSIGNMENTS = EntityRows(ReviewAssignment, t.review_assignments)
_assignment = _ASSIGNMENTS.entity


class PostgresReviewAssignments:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, assignments: Sequence[ReviewAssignment]) -> None:
        if not assignments:
            return
        await execute_write(
            self._conn,
            insert(t.review_assignments).values(
                [_ASSIGNMENTS.insert_values(a) for a in assignments]
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
        self, organization_id: UUID, review_cycle_id: UUID, *, within_unit: UUID | None = None
    ) -> Sequence[ReviewAssignment]:
        a = t.review_assignments
        if within_unit is None:
            return await self._where(organization_id, a.c.review_cycle_id == review_cycle_id)
        # A unit-scoped client's export: the subtree's walk inside the same statement.
        in_scope = in_unit_subtree(organization_id, within_unit, a.c.reviewee_id)
        return await self._where(organization_id, a.c.review_cycle_id == review_cycle_id, in_scope)

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
