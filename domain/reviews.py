"""360 reviews (360度评价): review cycles, assignments, responses and results.

DOMAIN.md "360 reviews". A review cycle is tied to an OKR cycle; each reviewee is reviewed by
themself (自评), peers (互评), their manager (上级评) and their manager's manager (上上级评).

Figures follow domain/scoring.py: ratings on the 1-5 scale and weights are ``Decimal``s
quantized to four places by :func:`domain.scoring.quantize`. The performance score (0-100) is
quantized to two places: the same resolution as four places on a 0-1 scale, and what an HR
system expects of a score out of 100. Each figure is computed from the quantized figures one
level below it, so anyone can recompute a result from what it shows.

Anonymity is decided here and nowhere else: peer ratings and comments count only when at
least ``threshold`` peers responded; below it the peer part is withheld from every figure,
so no total can be taken apart to recover it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.limits import REVIEW_COMMENT_MAX_LENGTH, REVIEW_QUESTION_TEXT_MAX_LENGTH
from domain.organizations import ReviewSettings
from domain.scoring import quantize, weighted_mean

RATING_MIN = 1
RATING_MAX = 5
# A 360 review asks a handful of peers (the field uses 3 to 8); fifty bounds any setup that
# is still a peer review rather than a survey.
PEERS_LIMIT = 50
ANONYMITY_THRESHOLD_MIN = 2

# Role weights are stored as typed-in decimals (0.10, 0.30, ...); a tolerance lets thirds
# (0.3333 x 3) through. The 360 rating renormalises over the counted weights anyway.
WEIGHT_SUM_TOLERANCE = Decimal("0.001")

# Performance score = OKR_SHARE x OKR score x 100 + REVIEW_SHARE x (360 rating - 1) / 4 x 100
# (DOMAIN.md: "weakly linked" to OKRs, article 004).
OKR_SHARE = Decimal("0.3")
REVIEW_SHARE = Decimal("0.7")

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_POINTS = Decimal("0.01")


class ReviewRole(StrEnum):
    """Who reviews: the reviewee (自评), a peer (互评), the manager (上级评), the skip-level
    (上上级评). Declaration order is the order results list the roles in."""

    SELF = "self"
    PEER = "peer"
    MANAGER = "manager"
    SKIP_LEVEL = "skip_level"


class ReviewPhase(StrEnum):
    """draft -> collecting -> closed -> published; forward only."""

    DRAFT = "draft"
    COLLECTING = "collecting"
    CLOSED = "closed"
    PUBLISHED = "published"


# Forward only. Reopening a closed cycle would let late responses arrive after someone saw
# the counts, and unpublishing cannot take back what reviewees have read.
_NEXT_PHASES: dict[ReviewPhase, frozenset[ReviewPhase]] = {
    ReviewPhase.DRAFT: frozenset({ReviewPhase.COLLECTING}),
    ReviewPhase.COLLECTING: frozenset({ReviewPhase.CLOSED}),
    ReviewPhase.CLOSED: frozenset({ReviewPhase.PUBLISHED}),
    ReviewPhase.PUBLISHED: frozenset[ReviewPhase](),
}


def ensure_phase_move(current: ReviewPhase, new: ReviewPhase) -> None:
    """Allow only draft -> collecting -> closed -> published, one step at a time.

    Anything else, staying put included, is refused with ``invalid_phase_transition``.
    """
    if new not in _NEXT_PHASES[current]:
        raise RuleViolation(
            f"a review cycle cannot go from {current} to {new}",
            code="invalid_phase_transition",
            errors=[FieldError("phase", f"cannot go from {current} to {new}", "invalid")],
        )


def ensure_setup_editable(phase: ReviewPhase) -> None:
    """Questions, weights, threshold and peer bounds change only in draft.

    Once collecting they are frozen: a response answers the questions it was given, and
    changing the weights midway would change what earlier responses count for.
    Refused with ``review_cycle_frozen``.
    """
    if phase is not ReviewPhase.DRAFT:
        raise RuleViolation(
            f"the review cycle is {phase}: its questions and weights are frozen",
            code="review_cycle_frozen",
        )


def ensure_collecting(phase: ReviewPhase) -> None:
    """Responses are accepted only while collecting (``review_not_collecting``)."""
    if phase is not ReviewPhase.COLLECTING:
        raise RuleViolation(
            f"the review cycle is {phase}: it does not accept responses",
            code="review_not_collecting",
        )


def _refuse(detail: str, errors: Sequence[FieldError]) -> None:
    raise RuleViolation(detail, code="validation_failed", errors=errors)


# --- setup: weights, questions, peer bounds ---------------------------------------------------


@dataclass(frozen=True)
class RoleWeights:
    """How much each role counts in the 360 rating. Field names and defaults are those of
    :class:`domain.organizations.ReviewSettings`, which a new review cycle starts from."""

    weight_self: Decimal = Decimal("0.10")
    weight_peer: Decimal = Decimal("0.30")
    weight_manager: Decimal = Decimal("0.40")
    weight_skip_level: Decimal = Decimal("0.20")

    @classmethod
    def from_settings(cls, settings: ReviewSettings) -> RoleWeights:
        return cls(
            weight_self=settings.weight_self,
            weight_peer=settings.weight_peer,
            weight_manager=settings.weight_manager,
            weight_skip_level=settings.weight_skip_level,
        )

    def of(self, role: ReviewRole) -> Decimal:
        return {
            ReviewRole.SELF: self.weight_self,
            ReviewRole.PEER: self.weight_peer,
            ReviewRole.MANAGER: self.weight_manager,
            ReviewRole.SKIP_LEVEL: self.weight_skip_level,
        }[role]


def validate_role_weights(weights: RoleWeights) -> RoleWeights:
    """Each weight is a number in [0, 1] and together they sum to 1 (within
    ``WEIGHT_SUM_TOLERANCE``); otherwise ``validation_failed`` naming every bad field."""
    errors: list[FieldError] = []
    values = {
        "weight_self": weights.weight_self,
        "weight_peer": weights.weight_peer,
        "weight_manager": weights.weight_manager,
        "weight_skip_level": weights.weight_skip_level,
    }
    for name, value in values.items():
        if not value.is_finite() or not _ZERO <= value <= _ONE:
            errors.append(FieldError(name, "must be between 0 and 1", "out_of_range"))
    if not errors and abs(sum(values.values(), _ZERO) - _ONE) > WEIGHT_SUM_TOLERANCE:
        errors.append(FieldError("weights", "role weights must sum to 1", "weights_sum"))
    if errors:
        _refuse("invalid role weights", errors)
    return weights


@dataclass(frozen=True)
class Question:
    """A question rated on the fixed 1-5 scale, with an optional free-text comment."""

    scale_min: ClassVar[int] = RATING_MIN
    scale_max: ClassVar[int] = RATING_MAX

    id: UUID
    text_zh: str
    text_en: str
    comment_allowed: bool = True


def validate_questions(questions: Sequence[Question]) -> tuple[Question, ...]:
    """At least one question; ids unique; both texts non-blank and at most
    ``REVIEW_QUESTION_TEXT_MAX_LENGTH`` characters. Returns the questions with their texts
    stripped."""
    errors: list[FieldError] = []
    if not questions:
        errors.append(FieldError("questions", "a review cycle needs a question", "required"))
    seen: set[UUID] = set()
    cleaned: list[Question] = []
    for index, question in enumerate(questions):
        path = f"questions[{index}]"
        if question.id in seen:
            errors.append(FieldError(f"{path}.id", "appears twice", "duplicate"))
        seen.add(question.id)
        text_zh, text_en = question.text_zh.strip(), question.text_en.strip()
        for name, text in (("text_zh", text_zh), ("text_en", text_en)):
            if not text:
                errors.append(FieldError(f"{path}.{name}", "must not be empty", "empty"))
            elif len(text) > REVIEW_QUESTION_TEXT_MAX_LENGTH:
                errors.append(
                    FieldError(
                        f"{path}.{name}",
                        f"at most {REVIEW_QUESTION_TEXT_MAX_LENGTH} characters",
                        "too_long",
                    )
                )
        cleaned.append(replace(question, text_zh=text_zh, text_en=text_en))
    if errors:
        _refuse("invalid questions", errors)
    return tuple(cleaned)


@dataclass(frozen=True)
class PeerBounds:
    """How many peers a reviewee has (default 3 to 8, as ``ReviewSettings``)."""

    min_peers: int = 3
    max_peers: int = 8

    @classmethod
    def from_settings(cls, settings: ReviewSettings) -> PeerBounds:
        return cls(min_peers=settings.min_peers, max_peers=settings.max_peers)


def validate_peer_bounds(bounds: PeerBounds) -> PeerBounds:
    """``1 <= min_peers <= max_peers <= PEERS_LIMIT``; otherwise ``validation_failed``."""
    if bounds.max_peers > PEERS_LIMIT:
        _refuse(
            "invalid peer bounds",
            [FieldError("max_peers", f"at most {PEERS_LIMIT}", "out_of_range")],
        )
    if not 1 <= bounds.min_peers <= bounds.max_peers:
        _refuse(
            "invalid peer bounds",
            [FieldError("min_peers", "need 1 <= min_peers <= max_peers", "invalid_bounds")],
        )
    return bounds


def validate_anonymity_threshold(threshold: int, bounds: PeerBounds) -> int:
    """The peer anonymity threshold is at least ``ANONYMITY_THRESHOLD_MIN`` (at 1 a single
    peer's answers would show as they are, to a reviewee who may know who their peers are)
    and at most ``max_peers``: above it peer feedback could never be shown, which is a
    misconfiguration rather than a choice."""
    if not ANONYMITY_THRESHOLD_MIN <= threshold <= bounds.max_peers:
        _refuse(
            "invalid peer anonymity threshold",
            [
                FieldError(
                    "peer_anonymity_threshold",
                    f"need {ANONYMITY_THRESHOLD_MIN} <= threshold <= max_peers "
                    f"({bounds.max_peers})",
                    "out_of_range",
                )
            ],
        )
    return threshold


@dataclass(frozen=True, kw_only=True)
class ReviewCycle:
    """A 360 review cycle (360度评价周期), tied to one OKR cycle (``cycle_id``)."""

    id: UUID
    organization_id: UUID
    cycle_id: UUID
    name: str
    phase: ReviewPhase
    questions: tuple[Question, ...]
    weights: RoleWeights
    peer_anonymity_threshold: int
    peer_bounds: PeerBounds
    version: int
    created_at: datetime
    updated_at: datetime
    # Set when it moves to published, with each reviewee's OKR score computed then: what
    # HR pulls does not drift with later check-ins, target edits or archiving.
    published_at: datetime | None = None
    okr_scores: tuple[tuple[UUID, Decimal | None], ...] = ()

    def okr_score_of(self, reviewee_id: UUID) -> Decimal | None:
        """The reviewee's OKR score as fixed at publication (``None``: none)."""
        return dict(self.okr_scores).get(reviewee_id)


# --- assignments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """``reviewer_id`` reviews ``reviewee_id`` in ``role``."""

    reviewee_id: UUID
    reviewer_id: UUID
    role: ReviewRole


def chain_reviewers(
    reviewee_id: UUID, manager_of: Callable[[UUID], UUID | None]
) -> dict[ReviewRole, UUID]:
    """The reviewee's manager and skip-level from the manager chain, when they exist.

    A role is absent when the chain has no one there, or when the person there already
    holds another role for this reviewee: the reviewee themself (a loop in stored data) or,
    for the skip-level, the manager. One person, one role: otherwise their voice would count
    twice.
    """
    reviewers: dict[ReviewRole, UUID] = {}
    manager = manager_of(reviewee_id)
    if manager is None or manager == reviewee_id:
        return reviewers
    reviewers[ReviewRole.MANAGER] = manager
    skip_level = manager_of(manager)
    if skip_level is not None and skip_level not in {reviewee_id, manager}:
        reviewers[ReviewRole.SKIP_LEVEL] = skip_level
    return reviewers


def default_peers(
    reviewee_id: UUID,
    team: Sequence[UUID],
    manager_of: Callable[[UUID], UUID | None],
    bounds: PeerBounds,
) -> list[UUID]:
    """Peers when none are nominated: the reviewee's team mates, in ``team`` order, without
    the reviewee, their manager and skip-level (who review in their own roles) and without
    repeats, at most ``max_peers`` of them. Fewer than ``min_peers`` is left for
    :func:`assignments_for` to refuse: a small team needs nominated peers."""
    taken = {reviewee_id, *chain_reviewers(reviewee_id, manager_of).values()}
    peers: list[UUID] = []
    for member_id in team:
        if member_id in taken:
            continue
        taken.add(member_id)
        peers.append(member_id)
        if len(peers) == bounds.max_peers:
            break
    return peers


def assignments_for(
    reviewee_id: UUID,
    manager_of: Callable[[UUID], UUID | None],
    peers: Sequence[UUID],
    bounds: PeerBounds,
) -> list[Assignment]:
    """Every assignment for one reviewee: self, manager and skip-level (when the chain has
    them, see :func:`chain_reviewers`), then the peers in the order given.

    The peers are refused with ``peer_count`` when their number is outside ``bounds``, and
    with ``validation_failed`` when one is the reviewee, is named twice, or already reviews
    in the manager or skip-level role (one person, one role per reviewee; the chain role
    wins because it is attributed and structural, a nomination is not). No reviewer appears
    twice in the result.
    """
    chain = chain_reviewers(reviewee_id, manager_of)
    if not bounds.min_peers <= len(peers) <= bounds.max_peers:
        raise RuleViolation(
            f"a reviewee needs {bounds.min_peers} to {bounds.max_peers} peers, not {len(peers)}",
            code="peer_count",
            errors=[
                FieldError(
                    "peers",
                    f"need {bounds.min_peers} to {bounds.max_peers} peers",
                    "peer_count",
                )
            ],
            extra={"min_peers": bounds.min_peers, "max_peers": bounds.max_peers},
        )
    chain_roles = {reviewer: role for role, reviewer in chain.items()}
    errors: list[FieldError] = []
    seen: set[UUID] = set()
    for index, peer in enumerate(peers):
        path = f"peers[{index}]"
        if peer == reviewee_id:
            errors.append(FieldError(path, "a reviewee cannot be their own peer", "self_as_peer"))
        elif peer in chain_roles:
            errors.append(
                FieldError(path, f"already reviews as {chain_roles[peer]}", "already_reviewer")
            )
        elif peer in seen:
            errors.append(FieldError(path, "named twice", "duplicate"))
        seen.add(peer)
    if errors:
        _refuse("invalid peers", errors)
    assignments = [Assignment(reviewee_id, reviewee_id, ReviewRole.SELF)]
    assignments.extend(Assignment(reviewee_id, reviewer, role) for role, reviewer in chain.items())
    assignments.extend(Assignment(reviewee_id, peer, ReviewRole.PEER) for peer in peers)
    return assignments


# --- responses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One question's rating (an integer from 1 to 5) and optional comment."""

    question_id: UUID
    rating: int
    comment: str | None = None


@dataclass(frozen=True)
class Response:
    """What one reviewer answered, in the role of their assignment.

    It carries no reviewer id and no timestamp on purpose: results are computed from
    responses, so nothing that identifies a peer can reach them.
    """

    role: ReviewRole
    answers: tuple[Answer, ...]


def validate_response(response: Response, questions: Sequence[Question]) -> Response:
    """A response answers every question of the cycle exactly once, each with an integer
    rating from 1 to 5; a comment only where the question allows one, at most
    ``REVIEW_COMMENT_MAX_LENGTH`` characters. Complete responses keep role ratings comparable across
    reviewers. Returns the response with answers in question order and comments stripped
    (a blank comment becomes ``None``); otherwise ``validation_failed``.

    Error messages name the field, never another response, so they reveal nothing about
    other reviewers.
    """
    by_id = {q.id: q for q in questions}
    errors: list[FieldError] = []
    answered: dict[UUID, Answer] = {}
    for index, answer in enumerate(response.answers):
        path = f"answers[{index}]"
        question = by_id.get(answer.question_id)
        if question is None:
            errors.append(FieldError(f"{path}.question_id", "not a question of this cycle"))
            continue
        if answer.question_id in answered:
            errors.append(FieldError(f"{path}.question_id", "answered twice", "duplicate"))
            continue
        # bool is an int: True must not pass as a rating of 1.
        if (
            not isinstance(answer.rating, int)
            or isinstance(answer.rating, bool)
            or not RATING_MIN <= answer.rating <= RATING_MAX
        ):
            errors.append(
                FieldError(
                    f"{path}.rating",
                    f"must be an integer from {RATING_MIN} to {RATING_MAX}",
                    "out_of_range",
                )
            )
        comment = (answer.comment or "").strip() or None
        if comment is not None and not question.comment_allowed:
            errors.append(
                FieldError(f"{path}.comment", "this question takes no comment", "not_allowed")
            )
        elif comment is not None and len(comment) > REVIEW_COMMENT_MAX_LENGTH:
            errors.append(
                FieldError(
                    f"{path}.comment", f"at most {REVIEW_COMMENT_MAX_LENGTH} characters", "too_long"
                )
            )
        answered[answer.question_id] = replace(answer, comment=comment)
    missing = [q for q in questions if q.id not in answered]
    if missing:
        errors.extend(
            FieldError("answers", f"question {q.id} is not answered", "required") for q in missing
        )
    if errors:
        _refuse("invalid response", errors)
    return replace(response, answers=tuple(answered[q.id] for q in questions))


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """A comment on a question, with nothing that says who wrote it or when."""

    question_id: UUID
    text: str


@dataclass(frozen=True)
class RoleResult:
    """One role's part of a reviewee's result.

    ``responses`` counts the responses received (peers included when withheld: the count
    says nothing about who said what). ``rating`` is the mean over the role's reviewers of
    each reviewer's mean rating; ``None`` when no one responded or the part is withheld.
    ``weight`` is the role's share of the 360 rating after renormalisation over the counted
    roles (0 when not counted). ``comments`` are ordered by question id, then text: never
    by submission, and never grouped by reviewer.
    """

    role: ReviewRole
    responses: int
    rating: Decimal | None
    weight: Decimal
    withheld: bool
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class PerformanceScore:
    """The performance score out of 100 and how it is made up (HR systems pull both).

    ``score == okr_part + review_part`` exactly: the parts are quantized to two places
    first and the score is their sum. With an OKR score, ``okr_share`` is 0.3 and
    ``review_share`` 0.7. Without one (the reviewee owns no objectives in the cycle) the
    score is the 360 part alone renormalised: ``okr_part`` is ``None``, ``okr_share`` 0,
    ``review_share`` 1 and ``review_only`` True, the flag DOMAIN.md asks for.
    """

    score: Decimal
    okr_part: Decimal | None
    review_part: Decimal
    okr_share: Decimal
    review_share: Decimal
    review_only: bool


@dataclass(frozen=True)
class ReviewResult:
    """A reviewee's result. ``roles`` lists every role in ``ReviewRole`` order.

    ``rating_360`` is the weighted mean of the counted role ratings (weights renormalised
    over them); ``None`` when no role counts. ``performance`` is ``None`` when there is no
    360 rating: a review with no counted responses scores no one, and an OKR score alone
    would turn the 360 review into an OKR grade.
    """

    roles: tuple[RoleResult, ...]
    peer_withheld: bool
    rating_360: Decimal | None
    okr_score: Decimal | None
    performance: PerformanceScore | None

    def role(self, role: ReviewRole) -> RoleResult:
        return next(r for r in self.roles if r.role is role)


def _points(value: Decimal) -> Decimal:
    return value.quantize(_POINTS, rounding=ROUND_HALF_EVEN)


def _mean(values: Iterable[Decimal]) -> Decimal:
    collected = list(values)
    return sum(collected, _ZERO) / len(collected)


def performance_score(rating_360: Decimal, okr_score: Decimal | None) -> PerformanceScore:
    """0.3 x OKR score x 100 + 0.7 x (360 rating - 1) / 4 x 100, each part quantized to two
    places; ``(360 rating - 1) / 4 x 100`` alone when there is no OKR score.

    ``rating_360`` lies in [1, 5] and ``okr_score`` in [0, 1]; anything else is a
    programming error (``ValueError``), as the figures come from this module and scoring.
    """
    if not Decimal(RATING_MIN) <= rating_360 <= Decimal(RATING_MAX):
        raise ValueError(f"360 rating {rating_360} outside {RATING_MIN}-{RATING_MAX}")
    review_fraction = (rating_360 - RATING_MIN) / (RATING_MAX - RATING_MIN)
    if okr_score is None:
        review_part = _points(review_fraction * _HUNDRED)
        return PerformanceScore(
            score=review_part,
            okr_part=None,
            review_part=review_part,
            okr_share=_ZERO,
            review_share=_ONE,
            review_only=True,
        )
    if not _ZERO <= okr_score <= _ONE:
        raise ValueError(f"OKR score {okr_score} outside 0-1")
    okr_part = _points(OKR_SHARE * okr_score * _HUNDRED)
    review_part = _points(REVIEW_SHARE * review_fraction * _HUNDRED)
    return PerformanceScore(
        score=okr_part + review_part,
        okr_part=okr_part,
        review_part=review_part,
        okr_share=OKR_SHARE,
        review_share=REVIEW_SHARE,
        review_only=False,
    )


def reviewee_result(
    responses_by_role: Mapping[ReviewRole, Sequence[Response]],
    *,
    weights: RoleWeights,
    threshold: int,
    okr_score: Decimal | None,
) -> ReviewResult:
    """A reviewee's result from their (validated) responses, grouped by role.

    - A role's rating: each reviewer's mean rating, then the mean over its reviewers.
    - Peers count only when at least ``threshold`` responded. Below it the peer part is
      withheld: no rating, no comments, weight 0, and the result is exactly the one
      computed with no peer responses at all (apart from the peer count and the
      ``peer_withheld`` flag), so nothing can be recovered by subtraction.
    - The 360 rating: the weighted mean of the counted role ratings, the weights
      renormalised over the roles that count (a missing manager or skip-level, or a role
      with no responses, simply drops out).
    - The performance score: :func:`performance_score`, or ``None`` without a 360 rating.

    The result depends only on the multiset of responses per role, never on their order.
    ``ValueError`` when a response sits under another role's key or ``threshold < 1``.
    """
    if threshold < 1:
        raise ValueError(f"anonymity threshold {threshold} is below 1")
    for role, responses in responses_by_role.items():
        if any(r.role is not role for r in responses):
            raise ValueError(f"a response under {role} was given in another role")

    peer_count = len(responses_by_role.get(ReviewRole.PEER, ()))
    peer_withheld = 0 < peer_count < threshold
    rated: dict[ReviewRole, Decimal] = {}
    comments: dict[ReviewRole, tuple[Comment, ...]] = {}
    for role in ReviewRole:
        responses = responses_by_role.get(role, ())
        if not responses or (role is ReviewRole.PEER and peer_withheld):
            continue
        rated[role] = quantize(
            _mean(_mean(Decimal(a.rating) for a in r.answers) for r in responses)
        )
        comments[role] = tuple(
            sorted(
                (
                    Comment(a.question_id, a.comment)
                    for r in responses
                    for a in r.answers
                    if a.comment
                ),
                key=lambda c: (c.question_id, c.text),
            )
        )

    counted = {role: weights.of(role) for role in rated if weights.of(role) > _ZERO}
    total_weight = sum(counted.values(), _ZERO)
    rating_360 = weighted_mean((rated[role], weight) for role, weight in counted.items())
    roles = tuple(
        RoleResult(
            role=role,
            responses=len(responses_by_role.get(role, ())),
            rating=rated.get(role),
            weight=quantize(counted[role] / total_weight) if role in counted else quantize(_ZERO),
            withheld=role is ReviewRole.PEER and peer_withheld,
            comments=comments.get(role, ()),
        )
        for role in ReviewRole
    )
    shown_okr_score = None if okr_score is None else quantize(okr_score)
    return ReviewResult(
        roles=roles,
        peer_withheld=peer_withheld,
        rating_360=rating_360,
        okr_score=shown_okr_score,
        performance=None if rating_360 is None else performance_score(rating_360, shown_okr_score),
    )
