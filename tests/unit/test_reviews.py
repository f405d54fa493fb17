"""Unit and property tests of domain/reviews.py: phases, setup rules, assignments from the
manager chain, responses, and results with peer anonymity (DOMAIN.md "360 reviews")."""

from __future__ import annotations

from decimal import Decimal
from itertools import product
from random import Random
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.organizations import ReviewSettings
from domain.reviews import (
    Answer,
    Assignment,
    Comment,
    PeerBounds,
    Question,
    Response,
    ReviewPhase,
    ReviewResult,
    ReviewRole,
    RoleWeights,
    assignments_for,
    default_peers,
    ensure_collecting,
    ensure_phase_move,
    ensure_setup_editable,
    performance_score,
    reviewee_result,
    validate_anonymity_threshold,
    validate_peer_bounds,
    validate_questions,
    validate_response,
    validate_role_weights,
)

SELF, PEER, MANAGER, SKIP = (
    ReviewRole.SELF,
    ReviewRole.PEER,
    ReviewRole.MANAGER,
    ReviewRole.SKIP_LEVEL,
)
DRAFT, COLLECTING, CLOSED, PUBLISHED = (
    ReviewPhase.DRAFT,
    ReviewPhase.COLLECTING,
    ReviewPhase.CLOSED,
    ReviewPhase.PUBLISHED,
)
WEIGHTS = RoleWeights()
BOUNDS = PeerBounds()
Q1 = Question(UUID(int=1), "目标是否清晰?", "Are the objectives clear?")
Q2 = Question(UUID(int=2), "是否主动协作?", "Does this person collaborate?")
QUESTIONS = (Q1, Q2)


def response(role: ReviewRole, r1: int, r2: int, c1: str | None = None) -> Response:
    return Response(role, (Answer(Q1.id, r1, c1), Answer(Q2.id, r2)))


def field_codes(error: RuleViolation) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


# --- phases ----------------------------------------------------------------------------------

ALLOWED = {(DRAFT, COLLECTING), (COLLECTING, CLOSED), (CLOSED, PUBLISHED)}


@pytest.mark.parametrize(("current", "new"), sorted(ALLOWED))
def test_each_forward_step_is_allowed(current: ReviewPhase, new: ReviewPhase) -> None:
    ensure_phase_move(current, new)


@pytest.mark.parametrize(
    ("current", "new"), [pair for pair in product(ReviewPhase, repeat=2) if pair not in ALLOWED]
)
def test_every_other_move_is_refused(current: ReviewPhase, new: ReviewPhase) -> None:
    with pytest.raises(RuleViolation) as caught:
        ensure_phase_move(current, new)
    assert caught.value.code == "invalid_phase_transition"


def test_setup_is_frozen_once_collecting() -> None:
    ensure_setup_editable(DRAFT)
    for phase in (COLLECTING, CLOSED, PUBLISHED):
        with pytest.raises(RuleViolation) as caught:
            ensure_setup_editable(phase)
        assert caught.value.code == "review_cycle_frozen"


def test_responses_are_accepted_only_while_collecting() -> None:
    ensure_collecting(COLLECTING)
    for phase in (DRAFT, CLOSED, PUBLISHED):
        with pytest.raises(RuleViolation) as caught:
            ensure_collecting(phase)
        assert caught.value.code == "review_not_collecting"


# --- weights, questions, bounds --------------------------------------------------------------


def test_default_weights_are_the_organization_defaults_and_valid() -> None:
    assert RoleWeights.from_settings(ReviewSettings()) == WEIGHTS
    assert validate_role_weights(WEIGHTS) is WEIGHTS
    assert [WEIGHTS.of(r) for r in ReviewRole] == [
        Decimal("0.10"),
        Decimal("0.30"),
        Decimal("0.40"),
        Decimal("0.20"),
    ]


def test_weights_within_the_tolerance_pass() -> None:
    thirds = RoleWeights(Decimal("0.3333"), Decimal("0.3333"), Decimal("0.3333"), Decimal(0))
    assert validate_role_weights(thirds) is thirds


def test_weights_that_do_not_sum_to_one_are_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_role_weights(RoleWeights(weight_skip_level=Decimal("0.21")))
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == {("weights", "weights_sum")}


