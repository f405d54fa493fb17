"""Review meetings in the graph: the ``Meeting`` type's edges, the ``meetings`` and
``meeting`` queries, and the ``createMeeting``, ``updateMeeting`` and ``deleteMeeting``
mutations.

The fields of ``Meeting`` and of the inputs are the shapes of ``api.meetings.shapes``; only
what GraphQL adds is here: the edges a meeting has in the graph (its cycle, unit, attendees
and reviewed objectives through the request's DataLoaders; its follow-up actions as
GraphQL's ``Action``), the node id and ``expectedVersion`` of the inputs, the list filter,
and the payloads. Who may record a meeting is said in ``service.meetings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

import strawberry

from api.actions.graphql import Action
from api.cycles.graphql import Cycle
from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.mutations import NodeId, write
from api.meetings.shapes import MeetingCreate, MeetingOut, MeetingPatch
from api.members.graphql import Member
from api.objectives.graphql import Objective
from api.units.graphql import OrgUnit
from domain.meetings import MeetingKind
from service import meetings
from service.management_ports import MeetingFilter
from service.pagination import DEFAULT_LIMIT


@strawberry.pydantic.type(
    description="A review meeting (管理节奏) of a cycle, a unit or both: who attended, the "
    "objectives reviewed, what was found, and the follow-up actions decided."
)
class Meeting(MeetingOut):
    # The graph links the cycle and the unit itself; their ids stay for the resolvers.
    cycle_id: strawberry.Private[UUID | None]
    unit_id: strawberry.Private[UUID | None]
    follow_up_actions: Annotated[
        Sequence[Action], strawberry.field(description="Those actions as they are now.")
    ]

    @strawberry.pydantic.field(description="The cycle it reviews, if any.")
    async def cycle(self, info: Info) -> Cycle | None:
        if self.cycle_id is None:
            return None
        found = await info.context.loaders.cycle.load(self.cycle_id)
        return Cycle.of(found) if found else None

    @strawberry.pydantic.field(description="The unit whose meeting it is, if any.")
    async def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_id is None:
            return None
        found = await info.context.loaders.unit.load(self.unit_id)
        return OrgUnit.of(found) if found else None

    @strawberry.pydantic.field(description="Who attended, in the order written.")
    async def attendees(self, info: Info) -> list[Member]:
        found = await info.context.loaders.member.load_many(self.attendee_ids)
        return [Member.of(m) for m in found if m is not None]

    @strawberry.pydantic.field(
        description="The objectives reviewed that you may see, with their scores."
    )
    async def objectives_reviewed(self, info: Info) -> list[Objective]:
        found = await info.context.loaders.objective.load_many(self.objective_ids)
        return [Objective.of(v) for v in found if v is not None]


# The published schema lists ``findings`` right after ``heldOn``, REST's body after the ids.


@strawberry.pydantic.input(
    description="Send only what changes. A list replaces the list of what you may see "
    "(reviewed objectives and follow-ups hidden from you stay); `cycleId: null` or "
    "`unitId: null` removes one as long as the other stays."
)
class UpdateMeetingInput(MeetingPatch, NodeId):
    expected_version: int | None = None


@strawberry.input(description="Deletes a meeting's record; its follow-up actions stay.")
class DeleteMeetingInput:
    id: UUID
    expected_version: int | None = None


@strawberry.input(description="Narrows `meetings`; every field given must match.")
class MeetingFilterInput:
    cycle_id: UUID | None = None
    unit_id: UUID | None = None
    kind: MeetingKind | None = None

    def to_filter(self) -> MeetingFilter:
        return MeetingFilter(cycle_id=self.cycle_id, unit_id=self.unit_id, kind=self.kind)


@strawberry.type
class MeetingQuery:
    @field(description="The organization's review meetings, oldest first, a page at a time.")
    async def meetings(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: MeetingFilterInput | None = None,
    ) -> Connection[Meeting]:
        ctx = info.context
        filters = (filter or MeetingFilterInput()).to_filter()
        found = await meetings.list_meetings(
            ctx.deps, ctx.principal, filters, page_request(first, after)
        )
        return connection(found, Meeting.of, lambda v: v.meeting.id)

    @field(description="One meeting of the organization (else `not_found`).")
    async def meeting(self, info: Info, id: UUID) -> Meeting | None:
        ctx = info.context
        return Meeting.of(await meetings.get_meeting(ctx.deps, ctx.principal, id))


@strawberry.type
class CreateMeetingPayload:
    meeting: Meeting


@strawberry.type
class UpdateMeetingPayload:
    meeting: Meeting


@strawberry.type
class DeleteMeetingPayload:
    deleted_meeting_id: UUID


@strawberry.type
class MeetingMutation:
    @mutation(
        description="Record a meeting: admins and managers any, a unit's lead those of the "
        "unit and the units under it."
    )
    async def create_meeting(self, info: Info, input: MeetingCreate) -> CreateMeetingPayload:
        view = await write(info, meetings.create_meeting, input.to_new())
        return CreateMeetingPayload(meeting=Meeting.of(view))

    @mutation(description="Change a meeting (those who may record it).")
    async def update_meeting(self, info: Info, input: UpdateMeetingInput) -> UpdateMeetingPayload:
        view = await write(
            info,
            meetings.update_meeting,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateMeetingPayload(meeting=Meeting.of(view))

    @mutation(description="Delete a meeting's record (those who may record it).")
    async def delete_meeting(self, info: Info, input: DeleteMeetingInput) -> DeleteMeetingPayload:
        await write(
            info, meetings.delete_meeting, input.id, expected_version=input.expected_version
        )
        return DeleteMeetingPayload(deleted_meeting_id=input.id)
