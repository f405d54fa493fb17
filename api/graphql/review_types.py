"""Output types of 360 reviews (360度评价): review cycles, my reviews, results, completion and
participants, built from the values of the use cases (``service.reviews``,
``service.review_responses``, ``service.review_results``); no rule is written here.

Decimals are the ``Decimal`` scalar, serialized as strings like the OKR types: ratings,
role weights and the OKR score with four decimal places ("3.5375"), the performance score
and its parts with two ("63.91"). Anonymity is decided by the domain and the use cases: a
result carries no reviewer id, no timestamp and no figure per reviewer, and these types add
none. A result's ``reviewee`` comes with the result itself (no statement per row); a
review's ``reviewee``, a participant's members and a review cycle's ``cycle`` load through
the request's DataLoaders.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from api.cycles.graphql import Cycle
from api.graphql.context import Info
from api.graphql.fields import field
from api.graphql.okr_types import present
from api.members.graphql import Member
from domain import reviews as domain_reviews
from domain.reviews import ReviewPhase, ReviewRole
from service import review_ports, review_responses, review_results, reviews

strawberry.enum(
    ReviewRole,
    description="Who reviews: the reviewee (SELF, 自评), a PEER (互评), their MANAGER (上级评) "
    "or their manager's manager (SKIP_LEVEL, 上上级评).",
)
strawberry.enum(
    ReviewPhase,
    description="draft -> collecting -> closed -> published, forward only, one step at a time.",
)

_RATING = "The mean rating on the 1-5 scale, four decimal places."


async def _member(info: Info, member_id: UUID) -> Member:
    found = await info.context.loaders.member.load(member_id)
    return Member.of(present(found, "member"))


# -- review cycles ---------------------------------------------------------------------------


@strawberry.type(description="A question rated on the 1-5 scale, with an optional comment.")
class ReviewQuestion:
    id: UUID
    text_zh: str = strawberry.field(description="The question in Chinese.")
    text_en: str = strawberry.field(description="The question in English.")
    comment_allowed: bool = strawberry.field(description="Whether an answer may carry a comment.")
    scale_min: int = strawberry.field(description="The lowest rating (1).")
    scale_max: int = strawberry.field(description="The highest rating (5).")

    @classmethod
    def of(cls, q: domain_reviews.Question) -> ReviewQuestion:
        return cls(
            id=q.id,
            text_zh=q.text_zh,
            text_en=q.text_en,
            comment_allowed=q.comment_allowed,
            scale_min=q.scale_min,
            scale_max=q.scale_max,
        )


@strawberry.type(description="How much each role counts in the 360 rating; they sum to 1.")
class ReviewWeights:
    self_: Decimal = strawberry.field(name="self", description="The reviewee's own (自评).")
    peer: Decimal = strawberry.field(description="Peers' (互评).")
    manager: Decimal = strawberry.field(description="The manager's (上级评).")
    skip_level: Decimal = strawberry.field(description="The manager's manager's (上上级评).")

    @classmethod
    def of(cls, w: domain_reviews.RoleWeights) -> ReviewWeights:
        return cls(
            self_=w.weight_self,
            peer=w.weight_peer,
            manager=w.weight_manager,
            skip_level=w.weight_skip_level,
        )


@strawberry.type(
    description="A 360 review cycle (360度评价周期) for an OKR cycle: its questions, role "
    "weights and peer bounds, and its phase."
)
class ReviewCycle:
    id: UUID
    cycle_id: UUID = strawberry.field(description="The OKR cycle it reviews.")
    name: str
    phase: ReviewPhase
    questions: list[ReviewQuestion] = strawberry.field(description="What every reviewer answers.")
    weights: ReviewWeights
    peer_anonymity_threshold: int = strawberry.field(
        description="Peer ratings and comments are shown, and counted, only when at least "
        "this many peers responded."
    )
    min_peers: int = strawberry.field(description="The fewest peers a reviewee has.")
    max_peers: int = strawberry.field(description="The most peers a reviewee has.")
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = strawberry.field(
        description="When it was published: results read OKR scores as of then."
    )

    @classmethod
    def of(cls, rc: domain_reviews.ReviewCycle) -> ReviewCycle:
        return cls(
            id=rc.id,
            cycle_id=rc.cycle_id,
            name=rc.name,
            phase=rc.phase,
            questions=[ReviewQuestion.of(q) for q in rc.questions],
            weights=ReviewWeights.of(rc.weights),
            peer_anonymity_threshold=rc.peer_anonymity_threshold,
            min_peers=rc.peer_bounds.min_peers,
            max_peers=rc.peer_bounds.max_peers,
            version=rc.version,
            created_at=rc.created_at,
            updated_at=rc.updated_at,
            published_at=rc.published_at,
        )

    @field(description="The OKR cycle it reviews.")
    async def cycle(self, info: Info) -> Cycle:
        found = await info.context.loaders.cycle.load(self.cycle_id)
        return Cycle.of(present(found, "cycle"))


# -- my reviews ------------------------------------------------------------------------------


@strawberry.type(description="One question's rating and comment.")
class ReviewAnswer:
    question_id: UUID
    rating: int = strawberry.field(description="1 to 5.")
    comment: str | None


@strawberry.type(description="Your own response, as only you see it.")
class ReviewResponse:
    answers: list[ReviewAnswer] = strawberry.field(description="In question order.")
    submitted_at: datetime = strawberry.field(description="Your first submission.")
    updated_at: datetime = strawberry.field(description="Your latest revision.")

    @classmethod
    def of(cls, r: review_ports.SubmittedResponse) -> ReviewResponse:
        return cls(
            answers=[
                ReviewAnswer(question_id=a.question_id, rating=a.rating, comment=a.comment)
                for a in r.answers
            ],
            submitted_at=r.submitted_at,
            updated_at=r.updated_at,
        )


@strawberry.type(
    description="A review you write: whom, in which role, and your response so far (null "
    "before you submit one)."
)
class MyReview:
    assignment_id: UUID = strawberry.field(description="Pass it to `submitReviewResponse`.")
    review_cycle_id: UUID
    reviewee_id: UUID
    role: ReviewRole = strawberry.field(description="The role you review them in.")
    response: ReviewResponse | None

    @classmethod
    def of(cls, r: review_responses.MyReview) -> MyReview:
        a = r.assignment
        return cls(
            assignment_id=a.id,
            review_cycle_id=a.review_cycle_id,
            reviewee_id=a.reviewee_id,
            role=a.role,
            response=ReviewResponse.of(r.response) if r.response is not None else None,
        )

    @field(description="The member you review.")
    async def reviewee(self, info: Info) -> Member:
        return await _member(info, self.reviewee_id)


# -- results ---------------------------------------------------------------------------------


@strawberry.type(description="A comment on a question, with nothing that says who wrote it.")
class ReviewComment:
    question_id: UUID
    text: str


@strawberry.type(description="One role's part of a reviewee's result.")
class ReviewRoleResult:
    role: ReviewRole
    assigned: int = strawberry.field(description="Reviewers asked in this role.")
    responses: int = strawberry.field(
        description="Responses received (peers' too when their part is withheld)."
    )
    rating: Decimal | None = strawberry.field(
        description="The mean over the role's reviewers of each one's mean rating, four "
        "decimal places; null when no one responded or the part is withheld."
    )
    weight: Decimal = strawberry.field(
        description="The role's share of the 360 rating, renormalised over the roles that "
        "count; 0 when it does not count."
    )
    withheld: bool = strawberry.field(
        description="Peers only: fewer peers responded than the review cycle's "
        "`peerAnonymityThreshold`, so their ratings and comments are left out of everything."
    )
    comments: list[ReviewComment] = strawberry.field(
        description="Ordered by question, then text: never by submission or by reviewer."
    )

    @classmethod
    def of(cls, r: domain_reviews.RoleResult, assigned: int) -> ReviewRoleResult:
        return cls(
            role=r.role,
            assigned=assigned,
            responses=r.responses,
            rating=r.rating,
            weight=r.weight,
            withheld=r.withheld,
            comments=[ReviewComment(question_id=c.question_id, text=c.text) for c in r.comments],
        )


@strawberry.type(
    description="The performance score out of 100 and how it is made up: "
    "okrShare x OKR score x 100 + reviewShare x (360 rating - 1) / 4 x 100, each part with "
    "two decimal places; `score` is exactly `okrPart + reviewPart`."
)
class PerformanceScore:
    score: Decimal = strawberry.field(description="0 to 100, two decimal places.")
    okr_part: Decimal | None = strawberry.field(
        description="The OKR part; null when the reviewee owns no objective in the cycle."
    )
    review_part: Decimal = strawberry.field(description="The 360 part.")
    okr_share: Decimal = strawberry.field(description="0.3; 0 without an OKR score.")
    review_share: Decimal = strawberry.field(description="0.7; 1 without an OKR score.")
    review_only: bool = strawberry.field(
        description="No OKR score: the score is the 360 part alone, renormalised."
    )

    @classmethod
    def of(cls, p: domain_reviews.PerformanceScore) -> PerformanceScore:
        return cls(
            score=p.score,
            okr_part=p.okr_part,
            review_part=p.review_part,
            okr_share=p.okr_share,
            review_share=p.review_share,
            review_only=p.review_only,
        )


@strawberry.type(
    description="A reviewee's published 360 result: per role, the 360 rating, their OKR "
    "score for the cycle and the performance score. No reviewer ids, no timestamps."
)
class ReviewResult:
    review_cycle_id: UUID
    reviewee: Member = strawberry.field(description="The member reviewed.")
    performance: PerformanceScore | None = strawberry.field(
        description="Null when no role counts (no 360 rating)."
    )
    rating_360: Decimal | None = strawberry.field(
        description="The weighted mean of the counted roles' ratings (weights renormalised "
        "over them), four decimal places; null when no role counts."
    )
    okr_score: Decimal | None = strawberry.field(
        description="The mean score of the objectives they own in the OKR cycle (and the "
        "cycles nested in it) as of publication, four decimal places; null for none."
    )
    peer_withheld: bool = strawberry.field(
        description="Too few peers responded: the peer part is left out of every figure."
    )
    roles: list[ReviewRoleResult] = strawberry.field(
        description="SELF, PEER, MANAGER, SKIP_LEVEL, each present."
    )

    @classmethod
    def of(cls, r: review_results.RevieweeResult) -> ReviewResult:
        result = r.result
        return cls(
            review_cycle_id=r.review_cycle_id,
            reviewee=Member.of(r.reviewee),
            performance=(
                PerformanceScore.of(result.performance) if result.performance is not None else None
            ),
            rating_360=result.rating_360,
            okr_score=result.okr_score,
            peer_withheld=result.peer_withheld,
            roles=[
                ReviewRoleResult.of(role, r.assigned.get(role.role, 0)) for role in result.roles
            ],
        )


# -- completion ------------------------------------------------------------------------------


@strawberry.type(description="Assignments made and answered.")
class ReviewCompletionCount:
    assigned: int
    done: int = strawberry.field(description="Of which answered.")


@strawberry.type(description="One role's assignments made and answered, across the cycle.")
class ReviewRoleCompletion:
    role: ReviewRole
    assigned: int
    done: int = strawberry.field(description="Of which answered.")


@strawberry.type(
    description="How far a review cycle has got, per role across the cycle; never per "
    "reviewer or per reviewee."
)
class ReviewCompletion:
    review_cycle_id: UUID
    phase: ReviewPhase
    reviewees: int = strawberry.field(description="Reviewees in the cycle.")
    total: ReviewCompletionCount = strawberry.field(description="Every role together.")
    roles: list[ReviewRoleCompletion] = strawberry.field(
        description="SELF, PEER, MANAGER, SKIP_LEVEL, zeros included."
    )

    @classmethod
    def of(cls, c: review_results.Completion) -> ReviewCompletion:
        total = c.total
        return cls(
            review_cycle_id=c.review_cycle.id,
            phase=c.review_cycle.phase,
            reviewees=c.reviewees,
            total=ReviewCompletionCount(assigned=total.assigned, done=total.done),
            # The port gives every role, zeros included; listed in ReviewRole order.
            roles=[
                ReviewRoleCompletion(
                    role=role, assigned=c.roles[role].assigned, done=c.roles[role].done
                )
                for role in ReviewRole
            ],
        )


# -- participants ----------------------------------------------------------------------------


@strawberry.type(
    description="How many reviewers a reviewee has per role (never who the peers are)."
)
class ReviewerCounts:
    self_: int = strawberry.field(name="self", description="1: the reviewee.")
    peer: int
    manager: int = strawberry.field(description="0 or 1, from the manager chain.")
    skip_level: int = strawberry.field(description="0 or 1, from the manager chain.")

    @classmethod
    def of(cls, counts: Mapping[ReviewRole, int]) -> ReviewerCounts:
        return cls(
            self_=counts.get(ReviewRole.SELF, 0),
            peer=counts.get(ReviewRole.PEER, 0),
            manager=counts.get(ReviewRole.MANAGER, 0),
            skip_level=counts.get(ReviewRole.SKIP_LEVEL, 0),
        )


@strawberry.type(description="A reviewee and how many reviewers they have per role.")
class ReviewParticipantCounts:
    reviewee_id: UUID
    reviewers: ReviewerCounts

    @classmethod
    def of(cls, p: reviews.Participant) -> ReviewParticipantCounts:
        return cls(reviewee_id=p.reviewee_id, reviewers=ReviewerCounts.of(p.reviewers))


@strawberry.type(description="Who was asked to review whom in which role (admins and HR only).")
class ReviewAssignment:
    id: UUID
    role: ReviewRole
    reviewer_id: UUID

    @field(description="The member asked to review.")
    async def reviewer(self, info: Info) -> Member:
        return await _member(info, self.reviewer_id)


@strawberry.type(
    description="A reviewee with every assignment (admins and HR only): who was asked, "
    "never who answered."
)
class ReviewParticipant:
    reviewee_id: UUID
    assignments: list[ReviewAssignment] = strawberry.field(description="Ordered by id.")
    peers_hidden: bool = strawberry.field(
        description="You are this reviewee or above them in the manager chain: their peer "
        "assignments are left out."
    )

    @classmethod
    def of(cls, p: reviews.ParticipantDetail) -> ReviewParticipant:
        return cls(
            reviewee_id=p.reviewee_id,
            peers_hidden=p.peers_hidden,
            assignments=[
                ReviewAssignment(id=a.id, role=a.role, reviewer_id=a.reviewer_id)
                for a in p.assignments
            ],
        )

    @field(description="The member reviewed.")
    async def reviewee(self, info: Info) -> Member:
        return await _member(info, self.reviewee_id)