@pytest.mark.parametrize("bad", [Decimal("-0.1"), Decimal("1.1"), Decimal("NaN")])
def test_a_weight_outside_zero_one_is_refused(bad: Decimal) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_role_weights(RoleWeights(weight_self=bad, weight_manager=Decimal(1)))
    assert field_codes(caught.value) == {("weight_self", "out_of_range")}


def test_questions_are_stripped_and_checked() -> None:
    assert validate_questions([Question(Q1.id, " 清晰 ", " clear ")]) == (
        Question(Q1.id, "清晰", "clear"),
    )
    with pytest.raises(RuleViolation) as caught:
        validate_questions(
            [Question(Q1.id, "  ", "ok"), Question(Q1.id, "好", "x" * 501, comment_allowed=False)]
        )
    assert field_codes(caught.value) == {
        ("questions[0].text_zh", "empty"),
        ("questions[1].id", "duplicate"),
        ("questions[1].text_en", "too_long"),
    }
    with pytest.raises(RuleViolation):
        validate_questions([])
    assert (Question.scale_min, Question.scale_max) == (1, 5)


def test_peer_bounds_and_threshold() -> None:
    assert PeerBounds.from_settings(ReviewSettings()) == BOUNDS == PeerBounds(3, 8)
    assert validate_peer_bounds(BOUNDS) is BOUNDS
    for bad in (PeerBounds(0, 8), PeerBounds(5, 4), PeerBounds(3, 51), PeerBounds(3, 2**40)):
        with pytest.raises(RuleViolation):
            validate_peer_bounds(bad)
    assert validate_peer_bounds(PeerBounds(50, 50)) == PeerBounds(50, 50)
    assert validate_anonymity_threshold(3, BOUNDS) == 3
    assert validate_anonymity_threshold(2, BOUNDS) == 2
    for threshold in (0, 1, 9):
        with pytest.raises(RuleViolation) as caught:
            validate_anonymity_threshold(threshold, BOUNDS)
        assert field_codes(caught.value) == {("peer_anonymity_threshold", "out_of_range")}


# --- assignments -----------------------------------------------------------------------------

REVIEWEE, MANAGER_ID, SKIP_ID, TOP = uuid4(), uuid4(), uuid4(), uuid4()
TEAM = [uuid4() for _ in range(6)]
CHAIN = {REVIEWEE: MANAGER_ID, MANAGER_ID: SKIP_ID, SKIP_ID: TOP, **dict.fromkeys(TEAM, MANAGER_ID)}


def test_assignments_come_from_the_chain_plus_peers() -> None:
    assert assignments_for(REVIEWEE, CHAIN.get, TEAM[:3], BOUNDS) == [
        Assignment(REVIEWEE, REVIEWEE, SELF),
        Assignment(REVIEWEE, MANAGER_ID, MANAGER),
        Assignment(REVIEWEE, SKIP_ID, SKIP),
        *(Assignment(REVIEWEE, p, PEER) for p in TEAM[:3]),
    ]


def test_missing_manager_or_skip_level_is_simply_absent() -> None:
    nobody: dict[UUID, UUID] = {}
    no_manager = assignments_for(REVIEWEE, nobody.get, TEAM[:3], BOUNDS)
    assert {a.role for a in no_manager} == {SELF, PEER}
    no_skip = assignments_for(REVIEWEE, {REVIEWEE: MANAGER_ID}.get, TEAM[:3], BOUNDS)
    assert {a.role for a in no_skip} == {SELF, PEER, MANAGER}


def test_a_looping_chain_never_makes_the_reviewee_or_manager_review_twice() -> None:
    loop = {REVIEWEE: MANAGER_ID, MANAGER_ID: REVIEWEE}
    assert {a.role for a in assignments_for(REVIEWEE, loop.get, TEAM[:3], BOUNDS)} == {
        SELF,
        MANAGER,
        PEER,
    }
    own_manager = {REVIEWEE: MANAGER_ID, MANAGER_ID: MANAGER_ID}
    roles = [a.role for a in assignments_for(REVIEWEE, own_manager.get, TEAM[:3], BOUNDS)]
    assert SKIP not in roles
    self_managed = {REVIEWEE: REVIEWEE}
    assert [a.role for a in assignments_for(REVIEWEE, self_managed.get, TEAM[:3], BOUNDS)] == [
        SELF,
        PEER,
        PEER,
        PEER,
    ]


