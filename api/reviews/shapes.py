"""The shapes of 360 reviews (360度评价): REST bodies and GraphQL types are these classes.

Review cycles (``ReviewCycleOut`` and its questions and weights), participants (their
reviewer counts and assignments), your reviews and responses, results and completion.
Most outputs are GraphQL's types under GraphQL's names (``ReviewQuestionOut`` is
``ReviewQuestion``); ``api.reviews.graphql`` subclasses the few with edges in the graph
(a review cycle's OKR cycle, a review's reviewee, an assignment's reviewer, a result's
member). The create bodies are GraphQL's inputs too, the PATCH body and the bodies REST
names a resource of in the path are the bases of GraphQL's. Each input converts itself to
the use case's input once, for both adapters.

Decimals are JSON strings in REST: ratings (1-5), role weights and OKR scores as the domain
quantizes them, to four places ("3.6250", "0.3000"); performance figures (0-100) to two
("63.91"). Inputs accept strings or numbers for decimals. A rating in an answer is a JSON
integer: ``4``, never ``4.0``, ``"4"`` or ``true``. Question texts and comments are checked
by the domain after stripping (bounds in ``domain.limits``); the shapes only state them.

Nothing here names who wrote a response: results carry counts, ratings and comments per
role, and only admins and HR see assignments (who was asked, never who answered).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID

import strawberry
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from strawberry import Maybe

# The enums as registered for GraphQL (named values, descriptions); REST reads them as is.
from api.graphql.enums import ReviewPhase, ReviewRole
from api.shapes import Input, Output, Patch
from domain.limits import (
    REVIEW_COMMENT_MAX_LENGTH,
    REVIEW_CYCLE_NAME_MAX_LENGTH,
    REVIEW_QUESTION_TEXT_MAX_LENGTH,
)
from domain.reviews import RATING_MAX, RATING_MIN, Answer, ReviewCycle, RoleWeights
from service import reviews
from service.review_ports import RoleCompletion
from service.review_responses import MyReview
from service.review_results import Completion, RevieweeResult

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_OTHER_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"
_NONE_YET = RoleCompletion(assigned=0, done=0)
_QUESTION_TEXT = f"At most {REVIEW_QUESTION_TEXT_MAX_LENGTH} characters."

Name = Annotated[str, Field(max_length=REVIEW_CYCLE_NAME_MAX_LENGTH)]


# -- review cycles ---------------------------------------------------------------------------


@strawberry.pydantic.input(
    name="ReviewWeightsInput",
    description="Role weights, all four (they must sum to 1). Errors name them as the "
    "organization's review settings do: weightSelf, weightPeer, weightManager, weightSkipLevel.",
)
class ReviewWeights(Input):
    """Role weights in the 360 rating; each from 0 to 1, together 1 (within 0.001)."""

    # REST reads and writes this one body (its schema forbids unknown fields both ways);
    # GraphQL's output type, described apart, is ``api.reviews.graphql.ReviewWeightsType``.
    self: Decimal = Field(examples=["0.10"], description="自评")
    peer: Decimal = Field(examples=["0.30"], description="互评")
    manager: Decimal = Field(examples=["0.40"], description="上级评")
    skip_level: Decimal = Field(examples=["0.20"], description="上上级评")

    @staticmethod
    def of(w: RoleWeights) -> dict[str, Decimal]:
        """The domain's weights under the names both adapters give them."""
        return {
            "self": w.weight_self,
            "peer": w.weight_peer,
            "manager": w.weight_manager,
            "skip_level": w.weight_skip_level,
        }

    def to_domain(self) -> RoleWeights:
        return RoleWeights(
            weight_self=self.self,
            weight_peer=self.peer,
            weight_manager=self.manager,
            weight_skip_level=self.skip_level,
        )


@strawberry.pydantic.input(
    name="ReviewQuestionInput", description="A question rated 1-5; the service gives it its id."
)
class ReviewQuestionIn(Input):
    text_zh: str = Field(examples=["本季度目标达成情况"], description=_QUESTION_TEXT)
    text_en: str = Field(
        examples=["How well did they deliver on this quarter's objectives?"],
        description=_QUESTION_TEXT,
    )
    comment_allowed: bool = Field(default=True, description="Whether answers may carry a comment.")

    def to_input(self) -> reviews.QuestionInput:
        return reviews.QuestionInput(**dict(self))


