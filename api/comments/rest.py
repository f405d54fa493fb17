"""Comments with @mentions on objectives, key results and actions (评论与 @ 提及), and
"mentions of me": ask another team for help by mentioning them (004: "只需@他一下").

A comment lives with its target: whoever may see the objective (for a KR or an action,
the objective it serves) reads and writes its comments; to anyone else they are 404 like
the target. Only the author edits a comment; the author or an admin deletes it.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.comments.shapes import CommentCreate, CommentOut, CommentPatch
from api.rest.dependencies import CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.comments import MENTIONS_MAX, Comment, CommentTarget
from service import comments
from service.auth import Principal
from service.context import Deps
from service.pagination import PageRequest

router = APIRouter(tags=["comments"])

_WRITE = (
    "Any member who may see the target comments on it (an integration's token: 403). "
    "The body mentions members with `@[Name](member-id)`: only members of your "
    "organization, and another organization's member is refused exactly as an id that "
    "does not exist (422 `validation_failed`, `unknown_member` on `mentions[i]`; at most "
    f"{MENTIONS_MAX} people); nothing is saved then. A mentioned member finds it in `GET "
    "/v1/me/mentions` while they may see the target. Honours `Idempotency-Key`."
)


def _comment_response(comment: Comment, *, status: int = 200) -> Response:
    return resource_response(
        CommentOut.of(comment),
        version=comment.version,
        status=status,
        location=f"/v1/comments/{comment.id}" if status == 201 else None,
    )


async def _list(
    deps: Deps, principal: Principal, target: CommentTarget, target_id: UUID, page: PageRequest
) -> Page[CommentOut]:
    found = await comments.list_comments(deps, principal, target, target_id, page)
    return Page(items=[CommentOut.of(c) for c in found.items], next_cursor=found.next_cursor)


async def _add(
    deps: Deps,
    principal: Principal,
    target: CommentTarget,
    target_id: UUID,
    body: CommentCreate,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        made = await comments.add_comment(deps, principal, target, target_id, body.body)
        return _comment_response(made, status=201)

    return await idempotency.run(produce)


_LIST = "Oldest first. 404 for a target you may not see (as reading the target is)."


@router.get(
    "/v1/objectives/{objective_id}/comments",
    summary="List an objective's comments",
    description=_LIST,
    response_model=Page[CommentOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_objective_comments(
    objective_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: SyncPageDep
) -> Page[CommentOut]:
    return await _list(deps, principal, CommentTarget.OBJECTIVE, objective_id, page)


@router.post(
    "/v1/objectives/{objective_id}/comments",
    status_code=201,
    summary="Comment on an objective",
    description=_WRITE,
    response_model=CommentOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_objective_comment(
    objective_id: UUID,
    body: CommentCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    return await _add(deps, principal, CommentTarget.OBJECTIVE, objective_id, body, idempotency)


@router.get(
    "/v1/key-results/{key_result_id}/comments",
    summary="List a key result's comments",
    description=_LIST,
    response_model=Page[CommentOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_key_result_comments(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: SyncPageDep
) -> Page[CommentOut]:
    return await _list(deps, principal, CommentTarget.KEY_RESULT, key_result_id, page)


@router.post(
    "/v1/key-results/{key_result_id}/comments",
    status_code=201,
    summary="Comment on a key result",
    description=_WRITE,
    response_model=CommentOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_key_result_comment(
    key_result_id: UUID,
    body: CommentCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    return await _add(deps, principal, CommentTarget.KEY_RESULT, key_result_id, body, idempotency)


@router.get(
    "/v1/actions/{action_id}/comments",
    summary="List an action's comments",
    description=_LIST,
    response_model=Page[CommentOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_action_comments(
    action_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: SyncPageDep
) -> Page[CommentOut]:
    return await _list(deps, principal, CommentTarget.ACTION, action_id, page)


@router.post(
    "/v1/actions/{action_id}/comments",
    status_code=201,
    summary="Comment on an action",
    description=_WRITE,
    response_model=CommentOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_action_comment(
    action_id: UUID,
    body: CommentCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    return await _add(deps, principal, CommentTarget.ACTION, action_id, body, idempotency)


@router.get(
    "/v1/me/mentions",
    summary="Mentions of me",
    description="The comments mentioning you, newest first, on objectives, key results and "
    "actions you may see now (a mention on a target you may not see is not yours to "
    "read). A member's token only (403 for an integration's).",
    response_model=Page[CommentOut],
    responses=error_responses(401, 403, 422),
)
async def list_my_mentions(
    principal: CurrentPrincipal, deps: UseCaseDeps, page: PageDep
) -> Page[CommentOut]:
    found = await comments.mentions_of_me(deps, principal, page)
    return Page(items=[CommentOut.of(c) for c in found.items], next_cursor=found.next_cursor)


@router.get(
    "/v1/comments/{comment_id}",
    summary="Get a comment",
    description="One comment, if you may see its target (else 404).",
    response_model=CommentOut,
    responses=error_responses(401, 403, 404),
)
async def get_comment(comment_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    return _comment_response(await comments.get_comment(deps, principal, comment_id))


@router.patch(
    "/v1/comments/{comment_id}",
    summary="Edit your comment",
    description="Replaces the body of your own comment (others': 403); its mentions are read "
    "again from the new body, by the rules of commenting (422 `validation_failed`). "
    "`If-Match` as anywhere.",
    response_model=CommentOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_comment(
    comment_id: UUID,
    body: CommentPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    edited = await comments.update_comment(
        deps, principal, comment_id, body.body, expected_version=expected_version(if_match)
    )
    return _comment_response(edited)


@router.delete(
    "/v1/comments/{comment_id}",
    status_code=204,
    summary="Delete a comment",
    description="Deletes a comment for good: its author, or an admin (others: 403).",
    responses={204: {"description": "Deleted"}, **error_responses(401, 403, 404, 412)},
)
async def delete_comment(
    comment_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    await comments.delete_comment(
        deps, principal, comment_id, expected_version=expected_version(if_match)
    )
    return Response(status_code=204)