@pytest.mark.parametrize("count", [0, 2, 9])
def test_a_peer_count_outside_the_bounds_is_refused(count: int) -> None:
    peers = [uuid4() for _ in range(count)]
    with pytest.raises(RuleViolation) as caught:
        assignments_for(REVIEWEE, CHAIN.get, peers, BOUNDS)
    assert caught.value.code == "peer_count"


def test_bad_peers_are_refused_each_by_name() -> None:
    peers = [REVIEWEE, SKIP_ID, TEAM[0], TEAM[0]]
    with pytest.raises(RuleViolation) as caught:
        assignments_for(REVIEWEE, CHAIN.get, peers, BOUNDS)
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == {
        ("peers[0]", "self_as_peer"),
        ("peers[1]", "already_reviewer"),
        ("peers[3]", "duplicate"),
    }


def test_default_peers_are_team_mates_outside_the_chain_up_to_the_maximum() -> None:
    team = [REVIEWEE, MANAGER_ID, *TEAM, TEAM[0], *(uuid4() for _ in range(4))]
    peers = default_peers(REVIEWEE, team, CHAIN.get, BOUNDS)
    assert peers == [*TEAM, *team[9:11]]
    assert len(assignments_for(REVIEWEE, CHAIN.get, peers, BOUNDS)) == 3 + 8


# --- responses -------------------------------------------------------------------------------


def test_a_valid_response_comes_back_in_question_order_with_comments_cleaned() -> None:
    given_response = Response(PEER, (Answer(Q2.id, 3, "  "), Answer(Q1.id, 5, " 很好 ")))
    assert validate_response(given_response, QUESTIONS) == Response(
        PEER, (Answer(Q1.id, 5, "很好"), Answer(Q2.id, 3, None))
    )