@strawberry.pydantic.type(
    name="ReviewQuestion",
    description="A question rated on the 1-5 scale, with an optional comment.",
)
class ReviewQuestionOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    text_zh: str = Field(examples=["本季度目标达成情况"], description="The question in Chinese.")
    text_en: str = Field(
        examples=["How well did they deliver on this quarter's objectives?"],
        description="The question in English.",
    )
    comment_allowed: bool = Field(description="Whether an answer may carry a comment.")
    scale_min: int = Field(examples=[RATING_MIN], description="The lowest rating (1).")
    scale_max: int = Field(examples=[RATING_MAX], description="The highest rating (5).")


class ReviewCycleOut(Output):
    id: UUID
    cycle_id: UUID = Field(examples=[_EXAMPLE_ID], description="The OKR cycle reviewed.")
    name: str = Field(examples=["2027 H1 360 review"])
    phase: ReviewPhase = Field(examples=["collecting"])
    questions: list[ReviewQuestionOut] = Field(description="What every reviewer answers.")
    weights: ReviewWeights
    peer_anonymity_threshold: int = Field(
        examples=[3],
        description="Peer ratings and comments are shown, and counted, only when at least this "
        "many peers responded.",
    )
    min_peers: int = Field(examples=[3], description="The fewest peers a reviewee has.")
    max_peers: int = Field(examples=[8], description="The most peers a reviewee has.")
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = Field(
        description="When results were published; OKR scores in them are read as of then."
    )

    @classmethod
    def of(cls, review_cycle: ReviewCycle) -> Self:  # type: ignore[override]
        """The review cycle's fields by name; its weights and peer bounds flattened as
        both adapters show them."""
        bounds = review_cycle.peer_bounds
        return cls.model_validate(
            {
                **vars(review_cycle),
                "weights": ReviewWeights.of(review_cycle.weights),
                "min_peers": bounds.min_peers,
                "max_peers": bounds.max_peers,
            },
            from_attributes=True,
        )


