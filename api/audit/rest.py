"""/v1/audit-events: who changed what, with before/after values (admins)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.audit.shapes import AuditEventOut
from api.rest.dependencies import CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.problems import error_responses
from api.rest.schemas import Page
from service import audit
from service.okr_ports import AuditFilter

router = APIRouter(prefix="/v1/audit-events", tags=["audit"])


@router.get(
    "",
    summary="List audit events",
    description="Every OKR write and every write to the directory and settings, oldest "
    "first: actor, action, resource, values before and after. Admins only. Filter by "
    "`resource_type` (objective, key_result, check_in, action, member, unit, cycle, "
    "organization, ...), `resource_id` and `actor` (a member id or `service:<client>`).",
    response_model=Page[AuditEventOut],
    responses=error_responses(401, 403, 422),
)
async def list_audit_events(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: PageDep,
    resource_type: str | None = None,
    resource_id: UUID | None = None,
    actor: str | None = None,
) -> Page[AuditEventOut]:
    found = await audit.list_audit_events(
        deps,
        principal,
        AuditFilter(resource_type=resource_type, resource_id=resource_id, actor=actor),
        page,
    )
    return Page(items=[AuditEventOut.of(e) for e in found.items], next_cursor=found.next_cursor)
