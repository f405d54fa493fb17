"""/v1/meetings: review meetings (复盘会 retrospectives, 周会 weekly meetings, 月报 monthly
reports) of a cycle, a unit, or a unit within a cycle: who attended, the objectives
reviewed, what was found, and the follow-up actions decided.

Every member reads the organization's meetings, each without the private objectives (and
their actions) the reader may not see. Admins and managers record any meeting; a unit's
lead those of the unit and of the units under it.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.meetings.shapes import MeetingCreate, MeetingOut, MeetingPatch
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.meetings import MeetingKind
from service import meetings
from service.management_ports import MeetingFilter
from service.meetings import MeetingView

router = APIRouter(prefix="/v1/meetings", tags=["meetings"])

_WHO_WRITES = (
    "Admins and managers record any meeting; the lead of a unit records the meetings of "
    "that unit and of the units under it (a cycle's meeting without a unit: admins and "
    "managers); others 403."
)
_REFERENCES = (
    "Attendees are members of your organization; the objectives reviewed and the follow-up "
    "actions must be ones you may see: anything else (unknown, another organization's, "
    "private to others) is refused alike, 422 `validation_failed` with `unknown` on "
    "`attendee_ids[i]`, `objective_ids[i]` or `follow_up_action_ids[i]`. An unknown cycle "
    "or unit: 422 `unknown_reference`."
)


def _meeting_response(view: MeetingView, *, status: int = 200) -> Response:
    return resource_response(
        MeetingOut.of(view),
        version=view.meeting.version,
        status=status,
        location=f"/v1/meetings/{view.meeting.id}" if status == 201 else None,
    )


@router.get(
    "",
    summary="List meetings",
    description="Your organization's review meetings, oldest first. Filter by `cycle_id`, "
    "`unit_id` and `kind` (`retrospective`, `weekly`, `monthly_report`). Each lists only "
    "the reviewed objectives and follow-up actions you may see.",
    response_model=Page[MeetingOut],
    responses=error_responses(401, 403, 422),
)
async def list_meetings(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    cycle_id: UUID | None = None,
    unit_id: UUID | None = None,
    kind: MeetingKind | None = None,
) -> Page[MeetingOut]:
    found = await meetings.list_meetings(
        deps, principal, MeetingFilter(cycle_id=cycle_id, unit_id=unit_id, kind=kind), page
    )
    return Page(items=[MeetingOut.of(v) for v in found.items], next_cursor=found.next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Record a meeting",
    description="A retrospective (复盘会), weekly meeting (周会) or monthly report (月报) of a "
    "cycle, a unit, or both (else 422 `validation_failed` naming both), held on a date "
    "(after the cycle's end for its retrospective: closed cycles take meetings), with its "
    "attendees, the objectives reviewed, the findings and the follow-up actions (existing "
    "actions, linked by id). " + _WHO_WRITES + " " + _REFERENCES + " Honours `Idempotency-Key`.",
    response_model=MeetingOut,
    responses=error_responses(401, 403, 409, 422),
)
async def create_meeting(
    body: MeetingCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        view = await meetings.create_meeting(deps, principal, body.to_new())
        return _meeting_response(view, status=201)

    return await idempotency.run(produce)


@router.get(
    "/{meeting_id}",
    summary="Get a meeting",
    description="One meeting, with the reviewed objectives and follow-up actions you may "
    "see (the follow-ups as they are now).",
    response_model=MeetingOut,
    responses=error_responses(401, 403, 404),
)
async def get_meeting(meeting_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    return _meeting_response(await meetings.get_meeting(deps, principal, meeting_id))


@router.patch(
    "/{meeting_id}",
    summary="Change a meeting",
    description="JSON merge. A list replaces the list, of what you may see: reviewed "
    "objectives and follow-ups hidden from you stay. `cycle_id: null` or `unit_id: null` "
    "removes one as long as the other stays. Moving the meeting to another unit needs the "
    "right to record meetings of both. " + _WHO_WRITES + " " + _REFERENCES,
    response_model=MeetingOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_meeting(
    meeting_id: UUID,
    body: MeetingPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await meetings.update_meeting(
        deps, principal, meeting_id, body.to_changes(), expected_version=expected_version(if_match)
    )
    return _meeting_response(view)


@router.delete(
    "/{meeting_id}",
    status_code=204,
    summary="Delete a meeting",
    description="Deletes the meeting's record for good; its follow-up actions stay with "
    "their key results. " + _WHO_WRITES,
    responses={204: {"description": "Deleted"}, **error_responses(401, 403, 404, 412)},
)
async def delete_meeting(
    meeting_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    await meetings.delete_meeting(
        deps, principal, meeting_id, expected_version=expected_version(if_match)
    )
    return Response(status_code=204)
