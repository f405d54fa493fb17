"""/v1/kpis: KPIs (关键绩效指标), their measurements, and the key results that follow them
(OKR and KPI together, article 004).

A KPI is a standing metric with an owner, a unit, a target and a direction. A key result
may follow one (`PUT /v1/key-results/{id}/kpi`): each new measurement of the KPI is then a
check-in of the KR, in the same transaction, attributed to whoever posted it. Every member
reads KPIs; admins and managers create them; admins, managers and the owner change them and
post measurements, and so do integrations with the `kpis:write` scope. Another
organization's KPI is 404.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.key_results.shapes import KeyResultOut
from api.kpis.shapes import (
    KpiCreate,
    KpiLink,
    KpiMeasurementCreate,
    KpiMeasurementOut,
    KpiOut,
    KpiPatch,
)
from api.rest.dependencies import CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.limits import KPI_NAME_MAX_LENGTH
from service import kpis
from service.kpi_ports import KpiFilter
from service.scores import KeyResultView

router = APIRouter(tags=["kpis"])


def _kpi_response(view: kpis.KpiView, *, status: int = 200) -> Response:
    return resource_response(
        KpiOut.of(view),
        version=view.kpi.version,
        status=status,
        location=f"/v1/kpis/{view.kpi.id}" if status == 201 else None,
    )


def _key_result_response(view: KeyResultView) -> Response:
    return resource_response(KeyResultOut.of(view), version=view.key_result.version)


@router.get(
    "/v1/kpis",
    summary="List KPIs",
    description="Your organization's KPIs, oldest first, each with its current reading "
    "(`latest_measurement`), `status` (met or not) and `attainment` (达成率, 0 to 1). Filter "
    "by `owner_id` or `q` (part of the name, any case). Every member reads them; a service "
    "token needs `org:read` or `kpis:write`.",
    response_model=Page[KpiOut],
    responses=error_responses(401, 403, 422),
)
async def list_kpis(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    owner_id: Annotated[UUID | None, Query(description="The member owning the KPI.")] = None,
    q: Annotated[
        str | None, Query(max_length=KPI_NAME_MAX_LENGTH, description="Part of the name.")
    ] = None,
) -> Page[KpiOut]:
    found = await kpis.list_kpis(deps, principal, KpiFilter(owner_id=owner_id, q=q), page)
    return Page(items=[KpiOut.of(v) for v in found.items], next_cursor=found.next_cursor)


@router.post(
    "/v1/kpis",
    status_code=201,
    summary="Create a KPI",
    description="Admins and managers add a KPI: a `name`, a `target` (any finite number), "
    "a `unit` shown next to values, a `direction` (`increase`: more is better; `decrease`: "
    "less is better) and an owner (a member; default you). Every bad field is listed (422 "
    "`validation_failed`); an owner who is not a member: 422 `unknown_reference`. Honours "
    "`Idempotency-Key`.",
    response_model=KpiOut,
    responses=error_responses(401, 403, 409, 422),
)
async def create_kpi(
    body: KpiCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        view = await kpis.create_kpi(deps, principal, body.to_new())
        return _kpi_response(view, status=201)

    return await idempotency.run(produce)


@router.get(
    "/v1/kpis/{kpi_id}",
    summary="Get a KPI",
    description="One KPI of your organization with its current reading, status and "
    "attainment; another organization's is 404.",
    response_model=KpiOut,
    responses=error_responses(401, 403, 404),
)
async def get_kpi(kpi_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    return _kpi_response(await kpis.get_kpi(deps, principal, kpi_id))


@router.patch(
    "/v1/kpis/{kpi_id}",
    summary="Change a KPI",
    description="Admins, managers and the KPI's owner: JSON merge (`unit: null` removes the "
    "unit), then the KPI is checked as on create. The `direction` of a KPI that key results "
    "follow cannot change (409 `kpi_has_linked_key_results`).",
    response_model=KpiOut,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
async def update_kpi(
    kpi_id: UUID,
    body: KpiPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await kpis.update_kpi(
        deps, principal, kpi_id, body.to_changes(), expected_version=expected_version(if_match)
    )
    return _kpi_response(view)


@router.delete(
    "/v1/kpis/{kpi_id}",
    status_code=204,
    summary="Delete a KPI",
    description="Admins, managers and the KPI's owner delete it for good, with its "
    "measurements; the check-ins they made stay in the key results' histories. Refused "
    "while key results follow it (409 `kpi_has_linked_key_results`: unlink them first).",
    responses={204: {"description": "Deleted"}, **error_responses(401, 403, 404, 409, 412)},
)
async def delete_kpi(
    kpi_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    await kpis.delete_kpi(deps, principal, kpi_id, expected_version=expected_version(if_match))
    return Response(status_code=204)


@router.get(
    "/v1/kpis/{kpi_id}/measurements",
    summary="A KPI's measurements",
    description="Every reading of the KPI, newest first: by `measured_at`, and of readings "
    "for one moment (corrections) the last posted first. The first is the current reading.",
    response_model=Page[KpiMeasurementOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_kpi_measurements(
    kpi_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: PageDep
) -> Page[KpiMeasurementOut]:
    found = await kpis.list_measurements(deps, principal, kpi_id, page)
    return Page(items=[KpiMeasurementOut.of(m) for m in found.items], next_cursor=found.next_cursor)


@router.post(
    "/v1/kpis/{kpi_id}/measurements",
    status_code=201,
    summary="Post a KPI measurement",
    description="Records a reading of the KPI (immutable: a correction is a new reading for "
    "the same `measured_at`). In the same transaction, every key result following the KPI "
    "gets a check-in with the value, authored by you (a member id, or `service:<client>` "
    "for an integration) and noted `from KPI <name>`; except KRs of closed cycles, of "
    "closed or archived objectives, or with a final score. A reading older than the KPI's "
    "latest joins the history without a check-in (it must not move the KRs back). Admins, "
    "managers, the KPI's owner and tokens with `kpis:write`. Honours `Idempotency-Key`.",
    response_model=KpiMeasurementOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_kpi_measurement(
    kpi_id: UUID,
    body: KpiMeasurementCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        recorded = await kpis.record_measurement(deps, principal, kpi_id, body.to_new())
        return Response(
            KpiMeasurementOut.of(recorded.measurement).model_dump_json(),
            status_code=201,
            media_type="application/json",
            headers={"Location": f"/v1/kpis/{kpi_id}/measurements"},
        )

    return await idempotency.run(produce)


@router.get(
    "/v1/kpis/{kpi_id}/key-results",
    summary="The key results following a KPI",
    description="The KRs linked to the KPI that you may see (private objectives of others "
    "are left out), oldest first, with their current values and scores (one page).",
    response_model=Page[KeyResultOut],
    responses=error_responses(401, 403, 404),
)
async def list_kpi_key_results(
    kpi_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Page[KeyResultOut]:
    view = await kpis.get_kpi(deps, principal, kpi_id)  # 404 for an unknown KPI
    found = await kpis.linked_key_results(deps, principal, [view.kpi.id])
    return Page(items=[KeyResultOut.of(v) for v in found.get(view.kpi.id, [])], next_cursor=None)


@router.put(
    "/v1/key-results/{key_result_id}/kpi",
    summary="Make a key result follow a KPI",
    description="From the next measurement on, each new reading of the KPI is a check-in "
    "of the KR. Whoever may edit the KR (its owner, their managers, the objective's "
    "editors), in a cycle that is not closed (422 `cycle_closed`). The KR must be measured "
    "by a number, percent or currency and point the same way as the KPI (422 "
    "`validation_failed` on `kpi_id`: a yes/no or milestones KR cannot follow one); an "
    "unknown KPI, or another organization's, is 422 `unknown_reference`. Replaces any "
    "earlier link; the same link again changes nothing. Answers with the KR.",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def link_key_result_to_kpi(
    key_result_id: UUID,
    body: KpiLink,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await kpis.link_key_result(
        deps, principal, key_result_id, body.kpi_id, expected_version=expected_version(if_match)
    )
    return _key_result_response(view)


@router.delete(
    "/v1/key-results/{key_result_id}/kpi",
    summary="Stop a key result following its KPI",
    description="Later measurements no longer reach the KR; its history stays (the "
    "check-ins measurements made are kept, and the measurements stay with the KPI). By "
    "the KR's editors, in a closed cycle too (so the KPI can then be deleted). A KR "
    "following no KPI is left as it is. Answers with the KR.",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def unlink_key_result_from_kpi(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    view = await kpis.unlink_key_result(
        deps, principal, key_result_id, expected_version=expected_version(if_match)
    )
    return _key_result_response(view)