@strawberry.pydantic.input(
    name="CreateReviewCycleInput",
    description="A new review cycle, in draft, for an OKR cycle. Left out, the weights, the "
    "anonymity threshold and the peer bounds are the organization's review settings.",
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
    name: Name
    questions: list[ReviewQuestionIn] = Field(description="At least one; rated 1 to 5.")
    weights: ReviewWeights | None = Field(
        default=None, description="Default: the organization's review settings."
    )
    peer_anonymity_threshold: int | None = Field(
        default=None, description="1 to `max_peers`. Default: the organization's."
    )
    min_peers: int | None = Field(default=None, description="Default: the organization's.")
    max_peers: int | None = Field(default=None, description="Default: the organization's.")

    def to_new(self) -> reviews.NewReviewCycle:
        return reviews.NewReviewCycle(
            **{
                **dict(self),
                "questions": [q.to_input() for q in self.questions],
                "weights": self.weights.to_domain() if self.weights else None,
            }
        )


class ReviewCyclePatch(Patch):
    """JSON merge: send only what changes. Setup fields change in draft only."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phase": "collecting"}]}
    )
    name: Maybe[Name | None] = None
    questions: Maybe[list[ReviewQuestionIn] | None] = Field(
        default=None, description="Replaces every question (they get new ids)."
    )
    weights: Maybe[ReviewWeights | None] = None
    peer_anonymity_threshold: Maybe[int | None] = None
    min_peers: Maybe[int | None] = None
    max_peers: Maybe[int | None] = None
    phase: Maybe[ReviewPhase | None] = Field(
        default=None,
        description="One step forward: draft -> collecting -> closed -> published.",
    )

    def to_changes(self) -> reviews.ReviewCycleChanges:
        sent = self.sent()
        if "questions" in sent:
            sent["questions"] = [q.to_input() for q in sent["questions"]]
        if "weights" in sent:
            sent["weights"] = sent["weights"].to_domain()
        return reviews.ReviewCycleChanges(**sent)


# -- participants ----------------------------------------------------------------------------


class ParticipantsAdd(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reviewee_ids": [_EXAMPLE_ID]}]}
    )
    reviewee_ids: list[UUID] | None = Field(
        default=None,
        description="Omitted or null: every active member who owns an objective in the OKR cycle.",
    )


@strawberry.pydantic.type(
    name="ReviewerCounts",
    description="How many reviewers a reviewee has per role (never who the peers are).",
)
class ReviewerCounts(Output):
    """How many reviewers a reviewee has per role: counts only, never who."""

    self: int = Field(examples=[1], description="1: the reviewee.")
    peer: int = Field(examples=[5])
    manager: int = Field(examples=[1], description="0 or 1, from the manager chain.")
    skip_level: int = Field(examples=[1], description="0 or 1, from the manager chain.")

    @model_validator(mode="before")
    @classmethod
    def _by_role(cls, counts: Any) -> Any:
        # The use cases count by role, leaving out a role nobody reviews in.
        if isinstance(counts, Mapping) and all(isinstance(k, ReviewRole) for k in counts):
            return {role.value: counts.get(role, 0) for role in ReviewRole}
        return counts


@strawberry.pydantic.type(
    name="ReviewParticipantCounts",
    description="A reviewee and how many reviewers they have per role.",
)
class ParticipantOut(Output):
    reviewee_id: UUID = Field(examples=[_EXAMPLE_ID])
    reviewers: ReviewerCounts


@strawberry.pydantic.type(
    name="AddReviewParticipantsPayload", description="What adding reviewees did."
)
class EnrolmentOut(Output):
    added: list[ParticipantOut] = Field(
        description="The reviewees added, with their reviewers counted per role."
    )
    already_in: list[UUID] = Field(
        examples=[[_OTHER_ID]],
        description="Reviewees asked for who were already in (left as they were).",
    )
    needs_peers: list[UUID] = Field(
        examples=[[]],
        description="Reviewees added without peers: their team gives fewer than the minimum; "
        "nominate their peers before collecting.",
    )


class AssignmentOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    reviewer_id: UUID = Field(examples=[_OTHER_ID])
    role: ReviewRole = Field(examples=["peer"])


class ParticipantDetailOut(Output):
    reviewee_id: UUID = Field(examples=[_EXAMPLE_ID])
    assignments: list[AssignmentOut]
    peers_hidden: bool = Field(
        examples=[False],
        description="You are this reviewee or above them in the manager chain: their peer "
        "assignments are left out.",
    )


class PeerNomination(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"peer_ids": [_EXAMPLE_ID, _OTHER_ID]}]}
    )
    peer_ids: list[UUID] = Field(
        description="Replaces the reviewee's peers; `min_peers` to `max_peers` of them."
    )


# -- responses -------------------------------------------------------------------------------


@strawberry.pydantic.input(
    name="ReviewAnswerInput", description="One question's rating and optional comment."
)
class AnswerIn(Input):
    question_id: UUID = Field(examples=[_EXAMPLE_ID])
    # Strict: a JSON 4.0, "4" or true is not a rating.
    rating: int = Field(
        strict=True, ge=RATING_MIN, le=RATING_MAX, examples=[4], description="1 to 5."
    )
    comment: str | None = Field(
        default=None,
        examples=["Closed the two largest deals of the quarter."],
        description="Where the question allows one; at most "
        f"{REVIEW_COMMENT_MAX_LENGTH} characters.",
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

    def to_domain(self) -> list[Answer]:
        return [a.to_domain() for a in self.answers]


@strawberry.pydantic.type(name="ReviewAnswer", description="One question's rating and comment.")
class AnswerOut(Output):
    question_id: UUID = Field(examples=[_EXAMPLE_ID])
    rating: int = Field(examples=[4], description="1 to 5.")
    comment: str | None = Field(examples=["Closed the two largest deals of the quarter."])


@strawberry.pydantic.type(
    name="ReviewResponse", description="Your own response, as only you see it."
)
class ResponseOut(Output):
    """Your own response: only you see it, with its times."""

    answers: list[AnswerOut] = Field(description="In question order.")
    submitted_at: datetime = Field(description="Your first submission.")
    updated_at: datetime = Field(description="Your latest revision.")


class MyReviewOut(Output):
    assignment_id: UUID = Field(
        examples=[_EXAMPLE_ID], description="Pass it to `submitReviewResponse`."
    )
    review_cycle_id: UUID = Field(examples=[_OTHER_ID])
    reviewee_id: UUID = Field(examples=[_OTHER_ID])
    role: ReviewRole = Field(examples=["peer"], description="The role you review them in.")
    response: ResponseOut | None = Field(description="null until you submit.")

    @classmethod
    def of(cls, mine: MyReview) -> Self:  # type: ignore[override]
        """The assignment's fields under the names a reviewer knows them by, with the
        reviewer's own response."""
        a = mine.assignment
        return cls.model_validate(
            {
                "assignment_id": a.id,
                "review_cycle_id": a.review_cycle_id,
                "reviewee_id": a.reviewee_id,
                "role": a.role,
                "response": mine.response,
            },
            from_attributes=True,
        )


# -- results ---------------------------------------------------------------------------------


class RevieweeOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    name: str = Field(examples=["Li Wei"])
    email: str = Field(examples=["li.wei@example.com"])
    external_id: str | None = Field(examples=["HR-00042"], description="The HR system's id.")


class PerformanceOut(Output):
    """score = okr_part + review_part, each to two places. Without an OKR score the 360 part
    alone counts: `okr_part` null, `okr_share` 0, `review_share` 1, `review_only` true."""

    # REST has always shown the shares to two places ("0.30"), GraphQL as the domain keeps
    # them ("0.3"): its subclass sets no places.
    share_places: ClassVar[Decimal | None] = Decimal("0.01")

    score: Decimal = Field(examples=["63.91"], description="0 to 100, two decimal places.")
    okr_part: Decimal | None = Field(
        examples=["19.50"],
        description="The OKR part, okr_share x OKR score x 100; null when the reviewee owns no "
        "objective in the cycle.",
    )
    review_part: Decimal = Field(
        examples=["44.41"], description="The 360 part, review_share x (360 rating - 1) / 4 x 100."
    )
    okr_share: Decimal = Field(examples=["0.30"], description="0.3; 0 without an OKR score.")
    review_share: Decimal = Field(examples=["0.70"], description="0.7; 1 without an OKR score.")
    review_only: bool = Field(
        examples=[False], description="No OKR score: the score is the 360 part alone, renormalised."
    )

    @field_validator("okr_share", "review_share")
    @classmethod
    def _shown_places(cls, share: Decimal) -> Decimal:
        return share if cls.share_places is None else share.quantize(cls.share_places)


@strawberry.pydantic.type(
    name="ReviewComment",
    description="A comment on a question, with nothing that says who wrote it.",
)
class ReviewCommentOut(Output):
    """A comment, with nothing that says who wrote it or when."""

    question_id: UUID = Field(examples=[_EXAMPLE_ID])
    text: str = Field(examples=["Always first to help on a difficult deal."])


@strawberry.pydantic.type(
    name="ReviewRoleResult", description="One role's part of a reviewee's result."
)
class RoleResultOut(Output):
    role: ReviewRole = Field(examples=["peer"])
    assigned: int = Field(examples=[6], description="Reviewers asked in this role.")
    responses: int = Field(
        examples=[4], description="Responses received (peers' too when their part is withheld)."
    )
    rating: Decimal | None = Field(
        examples=["3.6250"],
        description="The mean over the role's reviewers of each one's mean rating, four decimal "
        "places; null when no one responded or the part is withheld.",
    )
    weight: Decimal = Field(
        examples=["0.3000"],
        description="The role's share of the 360 rating, renormalised over the roles that count; 0 "
        "when it does not count.",
    )
    withheld: bool = Field(
        examples=[False],
        description="Peers only: fewer peers responded than the review cycle's anonymity "
        "threshold, so their ratings and comments are left out of everything.",
    )
    comments: list[ReviewCommentOut] = Field(
        description="Ordered by question, then text: never by submission or by reviewer."
    )


class ReviewResultOut(Output):
    review_cycle_id: UUID = Field(examples=[_OTHER_ID])
    reviewee: RevieweeOut
    performance: PerformanceOut | None = Field(
        description="null when no role has a counted response."
    )
    rating_360: Decimal | None = Field(
        examples=["3.5375"],
        description="The weighted mean of the counted roles' ratings (weights renormalised over "
        "them), four decimal places; null when no role counts.",
    )
    okr_score: Decimal | None = Field(
        examples=["0.6500"],
        description="The mean score of the objectives they own in the OKR cycle (and the cycles "
        "nested in it) as of publication, four decimal places; null for none.",
    )
    peer_withheld: bool = Field(
        examples=[False],
        description="Too few peers responded: the peer part is left out of every figure.",
    )
    roles: list[RoleResultOut] = Field(
        description="Every role (self, peer, manager, skip level), each present."
    )

    @classmethod
    def of(cls, found: RevieweeResult) -> Self:  # type: ignore[override]
        """The reviewee's result with the member reviewed and, per role, how many reviewers
        were asked (the use case counts them beside the domain's result)."""
        result = found.result
        return cls.model_validate(
            {
                **vars(result),
                "review_cycle_id": found.review_cycle_id,
                "reviewee": found.reviewee,
                "roles": [
                    {**vars(role), "assigned": found.assigned.get(role.role, 0)}
                    for role in result.roles
                ],
            },
            from_attributes=True,
        )


# -- completion ------------------------------------------------------------------------------


@strawberry.pydantic.type(
    name="ReviewCompletionCount", description="Assignments made and answered."
)
class CompletionCount(Output):
    assigned: int = Field(examples=[36])
    done: int = Field(examples=[29], description="Of which answered.")


@strawberry.pydantic.type(
    name="ReviewRoleCompletion",
    description="One role's assignments made and answered, across the cycle.",
)
class RoleCompletionOut(Output):
    role: ReviewRole = Field(examples=["peer"])
    assigned: int = Field(examples=[24])
    done: int = Field(examples=[17], description="Of which answered.")


@strawberry.pydantic.type(
    name="ReviewCompletion",
    description="How far a review cycle has got, per role across the cycle; never per "
    "reviewer or per reviewee.",
)
class CompletionOut(Output):
    review_cycle_id: UUID = Field(examples=[_EXAMPLE_ID])
    phase: ReviewPhase = Field(examples=["collecting"])
    reviewees: int = Field(examples=[4], description="Reviewees in the cycle.")
    total: CompletionCount = Field(description="Every role together.")
    roles: list[RoleCompletionOut] = Field(
        description="Every role (self, peer, manager, skip level), zeros included."
    )

    @classmethod
    def of(cls, completion: Completion) -> Self:  # type: ignore[override]
        """The counts of the whole cycle and of every role, zeros included, in
        ``ReviewRole`` order."""
        return cls.model_validate(
            {
                "review_cycle_id": completion.review_cycle.id,
                "phase": completion.review_cycle.phase,
                "reviewees": completion.reviewees,
                "total": completion.total,
                "roles": [
                    {"role": role, **vars(completion.roles.get(role, _NONE_YET))}
                    for role in ReviewRole
                ],
            },
            from_attributes=True,
        )


# -- what GraphQL inputs add -----------------------------------------------------------------


class ReviewCycleRef(BaseModel):
    """The review cycle a GraphQL input names (REST names it in the path)."""

    review_cycle_id: UUID


class RevieweeRef(ReviewCycleRef):
    """The reviewee of a review cycle a GraphQL input names (REST: in the path)."""

    reviewee_id: UUID


class AssignmentRef(BaseModel):
    """The assignment a GraphQL input names (REST names it in the path)."""

    assignment_id: UUID
