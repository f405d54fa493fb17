"""The repository of comments and their @mentions.

A comment's target is one of three columns (``objective_id``, ``key_result_id``,
``action_id``), named by ``target_type``, so each has a real foreign key and the comment
goes with its target. The members it mentions are rows of ``comment_mentions`` (with their
``position`` in the body), indexed by member: "mentions of me" is one statement walking
that index backwards, joined to the target's objective for its visibility. Every query
filters on ``organization_id`` first.
"""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.comments import Comment, CommentTarget
from domain.errors import ConcurrentChange, StaleVersion
from service.okr_ports import Viewer
from service.pagination import Page, PageRequest, page_of, stamped_page_of
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import visible_to
from service.storage.postgres.rows import EntityRows, Stored
from service.storage.postgres.sql import execute_write, paged

_TARGET_COLUMN: Final = {
    CommentTarget.OBJECTIVE: "objective_id",
    CommentTarget.KEY_RESULT: "key_result_id",
    CommentTarget.ACTION: "action_id",
}


def _stale() -> StaleVersion:
    return ConcurrentChange("the resource changed meanwhile: reload and retry")


def _mentions() -> ColumnElement[Any]:
    """The comment's mentioned members in the order of the body (NULL for none), as a
    correlated subquery of a statement selecting from ``comments``."""
    c, cm = t.comments, t.comment_mentions
    return (
        select(func.array_agg(aggregate_order_by(cm.c.member_id, cm.c.position)))
        .where(cm.c.organization_id == c.c.organization_id, cm.c.comment_id == c.c.id)
        # Only the comment: "mentions of me" joins comment_mentions outside too.
        .correlate(c)
        .scalar_subquery()
    )


def _select() -> Select[Any]:
    c = t.comments
    return select(c, _mentions().label("mention_ids"))


def _target_id(row: Row[Any]) -> object:
    return getattr(row, _TARGET_COLUMN[CommentTarget(row.target_type)])


def _target_columns(comment: Comment) -> dict[str, object]:
    # All three columns, the other two NULL: the one_target check wants exactly one set.
    columns: dict[str, object] = dict.fromkeys(_TARGET_COLUMN.values())
    columns[_TARGET_COLUMN[comment.target]] = comment.target_id
    return columns


# The target is kept as its type and one of three columns (a real foreign key each); the
# mentions are rows of comment_mentions, read by ``_select`` and written by ``_mention``.
_COMMENTS = EntityRows(
    Comment,
    t.comments,
    {
        "target": Stored(
            lambda row: CommentTarget(row.target_type),
            lambda comment: {"target_type": comment.target.value},
        ),
        "target_id": Stored(_target_id, _target_columns),
        "mentions": Stored(lambda row: tuple(row.mention_ids or ()), lambda _: {}),
    },
)
_comment = _COMMENTS.entity


class PostgresComments:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, comment_id: UUID) -> Comment | None:
        c = t.comments
        row = (
            await self._conn.execute(
                _select().where(c.c.organization_id == organization_id, c.c.id == comment_id)
            )
        ).first()
        return _comment(row) if row else None

    async def of_target(
        self, organization_id: UUID, target: CommentTarget, target_id: UUID, page: PageRequest
    ) -> Page[Comment]:
        c = t.comments
        statement = _select().where(
            c.c.organization_id == organization_id,
            c.c[_TARGET_COLUMN[target]] == target_id,
        )
        rows = (await self._conn.execute(paged(statement, c, page))).all()
        return stamped_page_of([_comment(r) for r in rows], page)

    async def mentioning(
        self, organization_id: UUID, member_id: UUID, viewer: Viewer, page: PageRequest
    ) -> Page[Comment]:
        c, cm, a, k, o = t.comments, t.comment_mentions, t.actions, t.key_results, t.objectives
        # The target's objective: the comment's own, its KR's, or its action's KR's.
        joined = (
            cm.join(c, and_(c.c.organization_id == cm.c.organization_id, c.c.id == cm.c.comment_id))
            .outerjoin(a, and_(a.c.organization_id == c.c.organization_id, a.c.id == c.c.action_id))
            .outerjoin(
                k,
                and_(
                    k.c.organization_id == c.c.organization_id,
                    k.c.id == func.coalesce(c.c.key_result_id, a.c.key_result_id),
                ),
            )
            .join(
                o,
                and_(
                    o.c.organization_id == c.c.organization_id,
                    o.c.id == func.coalesce(c.c.objective_id, k.c.objective_id),
                ),
            )
        )
        statement = (
            _select()
            .select_from(joined)
            .where(
                cm.c.organization_id == organization_id,
                cm.c.member_id == member_id,
                visible_to(organization_id, viewer),
            )
        )
        if page.after is not None:
            statement = statement.where(cm.c.comment_id < page.after)
        statement = statement.order_by(cm.c.comment_id.desc()).limit(page.limit + 1)
        rows = (await self._conn.execute(statement)).all()
        return page_of([_comment(r) for r in rows], page, lambda x: x.id)

    async def _mention(self, comment: Comment) -> None:
        if comment.mentions:
            await execute_write(
                self._conn,
                insert(t.comment_mentions).values(
                    [
                        {
                            "organization_id": comment.organization_id,
                            "comment_id": comment.id,
                            "member_id": member_id,
                            "position": position,
                        }
                        for position, member_id in enumerate(comment.mentions)
                    ]
                ),
            )

    async def add(self, comment: Comment) -> None:
        await execute_write(
            self._conn,
            insert(t.comments).values(**_COMMENTS.insert_values(comment)),
        )
        await self._mention(comment)

    async def update(self, comment: Comment, *, previous_version: int) -> None:
        c, cm = t.comments, t.comment_mentions
        statement = (
            update(c)
            .where(
                c.c.organization_id == comment.organization_id,
                c.c.id == comment.id,
                c.c.version == previous_version,
            )
            .values(**_COMMENTS.values(comment))
        )
        if await execute_write(self._conn, statement) != 1:
            raise _stale()
        await execute_write(
            self._conn,
            delete(cm).where(
                cm.c.organization_id == comment.organization_id, cm.c.comment_id == comment.id
            ),
        )
        await self._mention(comment)

    async def delete(
        self, organization_id: UUID, comment_id: UUID, *, previous_version: int
    ) -> None:
        c = t.comments
        statement = delete(c).where(
            c.c.organization_id == organization_id,
            c.c.id == comment_id,
            c.c.version == previous_version,
        )
        # Its mentions go with it (ON DELETE CASCADE).
        if await execute_write(self._conn, statement) != 1:
            raise _stale()
