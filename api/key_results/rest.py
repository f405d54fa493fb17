"""Key results (关键结果) and their check-ins (进度更新); lists across objectives, stale KRs
and the caller's updates due (the management rhythm)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.key_results.shapes import (
    AllocationOut,
    BulkCheckInsOut,
    CheckInBulk,
    CheckInCreate,
    CheckInOut,
    FinalScore,
    KeyResultCreate,
    KeyResultDueOut,
    KeyResultMove,
    KeyResultOut,
    KeyResultPatch,
)
from api.rest.dependencies import AsOfParam, CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from service import checkins, key_results, quotas
from service.checkins import BULK_CHECK_INS_MAX
from service.okr_ports import KeyResultFilter

router = APIRouter(tags=["key results"])


@router.get(
    "/v1/objectives/{objective_id}/key-results",
    summary="List an objective's key results",
    description="All KRs of an objective (a handful: one page, `next_cursor` null), oldest "
    "first, with current values and scores.",
    response_model=Page[KeyResultOut],
    responses=error_responses(401, 403, 404),
)
async def list_objective_key_results(
    objective_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Page[KeyResultOut]:
    views = await key_results.list_key_results(deps, principal, objective_id)
    return Page(items=[KeyResultOut.of(v) for v in views], next_cursor=None)


@router.get(
    "/v1/key-results",
    summary="List key results",
    description="KRs of the objectives you may see (private objectives of others are "
    "absent), oldest first, with current values and scores. Filter by `cycle_id` (the "
    "objective's cycle), `objective_id`, `owner_id` (the member owning the KR) and `stale`. "
    "`stale=true` keeps the KRs whose check-in is overdue now: the last check-in (else the "
    "KR's creation) plus the KR's `cadence` (1, 7 or 14 days, or one calendar month, on the "
    "organization's calendar in its time zone) is in the past. Only KRs of active objectives "
    "in cycles not closed and without a final score can be stale; `stale=false` keeps the "
    "others.",
    response_model=Page[KeyResultOut],
    responses=error_responses(401, 403, 422),
)
async def list_key_results(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    cycle_id: UUID | None = None,
    objective_id: UUID | None = None,
    owner_id: Annotated[UUID | None, Query(description="The member owning the KR.")] = None,
    stale: Annotated[
        bool | None,
        Query(description="true: only KRs whose check-in is overdue; false: only the others."),
    ] = None,
) -> Page[KeyResultOut]:
    found = await key_results.find_key_results(
        deps,
        principal,
        KeyResultFilter(
            cycle_id=cycle_id, objective_id=objective_id, owner_id=owner_id, stale=stale
        ),
        page,
    )
    return Page(items=[KeyResultOut.of(v) for v in found.items], next_cursor=found.next_cursor)


@router.get(
    "/v1/me/updates-due",
    summary="What needs your update",
    description="The KRs you own whose check-in is overdue now (stale: see `GET "
    "/v1/key-results?stale=true`), of objectives you may see, oldest KR first, each with "
    "`last_check_in_at`, `due_at` (when the check-in fell due) and `stale_since`. "
    "`cycle_id` narrows it to one cycle. A member's token only (403 for an integration's).",
    response_model=Page[KeyResultDueOut],
    responses=error_responses(401, 403, 422),
)
async def list_updates_due(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: PageDep,
    cycle_id: UUID | None = None,
) -> Page[KeyResultDueOut]:
    found = await key_results.updates_due(deps, principal, page, cycle_id=cycle_id)
    return Page(
        items=[KeyResultDueOut.of_due(d) for d in found.items], next_cursor=found.next_cursor
    )


@router.post(
    "/v1/objectives/{objective_id}/key-results",
    status_code=201,
    summary="Add a key result",
    description="A KR always has an owner. Metric kinds: `number`, `percent`, `currency` "
    "(with an ISO `currency`), `boolean` (0 -> 1), `milestones` (weighted). A decrease KR "
    "aims below its start (e.g. a sales cycle from 40 to 30 days); a direction that "
    "contradicts start and target is refused (422 `direction_contradicts_target`). `weight` "
    "defaults to 1, `due_date` to the cycle's end, `cadence` (how often its owner checks "
    "in) to `weekly`. Honours `Idempotency-Key`.",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 422),
)
async def create_key_result(
    objective_id: UUID,
    body: KeyResultCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        view = await key_results.create_key_result(
            deps,
            principal,
            objective_id,
            body.to_new(),
        )
        kr = view.key_result
        return resource_response(
            KeyResultOut.of(view),
            version=kr.version,
            status=201,
            location=f"/v1/key-results/{kr.id}",
        )

    return await idempotency.run(produce)


@router.get(
    "/v1/key-results/{key_result_id}",
    summary="Get a key result",
    description="One KR with its current value (the latest check-in), progress, score, "
    "grade, expected progress and status; with `as_of`, as they stood then (the latest "
    "check-in by then; a final score set later does not count).",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_key_result(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, as_of: AsOfParam = None
) -> Response:
    view = await key_results.get_key_result(deps, principal, key_result_id, as_of=as_of)
    return resource_response(KeyResultOut.of(view), version=view.key_result.version)


@router.get(
    "/v1/key-results/{key_result_id}/allocation",
    summary="A key result's quota allocation",
    description="Whether the targets of the key results contributing to this one "
    "(`contributes_to_key_result_id`) cover its own target: `under_allocated`, `allocated` "
    "(exactly) or `over_allocated`, by `difference`; for a decrease KR, covering means "
    "adding up to at most its target. Counts only the contributors you may see, each listed "
    "with its target and current value; with `as_of`, as they stood then.",
    response_model=AllocationOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_key_result_allocation(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, as_of: AsOfParam = None
) -> AllocationOut:
    view = await quotas.key_result_allocation(deps, principal, key_result_id, as_of=as_of)
    return AllocationOut.of_view(view)


@router.patch(
    "/v1/key-results/{key_result_id}",
    summary="Change a key result",
    description="JSON merge. `milestones` replaces the list (send `id` to keep a "
    "milestone). The KR's value changes only through check-ins. `aggregation` is fixed once "
    "the KR has check-ins or has had contributors (409 `aggregation_has_history`).",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
async def update_key_result(
    key_result_id: UUID,
    body: KeyResultPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await key_results.update_key_result(
        deps,
        principal,
        key_result_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return resource_response(KeyResultOut.of(view), version=view.key_result.version)


@router.delete(
    "/v1/key-results/{key_result_id}",
    status_code=204,
    summary="Delete a key result",
    description="Only a KR never checked in on (409 `key_result_has_check_ins`: history is "
    "kept) and that no KR adds into (409 `key_result_has_contributors`, its `contributors` "
    "listing each as `key_result_id` and `contributes_to_key_result_id`, `hidden` for a KR "
    "you may not see: unlink them first), nor a sum KRs have added into (409 "
    "`key_result_has_history`: its past reads add them up); its actions go with it.",
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
async def delete_key_result(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    await key_results.delete_key_result(
        deps, principal, key_result_id, expected_version=expected_version(if_match)
    )
    return Response(status_code=204)


@router.post(
    "/v1/key-results/{key_result_id}/move",
    summary="Move a key result to another objective",
    description="Moves the KR, with its check-ins and actions, to another objective of the "
    "same cycle (422 `different_cycle` otherwise). A KR adding into another "
    "(`contributes_to_key_result_id`) moves only to an objective aligned to that KR's "
    "objective (422 `contribution_not_aligned`); a KR others add into does not move (409 "
    "`key_result_has_contributors`, listing them as `DELETE` does).",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 409, 412, 422),
)
async def move_key_result(
    key_result_id: UUID,
    body: KeyResultMove,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await key_results.move_key_result(
        deps,
        principal,
        key_result_id,
        body.objective_id,
        expected_version=expected_version(if_match),
    )
    return resource_response(KeyResultOut.of(view), version=view.key_result.version)


@router.put(
    "/v1/key-results/{key_result_id}/final-score",
    summary="Set a key result's final score",
    description="At cycle close, admins or the KR owner's managers set the final score (0 to "
    "1) with a required `reason`; it replaces the progress as the KR's score. Allowed on "
    "closed cycles; always audited.",
    response_model=KeyResultOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def set_final_score(
    key_result_id: UUID,
    body: FinalScore,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await key_results.set_final_score(
        deps,
        principal,
        key_result_id,
        score=body.score,
        reason=body.reason,
        expected_version=expected_version(if_match),
    )
    return resource_response(KeyResultOut.of(view), version=view.key_result.version)


@router.post(
    "/v1/key-results/{key_result_id}/check-ins",
    status_code=201,
    summary="Check in on a key result",
    description="Records the KR's new value (or, for a milestones KR, the milestones done), "
    "a confidence (0-10) and a note: what happened, what blocks. It becomes the KR's current "
    "value. History is never rewritten: a correction is a new check-in. Honours "
    "`Idempotency-Key`; with `If-Match` (the KR's ETag) it is refused with 412 when the KR "
    "changed since you read it (its target, say). With an `external_id` the KR already has "
    "a check-in for, nothing is stored: the answer is 200 (not 201) with that check-in. "
    "A KR with `aggregation: sum` takes none (422 `sum_key_result`): its value is the sum "
    "of the KRs adding into it.",
    response_model=CheckInOut,
    responses={
        **error_responses(401, 403, 404, 412, 422),
        200: {
            "model": CheckInOut,
            "description": "A duplicate `external_id`: the check-in stored with it.",
        },
    },
)
async def create_check_in(
    key_result_id: UUID,
    body: CheckInCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    async def produce() -> Response:
        recorded = await checkins.record_check_in(
            deps,
            principal,
            key_result_id,
            body.to_new(),
            expected_version=expected_version(if_match),
        )
        return Response(
            CheckInOut.of(recorded.check_in).model_dump_json(),
            status_code=200 if recorded.duplicate else 201,
            media_type="application/json",
            headers={"Location": f"/v1/key-results/{key_result_id}/check-ins"},
        )

    return await idempotency.run(produce)


@router.post(
    "/v1/check-ins/bulk",
    summary="Check in on many key results at once",
    description=f"For nightly syncs: 1 to {BULK_CHECK_INS_MAX} check-ins (each a "
    "`key_result_id` with the body of a single check-in), each answered on its own and in "
    "order: `applied`, `duplicate` (the KR has a check-in with its `external_id`: that one, "
    "unchanged) or `refused` with the `code`, `detail` and field `errors` a single "
    "check-in would get (404 `not_found`, 403 `forbidden`, `cycle_closed`, "
    "`sum_key_result`, `validation_failed` ...); a refused item does not stop the others. "
    "The applied ones "
    "are stored in one transaction: a call that fails (5xx) stored nothing and can be sent "
    "again. Their `source` is `api`, or `integration` for an item naming one. Honours "
    "`Idempotency-Key` (the same key and body get the first answer again); with "
    "`external_id`s even a resent call without one stores nothing twice.",
    response_model=BulkCheckInsOut,
    responses=error_responses(401, 422),
)
async def create_check_ins(
    body: CheckInBulk, principal: CurrentPrincipal, deps: UseCaseDeps, idempotency: IdempotencyDep
) -> Response:
    async def produce() -> Response:
        items = body.to_items()
        answers = await checkins.check_in_bulk(deps, principal, items)
        return Response(
            BulkCheckInsOut.of_answers(items, answers).model_dump_json(),
            media_type="application/json",
        )

    return await idempotency.run(produce)


@router.get(
    "/v1/key-results/{key_result_id}/check-ins",
    summary="A key result's check-in history",
    description="Every check-in of the KR, newest first, a page at a time.",
    response_model=Page[CheckInOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_check_ins(
    key_result_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: PageDep
) -> Page[CheckInOut]:
    found = await checkins.check_in_history(deps, principal, key_result_id, page)
    return Page(items=[CheckInOut.of(c) for c in found.items], next_cursor=found.next_cursor)
