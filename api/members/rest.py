"""/v1/members: the organization's directory."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.members.shapes import MemberCreate, MemberOut, MemberPatch
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.limits import MEMBER_SEARCH_MAX_LENGTH
from service import members
from service.ports import MemberFilter

router = APIRouter(prefix="/v1/members", tags=["members"])
# /v1/me lives outside the /v1/members prefix; api/app.py includes it after the other routers.
me_router = APIRouter(prefix="/v1/me", tags=["members"])


@router.get(
    "",
    summary="List members",
    description="Members of your organization, oldest first, a page at a time. Filter by "
    "`active`, `manager_id`, `unit_id`, exact `email` or `external_id` (the HR system's id), "
    "or `q` (part of a name or email).",
    response_model=Page[MemberOut],
    responses=error_responses(401, 403, 422),
)
async def list_members(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    active: bool | None = None,
    manager_id: UUID | None = None,
    unit_id: UUID | None = None,
    email: str | None = None,
    external_id: str | None = None,
    q: Annotated[str | None, Query(max_length=MEMBER_SEARCH_MAX_LENGTH)] = None,
) -> Page[MemberOut]:
    found = await members.list_members(
        deps,
        principal,
        MemberFilter(
            active=active,
            manager_id=manager_id,
            unit_id=unit_id,
            email=email,
            external_id=external_id,
            q=q,
        ),
        page,
    )
    return Page(items=[MemberOut.of(m) for m in found.items], next_cursor=found.next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Add a member",
    description="Admins and HR (or a service token with `members:write`) add a member. The "
    "email and the `external_id` are unique in the organization (409 `email_taken`, "
    "`external_id_taken`). Honours `Idempotency-Key`.",
    response_model=MemberOut,
    responses=error_responses(401, 403, 409, 422),
)
async def create_member(
    body: MemberCreate, principal: CurrentPrincipal, deps: UseCaseDeps, idempotency: IdempotencyDep
) -> Response:
    async def produce() -> Response:
        member = await members.create_member(deps, principal, body.to_new())
        return resource_response(
            MemberOut.of(member),
            version=member.version,
            status=201,
            location=f"/v1/members/{member.id}",
        )

    return await idempotency.run(produce)


@router.get(
    "/{member_id}",
    summary="Get a member",
    description="One member of your organization.",
    response_model=MemberOut,
    responses=error_responses(401, 403, 404),
)
async def get_member(member_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    member = await members.get_member(deps, principal, member_id)
    return resource_response(MemberOut.of(member), version=member.version)


@me_router.get(
    "",
    summary="Get the caller's member record",
    description="The member the token belongs to: the same body and `ETag` as "
    "`GET /v1/members/{id}` with your own id. A service token is no member: 403 "
    "`not_a_member`.",
    response_model=MemberOut,
    responses=error_responses(401, 403, 404),
)
async def get_me(principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    member = await members.current_member(deps, principal)
    return resource_response(MemberOut.of(member), version=member.version)


@router.patch(
    "/{member_id}",
    summary="Change a member",
    description="JSON merge: send only what changes; `null` clears `manager_id` or "
    "`external_id`. A manager that would close a loop in the manager chain is refused "
    "(422 `manager_cycle`, the loop's ids in `cycle`). `active: true` reactivates.",
    response_model=MemberOut,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
async def update_member(
    member_id: UUID,
    body: MemberPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    member = await members.update_member(
        deps,
        principal,
        member_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return resource_response(MemberOut.of(member), version=member.version)


@router.delete(
    "/{member_id}",
    summary="Deactivate a member",
    description="Members are never deleted (their OKRs and reviews keep their author): this "
    "sets `active` to false and returns the member. PATCH `active: true` to undo.",
    response_model=MemberOut,
    responses=error_responses(401, 403, 404, 412),
)
async def deactivate_member(
    member_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    member = await members.deactivate_member(
        deps, principal, member_id, expected_version=expected_version(if_match)
    )
    return resource_response(MemberOut.of(member), version=member.version)
