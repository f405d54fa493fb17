"""Push URLs over REST: their management under a KR (its editors), and the push itself,
which needs no JWT: the secret in the URL or the header is the credential."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.key_results.shapes import CheckInOut
from api.push.shapes import PushIn, PushUrlCreate, PushUrlCreatedOut, PushUrlOut
from api.rest.dependencies import CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses, problem_response
from api.rest.schemas import Page
from api.security import bearer_token
from domain.limits import CHECK_IN_ORIGIN_MAX_LENGTH
from service import push_urls
from service.checkins import CheckedIn
from service.context import Deps
from service.push_urls import PUSH_LIMIT, PushRateLimited

router = APIRouter(tags=["key results"])

# The header variant's own scheme: a push URL's secret, not a JWT.
_push_token = HTTPBearer(
    auto_error=False,
    scheme_name="pushToken",
    description="The secret of a push URL (`okrp_...`), shown once when it was created.",
)

_PUSH_HELP = (
    "Checks in on the push URL's key result, as a check-in with the `source` `integration` "
    "and the push URL's name as `integration` (author `push:<push URL id>`). Send `value` "
    "(the new value) or `increment` (added to the current value: concurrent increments all "
    f"count), with an optional `note` and `external_id`. At most {PUSH_LIMIT} calls a minute "
    "per push URL: 429 `rate_limited` with `Retry-After` beyond. A revoked or unknown secret "
    "is 404, alike. With an `external_id` the KR already has, nothing is stored: 200 with "
    "that check-in. A closed cycle or a value the KR refuses is 422, as for any check-in."
)

_PUSH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(404, 422),
    200: {"model": CheckInOut, "description": "A duplicate `external_id`: the check-in stored."},
    429: {
        **error_responses(429)[429],
        "description": f"More than {PUSH_LIMIT} calls this minute: retry after `Retry-After`.",
        "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
    },
}


def _push_url_path(key_result_id: UUID, push_url_id: UUID) -> str:
    return f"/v1/key-results/{key_result_id}/push-urls/{push_url_id}"


@router.post(
    "/v1/key-results/{key_result_id}/push-urls",
    status_code=201,
    summary="Create a push URL for a key result",
    description="A secret URL that checks in on this KR when called (`POST`), for tools that "
    "can only call a URL: a CRM workflow, a spreadsheet script. For whoever may edit the KR "
    "(its owner, their managers, the objective's editors, admins); audited. The answer shows "
    "the `url` and its `token` once: only a hash is kept. Honours `Idempotency-Key` (a retry "
    "makes no second push URL), but its replayed answer has `url` and `token` null: the "
    "secret is never stored; revoke that push URL and create another if you lost it.",
    response_model=PushUrlCreatedOut,
    responses=error_responses(401, 403, 404, 422),
)
async def create_push_url(
    key_result_id: UUID,
    body: PushUrlCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    request: Request,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        created = await push_urls.create_push_url(deps, principal, key_result_id, body.name)
        url = str(request.url_for("push_check_in", token=created.token))
        out = PushUrlCreatedOut.of_created(created, url)
        return Response(
            out.model_dump_json(),
            status_code=201,
            media_type="application/json",
            headers={"Location": _push_url_path(key_result_id, created.push_url.id)},
        )

    return await idempotency.run(produce, kept_body=PushUrlCreatedOut.without_secret)


@router.get(
    "/v1/key-results/{key_result_id}/push-urls",
    summary="List a key result's push URLs",
    description="Its push URLs, revoked ones included, oldest first: name, who created it "
    "and when, when last called. Never their secrets. For whoever may edit the KR.",
    response_model=Page[PushUrlOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_push_urls(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: PageDep
) -> Page[PushUrlOut]:
    found = await push_urls.list_push_urls(deps, principal, key_result_id, page)
    return Page(items=[PushUrlOut.of(p) for p in found.items], next_cursor=found.next_cursor)


@router.get(
    "/v1/key-results/{key_result_id}/push-urls/{push_url_id}",
    summary="Get a push URL",
    description="One push URL of the KR, without its secret. For whoever may edit the KR.",
    response_model=PushUrlOut,
    responses=error_responses(401, 403, 404),
)
async def get_push_url(
    key_result_id: UUID, push_url_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> PushUrlOut:
    return PushUrlOut.of(await push_urls.get_push_url(deps, principal, key_result_id, push_url_id))


@router.delete(
    "/v1/key-results/{key_result_id}/push-urls/{push_url_id}",
    status_code=204,
    summary="Revoke a push URL",
    description="Revokes it for good: its calls are 404 from now on. It stays listed, "
    "`revoked`. Audited; revoking a revoked one changes nothing (204 again).",
    responses=error_responses(401, 403, 404),
)
async def delete_push_url(
    key_result_id: UUID, push_url_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    await push_urls.revoke_push_url(deps, principal, key_result_id, push_url_id)
    return Response(status_code=204)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=CHECK_IN_ORIGIN_MAX_LENGTH,
        description="The push's `external_id` when the body has none: a retry with it is the "
        "same check-in (200 with it), never counted twice.",
    ),
]


async def _pushed(
    request: Request, deps: Deps, token: str, body: PushIn, idempotency_key: str | None
) -> Response:
    try:
        recorded: CheckedIn = await push_urls.push(
            deps, token, body.to_push(idempotency_key=idempotency_key)
        )
    except PushRateLimited as error:
        return problem_response(
            request,
            status=429,
            code=error.code,
            detail=error.detail,
            headers={"Retry-After": str(error.retry_after)},
        )
    check_in = recorded.check_in
    headers = {"Location": f"/v1/key-results/{check_in.key_result_id}/check-ins"}
    if recorded.duplicate and idempotency_key is not None:
        headers["Idempotent-Replayed"] = "true"  # nothing was done again
    return Response(
        CheckInOut.of(check_in).model_dump_json(),
        status_code=200 if recorded.duplicate else 201,
        media_type="application/json",
        headers=headers,
    )


@router.post(
    "/v1/push/{token}",
    status_code=201,
    summary="Push a key result's value (secret in the URL)",
    description=_PUSH_HELP + " No bearer token: the secret in the path is the credential.",
    response_model=CheckInOut,
    responses=_PUSH_RESPONSES,
    # Says so in the schema too: without it, tools assume the document's default security.
    openapi_extra={"security": []},
)
async def push_check_in(
    token: str,
    body: PushIn,
    deps: UseCaseDeps,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return await _pushed(request, deps, token, body, idempotency_key)


@router.post(
    "/v1/push",
    status_code=201,
    summary="Push a key result's value (secret in a header)",
    description=_PUSH_HELP + " Send the push URL's `token` as `Authorization: Bearer <token>` "
    "(401 without one): for tools that can set a header, so the secret stays out of URLs "
    "and their logs.",
    response_model=CheckInOut,
    responses={**_PUSH_RESPONSES, **error_responses(401)},
)
async def push_check_in_by_header(
    body: PushIn,
    deps: UseCaseDeps,
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_push_token)],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    token = bearer_token(request.headers.get("authorization"))
    return await _pushed(request, deps, token, body, idempotency_key)
