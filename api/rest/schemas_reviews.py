"""Request and response bodies of 360 reviews (360度评价): review cycles, participants,
responses, results and completion. Inputs forbid unknown fields.

Decimals are JSON strings: ratings (1-5), role weights and OKR scores as the domain quantizes
them, to four places ("3.6250", "0.3000"); performance figures (0-100) to two ("63.91").
Inputs accept strings or numbers for decimals. A rating in an answer is a JSON integer:
``4``, never ``4.0``, ``"4"`` or ``true``.

Nothing here names who wrote a response: results carry counts, ratings and comments per
role, and only admins and HR see assignments (who was asked, never who answered).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input
from domain.reviews import (
    RATING_MAX,
    RATING_MIN,
    Answer,
    PerformanceScore,
    Question,
    ReviewCycle,
    ReviewPhase,
    ReviewRole,
    RoleResult,
    RoleWeights,
)
from service.review_ports import ReviewAssignment, RoleCompletion, SubmittedResponse
from service.review_responses import MyReview
from service.review_results import Completion, RevieweeResult
from service.reviews import Enrolment, Participant, ParticipantDetail, QuestionInput

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_OTHER_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"
_SHARE = Decimal("0.01")
_NONE_YET = RoleCompletion(assigned=0, done=0)


# -- review cycles ---------------------------------------------------------------------------


class ReviewWeights(Input):
    """Role weights in the 360 rating; each from 0 to 1, together 1 (within 0.001)."""

    self: Decimal = Field(examples=["0.10"], description="自评")
    peer: Decimal = Field(examples=["0.30"], description="互评")
    manager: Decimal = Field(examples=["0.40"], description="上级评")
    skip_level: Decimal = Field(examples=["0.20"], description="上上级评")

    @classmethod
    def of(cls, w: RoleWeights) -> ReviewWeights:
        return cls(
            self=w.weight_self,
            peer=w.weight_peer,
            manager=w.weight_manager,
            skip_level=w.weight_skip_level,
        )

    def to_domain(self) -> RoleWeights:
        return RoleWeights(
            weight_self=self.self,
            weight_peer=self.peer,
            weight_manager=self.manager,
            weight_skip_level=self.skip_level,
        )


class ReviewQuestionIn(Input):
    text_zh: str = Field(examples=["本季度目标达成情况"], description="At most 500 characters.")
    text_en: str = Field(
        examples=["How well did they deliver on this quarter's objectives?"],
        description="At most 500 characters.",
    )
    comment_allowed: bool = Field(default=True, description="Whether answers may carry a comment.")

    def to_input(self) -> QuestionInput:
        return QuestionInput(
            text_zh=self.text_zh, text_en=self.text_en, comment_allowed=self.comment_allowed
        )


class ReviewQuestionOut(BaseModel):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    text_zh: str = Field(examples=["本季度目标达成情况"])
    text_en: str = Field(examples=["How well did they deliver on this quarter's objectives?"])
    comment_allowed: bool
    scale_min: int = Field(examples=[RATING_MIN], description="The lowest rating.")
    scale_max: int = Field(examples=[RATING_MAX], description="The highest rating.")

    @classmethod
    def of(cls, q: Question) -> ReviewQuestionOut:
        return cls(
            id=q.id,
            text_zh=q.text_zh,
            text_en=q.text_en,
            comment_allowed=q.comment_allowed,
            scale_min=q.scale_min,
            scale_max=q.scale_max,
        )


class ReviewCycleOut(BaseModel):
    id: UUID
    cycle_id: UUID = Field(examples=[_EXAMPLE_ID], description="The OKR cycle reviewed.")
    name: str = Field(examples=["2027 H1 360 review"])
    phase: ReviewPhase = Field(examples=["collecting"])
    questions: list[ReviewQuestionOut]
    weights: ReviewWeights
    peer_anonymity_threshold: int = Field(
        examples=[3], description="Peer feedback shows only when at least this many responded."
    )
    min_peers: int = Field(examples=[3])
    max_peers: int = Field(examples=[8])
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = Field(
        description="When results were published; OKR scores in them are read as of then."
    )

    @classmethod
    def of(cls, rc: ReviewCycle) -> ReviewCycleOut:
        return cls(
            id=rc.id,
            cycle_id=rc.cycle_id,
            name=rc.name,
            phase=rc.phase,
            questions=[ReviewQuestionOut.of(q) for q in rc.questions],
            weights=ReviewWeights.of(rc.weights),
            peer_anonymity_threshold=rc.peer_anonymity_threshold,
            min_peers=rc.peer_bounds.min_peers,
            max_peers=rc.peer_bounds.max_peers,
            version=rc.version,
            created_at=rc.created_at,
            updated_at=rc.updated_at,
            published_at=rc.published_at,
        )


class ReviewCycleCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": _EXAMPLE_ID,
                    "name": "2027 H1 360 review",
                    "questions": [
                        {
                            "text_zh": "本季度目标达成情况",
                            "text_en": "How well did they deliver on this quarter's objectives?",
                        },
                        {
                            "text_zh": "跨团队协作情况",
                            "text_en": "How well do they work with other teams?",
                            "comment_allowed": True,
                        },
                    ],
                    "weights": {
                        "self": "0.10",
                        "peer": "0.30",
                        "manager": "0.40",
                        "skip_level": "0.20",
                    },
                    "peer_anonymity_threshold": 3,
                }
            ]
        },
    )
    cycle_id: UUID = Field(description="The OKR cycle reviewed.")
    name: str = Field(max_length=200)
    questions: list[ReviewQuestionIn] = Field(description="At least one; rated 1 to 5.")
    weights: ReviewWeights | None = Field(
        default=None, description="Default: the organization's review settings."
    )
    peer_anonymity_threshold: int | None = Field(
        default=None, description="1 to `max_peers`. Default: the organization's."
    )
    min_peers: int | None = Field(default=None, description="Default: the organization's.")
    max_peers: int | None = Field(default=None, description="Default: the organization's.")


class ReviewCyclePatch(Input):
    """JSON merge: send only what changes. Setup fields change in draft only."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phase": "collecting"}]}
    )
    name: str | None = Field(default=None, max_length=200)
    questions: list[ReviewQuestionIn] | None = Field(
        default=None, description="Replaces every question (they get new ids)."
    )
    weights: ReviewWeights | None = None
    peer_anonymity_threshold: int | None = None
    min_peers: int | None = None
    max_peers: int | None = None
    phase: ReviewPhase | None = Field(
        default=None, description="One step forward: draft -> collecting -> closed -> published."
    )


