"""Use cases of 360 reviews: setup and phases, participants from the
manager chain and the team, nominations, responses, published results with the OKR score
of the cycle, completion, and who may read what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind
from domain.errors import Forbidden, NotFound, RuleViolation, StaleVersion
from domain.members import Member, Role
from domain.okrs import ObjectiveStatus
from domain.reviews import Answer, ReviewCycle, ReviewPhase, ReviewResult, ReviewRole, RoleWeights
from domain.units import UnitKind
from service.auth import Principal, Scope
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.cycles import NewCycle, create_cycle
from service.key_results import (
    KeyResultChanges,
    NewKeyResult,
    create_key_result,
    update_key_result,
)
from service.members import MemberChanges, update_member
from service.objectives import NewObjective, ObjectiveChanges, create_objective, update_objective
from service.okr_ports import Viewer
from service.pagination import PageRequest
from service.review_ports import ReviewCycleFilter
from service.review_responses import get_my_review, my_reviews, submit_response
from service.review_results import review_completion, review_result, review_results
from service.reviews import (
    NewReviewCycle,
    QuestionInput,
    ReviewCycleChanges,
    add_participants,
    create_review_cycle,
    list_participants,
    nominate_peers,
    remove_participant,
    update_review_cycle,
)
from service.units import NewUnit, add_unit_member, create_unit
from tests.service.harness import FixedClock, Tenant, hire, principal_of

MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)
QUESTIONS = (
    QuestionInput("目标达成如何?", "How well were the goals met?"),
    QuestionInput("协作如何?", "How was the collaboration?"),
)


@dataclass(frozen=True)
class Team:
    acme: Tenant
    q2: Cycle
    sara: Member  # skip-level
    mia: Member  # manager, reports to Sara
    rae: Member  # the reviewee, reports to Mia
    peers: tuple[Member, ...]  # six, report to Mia, in Rae's team
    hr: Member

    def principal(self, member: Member) -> Principal:
        return principal_of(member)


async def _team(deps: Deps, acme: Tenant, clock: FixedClock) -> Team:
    clock.current = MID_Q2
    sara = await hire(deps, acme, "Sara", roles=frozenset({Role.MANAGER}))
    mia = await hire(deps, acme, "Mia", roles=frozenset({Role.MANAGER}), manager_id=sara.id)
    rae = await hire(deps, acme, "Rae", manager_id=mia.id)
    peers = tuple([await hire(deps, acme, f"Peer {i}", manager_id=mia.id) for i in range(1, 7)])
    hr = await hire(deps, acme, "Hana", roles=frozenset({Role.HR}))
    company = await create_unit(deps, acme.admin, NewUnit(UnitKind.COMPANY, "Acme"))
    deals = await create_unit(
        deps, acme.admin, NewUnit(UnitKind.TEAM, "Deals", company.id, lead_id=mia.id)
    )
    for member in (rae, *peers):
        await add_unit_member(deps, acme.admin, deals.id, member.id)
    q2 = await create_cycle(
        deps, acme.admin, NewCycle("Q2", CycleKind.QUARTER, date(2026, 4, 1), date(2026, 6, 30))
    )
    return Team(acme, q2, sara, mia, rae, peers, hr)


async def _okr(deps: Deps, t: Team, owner: Member, value: str) -> UUID:
    """An objective of ``owner`` with one KR from 0 to 100 checked in at ``value``."""
    view = await create_objective(
        deps,
        principal_of(owner),
        NewObjective(cycle_id=t.q2.id, title="Grow revenue", status=ObjectiveStatus.ACTIVE),
    )
    kr = await create_key_result(
        deps,
        principal_of(owner),
        view.objective.id,
        NewKeyResult(title="Revenue", owner_id=owner.id, start=Decimal(0), target=Decimal(100)),
    )
    await check_in(deps, principal_of(owner), kr.key_result.id, NewCheckIn(value=Decimal(value)))
    return kr.key_result.id


async def _review_cycle(deps: Deps, t: Team, **overrides: object) -> ReviewCycle:
    data = NewReviewCycle(cycle_id=t.q2.id, name="Q2 360", questions=QUESTIONS)
    return await create_review_cycle(
        deps, principal_of(t.hr), data.__class__(**{**data.__dict__, **overrides})
    )


async def _move(deps: Deps, t: Team, rc: ReviewCycle, *phases: ReviewPhase) -> ReviewCycle:
    for phase in phases:
        rc = await update_review_cycle(deps, t.acme.admin, rc.id, ReviewCycleChanges(phase=phase))
    return rc


async def _answer(
    deps: Deps, rc: ReviewCycle, reviewer: Member, reviewee: Member, *ratings: int
) -> None:
    (mine,) = [
        r
        for r in await my_reviews(deps, principal_of(reviewer), rc.id)
        if r.assignment.reviewee_id == reviewee.id
    ]
    answers = [
        Answer(q.id, rating, f"{reviewer.name} on {i}")
        for i, (q, rating) in enumerate(zip(rc.questions, ratings, strict=True))
    ]
    await submit_response(deps, principal_of(reviewer), mine.assignment.id, answers)


async def _worked_example(deps: Deps, t: Team, clock: FixedClock) -> tuple[ReviewCycle, UUID]:
    """DOMAIN.md's figures: self 4.5, peers 3.625 (4 of 6), manager 3.5, skip-level 3.0, and
    an OKR score of 0.65. Returns the published review cycle and Rae's KR."""
    kr_id = await _okr(deps, t, t.rae, "65")
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    await _answer(deps, rc, t.rae, t.rae, 5, 4)
    for peer, ratings in zip(t.peers, ((4, 4), (3, 4), (4, 3), (3, 4)), strict=False):
        await _answer(deps, rc, peer, t.rae, *ratings)
    await _answer(deps, rc, t.mia, t.rae, 3, 4)
    await _answer(deps, rc, t.sara, t.rae, 3, 3)
    clock.current = MID_Q2 + timedelta(days=30)
    return await _move(deps, t, rc, ReviewPhase.CLOSED, ReviewPhase.PUBLISHED), kr_id


