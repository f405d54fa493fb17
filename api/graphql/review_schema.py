"""The 360 review part of the schema (360度评价): review cycles, participants, my reviews,
responses, results and completion, over the same use cases as REST.

Admins and HR set a review cycle up and move it draft -> collecting -> closed -> published;
reviewers read ``myReviews`` and submit; results appear only once published. Who the peers
are is shown to admins and HR alone (``reviewParticipants``): nominations answer with counts,
results carry no reviewer id or timestamp, and someone else's assignment is ``not_found``
exactly like an unknown one.

``schema.Query`` and ``schema.Mutation`` inherit these fields. Every mutation takes one
input and returns a payload; ``expectedVersion`` is REST's ``If-Match``. After a write the
request's loaders are dropped, so nested fields of the payload read the new state. The
input objects live here too: they are used by these mutations alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.connections import AFTER, FIRST, Connection, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.inputs import Sent
from api.graphql.review_types import (
    MyReview,
    ReviewCompletion,
    ReviewCycle,
    ReviewParticipant,
    ReviewParticipantCounts,
    ReviewResult,
)
from domain.reviews import Answer, ReviewPhase, RoleWeights
from service import review_responses, review_results, reviews
from service.pagination import DEFAULT_LIMIT
from service.patch import UNSET
from service.review_ports import ReviewCycleFilter

# -- inputs ----------------------------------------------------------------------------------


@strawberry.input(description="Narrows `reviewCycles`; every field given must match.")
class ReviewCycleFilterInput:
    cycle_id: UUID | None = strawberry.field(default=None, description="The OKR cycle reviewed.")
    phase: ReviewPhase | None = None

    def to_filter(self) -> ReviewCycleFilter:
        return ReviewCycleFilter(cycle_id=self.cycle_id, phase=self.phase)


@strawberry.input(description="A question rated 1-5; the service gives it its id.")
class ReviewQuestionInput:
    text_zh: str
    text_en: str
    comment_allowed: bool = True

    def to_input(self) -> reviews.QuestionInput:
        return reviews.QuestionInput(
            text_zh=self.text_zh, text_en=self.text_en, comment_allowed=self.comment_allowed
        )


@strawberry.input(
    description="Role weights, all four (they must sum to 1). Errors name them as the "
    "organization's review settings do: weightSelf, weightPeer, weightManager, weightSkipLevel."
)
class ReviewWeightsInput:
    self_: Decimal = strawberry.field(name="self")
    peer: Decimal
    manager: Decimal
    skip_level: Decimal

    def to_domain(self) -> RoleWeights:
        return RoleWeights(
            weight_self=self.self_,
            weight_peer=self.peer,
            weight_manager=self.manager,
            weight_skip_level=self.skip_level,
        )


@strawberry.input(
    description="A new review cycle, in draft, for an OKR cycle. Left out, the weights, the "
    "anonymity threshold and the peer bounds are the organization's review settings."
)
class CreateReviewCycleInput:
    cycle_id: UUID
    name: str
    questions: list[ReviewQuestionInput]
    weights: ReviewWeightsInput | None = None
    peer_anonymity_threshold: int | None = None
    min_peers: int | None = None
    max_peers: int | None = None

    def to_new(self) -> reviews.NewReviewCycle:
        return reviews.NewReviewCycle(
            cycle_id=self.cycle_id,
            name=self.name,
            questions=[q.to_input() for q in self.questions],
            weights=self.weights.to_domain() if self.weights is not None else None,
            peer_anonymity_threshold=self.peer_anonymity_threshold,
            min_peers=self.min_peers,
            max_peers=self.max_peers,
        )


@strawberry.input(
    description="Send only what changes. The name changes any time; questions (replaced "
    "all at once, with new ids), weights, threshold and peer bounds in draft only "
    "(`review_cycle_frozen`); `phase` moves one step forward (`invalid_phase_transition`): "
    "to COLLECTING once every reviewee has peers within the bounds (`no_participants`, "
    "`peer_count`)."
)
class UpdateReviewCycleInput:
    id: UUID
    name: str | None = strawberry.UNSET
    questions: list[ReviewQuestionInput] | None = strawberry.UNSET
    weights: ReviewWeightsInput | None = strawberry.UNSET
    peer_anonymity_threshold: int | None = strawberry.UNSET
    min_peers: int | None = strawberry.UNSET
    max_peers: int | None = strawberry.UNSET
    phase: ReviewPhase | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> reviews.ReviewCycleChanges:
        sent = Sent()
        questions = sent.value(self.questions, "questions")
        weights = sent.value(self.weights, "weights")
        changes = reviews.ReviewCycleChanges(
            name=sent.value(self.name, "name"),
            questions=UNSET if questions is UNSET else [q.to_input() for q in questions],
            weights=UNSET if weights is UNSET else weights.to_domain(),
            peer_anonymity_threshold=sent.value(
                self.peer_anonymity_threshold, "peerAnonymityThreshold"
            ),
            min_peers=sent.value(self.min_peers, "minPeers"),
            max_peers=sent.value(self.max_peers, "maxPeers"),
            phase=sent.value(self.phase, "phase"),
        )
        sent.check()
        return changes


@strawberry.input(
    description="Adds reviewees to a review cycle in draft, each with self, manager and "
    "skip-level reviewers from the manager chain and their team mates as peers."
)
class AddReviewParticipantsInput:
    review_cycle_id: UUID
    reviewee_ids: list[UUID] | None = strawberry.field(
        default=None,
        description="Default: every active member owning an objective in the OKR cycle.",
    )


@strawberry.input(
    description="Sets a reviewee's peers (replacing the previous ones), within the review "
    "cycle's bounds, in draft: the reviewee, their manager chain, admins and HR may."
)
class NominatePeersInput:
    review_cycle_id: UUID
    reviewee_id: UUID
    peer_ids: list[UUID]


@strawberry.input(description="Takes a reviewee, with their assignments, out of a draft cycle.")
class RemoveReviewParticipantInput:
    review_cycle_id: UUID
    reviewee_id: UUID


@strawberry.input(description="One question's rating and optional comment.")
class ReviewAnswerInput:
    question_id: UUID
    rating: int = strawberry.field(description="1 to 5.")
    comment: str | None = strawberry.field(
        default=None, description="Where the question allows one; at most 2000 characters."
    )

    def to_domain(self) -> Answer:
        return Answer(question_id=self.question_id, rating=self.rating, comment=self.comment)


@strawberry.input(
    description="Your response to one of your reviews, while the cycle is collecting: "
    "every question answered once. Sent again, it replaces your previous answers."
)
class SubmitReviewResponseInput:
    assignment_id: UUID
    answers: list[ReviewAnswerInput]


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class ReviewQuery:
    @field(description="Review cycles, oldest first, a page at a time.")
    async def review_cycles(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
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
    async def review_completion(self, info: Info, review_cycle_id: UUID) -> ReviewCompletion:
        ctx = info.context
        found = await review_results.review_completion(ctx.deps, ctx.principal, review_cycle_id)
        return ReviewCompletion.of(found)

    @field(
        description="Reviewees with who was asked to review them, in reviewee id order: "
        "admins and HR only (anyone else: `forbidden`)."
    )
    async def review_participants(
        self,
        info: Info,
        review_cycle_id: UUID,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
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


@strawberry.type(description="What adding reviewees did.")
class AddReviewParticipantsPayload:
    added: list[ReviewParticipantCounts] = strawberry.field(
        description="The reviewees added, with their reviewers counted per role."
    )
    already_in: list[UUID] = strawberry.field(
        description="Reviewees asked for who were already in (left as they were)."
    )
    needs_peers: list[UUID] = strawberry.field(
        description="Reviewees added without peers: their team gives fewer than `minPeers`; "
        "nominate theirs (`nominatePeers`) before collecting."
    )


@strawberry.type(description="The reviewee's reviewers counted per role: never who the peers are.")
class NominatePeersPayload:
    participant: ReviewParticipantCounts


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
        self, info: Info, input: CreateReviewCycleInput
    ) -> CreateReviewCyclePayload:
        ctx = info.context
        created = await reviews.create_review_cycle(ctx.deps, ctx.principal, input.to_new())
        ctx.forget_loaded()
        return CreateReviewCyclePayload(review_cycle=ReviewCycle.of(created))

    @mutation(
        description="Admins and HR rename a review cycle, change its setup in draft, or move "
        "its phase one step forward; publishing stamps `publishedAt`."
    )
    async def update_review_cycle(
        self, info: Info, input: UpdateReviewCycleInput
    ) -> UpdateReviewCyclePayload:
        ctx = info.context
        updated = await reviews.update_review_cycle(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateReviewCyclePayload(review_cycle=ReviewCycle.of(updated))

    @mutation(
        description="Admins and HR add reviewees to a review cycle in draft; one already in "
        "keeps their reviewers."
    )
    async def add_review_participants(
        self, info: Info, input: AddReviewParticipantsInput
    ) -> AddReviewParticipantsPayload:
        ctx = info.context
        enrolment = await reviews.add_participants(
            ctx.deps, ctx.principal, input.review_cycle_id, input.reviewee_ids
        )
        ctx.forget_loaded()
        return AddReviewParticipantsPayload(
            added=[ReviewParticipantCounts.of(p) for p in enrolment.added],
            already_in=list(enrolment.already_in),
            needs_peers=list(enrolment.needs_peers),
        )

    @mutation(
        description="Set a reviewee's peers in draft (the reviewee, their manager chain, "
        "admins and HR; anyone else: `not_found`); answers with counts only."
    )
    async def nominate_peers(self, info: Info, input: NominatePeersInput) -> NominatePeersPayload:
        ctx = info.context
        participant = await reviews.nominate_peers(
            ctx.deps, ctx.principal, input.review_cycle_id, input.reviewee_id, input.peer_ids
        )
        ctx.forget_loaded()
        return NominatePeersPayload(participant=ReviewParticipantCounts.of(participant))

    @mutation(description="Admins and HR take a reviewee out of a review cycle in draft.")
    async def remove_review_participant(
        self, info: Info, input: RemoveReviewParticipantInput
    ) -> RemoveReviewParticipantPayload:
        ctx = info.context
        await reviews.remove_participant(
            ctx.deps, ctx.principal, input.review_cycle_id, input.reviewee_id
        )
        ctx.forget_loaded()
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
        ctx = info.context
        saved = await review_responses.submit_response(
            ctx.deps,
            ctx.principal,
            input.assignment_id,
            [a.to_domain() for a in input.answers],
        )
        ctx.forget_loaded()
        return SubmitReviewResponsePayload(review=MyReview.of(saved))