# -- participants ----------------------------------------------------------------------------


class ParticipantsAdd(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reviewee_ids": [_EXAMPLE_ID]}]}
    )
    reviewee_ids: list[UUID] | None = Field(
        default=None,
        description="Omitted or null: every active member who owns an objective in the OKR cycle.",
    )


class ReviewerCounts(BaseModel):
    """How many reviewers a reviewee has per role: counts only, never who."""

    self: int = Field(examples=[1])
    peer: int = Field(examples=[5])
    manager: int = Field(examples=[1])
    skip_level: int = Field(examples=[1])

    @classmethod
    def of(cls, counts: Mapping[ReviewRole, int]) -> ReviewerCounts:
        return cls(
            self=counts.get(ReviewRole.SELF, 0),
            peer=counts.get(ReviewRole.PEER, 0),
            manager=counts.get(ReviewRole.MANAGER, 0),
            skip_level=counts.get(ReviewRole.SKIP_LEVEL, 0),
        )


class ParticipantOut(BaseModel):
    reviewee_id: UUID = Field(examples=[_EXAMPLE_ID])
    reviewers: ReviewerCounts

    @classmethod
    def of(cls, p: Participant) -> ParticipantOut:
        return cls(reviewee_id=p.reviewee_id, reviewers=ReviewerCounts.of(p.reviewers))


class EnrolmentOut(BaseModel):
    added: list[ParticipantOut]
    already_in: list[UUID] = Field(
        examples=[[_OTHER_ID]], description="Reviewees already in the review cycle: unchanged."
    )
    needs_peers: list[UUID] = Field(
        examples=[[]],
        description="Added without peers: their team is too small. Nominate their peers "
        "before collecting.",
    )

    @classmethod
    def of(cls, e: Enrolment) -> EnrolmentOut:
        return cls(
            added=[ParticipantOut.of(p) for p in e.added],
            already_in=list(e.already_in),
            needs_peers=list(e.needs_peers),
        )