@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_ratings_outside_one_to_five_are_refused(rating: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_response(response(SELF, rating, 3), QUESTIONS)
    assert field_codes(caught.value) == {("answers[0].rating", "out_of_range")}


def test_incomplete_or_unknown_answers_are_refused() -> None:
    no_comment = Question(Q2.id, "z", "e", comment_allowed=False)
    answers = (Answer(Q1.id, 3), Answer(Q1.id, 4), Answer(uuid4(), 4), Answer(Q2.id, 2, "no"))
    with pytest.raises(RuleViolation) as caught:
        validate_response(Response(SELF, answers), (Q1, no_comment))
    assert field_codes(caught.value) == {
        ("answers[1].question_id", "duplicate"),
        ("answers[2].question_id", "invalid"),
        ("answers[3].comment", "not_allowed"),
    }
    with pytest.raises(RuleViolation) as missing:
        validate_response(Response(SELF, (Answer(Q1.id, 3),)), QUESTIONS)
    assert field_codes(missing.value) == {("answers", "required")}


# --- results: the worked example -------------------------------------------------------------
# A sales rep with a manager, a skip-level and six nominated peers; two questions.
#   self        (4, 5)                              -> 4.5
#   manager     (4, 3)                              -> 3.5
#   skip-level  (3, 3)                              -> 3.0
#   peers       (5, 4) (3, 4) (4, 4) (2, 3); 2 silent -> 4.5, 3.5, 4.0, 2.5 -> 14.5 / 4 = 3.625
#   360 = 0.1 x 4.5 + 0.3 x 3.625 + 0.4 x 3.5 + 0.2 x 3.0 = 0.45 + 1.0875 + 1.4 + 0.6 = 3.5375
#   OKR score 0.65: OKR part 0.3 x 0.65 x 100 = 19.50
#   360 part 0.7 x (3.5375 - 1) / 4 x 100 = 44.40625 -> 44.41; performance 63.91

OKR = Decimal("0.65")
SELF_R = [response(SELF, 4, 5, "我需要更多辅导")]
MANAGER_R = [response(MANAGER, 4, 3, "Pipeline reviews are thorough")]
SKIP_R = [response(SKIP, 3, 3)]
PEERS_R = [
    response(PEER, 5, 4, "Always shares leads"),
    response(PEER, 3, 4),
    response(PEER, 4, 4, "乐于助人"),
    response(PEER, 2, 3, "Answers late"),
]
FULL = {SELF: SELF_R, MANAGER: MANAGER_R, SKIP: SKIP_R, PEER: PEERS_R}


def result(
    responses: dict[ReviewRole, list[Response]], okr: Decimal | None = OKR, threshold: int = 3
) -> ReviewResult:
    return reviewee_result(responses, weights=WEIGHTS, threshold=threshold, okr_score=okr)


def test_worked_example() -> None:
    outcome = result(FULL)
    ratings = {r.role: r.rating for r in outcome.roles}
    assert ratings == {
        SELF: Decimal("4.5000"),
        PEER: Decimal("3.6250"),
        MANAGER: Decimal("3.5000"),
        SKIP: Decimal("3.0000"),
    }
    assert {r.role: r.responses for r in outcome.roles} == {SELF: 1, PEER: 4, MANAGER: 1, SKIP: 1}
    assert {r.role: r.weight for r in outcome.roles} == {
        SELF: Decimal("0.1000"),
        PEER: Decimal("0.3000"),
        MANAGER: Decimal("0.4000"),
        SKIP: Decimal("0.2000"),
    }
    assert not outcome.peer_withheld
    assert outcome.rating_360 == Decimal("3.5375")
    assert outcome.okr_score == Decimal("0.6500")
    assert outcome.performance is not None
    assert outcome.performance.okr_part == Decimal("19.50")
    assert outcome.performance.review_part == Decimal("44.41")
    assert outcome.performance.score == Decimal("63.91")
    assert (outcome.performance.okr_share, outcome.performance.review_share) == (
        Decimal("0.3"),
        Decimal("0.7"),
    )
    assert not outcome.performance.review_only
    # Peer comments are shown (four responded), sorted by text, not by submission.
    assert outcome.role(PEER).comments == (
        Comment(Q1.id, "Always shares leads"),
        Comment(Q1.id, "Answers late"),
        Comment(Q1.id, "乐于助人"),
    )
    assert outcome.role(MANAGER).comments == (Comment(Q1.id, "Pipeline reviews are thorough"),)


def test_below_the_threshold_the_peer_part_is_withheld_and_redistributed() -> None:
    # Two peers responded, threshold 3: self 0.1, manager 0.4, skip-level 0.2 over 0.7.
    # 360 = (0.45 + 1.4 + 0.6) / 0.7 = 3.5; 360 part 0.7 x 2.5 / 4 x 100 = 43.75.
    outcome = result({**FULL, PEER: PEERS_R[:2]})
    peer = outcome.role(PEER)
    assert outcome.peer_withheld
    assert (peer.withheld, peer.rating, peer.comments, peer.weight) == (
        True,
        None,
        (),
        Decimal("0.0000"),
    )
    assert peer.responses == 2
    assert {r.role: r.weight for r in outcome.roles if r.role is not PEER} == {
        SELF: Decimal("0.1429"),
        MANAGER: Decimal("0.5714"),
        SKIP: Decimal("0.2857"),
    }
    assert outcome.rating_360 == Decimal("3.5000")
    assert outcome.performance is not None
    assert outcome.performance.score == Decimal("63.25")
    # The subtraction attack finds nothing: every total equals the one without peers.
    without_peers = result({SELF: SELF_R, MANAGER: MANAGER_R, SKIP: SKIP_R})
    assert outcome.rating_360 == without_peers.rating_360
    assert outcome.performance == without_peers.performance


def test_missing_manager_renormalises_and_no_okr_score_means_the_360_part_alone() -> None:
    # self 0.1 and peers 0.3 over 0.4: (0.45 + 1.0875) / 0.4 = 3.84375 -> 3.8438 (half even);
    # performance without objectives: (3.8438 - 1) / 4 x 100 = 71.095 -> 71.10, flagged.
    outcome = result({SELF: SELF_R, PEER: PEERS_R}, okr=None)
    assert outcome.rating_360 == Decimal("3.8438")
    assert outcome.role(MANAGER).responses == 0
    assert outcome.role(MANAGER).rating is None
    assert (outcome.role(SELF).weight, outcome.role(PEER).weight) == (
        Decimal("0.2500"),
        Decimal("0.7500"),
    )
    assert outcome.okr_score is None
    assert outcome.performance is not None
    assert outcome.performance.score == Decimal("71.10")
    assert outcome.performance.okr_part is None
    assert outcome.performance.review_only


def test_no_counted_response_means_no_rating_and_no_performance_score() -> None:
    outcome = result({PEER: PEERS_R[:2]})
    assert outcome.rating_360 is None
    assert outcome.performance is None


def test_a_response_filed_under_the_wrong_role_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="another role"):
        result({MANAGER: SELF_R})


