"""The in-memory twin of the comments repository, with the Postgres adapter's semantics
(``service/storage/postgres/comment_repositories.py``), constraint for constraint.

Postgres deletes a comment with its target (``ON DELETE CASCADE``); the twin's OKR
repositories know nothing of comments, so every read here leaves out a comment whose
target is gone, which from the outside is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from domain.comments import Comment, CommentTarget
from domain.okrs import Objective
from service.okr_ports import Viewer
from service.pagination import Page, PageRequest, page_of
from service.storage.memory.okr_repositories import _Visibility
from service.storage.memory.repositories import _duplicate_key, _paged, _stale
from service.storage.memory.store import StoreState, TenantData, Transaction, unknown_reference


def target_objective(tenant: TenantData, comment: Comment) -> Objective | None:
    """The objective whose visibility the comment's target has: the target itself, its
    KR's, or its action's KR's; ``None`` when the target is gone."""
    objective_id: UUID | None = comment.target_id
    if comment.target is CommentTarget.ACTION:
        action = tenant.actions.get(comment.target_id)
        objective_id = None if action is None else action.key_result_id
    if comment.target is not CommentTarget.OBJECTIVE and objective_id is not None:
        kr = tenant.key_results.get(objective_id)
        objective_id = None if kr is None else kr.objective_id
    return None if objective_id is None else tenant.objectives.get(objective_id)


def _alive(tenant: TenantData, comment: Comment | None) -> Comment | None:
    if comment is None or target_objective(tenant, comment) is None:
        return None
    return comment


def _check(tenant: TenantData, comment: Comment) -> None:
    """The foreign keys of ``comments`` and ``comment_mentions``, and the mentions' key."""
    targets: dict[CommentTarget, Mapping[UUID, object]] = {
        CommentTarget.OBJECTIVE: tenant.objectives,
        CommentTarget.KEY_RESULT: tenant.key_results,
        CommentTarget.ACTION: tenant.actions,
    }
    if comment.target_id not in targets[comment.target]:
        raise unknown_reference()
    if comment.author_id not in tenant.members:
        raise unknown_reference()
    if any(m not in tenant.members for m in comment.mentions):
        raise unknown_reference()
    if len(set(comment.mentions)) != len(comment.mentions):
        raise _duplicate_key()


class MemoryComments:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _tenant(self, organization_id: UUID) -> TenantData:
        return self._tx.state.tenant(organization_id)

    async def get(self, organization_id: UUID, comment_id: UUID) -> Comment | None:
        tenant = self._tenant(organization_id)
        return _alive(tenant, tenant.comments.get(comment_id))

    async def of_target(
        self, organization_id: UUID, target: CommentTarget, target_id: UUID, page: PageRequest
    ) -> Page[Comment]:
        tenant = self._tenant(organization_id)
        rows = (
            c
            for c in tenant.comments.values()
            if c.target is target and c.target_id == target_id and _alive(tenant, c)
        )
        return _paged(rows, page)

    async def mentioning(
        self, organization_id: UUID, member_id: UUID, viewer: Viewer, page: PageRequest
    ) -> Page[Comment]:
        tenant = self._tenant(organization_id)
        visible = _Visibility(tenant, viewer)

        def shown(comment: Comment) -> bool:
            objective = target_objective(tenant, comment)
            return objective is not None and visible(objective)

        rows = sorted(
            (
                c
                for c in tenant.comments.values()
                if member_id in c.mentions
                and (page.after is None or c.id < page.after)
                and shown(c)
            ),
            key=lambda c: c.id,
            reverse=True,
        )
        return page_of(rows[: page.limit + 1], page, lambda c: c.id)

    async def add(self, comment: Comment) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(comment.organization_id)
            if comment.id in tenant.comments:
                raise _duplicate_key()
            _check(tenant, comment)
            tenant.comments[comment.id] = comment

        self._tx.write(write)

    async def update(self, comment: Comment, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(comment.organization_id)
            current = _alive(tenant, tenant.comments.get(comment.id))
            if current is None or current.version != previous_version:
                raise _stale()
            _check(tenant, comment)
            tenant.comments[comment.id] = comment

        self._tx.write(write)

    async def delete(
        self, organization_id: UUID, comment_id: UUID, *, previous_version: int
    ) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            current = _alive(tenant, tenant.comments.get(comment_id))
            if current is None or current.version != previous_version:
                raise _stale()
            del tenant.comments[comment_id]

        self._tx.write(write)