class AssignmentOut(BaseModel):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    reviewer_id: UUID = Field(examples=[_OTHER_ID])
    role: ReviewRole = Field(examples=["peer"])

    @classmethod
    def of(cls, a: ReviewAssignment) -> AssignmentOut:
        return cls(id=a.id, reviewer_id=a.reviewer_id, role=a.role)


class ParticipantDetailOut(BaseModel):
    reviewee_id: UUID = Field(examples=[_EXAMPLE_ID])
    assignments: list[AssignmentOut]
    peers_hidden: bool = Field(
        examples=[False],
        description="The reviewee is you or below you in the manager chain: their peer "
        "assignments are left out.",
    )

    @classmethod
    def of(cls, p: ParticipantDetail) -> ParticipantDetailOut:
        return cls(
            reviewee_id=p.reviewee_id,
            assignments=[AssignmentOut.of(a) for a in p.assignments],
            peers_hidden=p.peers_hidden,
        )


class PeerNomination(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"peer_ids": [_EXAMPLE_ID, _OTHER_ID]}]}
    )
    peer_ids: list[UUID] = Field(
        description="Replaces the reviewee's peers; `min_peers` to `max_peers` of them."
    )


# -- responses -------------------------------------------------------------------------------


class AnswerIn(Input):
    question_id: UUID = Field(examples=[_EXAMPLE_ID])
    # Strict: a JSON 4.0, "4" or true is not a rating.
    rating: int = Field(strict=True, ge=RATING_MIN, le=RATING_MAX, examples=[4])
    comment: str | None = Field(
        default=None,
        examples=["Closed the two largest deals of the quarter."],
        description="Where the question allows one; at most 2000 characters.",
    )

    def to_domain(self) -> Answer:
        return Answer(question_id=self.question_id, rating=self.rating, comment=self.comment)


class ResponseIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answers": [
                        {
                            "question_id": _EXAMPLE_ID,
                            "rating": 4,
                            "comment": "Closed the two largest deals of the quarter.",
                        }
                    ]
                }
            ]
        },
    )
    answers: list[AnswerIn] = Field(description="Every question of the cycle, once each.")


class AnswerOut(BaseModel):
    question_id: UUID = Field(examples=[_EXAMPLE_ID])
    rating: int = Field(examples=[4])
    comment: str | None = Field(examples=["Closed the two largest deals of the quarter."])

    @classmethod
    def of(cls, a: Answer) -> AnswerOut:
        return cls(question_id=a.question_id, rating=a.rating, comment=a.comment)


class ResponseOut(BaseModel):
    """Your own response: only you see it, with its times."""

    answers: list[AnswerOut]
    submitted_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: SubmittedResponse) -> ResponseOut:
        return cls(
            answers=[AnswerOut.of(a) for a in r.answers],
            submitted_at=r.submitted_at,
            updated_at=r.updated_at,
        )


class MyReviewOut(BaseModel):
    assignment_id: UUID = Field(examples=[_EXAMPLE_ID])
    review_cycle_id: UUID = Field(examples=[_OTHER_ID])
    reviewee_id: UUID = Field(examples=[_OTHER_ID])
    role: ReviewRole = Field(examples=["peer"], description="The role you review them in.")
    response: ResponseOut | None = Field(description="null until you submit.")

    @classmethod
    def of(cls, m: MyReview) -> MyReviewOut:
        a = m.assignment
        return cls(
            assignment_id=a.id,
            review_cycle_id=a.review_cycle_id,
            reviewee_id=a.reviewee_id,
            role=a.role,
            response=ResponseOut.of(m.response) if m.response else None,
        )


# -- results ---------------------------------------------------------------------------------


class RevieweeOut(BaseModel):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    name: str = Field(examples=["Li Wei"])
    email: str = Field(examples=["li.wei@example.com"])
    external_id: str | None = Field(examples=["HR-00042"], description="The HR system's id.")


class PerformanceOut(BaseModel):
    """score = okr_part + review_part, each to two places. Without an OKR score the 360 part
    alone counts: `okr_part` null, `okr_share` 0, `review_share` 1, `review_only` true."""

    score: Decimal = Field(examples=["63.91"], description="0 to 100.")
    okr_part: Decimal | None = Field(examples=["19.50"], description="okr_share x OKR score x 100")
    review_part: Decimal = Field(
        examples=["44.41"], description="review_share x (360 rating - 1) / 4 x 100"
    )
    okr_share: Decimal = Field(examples=["0.30"])
    review_share: Decimal = Field(examples=["0.70"])
    review_only: bool = Field(examples=[False])

    @classmethod
    def of(cls, p: PerformanceScore) -> PerformanceOut:
        return cls(
            score=p.score,
            okr_part=p.okr_part,
            review_part=p.review_part,
            okr_share=p.okr_share.quantize(_SHARE),
            review_share=p.review_share.quantize(_SHARE),
            review_only=p.review_only,
        )