def test_performance_score_extremes() -> None:
    assert performance_score(Decimal(5), Decimal(1)).score == Decimal("100.00")
    assert performance_score(Decimal(1), Decimal(0)).score == Decimal("0.00")
    with pytest.raises(ValueError, match="outside"):
        performance_score(Decimal("5.5"), None)
    with pytest.raises(ValueError, match="outside"):
        performance_score(Decimal(3), Decimal("1.2"))


# --- properties ------------------------------------------------------------------------------

ratings = st.integers(min_value=1, max_value=5)
comments = st.none() | st.text(min_size=1, max_size=12)


@st.composite
def responses_of(draw: st.DrawFn, role: ReviewRole, max_size: int) -> list[Response]:
    pairs = draw(st.lists(st.tuples(ratings, ratings, comments), max_size=max_size))
    return [response(role, r1, r2, c) for r1, r2, c in pairs]


@st.composite
def all_responses(draw: st.DrawFn) -> dict[ReviewRole, list[Response]]:
    return {
        SELF: draw(responses_of(SELF, 1)),
        MANAGER: draw(responses_of(MANAGER, 1)),
        SKIP: draw(responses_of(SKIP, 1)),
        PEER: draw(responses_of(PEER, 8)),
    }


okr_scores = st.none() | st.decimals(min_value=0, max_value=1, places=4)
thresholds = st.integers(min_value=1, max_value=8)


@given(all_responses(), okr_scores, thresholds, st.randoms(use_true_random=False))
def test_shuffling_responses_changes_nothing(
    responses: dict[ReviewRole, list[Response]],
    okr: Decimal | None,
    threshold: int,
    rnd: Random,
) -> None:
    shuffled = {role: list(rs) for role, rs in responses.items()}
    for rs in shuffled.values():
        rnd.shuffle(rs)
    assert result(shuffled, okr, threshold) == result(responses, okr, threshold)


@given(all_responses(), okr_scores, thresholds)
def test_withheld_peers_leave_no_trace_in_any_figure(
    responses: dict[ReviewRole, list[Response]], okr: Decimal | None, threshold: int
) -> None:
    outcome = result(responses, okr, threshold)
    if not outcome.peer_withheld:
        return
    without = result({**responses, PEER: []}, okr, threshold)
    assert outcome.rating_360 == without.rating_360
    assert outcome.performance == without.performance
    assert [r for r in outcome.roles if r.role is not PEER] == [
        r for r in without.roles if r.role is not PEER
    ]
    peer = outcome.role(PEER)
    assert (peer.rating, peer.comments, peer.weight) == (None, (), Decimal(0))


@given(all_responses(), okr_scores, thresholds)
def test_figures_stay_on_their_scales(
    responses: dict[ReviewRole, list[Response]], okr: Decimal | None, threshold: int
) -> None:
    outcome = result(responses, okr, threshold)
    for role in outcome.roles:
        assert role.rating is None or Decimal(1) <= role.rating <= Decimal(5)
    if outcome.rating_360 is None:
        assert outcome.performance is None
        return
    assert Decimal(1) <= outcome.rating_360 <= Decimal(5)
    assert outcome.performance is not None
    assert Decimal(0) <= outcome.performance.score <= Decimal(100)
    parts = (outcome.performance.okr_part or Decimal(0)) + outcome.performance.review_part
    assert outcome.performance.score == parts
