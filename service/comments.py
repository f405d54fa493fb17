"""Use cases of comments with @mentions on objectives, key results and actions (评论与 @
提及): ask another team for help by mentioning them (article 004: "只需@他一下").

A comment's body mentions members with the markup ``@[Name](member-uuid)``
(:mod:`domain.comments`); the mentioned members are kept with the comment, so that a
member's mentions ("mentions of me") are one indexed lookup.

Who may do what:

- A comment lives with its target: whoever may see the objective (for a KR or an action:
  the objective it serves) reads its comments, and to everyone else the comments do not
  exist (``not_found``, like the target). A service with ``org:read`` reads the comments of
  public targets.
- Any member who may see the target comments on it; a service token does not (a comment
  has a person for its author). Only the author edits a comment; the author or an admin
  (moderation) deletes it. Someone who may no longer see the target no longer finds their
  comment either.
- Mentions name members of the organization only: the use case reads the mentioned ids
  (never the whole directory) and :func:`domain.comments.validate_comment` refuses anyone
  else; another organization's member is refused exactly as an id that does not exist
  (``validation_failed``, ``unknown_member`` on ``mentions[i]``), and nothing is saved.
  A mention of a member who may not see the target is kept, but shows in their mentions
  only while they may see it.
- Comments stay open whatever the cycle's state: a closed cycle's objectives are what its
  retrospective (复盘) discusses.
- "Mentions of me": the comments mentioning the caller on targets they may see now, newest
  first; a member's token only.

Every write is audited (``comment.created`` / ``comment.updated`` / ``comment.deleted``).
Deleting a comment deletes it for good; a comment goes with its target when the target is
deleted.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from domain.comments import (
    Comment,
    CommentTarget,
    parse_mentions,
    validate_body,
    validate_comment,
)
from domain.errors import Forbidden, NotFound
from domain.limits import COMMENT_BODY_MAX_LENGTH
from service import audit
from service.auth import Principal, ensure_member_reads_okr_workspace
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.okr_access import viewer_of, visible_key_result, visible_objective
from service.pagination import Page, PageRequest
from service.ports import UnitOfWork

_TARGET_NAMES = {
    CommentTarget.OBJECTIVE: "objective",
    CommentTarget.KEY_RESULT: "key result",
    CommentTarget.ACTION: "action",
}


async def _ensure_visible_target(
    uow: UnitOfWork, principal: Principal, target: CommentTarget, target_id: UUID
) -> None:
    """NotFound unless the target exists in the caller's organization and they may see it
    (its objective's visibility), with the message of the target's own reads."""
    try:
        if target is CommentTarget.OBJECTIVE:
            await visible_objective(uow, principal, target_id)
        elif target is CommentTarget.KEY_RESULT:
            await visible_key_result(uow, principal, target_id)
        else:
            action = await uow.actions.get(principal.organization_id, target_id)
            if action is None:
                raise NotFound("action not found")
            await visible_key_result(uow, principal, action.key_result_id)
    except NotFound:
        raise NotFound(f"{_TARGET_NAMES[target]} not found") from None


def _author(principal: Principal) -> UUID:
    if principal.member_id is None:
        raise Forbidden("a comment is written by a person, not an integration")
    return principal.member_id


async def _content(
    uow: UnitOfWork, principal: Principal, body: str
) -> tuple[str, tuple[UUID, ...]]:
    """The body, stripped, and its mentions, checked against the mentioned ids only."""
    if len(body.strip()) > COMMENT_BODY_MAX_LENGTH:
        validate_body(body)  # refuses it, before any lookup of what it mentions
    mentioned = parse_mentions(body)
    known = await uow.members.get_many(principal.organization_id, mentioned) if mentioned else {}
    content = validate_comment(body, known_member_ids=known)
    return content.body, content.mentions


async def _visible_comment(uow: UnitOfWork, principal: Principal, comment_id: UUID) -> Comment:
    comment = await uow.comments.get(principal.organization_id, comment_id)
    if comment is None:
        raise NotFound("comment not found")
    try:
        await _ensure_visible_target(uow, principal, comment.target, comment.target_id)
    except NotFound:
        raise NotFound("comment not found") from None
    return comment


# -- reads -----------------------------------------------------------------------------------


async def get_comment(deps: Deps, principal: Principal, comment_id: UUID) -> Comment:
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        return await _visible_comment(uow, principal, comment_id)


async def list_comments(
    deps: Deps, principal: Principal, target: CommentTarget, target_id: UUID, page: PageRequest
) -> Page[Comment]:
    """The comments on one objective, key result or action, oldest first."""
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        await _ensure_visible_target(uow, principal, target, target_id)
        return await uow.comments.of_target(principal.organization_id, target, target_id, page)


async def mentions_of_me(deps: Deps, principal: Principal, page: PageRequest) -> Page[Comment]:
    """The comments mentioning the caller, on targets they may see now, newest first."""
    ensure_member_reads_okr_workspace(principal)
    if principal.member_id is None:
        raise Forbidden("only a member is mentioned", code="forbidden")
    async with deps.read() as uow:
        return await uow.comments.mentioning(
            principal.organization_id, principal.member_id, viewer_of(principal), page
        )


# -- writes ----------------------------------------------------------------------------------


async def add_comment(
    deps: Deps, principal: Principal, target: CommentTarget, target_id: UUID, body: str
) -> Comment:
    """Comment on a target the caller may see (else ``not_found``). Refused with
    ``validation_failed`` for an empty or too long body, and for a mention of anyone who is
    not a member of the organization (or too many mentions); nothing is saved then."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        await _ensure_visible_target(uow, principal, target, target_id)
        author_id = _author(principal)
        text, mentions = await _content(uow, principal, body)
        comment = Comment(
            id=deps.new_id(),
            organization_id=principal.organization_id,
            target=target,
            target_id=target_id,
            author_id=author_id,
            body=text,
            mentions=mentions,
            version=1,
            created_at=now,
            updated_at=now,
        )
        await uow.comments.add(comment)
        await _audit(uow, deps, principal, "comment.created", comment.id, None, comment)
        await uow.commit()
    return comment


@retry_lost_updates
async def update_comment(
    deps: Deps,
    principal: Principal,
    comment_id: UUID,
    body: str,
    *,
    expected_version: int | None = None,
) -> Comment:
    """Replace the body of one's own comment (its mentions are read again from it)."""
    async with deps.uow() as uow:
        current = await _visible_comment(uow, principal, comment_id)
        if principal.member_id is None or principal.member_id != current.author_id:
            raise Forbidden("only its author edits a comment")
        ensure_version(current.version, expected_version)
        text, mentions = await _content(uow, principal, body)
        if (text, mentions) == (current.body, current.mentions):
            return current
        updated = replace(
            current,
            body=text,
            mentions=mentions,
            version=current.version + 1,
            updated_at=deps.clock.now(),
        )
        await uow.comments.update(updated, previous_version=current.version)
        await _audit(uow, deps, principal, "comment.updated", updated.id, current, updated)
        await uow.commit()
    return updated


@retry_lost_updates
async def delete_comment(
    deps: Deps, principal: Principal, comment_id: UUID, *, expected_version: int | None = None
) -> None:
    """Delete a comment for good: its author, or an admin."""
    async with deps.uow() as uow:
        current = await _visible_comment(uow, principal, comment_id)
        is_author = principal.member_id is not None and principal.member_id == current.author_id
        if not (is_author or principal.is_admin):
            raise Forbidden("only its author or an admin deletes a comment")
        ensure_version(current.version, expected_version)
        await uow.comments.delete(
            principal.organization_id, comment_id, previous_version=current.version
        )
        await _audit(uow, deps, principal, "comment.deleted", comment_id, current, None)
        await uow.commit()


async def _audit(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    action: str,
    comment_id: UUID,
    before: Comment | None,
    after: Comment | None,
) -> None:
    await audit.record(
        uow.audit,
        deps,
        principal,
        action=action,
        resource_type="comment",
        resource_id=comment_id,
        before=before,
        after=after,
    )
