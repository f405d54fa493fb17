"""/v1/organization: the caller's own organization."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.organization.shapes import OrganizationOut, OrganizationPatch
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.problems import error_responses
from service import organizations

router = APIRouter(prefix="/v1/organization", tags=["organization"])


@router.get(
    "",
    summary="Get your organization",
    description="The organization of the token: name, time zone, locale and the scoring and "
    "review defaults that objectives and 360 reviews use.",
    response_model=OrganizationOut,
    responses=error_responses(401, 403),
)
async def get_organization(principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    org = await organizations.get_organization(deps, principal)
    return resource_response(OrganizationOut.of(org), version=org.version)


@router.patch(
    "",
    summary="Change your organization",
    description="Admins change the name, time zone (IANA), locale (`zh-CN` or `en`) and the "
    "`scoring` and `reviews` defaults. Settings merge (RFC 7396): a field left out keeps "
    "its value, a field sent as `null` goes back to its default, and the merged group must "
    "hold together (red_below < yellow_below, margins ordered, weights sum to 1) or nothing "
    "changes (422). Send `If-Match` with the ETag you read to avoid overwriting another change.",
    response_model=OrganizationOut,
    responses=error_responses(401, 403, 412, 422),
)
async def update_organization(
    body: OrganizationPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    org = await organizations.update_organization(
        deps, principal, body.to_changes(), expected_version=expected_version(if_match)
    )
    return resource_response(OrganizationOut.of(org), version=org.version)
