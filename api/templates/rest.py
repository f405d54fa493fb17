"""/v1/templates: OKR templates (模板), a reusable objective for a role in Chinese and English.

The built-ins ship with the service: every organization lists them first, under the same
ids, and nobody may change them (403 ``template_read_only``). An organization's own
templates are its own: admins and managers write them, every member reads them, and another
organization's template is 404. Instantiating one creates a draft objective with its KRs
(and their milestones) and actions, in one transaction.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.objectives.shapes import ObjectiveOut
from api.rest.dependencies import CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.templates.shapes import (
    TemplateCreate,
    TemplateInstantiate,
    TemplateOut,
    TemplatePatch,
)
from domain.templates import Template
from service import templates
from service.template_ports import TemplateFilter

router = APIRouter(prefix="/v1/templates", tags=["templates"])


def _template_response(template: Template, *, status: int = 200) -> Response:
    return resource_response(
        TemplateOut.of(template),
        version=template.version,
        status=status,
        location=f"/v1/templates/{template.id}" if status == 201 else None,
    )


@router.get(
    "",
    summary="List templates",
    description="The built-in templates first, in a fixed order, then your organization's "
    "own, oldest first; each says whether it is `builtin`. Filter by `role` (a role name in "
    "either language, whole, any case: `销售经理`, `sales manager`), `key` (exactly) or `q` "
    "(part of a title or role name, either language, any case); `include_builtin=false` "
    "lists your organization's own alone. Every member reads them.",
    response_model=Page[TemplateOut],
    responses=error_responses(401, 403, 422),
)
async def list_templates(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: PageDep,
    role: Annotated[
        str | None, Query(max_length=200, description="A role name, whole, either language.")
    ] = None,
    key: Annotated[str | None, Query(max_length=64, examples=["sales-manager"])] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of a title or role name.")
    ] = None,
    include_builtin: Annotated[
        bool, Query(description="false: your organization's own templates alone.")
    ] = True,
) -> Page[TemplateOut]:
    found = await templates.list_templates(
        deps,
        principal,
        TemplateFilter(role=role, key=key, q=q),
        page,
        include_builtin=include_builtin,
    )
    return Page(items=[TemplateOut.of(t) for t in found.items], next_cursor=found.next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Create a template",
    description="Admins and managers add a template to the organization: an objective for a "
    "role, in Chinese and English, with 1 to 5 KRs (metric rules as for key results), their "
    "milestones and actions. Every bad field is listed with its path (422 "
    "`validation_failed`, e.g. `key_results[1].start`); a `key` a built-in or another "
    "template has: 409 `template_key_taken`. Honours `Idempotency-Key`.",
    response_model=TemplateOut,
    responses=error_responses(401, 403, 409, 422),
)
async def create_template(
    body: TemplateCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        template = await templates.create_template(deps, principal, body.to_input())
        return _template_response(template, status=201)

    return await idempotency.run(produce)


@router.get(
    "/{template_id}",
    summary="Get a template",
    description="A built-in template (the same in every organization) or one of your "
    "organization's own; another organization's is 404.",
    response_model=TemplateOut,
    responses=error_responses(401, 403, 404),
)
async def get_template(
    template_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    return _template_response(await templates.get_template(deps, principal, template_id))


@router.patch(
    "/{template_id}",
    summary="Change a template",
    description="Admins and managers, on the organization's own templates: JSON merge "
    "(`key_results` replaces every KR; `key: null` removes the key), then the whole template "
    "is checked as on create. Built-ins are read-only: 403 `template_read_only` (create a "
    "copy instead).",
    response_model=TemplateOut,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
async def update_template(
    template_id: UUID,
    body: TemplatePatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    template = await templates.update_template(
        deps,
        principal,
        template_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return _template_response(template)


@router.delete(
    "/{template_id}",
    status_code=204,
    summary="Delete a template",
    description="Admins and managers delete one of the organization's templates for good; "
    "the objectives made from it stay. Built-ins: 403 `template_read_only`.",
    responses={204: {"description": "Deleted"}, **error_responses(401, 403, 404, 412)},
)
async def delete_template(
    template_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    await templates.delete_template(
        deps, principal, template_id, expected_version=expected_version(if_match)
    )
    return Response(status_code=204)


@router.post(
    "/{template_id}/instantiate",
    status_code=201,
    summary="Create a draft objective from a template",
    description="Creates, in one transaction, a draft objective from the template in "
    "`locale` (`zh-CN` or `en`; default the organization's), its KRs with their milestones "
    "(numbers, kinds and weights as in the template; due at the cycle's end; owned by the "
    "objective's owner, for a unit its lead, else you) and the KRs' actions (to do, due at "
    "the cycle's end). As creating an objective: you (default), one of your reports, or a "
    "unit you lead (admins: anyone); a cycle that is not closed (422 `cycle_closed`); "
    "alignment upward by level. An unknown cycle, owner or parent: 422 `unknown_reference`. "
    "Answers as `GET /v1/objectives/{id}`. Honours `Idempotency-Key`.",
    response_model=ObjectiveOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def instantiate_template(
    template_id: UUID,
    body: TemplateInstantiate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        view = await templates.instantiate_template(deps, principal, template_id, body.to_new())
        return resource_response(
            ObjectiveOut.of(view),
            version=view.objective.version,
            status=201,
            location=f"/v1/objectives/{view.objective.id}",
        )

    return await idempotency.run(produce)
