"""A KR's external forecast series over REST: post one, list them newest first."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.forecasts.shapes import ForecastCreate, ForecastOut
from api.rest.dependencies import AsOfParam, CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from service import forecasts

router = APIRouter(tags=["key results"])


def _forecasts_path(key_result_id: UUID) -> str:
    return f"/v1/key-results/{key_result_id}/forecasts"


@router.post(
    "/v1/key-results/{key_result_id}/forecasts",
    status_code=201,
    summary="Post a key result's forecast",
    description="Adds an external forecast (a CRM's `commit` and `best_case` of the KR's "
    "value at its cycle's end, made on `as_of_date`) to the KR's series, shown beside its "
    "projection. For whoever may check in on the KR (its owner, their managers, the "
    "objective's editors, admins) and service tokens with `check_ins:write` (KRs of public "
    "objectives). A forecast is never edited: post a new one. `best_case` worse than "
    "`commit` for the KR's direction is 422 at `best_case`; a closed cycle's KR is 422 "
    "`cycle_closed`. With an `external_id` the KR already has a forecast for, nothing is "
    "stored: the answer is 200 (not 201) with that forecast. Honours `Idempotency-Key`.",
    response_model=ForecastOut,
    responses={
        **error_responses(401, 403, 404, 422),
        200: {
            "model": ForecastOut,
            "description": "A duplicate `external_id`: the forecast stored with it.",
        },
    },
)
async def post_key_result_forecast(
    key_result_id: UUID,
    body: ForecastCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        recorded = await forecasts.record_forecast(deps, principal, key_result_id, body.to_new())
        return Response(
            ForecastOut.of(recorded.forecast).model_dump_json(),
            status_code=200 if recorded.duplicate else 201,
            media_type="application/json",
            headers={"Location": _forecasts_path(key_result_id)},
        )

    return await idempotency.run(produce)


@router.get(
    "/v1/key-results/{key_result_id}/forecasts",
    summary="A key result's forecast series",
    description="Every external forecast of the KR, newest first (by when it was posted), "
    "a page at a time. With `as_of`, those posted at or before it. For whoever may read "
    "the KR: a private objective's KR is 404 to whoever may not see it.",
    response_model=Page[ForecastOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_key_result_forecasts(
    key_result_id: UUID,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: PageDep,
    as_of: AsOfParam = None,
) -> Page[ForecastOut]:
    found = await forecasts.forecast_history(deps, principal, key_result_id, page, as_of=as_of)
    return Page(items=[ForecastOut.of(f) for f in found.items], next_cursor=found.next_cursor)