# -- the whole cycle ------------------------------------------------------------------------


async def test_a_whole_review_cycle_gives_the_figures_computed_by_hand(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc, _ = await _worked_example(deps, t, clock)
    assert rc.published_at == MID_Q2 + timedelta(days=30)

    found = await review_result(deps, principal_of(t.rae), rc.id, t.rae.id)

    r = found.result
    ratings = {role.role: (role.rating, role.weight, role.responses) for role in r.roles}
    assert ratings == {
        ReviewRole.SELF: (Decimal("4.5000"), Decimal("0.1000"), 1),
        ReviewRole.PEER: (Decimal("3.6250"), Decimal("0.3000"), 4),
        ReviewRole.MANAGER: (Decimal("3.5000"), Decimal("0.4000"), 1),
        ReviewRole.SKIP_LEVEL: (Decimal("3.0000"), Decimal("0.2000"), 1),
    }
    assert found.assigned == {
        ReviewRole.SELF: 1,
        ReviewRole.PEER: 6,
        ReviewRole.MANAGER: 1,
        ReviewRole.SKIP_LEVEL: 1,
    }
    assert r.rating_360 == Decimal("3.5375")
    assert r.okr_score == Decimal("0.6500")
    assert r.performance is not None
    assert (r.performance.okr_part, r.performance.review_part, r.performance.score) == (
        Decimal("19.50"),
        Decimal("44.41"),
        Decimal("63.91"),
    )
    # The manager chain and HR read the same figures.
    for reader in (t.mia, t.sara, t.hr):
        assert (await review_result(deps, principal_of(reader), rc.id, t.rae.id)) == found
    export = await review_results(deps, t.acme.service(Scope.REVIEWS_EXPORT), rc.id, PageRequest())
    assert list(export.items) == [found]


async def test_the_okr_score_is_fixed_at_publication(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc, kr_id = await _worked_example(deps, t, clock)
    before = await review_result(deps, principal_of(t.hr), rc.id, t.rae.id)
    clock.current += timedelta(days=1)
    await check_in(deps, principal_of(t.rae), kr_id, NewCheckIn(value=Decimal(100)))
    await update_key_result(deps, acme.admin, kr_id, KeyResultChanges(target=Decimal(1000)))
    async with deps.uow() as uow:
        kr = await uow.key_results.get(acme.id, kr_id)
    assert kr is not None
    await update_objective(
        deps, acme.admin, kr.objective_id, ObjectiveChanges(status=ObjectiveStatus.ARCHIVED)
    )

    after = await review_result(deps, principal_of(t.hr), rc.id, t.rae.id)

    assert after == before
    assert after.result.okr_score == Decimal("0.6500")


# -- setup and phases -----------------------------------------------------------------------


async def test_a_review_cycle_starts_in_draft_with_the_organizations_settings(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)

    rc = await _review_cycle(deps, t)

    assert (rc.phase, rc.version, rc.published_at) == (ReviewPhase.DRAFT, 1, None)
    assert rc.weights == RoleWeights()
    assert (rc.peer_anonymity_threshold, rc.peer_bounds.min_peers, rc.peer_bounds.max_peers) == (
        3,
        3,
        8,
    )
    assert [(q.text_zh, q.text_en) for q in rc.questions] == [
        (q.text_zh, q.text_en) for q in QUESTIONS
    ]
    assert len({q.id for q in rc.questions}) == 2


async def test_a_bad_setup_is_refused_with_every_field_named_and_nothing_saved(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    bad = RoleWeights(Decimal("0.5"), Decimal("0.5"), Decimal("0.5"), Decimal(0))

    with pytest.raises(RuleViolation) as refused:
        await _review_cycle(
            deps, t, questions=(QuestionInput(" ", "ok"),), weights=bad, min_peers=9, max_peers=4
        )

    assert refused.value.code == "validation_failed"
    assert {e.field for e in refused.value.errors} == {
        "questions[0].text_zh",
        "weights",
        "min_peers",
    }
    async with deps.uow() as uow:
        assert (
            await uow.review_cycles.list(acme.id, ReviewCycleFilter(), PageRequest())
        ).items == []


async def test_only_admins_and_hr_run_review_cycles(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    data = NewReviewCycle(cycle_id=t.q2.id, name="Q2 360", questions=QUESTIONS)
    for outsider in (principal_of(t.mia), acme.service(Scope.REVIEWS_EXPORT, Scope.ORG_READ)):
        with pytest.raises(Forbidden):
            await create_review_cycle(deps, outsider, data)
    rc = await create_review_cycle(deps, acme.admin, data)
    with pytest.raises(Forbidden):
        await add_participants(deps, principal_of(t.mia), rc.id, [t.rae.id])


async def test_an_unknown_okr_cycle_is_refused(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    t = await _team(deps, acme, clock)
    with pytest.raises(RuleViolation) as refused:
        await _review_cycle(deps, t, cycle_id=UUID(int=1))
    assert refused.value.code == "unknown_reference"


async def test_phases_move_forward_one_step_and_setup_freezes_once_collecting(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    with pytest.raises(RuleViolation) as refused:
        await _move(deps, t, rc, ReviewPhase.CLOSED)
    assert refused.value.code == "invalid_phase_transition"
    with pytest.raises(RuleViolation) as refused:
        await _move(deps, t, rc, ReviewPhase.COLLECTING)
    assert refused.value.code == "no_participants"

    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)

    for changes in (
        ReviewCycleChanges(questions=QUESTIONS[:1]),
        ReviewCycleChanges(weights=RoleWeights()),
        ReviewCycleChanges(peer_anonymity_threshold=5),
        ReviewCycleChanges(min_peers=4),
    ):
        with pytest.raises(RuleViolation) as refused:
            await update_review_cycle(deps, acme.admin, rc.id, changes)
        assert refused.value.code == "review_cycle_frozen"
    with pytest.raises(RuleViolation) as refused:
        await add_participants(deps, principal_of(t.hr), rc.id, [t.mia.id])
    assert refused.value.code == "review_cycle_frozen"
    renamed = await update_review_cycle(deps, acme.admin, rc.id, ReviewCycleChanges(name="H1"))
    assert (renamed.name, renamed.version) == ("H1", rc.version + 1)
    with pytest.raises(StaleVersion):
        await update_review_cycle(
            deps, acme.admin, rc.id, ReviewCycleChanges(name="x"), expected_version=rc.version
        )
    published = await _move(deps, t, renamed, ReviewPhase.CLOSED, ReviewPhase.PUBLISHED)
    with pytest.raises(RuleViolation) as refused:
        await _move(deps, t, published, ReviewPhase.COLLECTING)
    assert refused.value.code == "invalid_phase_transition"


async def test_draft_setup_changes_keep_the_threshold_within_the_peer_bounds(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    with pytest.raises(RuleViolation) as refused:
        await update_review_cycle(deps, acme.admin, rc.id, ReviewCycleChanges(max_peers=2))
    assert {e.field for e in refused.value.errors} == {"min_peers"}
    changed = await update_review_cycle(
        deps, acme.admin, rc.id, ReviewCycleChanges(peer_anonymity_threshold=5, max_peers=6)
    )
    assert (changed.peer_anonymity_threshold, changed.peer_bounds.max_peers) == (5, 6)
    same = await update_review_cycle(deps, acme.admin, rc.id, ReviewCycleChanges(max_peers=6))
    assert same.version == changed.version


# -- participants and nominations ---------------------------------------------------------


async def test_participants_default_to_members_with_objectives_and_team_peers(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    await _okr(deps, t, t.rae, "10")
    await _okr(deps, t, t.mia, "10")
    await _okr(deps, t, t.peers[0], "10")
    rc = await _review_cycle(deps, t)

    enrolment = await add_participants(deps, principal_of(t.hr), rc.id)

    counts = {p.reviewee_id: dict(p.reviewers) for p in enrolment.added}
    assert set(counts) == {t.rae.id, t.mia.id, t.peers[0].id}
    assert counts[t.rae.id] == {
        ReviewRole.SELF: 1,
        ReviewRole.PEER: 6,
        ReviewRole.MANAGER: 1,
        ReviewRole.SKIP_LEVEL: 1,
    }
    # Mia is in no unit with team mates: no default peers, and Sara has no manager.
    assert counts[t.mia.id] == {
        ReviewRole.SELF: 1,
        ReviewRole.PEER: 0,
        ReviewRole.MANAGER: 1,
        ReviewRole.SKIP_LEVEL: 0,
    }
    assert enrolment.needs_peers == [t.mia.id]
    page = await list_participants(deps, principal_of(t.hr), rc.id, PageRequest())
    rae = next(p for p in page.items if p.reviewee_id == t.rae.id)
    reviewers = {a.reviewer_id: a.role for a in rae.assignments}
    assert reviewers == {
        t.rae.id: ReviewRole.SELF,
        t.mia.id: ReviewRole.MANAGER,
        t.sara.id: ReviewRole.SKIP_LEVEL,
        **{p.id: ReviewRole.PEER for p in t.peers},
    }
    again = await add_participants(deps, principal_of(t.hr), rc.id)
    assert (again.added, sorted(again.already_in)) == ([], sorted(counts))
    with pytest.raises(RuleViolation) as refused:
        await _move(deps, t, rc, ReviewPhase.COLLECTING)
    assert refused.value.code == "peer_count"
    assert refused.value.extra == {"reviewee_ids": [str(t.mia.id)]}


async def test_the_reviewee_or_their_manager_nominate_peers_and_see_only_counts(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    chosen = [p.id for p in t.peers[:3]]

    for nominator in (t.rae, t.mia, t.sara, t.hr):
        counts = await nominate_peers(deps, principal_of(nominator), rc.id, t.rae.id, chosen)
        assert dict(counts.reviewers)[ReviewRole.PEER] == 3

    page = await list_participants(deps, principal_of(t.hr), rc.id, PageRequest())
    (rae,) = page.items
    assert sorted(a.reviewer_id for a in rae.assignments if a.role is ReviewRole.PEER) == sorted(
        chosen
    )
    # A peer of Rae is not above her: told she is not found, as for a stranger.
    with pytest.raises(NotFound) as stranger:
        await nominate_peers(deps, principal_of(t.peers[4]), rc.id, t.rae.id, chosen)
    with pytest.raises(NotFound) as absent:
        await nominate_peers(deps, acme.admin, rc.id, t.peers[4].id, chosen)
    assert str(stranger.value) == str(absent.value)
    for nominator in (t.rae, t.mia):
        with pytest.raises(Forbidden):
            await list_participants(deps, principal_of(nominator), rc.id, PageRequest())


async def test_nominations_are_checked_against_the_bounds_and_roles(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    p = [m.id for m in t.peers]
    cases = {
        "peer_count": p[:2],
        "validation_failed": [p[0], p[1], t.mia.id],
    }
    for code, peers in cases.items():
        with pytest.raises(RuleViolation) as refused:
            await nominate_peers(deps, principal_of(t.rae), rc.id, t.rae.id, peers)
        assert refused.value.code == code
    with pytest.raises(RuleViolation) as refused:
        await nominate_peers(deps, principal_of(t.rae), rc.id, t.rae.id, [*p[:2], UUID(int=5)])
    assert refused.value.code == "unknown_reference"
    page = await list_participants(deps, principal_of(t.hr), rc.id, PageRequest())
    assert sum(a.role is ReviewRole.PEER for a in page.items[0].assignments) == 6  # unchanged


async def test_a_participant_is_removed_in_draft_only(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id, t.peers[0].id])
    await remove_participant(deps, principal_of(t.hr), rc.id, t.peers[0].id)
    with pytest.raises(NotFound):
        await remove_participant(deps, principal_of(t.hr), rc.id, t.peers[0].id)
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    with pytest.raises(RuleViolation) as refused:
        await remove_participant(deps, principal_of(t.hr), rc.id, t.rae.id)
    assert refused.value.code == "review_cycle_frozen"


# -- responses ----------------------------------------------------------------------------


async def test_reviewers_see_their_reviews_once_collecting_and_revise_until_close(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    assert await my_reviews(deps, principal_of(t.mia), rc.id) == []  # draft: nothing yet
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)

    (mine,) = await my_reviews(deps, principal_of(t.mia), rc.id)
    assert (mine.assignment.reviewee_id, mine.assignment.role, mine.response) == (
        t.rae.id,
        ReviewRole.MANAGER,
        None,
    )
    q1, q2 = rc.questions
    first = await submit_response(
        deps, principal_of(t.mia), mine.assignment.id, [Answer(q1.id, 3), Answer(q2.id, 4)]
    )
    clock.current += timedelta(hours=1)
    revised = await submit_response(
        deps, principal_of(t.mia), mine.assignment.id, [Answer(q2.id, 5), Answer(q1.id, 2, " ok ")]
    )
    assert first.response is not None
    assert revised.response is not None
    assert revised.response.submitted_at == first.response.submitted_at
    assert revised.response.updated_at == clock.current
    assert [(a.rating, a.comment) for a in revised.response.answers] == [(2, "ok"), (5, None)]
    assert await get_my_review(deps, principal_of(t.mia), mine.assignment.id) == revised

    with pytest.raises(RuleViolation) as refused:
        await submit_response(deps, principal_of(t.mia), mine.assignment.id, [Answer(q1.id, 6)])
    assert refused.value.code == "validation_failed"
    assert {e.field for e in refused.value.errors} == {"answers[0].rating", "answers"}

    await _move(deps, t, rc, ReviewPhase.CLOSED)
    with pytest.raises(RuleViolation) as refused:
        await submit_response(
            deps, principal_of(t.mia), mine.assignment.id, [Answer(q1.id, 1), Answer(q2.id, 1)]
        )
    assert refused.value.code == "review_not_collecting"
    assert await get_my_review(deps, principal_of(t.mia), mine.assignment.id) == revised


async def test_another_reviewers_assignment_answers_like_an_unknown_one(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    (peers_review,) = await my_reviews(deps, principal_of(t.peers[0]), rc.id)
    answers = [Answer(q.id, 3) for q in rc.questions]

    refusals = []
    for assignment_id in (peers_review.assignment.id, UUID(int=9)):
        for call in (
            get_my_review(deps, principal_of(t.rae), assignment_id),
            submit_response(deps, principal_of(t.rae), assignment_id, answers),
        ):
            with pytest.raises(NotFound) as refused:
                await call
            refusals.append((refused.value.code, str(refused.value)))
    assert len(set(refusals)) == 1
    with pytest.raises(Forbidden):
        await my_reviews(deps, acme.service(Scope.REVIEWS_EXPORT), rc.id)


# -- results --------------------------------------------------------------------------------


async def test_results_appear_only_once_published(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    for phases in ((), (ReviewPhase.COLLECTING,), (ReviewPhase.CLOSED,)):
        rc = await _move(deps, t, rc, *phases)
        for reader in (t.rae, t.mia, t.hr):
            with pytest.raises(RuleViolation) as refused:
                await review_result(deps, principal_of(reader), rc.id, t.rae.id)
            assert refused.value.code == "review_not_published"
        with pytest.raises(RuleViolation):
            await review_results(deps, acme.service(Scope.REVIEWS_EXPORT), rc.id, PageRequest())


async def test_who_reads_a_result(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    t = await _team(deps, acme, clock)
    rc, _ = await _worked_example(deps, t, clock)
    readers = (t.rae, t.mia, t.sara, t.hr)
    for reader in readers:
        assert (await review_result(deps, principal_of(reader), rc.id, t.rae.id)).result
    assert await review_result(deps, acme.service(Scope.REVIEWS_EXPORT), rc.id, t.rae.id)

    # A peer is not above Rae: the same answer as for someone who is not a reviewee.
    with pytest.raises(NotFound) as peer:
        await review_result(deps, principal_of(t.peers[0]), rc.id, t.rae.id)
    with pytest.raises(NotFound) as absent:
        await review_result(deps, acme.admin, rc.id, t.peers[0].id)
    assert str(peer.value) == str(absent.value)
    for outsider in (principal_of(t.mia), principal_of(t.rae), acme.service(Scope.ORG_READ)):
        with pytest.raises(Forbidden):
            await review_results(deps, outsider, rc.id, PageRequest())
    with pytest.raises(NotFound):
        await review_result(deps, acme.service(Scope.ORG_READ), rc.id, t.rae.id)


async def test_peers_below_the_threshold_are_withheld_from_every_figure(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)

    async def run(peer_ratings: list[tuple[int, int]]) -> ReviewResult:
        rc = await _review_cycle(deps, t)
        await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
        rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
        await _answer(deps, rc, t.mia, t.rae, 4, 4)
        await _answer(deps, rc, t.rae, t.rae, 5, 5)
        for peer, ratings in zip(t.peers, peer_ratings, strict=False):
            await _answer(deps, rc, peer, t.rae, *ratings)
        rc = await _move(deps, t, rc, ReviewPhase.CLOSED, ReviewPhase.PUBLISHED)
        return (await review_result(deps, principal_of(t.rae), rc.id, t.rae.id)).result

    two_peers = await run([(1, 1), (1, 2)])
    no_peers = await run([])

    assert two_peers.peer_withheld
    assert not no_peers.peer_withheld
    peer = two_peers.role(ReviewRole.PEER)
    assert (peer.responses, peer.rating, peer.weight, peer.comments) == (
        2,
        None,
        Decimal("0.0000"),
        (),
    )
    for field in ("rating_360", "okr_score", "performance"):
        assert getattr(two_peers, field) == getattr(no_peers, field)
    # Self 5 (weight 0.1) and manager 4 (weight 0.4) renormalised: (0.5 + 1.6) / 0.5 = 4.2.
    assert two_peers.rating_360 == Decimal("4.2000")


async def test_without_objectives_the_performance_is_the_review_alone(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    await _answer(deps, rc, t.mia, t.rae, 4, 5)
    rc = await _move(deps, t, rc, ReviewPhase.CLOSED, ReviewPhase.PUBLISHED)

    result = (await review_result(deps, principal_of(t.hr), rc.id, t.rae.id)).result

    assert result.okr_score is None
    assert result.performance is not None
    # Manager 4.5 alone: (4.5 - 1) / 4 x 100 = 87.50.
    assert (result.performance.score, result.performance.review_only) == (Decimal("87.50"), True)


async def test_archived_objectives_do_not_count_in_the_okr_score(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    await _okr(deps, t, t.rae, "80")
    await _okr(deps, t, t.rae, "20")
    async with deps.uow() as uow:
        nodes = await uow.alignment.cycle_nodes(
            acme.id,
            t.q2.id,
            viewer=Viewer(member_id=None, sees_everything=True),
            as_of=clock.current,
        )
    first = next(n for n in nodes if n.owner_id == t.rae.id)  # oldest first: the 0.80 one
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    await _answer(deps, rc, t.mia, t.rae, 3, 3)
    rc = await _move(deps, t, rc, ReviewPhase.CLOSED)
    await update_objective(
        deps, acme.admin, first.id, ObjectiveChanges(status=ObjectiveStatus.ARCHIVED)
    )
    clock.current += timedelta(minutes=1)
    rc = await _move(deps, t, rc, ReviewPhase.PUBLISHED)

    result = (await review_result(deps, principal_of(t.hr), rc.id, t.rae.id)).result

    # Oldest first: the 0.80 objective is archived, the 0.20 one counts alone.
    assert result.okr_score == Decimal("0.2000")


async def test_completion_counts_per_role_across_the_cycle(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id, t.peers[0].id])
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    await _answer(deps, rc, t.mia, t.rae, 3, 3)
    await _answer(deps, rc, t.peers[1], t.rae, 3, 3)
    await _answer(deps, rc, t.peers[1], t.peers[0], 3, 3)

    done = await review_completion(deps, principal_of(t.hr), rc.id)

    assert done.reviewees == 2
    figures = {role: (c.assigned, c.done) for role, c in done.roles.items()}
    assert figures == {
        ReviewRole.SELF: (2, 0),
        ReviewRole.PEER: (12, 2),
        ReviewRole.MANAGER: (2, 1),
        ReviewRole.SKIP_LEVEL: (2, 0),
    }
    assert (done.total.assigned, done.total.done) == (18, 3)
    assert await review_completion(deps, acme.service(Scope.REVIEWS_EXPORT), rc.id)
    with pytest.raises(Forbidden):
        await review_completion(deps, principal_of(t.mia), rc.id)


async def test_another_organization_sees_none_of_it(
    deps: Deps, acme: Tenant, globex: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    rc, _ = await _worked_example(deps, t, clock)
    (mine,) = await my_reviews(deps, principal_of(t.mia), rc.id)
    other = globex.admin
    for call in (
        review_result(deps, other, rc.id, t.rae.id),
        review_results(deps, other, rc.id, PageRequest()),
        review_completion(deps, other, rc.id),
        list_participants(deps, other, rc.id, PageRequest()),
        update_review_cycle(deps, other, rc.id, ReviewCycleChanges(name="x")),
        get_my_review(deps, other, mine.assignment.id),
    ):
        with pytest.raises(NotFound):
            await call


async def test_an_hr_manager_does_not_list_the_peers_of_their_own_line(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    hr_manager = await hire(deps, acme, "Ivy", roles=frozenset({Role.HR}), manager_id=t.sara.id)
    await update_member(deps, acme.admin, t.mia.id, MemberChanges(manager_id=hr_manager.id))
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id, hr_manager.id])
    await nominate_peers(
        deps, principal_of(t.hr), rc.id, hr_manager.id, [p.id for p in t.peers[:3]]
    )

    seen = {
        p.reviewee_id: p
        for p in (
            await list_participants(deps, principal_of(hr_manager), rc.id, PageRequest())
        ).items
    }

    # Rae reports to Mia, who now reports to Ivy: Ivy sees neither her own peers nor Rae's.
    for reviewee in (t.rae.id, hr_manager.id):
        assert seen[reviewee].peers_hidden
        assert {a.role for a in seen[reviewee].assignments} <= {
            ReviewRole.SELF,
            ReviewRole.MANAGER,
            ReviewRole.SKIP_LEVEL,
        }
    everyone = await list_participants(deps, principal_of(t.hr), rc.id, PageRequest())
    assert not any(p.peers_hidden for p in everyone.items)
    assert sum(a.role is ReviewRole.PEER for p in everyone.items for a in p.assignments) == 9


async def test_no_one_above_the_reviewee_answers_as_a_peer(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    t = await _team(deps, acme, clock)
    boss = await hire(deps, acme, "Boss", roles=frozenset({Role.MANAGER}))
    await update_member(deps, acme.admin, t.sara.id, MemberChanges(manager_id=boss.id))
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])

    with pytest.raises(RuleViolation) as refused:
        await nominate_peers(
            deps, principal_of(boss), rc.id, t.rae.id, [boss.id, t.peers[0].id, t.peers[1].id]
        )

    assert [(e.field, e.code) for e in refused.value.errors] == [("peers[0]", "above")]


async def test_a_reader_who_was_a_peer_needs_the_threshold_without_their_own_answer(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    """HR reads every result; an HR member who answered as one of three peers could take
    their own answer out and read the other two: for them the peer part is withheld."""
    t = await _team(deps, acme, clock)
    rc = await _review_cycle(deps, t)
    await add_participants(deps, principal_of(t.hr), rc.id, [t.rae.id])
    await nominate_peers(
        deps, principal_of(t.hr), rc.id, t.rae.id, [t.hr.id, t.peers[0].id, t.peers[1].id]
    )
    rc = await _move(deps, t, rc, ReviewPhase.COLLECTING)
    for peer in (t.hr, t.peers[0], t.peers[1]):
        await _answer(deps, rc, peer, t.rae, 4, 4)
    rc = await _move(deps, t, rc, ReviewPhase.CLOSED, ReviewPhase.PUBLISHED)

    as_peer = (await review_result(deps, principal_of(t.hr), rc.id, t.rae.id)).result
    as_admin = (await review_result(deps, acme.admin, rc.id, t.rae.id)).result

    assert as_peer.peer_withheld
    assert as_peer.role(ReviewRole.PEER).comments == ()
    assert not as_admin.peer_withheld
    assert as_admin.role(ReviewRole.PEER).rating == Decimal("4.0000")
    exported = await review_results(deps, principal_of(t.hr), rc.id, PageRequest())
    assert exported.items[0].result == as_peer
