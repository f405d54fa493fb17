"""360 reviews (360度评价) in the graph: review cycles, participants, my reviews, responses,
results and completion, over the same use cases as REST.

The fields of the types and inputs are the shapes of ``api.reviews.shapes``; only what
GraphQL adds is here: the edges (a review cycle's OKR cycle, a review's reviewee, an
assignment's reviewer, a participant's and a result's member, through the request's
DataLoaders or with the result itself), the ids the inputs name where REST has a path,
``expectedVersion``, the list filter, the payloads, the queries and the mutations.

Admins and HR set a review cycle up and move it draft -> collecting -> closed -> published;
reviewers read ``myReviews`` and submit; results appear only once published. Who the peers
are is shown to admins and HR alone (``reviewParticipants``): nominations answer with counts,
results carry no reviewer id or timestamp, and someone else's assignment is ``not_found``
exactly like an unknown one. Anonymity is decided by the domain and the use cases; these
types add nothing to what they give.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api.cycles.graphql import Cycle
from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.enums import ReviewPhase
from api.graphql.fields import field, mutation, present
from api.graphql.mutations import NodeId, write
from api.members.graphql import Member
from api.reviews.shapes import (
    AssignmentOut,
    AssignmentRef,
    CompletionOut,
    EnrolmentOut,
    MyReviewOut,
    ParticipantDetailOut,
    ParticipantOut,
    ParticipantsAdd,
    PeerNomination,
    PerformanceOut,
    ResponseIn,
    ReviewCycleCreate,
    ReviewCycleOut,
    ReviewCyclePatch,
    ReviewCycleRef,
    RevieweeRef,
    ReviewResultOut,
    ReviewWeights,
)
from service import review_responses, review_results, reviews
from service.pagination import DEFAULT_LIMIT
from service.review_ports import ReviewCycleFilter


async def _member(info: Info, member_id: UUID) -> Member:
    found = await info.context.loaders.member.load(member_id)
    return Member.of(present(found, "member"))


# -- types -----------------------------------------------------------------------------------


@strawberry.pydantic.type(
    name="ReviewWeights",
    description="How much each role counts in the 360 rating; they sum to 1.",
)
class ReviewWeightsType(ReviewWeights):
    """REST's one weights body is GraphQL's input; as an output it is this type, whose
    fields alone the published schema describes (the input's are bare)."""

    self: Annotated[Decimal, strawberry.field(description="The reviewee's own (自评).")]
    peer: Annotated[Decimal, strawberry.field(description="Peers' (互评).")]
    manager: Annotated[Decimal, strawberry.field(description="The manager's (上级评).")]
    skip_level: Annotated[
        Decimal, strawberry.field(description="The manager's manager's (上上级评).")
    ]


@strawberry.pydantic.type(
    description="A 360 review cycle (360度评价周期) for an OKR cycle: its questions, role "
    "weights and peer bounds, and its phase."
)
class ReviewCycle(ReviewCycleOut):
    weights: ReviewWeightsType

    @strawberry.pydantic.field(description="The OKR cycle it reviews.")
    async def cycle(self, info: Info) -> Cycle:
        found = await info.context.loaders.cycle.load(self.cycle_id)
        return Cycle.of(present(found, "cycle"))


@strawberry.pydantic.type(
    description="A review you write: whom, in which role, and your response so far (null "
    "before you submit one)."
)
class MyReview(MyReviewOut):
    @strawberry.pydantic.field(description="The member you review.")
    async def reviewee(self, info: Info) -> Member:
        return await _member(info, self.reviewee_id)


@strawberry.pydantic.type(
    description="Who was asked to review whom in which role (admins and HR only)."
)
class ReviewAssignment(AssignmentOut):
    # The schema has always listed `reviewerId` after `role`, where REST has `reviewer_id`
    # second: the id is served by a resolver field, which Strawberry lists after the data.
    reviewer_id: strawberry.Private[UUID]

    @strawberry.pydantic.field(name="reviewerId")
    def asked_reviewer_id(self) -> UUID:
        return self.reviewer_id

    @strawberry.pydantic.field(description="The member asked to review.")
    async def reviewer(self, info: Info) -> Member:
        return await _member(info, self.reviewer_id)


@strawberry.pydantic.type(
    description="A reviewee with every assignment (admins and HR only): who was asked, "
    "never who answered."
)
class ReviewParticipant(ParticipantDetailOut):
    # Each assignment with its reviewer edge (a list of the subclass: mypy calls lists
    # invariant, pydantic validates the same rows into it).
    assignments: Annotated[  # type: ignore[assignment]
        list[ReviewAssignment], strawberry.field(description="Ordered by id.")
    ]

    @strawberry.pydantic.field(description="The member reviewed.")
    async def reviewee(self, info: Info) -> Member:
        return await _member(info, self.reviewee_id)


@strawberry.pydantic.type(
    description="The performance score out of 100 and how it is made up: "
    "okrShare x OKR score x 100 + reviewShare x (360 rating - 1) / 4 x 100, each part with "
    "two decimal places; `score` is exactly `okrPart + reviewPart`."
)
class PerformanceScore(PerformanceOut):
    share_places = None


@strawberry.pydantic.type(
    description="A reviewee's published 360 result: per role, the 360 rating, their OKR "
    "score for the cycle and the performance score. No reviewer ids, no timestamps."
)
class ReviewResult(ReviewResultOut):
    # The member comes with the result (no statement per row), whole as the graph shows one
    # where REST gives its id, name, email and HR id: read from the same member entity.
    reviewee: Annotated[  # type: ignore[assignment]
        Member, strawberry.field(description="The member reviewed.")
    ]
    performance: Annotated[
        PerformanceScore | None,
        strawberry.field(description="Null when no role counts (no 360 rating)."),
    ]


# -- inputs ----------------------------------------------------------------------------------


@strawberry.input(description="Narrows `reviewCycles`; every field given must match.")
class ReviewCycleFilterInput:
    cycle_id: UUID | None = strawberry.field(default=None, description="The OKR cycle reviewed.")
    phase: ReviewPhase | None = None

    def to_filter(self) -> ReviewCycleFilter:
        return ReviewCycleFilter(cycle_id=self.cycle_id, phase=self.phase)


@strawberry.pydantic.input(
    description="Send only what changes. The name changes any time; questions (replaced "
    "all at once, with new ids), weights, threshold and peer bounds in draft only "
    "(`review_cycle_frozen`); `phase` moves one step forward (`invalid_phase_transition`): "
    "to COLLECTING once every reviewee has peers within the bounds (`no_participants`, "
    "`peer_count`)."
)
class UpdateReviewCycleInput(ReviewCyclePatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="Adds reviewees to a review cycle in draft, each with self, manager and "
    "skip-level reviewers from the manager chain and their team mates as peers."
)
class AddReviewParticipantsInput(ParticipantsAdd, ReviewCycleRef):
    pass


@strawberry.pydantic.input(
    description="Sets a reviewee's peers (replacing the previous ones), within the review "
    "cycle's bounds, in draft: the reviewee, their manager chain, admins and HR may."
)
class NominatePeersInput(PeerNomination, RevieweeRef):
    pass


@strawberry.input(description="Takes a reviewee, with their assignments, out of a draft cycle.")
class RemoveReviewParticipantInput:
    review_cycle_id: UUID
    reviewee_id: UUID


@strawberry.pydantic.input(
    description="Your response to one of your reviews, while the cycle is collecting: "
    "every question answered once. Sent again, it replaces your previous answers."
)
class SubmitReviewResponseInput(ResponseIn, AssignmentRef):
    pass


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class ReviewQuery:
    @field(description="Review cycles, oldest first, a page at a time.")
    async def review_cycles(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: ReviewCycleFilterInput | None = None,
    ) -> Connection[ReviewCycle]:
        ctx = info.context
        page = page_request(first, after)
        filters = (filter or ReviewCycleFilterInput()).to_filter()
        found = await reviews.list_review_cycles(ctx.deps, ctx.principal, filters, page)
        return connection(found, ReviewCycle.of, lambda rc: rc.id)

    @field(description="One review cycle (else `not_found`).")
    async def review_cycle(self, info: Info, id: UUID) -> ReviewCycle | None:
        ctx = info.context
        return ReviewCycle.of(await reviews.get_review_cycle(ctx.deps, ctx.principal, id))

    @field(
        description="The reviews you write in a review cycle, ordered by assignment, each "
        "with your response so far; empty while the cycle is in draft."
    )
    async def my_reviews(self, info: Info, review_cycle_id: UUID) -> list[MyReview]:
        ctx = info.context
        found = await review_responses.my_reviews(ctx.deps, ctx.principal, review_cycle_id)
        return [MyReview.of(r) for r in found]

    @field(
        description="Every reviewee's published result, a page at a time in reviewee id "
        "order: admins, HR and tokens with `reviews:export`. `review_not_published` before "
        "the cycle is published. A fixed number of statements whatever the page size."
    )
    async def review_results(
        self,
        info: Info,
        review_cycle_id: UUID,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
    ) -> Connection[ReviewResult]:
        ctx = info.context
        page = page_request(first, after)
        found = await review_results.review_results(ctx.deps, ctx.principal, review_cycle_id, page)
        return connection(found, ReviewResult.of, lambda r: r.reviewee.id)

    @field(
        description="One reviewee's published result: for the reviewee, their manager chain, "
        "admins and HR (anyone else: `not_found`); `review_not_published` before then."
    )
    async def review_result(
        self, info: Info, review_cycle_id: UUID, reviewee_id: UUID
    ) -> ReviewResult | None:
        ctx = info.context
        found = await review_results.review_result(
            ctx.deps, ctx.principal, review_cycle_id, reviewee_id
        )
        return ReviewResult.of(found)

    @field(
        description="How many assignments are answered, per role across the cycle: admins, "
        "HR and tokens with `reviews:export`."
    )
    async def review_completion(self, info: Info, review_cycle_id: UUID) -> CompletionOut:
        ctx = info.context
        found = await review_results.review_completion(ctx.deps, ctx.principal, review_cycle_id)
        return CompletionOut.of(found)

    @field(
        description="Reviewees with who was asked to review them, in reviewee id order: "
        "admins and HR only (anyone else: `forbidden`)."
    )
    async def review_participants(
        self,
        info: Info,
        review_cycle_id: UUID,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
    ) -> Connection[ReviewParticipant]:
        ctx = info.context
        page = page_request(first, after)
        found = await reviews.list_participants(ctx.deps, ctx.principal, review_cycle_id, page)
        return connection(found, ReviewParticipant.of, lambda p: p.reviewee_id)


# -- payloads --------------------------------------------------------------------------------


@strawberry.type
class CreateReviewCyclePayload:
    review_cycle: ReviewCycle


@strawberry.type
class UpdateReviewCyclePayload:
    review_cycle: ReviewCycle


@strawberry.type(description="The reviewee's reviewers counted per role: never who the peers are.")
class NominatePeersPayload:
    participant: ParticipantOut


@strawberry.type
class RemoveReviewParticipantPayload:
    review_cycle_id: UUID
    removed_reviewee_id: UUID


@strawberry.type
class SubmitReviewResponsePayload:
    review: MyReview = strawberry.field(description="The review with your response as saved.")


# -- mutations -------------------------------------------------------------------------------


@strawberry.type
class ReviewMutation:
    @mutation(description="Admins and HR add a review cycle, in draft, for an OKR cycle.")
    async def create_review_cycle(
        self, info: Info, input: ReviewCycleCreate
    ) -> CreateReviewCyclePayload:
        created = await write(info, reviews.create_review_cycle, input.to_new())
        return CreateReviewCyclePayload(review_cycle=ReviewCycle.of(created))

    @mutation(
        description="Admins and HR rename a review cycle, change its setup in draft, or move "
        "its phase one step forward; publishing stamps `publishedAt`."
    )
    async def update_review_cycle(
        self, info: Info, input: UpdateReviewCycleInput
    ) -> UpdateReviewCyclePayload:
        updated = await write(
            info,
            reviews.update_review_cycle,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateReviewCyclePayload(review_cycle=ReviewCycle.of(updated))

    @mutation(
        description="Admins and HR add reviewees to a review cycle in draft; one already in "
        "keeps their reviewers."
    )
    async def add_review_participants(
        self, info: Info, input: AddReviewParticipantsInput
    ) -> EnrolmentOut:
        enrolment = await write(
            info, reviews.add_participants, input.review_cycle_id, input.reviewee_ids
        )
        return EnrolmentOut.of(enrolment)

    @mutation(
        description="Set a reviewee's peers in draft (the reviewee, their manager chain, "
        "admins and HR; anyone else: `not_found`); answers with counts only."
    )
    async def nominate_peers(self, info: Info, input: NominatePeersInput) -> NominatePeersPayload:
        participant = await write(
            info, reviews.nominate_peers, input.review_cycle_id, input.reviewee_id, input.peer_ids
        )
        return NominatePeersPayload(participant=ParticipantOut.of(participant))

    @mutation(description="Admins and HR take a reviewee out of a review cycle in draft.")
    async def remove_review_participant(
        self, info: Info, input: RemoveReviewParticipantInput
    ) -> RemoveReviewParticipantPayload:
        await write(info, reviews.remove_participant, input.review_cycle_id, input.reviewee_id)
        return RemoveReviewParticipantPayload(
            review_cycle_id=input.review_cycle_id, removed_reviewee_id=input.reviewee_id
        )

    @mutation(
        description="Submit or revise your response to one of your reviews while the cycle "
        "is collecting (`review_not_collecting` otherwise); an assignment that is not yours "
        "is `not_found`, exactly as an unknown one."
    )
    async def submit_review_response(
        self, info: Info, input: SubmitReviewResponseInput
    ) -> SubmitReviewResponsePayload:
        saved = await write(
            info, review_responses.submit_response, input.assignment_id, input.to_domain()
        )
        return SubmitReviewResponsePayload(review=MyReview.of(saved))