class ReviewCommentOut(BaseModel):
    """A comment, with nothing that says who wrote it or when."""

    question_id: UUID = Field(examples=[_EXAMPLE_ID])
    text: str = Field(examples=["Always first to help on a difficult deal."])


class RoleResultOut(BaseModel):
    role: ReviewRole = Field(examples=["peer"])
    assigned: int = Field(examples=[6], description="Reviewers asked in this role.")
    responses: int = Field(examples=[4], description="Responses received in this role.")
    rating: Decimal | None = Field(
        examples=["3.6250"],
        description="Mean over the role's reviewers of each one's mean rating; null when "
        "nobody responded or the part is withheld.",
    )
    weight: Decimal = Field(
        examples=["0.3000"], description="Share in the 360 rating after renormalisation."
    )
    withheld: bool = Field(
        examples=[False],
        description="Peers only: fewer responded than the anonymity threshold, so their "
        "rating and comments are left out of everything.",
    )
    comments: list[ReviewCommentOut] = Field(description="Ordered by question, then text.")

    @classmethod
    def of(cls, r: RoleResult, assigned: int) -> RoleResultOut:
        return cls(
            role=r.role,
            assigned=assigned,
            responses=r.responses,
            rating=r.rating,
            weight=r.weight,
            withheld=r.withheld,
            comments=[ReviewCommentOut(question_id=c.question_id, text=c.text) for c in r.comments],
        )


class ReviewResultOut(BaseModel):
    review_cycle_id: UUID = Field(examples=[_OTHER_ID])
    reviewee: RevieweeOut
    performance: PerformanceOut | None = Field(
        description="null when no role has a counted response."
    )
    rating_360: Decimal | None = Field(
        examples=["3.5375"], description="Weighted mean of the counted roles' ratings."
    )
    okr_score: Decimal | None = Field(
        examples=["0.6500"],
        description="Mean score of the objectives the reviewee owns in the OKR cycle, as of "
        "publication; null when they own none.",
    )
    peer_withheld: bool = Field(examples=[False])
    roles: list[RoleResultOut] = Field(description="self, peer, manager, skip_level.")

    @classmethod
    def of(cls, r: RevieweeResult) -> ReviewResultOut:
        m, result = r.reviewee, r.result
        return cls(
            review_cycle_id=r.review_cycle_id,
            reviewee=RevieweeOut(id=m.id, name=m.name, email=m.email, external_id=m.external_id),
            performance=PerformanceOut.of(result.performance) if result.performance else None,
            rating_360=result.rating_360,
            okr_score=result.okr_score,
            peer_withheld=result.peer_withheld,
            roles=[RoleResultOut.of(role, r.assigned.get(role.role, 0)) for role in result.roles],
        )


# -- completion ------------------------------------------------------------------------------


class CompletionCount(BaseModel):
    assigned: int = Field(examples=[36])
    done: int = Field(examples=[29])


class RoleCompletionOut(BaseModel):
    role: ReviewRole = Field(examples=["peer"])
    assigned: int = Field(examples=[24])
    done: int = Field(examples=[17])


class CompletionOut(BaseModel):
    review_cycle_id: UUID = Field(examples=[_EXAMPLE_ID])
    phase: ReviewPhase = Field(examples=["collecting"])
    reviewees: int = Field(examples=[4])
    total: CompletionCount
    roles: list[RoleCompletionOut] = Field(description="self, peer, manager, skip_level.")

    @classmethod
    def of(cls, c: Completion) -> CompletionOut:
        total = c.total
        return cls(
            review_cycle_id=c.review_cycle.id,
            phase=c.review_cycle.phase,
            reviewees=c.reviewees,
            total=CompletionCount(assigned=total.assigned, done=total.done),
            roles=[
                RoleCompletionOut(role=role, assigned=count.assigned, done=count.done)
                for role in ReviewRole
                for count in [c.roles.get(role, _NONE_YET)]
            ],
        )
