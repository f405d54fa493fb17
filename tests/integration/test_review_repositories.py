"""The 360 review repositories on Postgres."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind
from domain.errors import Conflict, RuleViolation, StaleVersion
from domain.members import Member
from domain.reviews import (
    Answer,
    PeerBounds,
    Question,
    Response,
    ReviewCycle,
    ReviewPhase,
    ReviewRole,
    RoleWeights,
)
from service.ids import new_id
from service.pagination import PageRequest
from service.ports import UnitOfWorkFactory
from service.review_ports import ReviewAssignment, ReviewCycleFilter, RoleCompletion
from tests.integration.test_alignment_reader import factory
from tests.integration.test_repositories import NOW, cycle, engine, member, organization, uow

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["engine", "factory", "uow"]

Q1, Q2 = new_id(), new_id()


@dataclass(frozen=True)
class Seed:
    org_id: UUID
    other_org_id: UUID
    okr_cycle: Cycle
    alice: Member
    bob: Member
    carol: Member
    dave: Member


async def _seed(factory: UnitOfWorkFactory) -> Seed:
    org, other = organization(), organization("Other")
    okr_cycle = cycle(org.id, "2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR)
    alice = member(org.id, "Alice")
    bob = member(org.id, "Bob", manager_id=alice.id)
    carol = member(org.id, "Carol", manager_id=alice.id)
    dave = member(org.id, "Dave", manager_id=bob.id)
    async with factory() as work:
        await work.organizations.add(org)
        await work.organizations.add(other)
        await work.cycles.add(okr_cycle)
        for one in (alice, bob, carol, dave):
            await work.members.add(one)
        await work.commit()
    return Seed(org.id, other.id, okr_cycle, alice, bob, carol, dave)


def _review_cycle(seed: Seed, name: str = "H1 360") -> ReviewCycle:
    return ReviewCycle(
        id=new_id(),
        organization_id=seed.org_id,
        cycle_id=seed.okr_cycle.id,
        name=name,
        phase=ReviewPhase.DRAFT,
        questions=(
            Question(Q1, "沟通", "Communication"),
            Question(Q2, "协作", "Collaboration", comment_allowed=False),
        ),
        weights=RoleWeights(),
        peer_anonymity_threshold=3,
        peer_bounds=PeerBounds(min_peers=2, max_peers=6),
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _assign(
    seed: Seed, rc: ReviewCycle, reviewee: Member, reviewer: Member, role: ReviewRole
) -> ReviewAssignment:
    return ReviewAssignment(
        id=new_id(),
        organization_id=seed.org_id,
        review_cycle_id=rc.id,
        reviewee_id=reviewee.id,
        reviewer_id=reviewer.id,
        role=role,
    )


async def _with_cycle(factory: UnitOfWorkFactory) -> tuple[Seed, ReviewCycle]:
    seed = await _seed(factory)
    rc = _review_cycle(seed)
    async with factory() as work:
        await work.review_cycles.add(rc)
        await work.commit()
    return seed, rc


async def test_review_cycle_add_get_update(factory: UnitOfWorkFactory) -> None:
    seed, rc = await _with_cycle(factory)
    async with factory() as work:
        assert await work.review_cycles.get(seed.org_id, rc.id) == rc
        assert await work.review_cycles.get(seed.other_org_id, rc.id) is None

    moved = replace(
        rc,
        phase=ReviewPhase.COLLECTING,
        weights=RoleWeights(Decimal("0.25"), Decimal("0.25"), Decimal("0.25"), Decimal("0.25")),
        version=2,
        updated_at=NOW + timedelta(hours=1),
    )
    async with factory() as work:
        await work.review_cycles.update(moved, previous_version=1)
        await work.commit()
    async with factory() as work:
        assert await work.review_cycles.get(seed.org_id, rc.id) == moved
        with pytest.raises(StaleVersion):
            await work.review_cycles.update(replace(moved, version=3), previous_version=1)

    published = replace(
        moved,
        phase=ReviewPhase.PUBLISHED,
        version=3,
        published_at=NOW + timedelta(days=2),
        okr_scores=((seed.bob.id, Decimal("0.6500")), (seed.carol.id, None)),
    )
    async with factory() as work:
        await work.review_cycles.update(published, previous_version=2)
        await work.commit()
    async with factory() as work:
        stored = await work.review_cycles.get(seed.org_id, rc.id)
        assert stored == published
        assert stored is not None
        assert stored.okr_score_of(seed.bob.id) == Decimal("0.6500")
        assert stored.okr_score_of(seed.dave.id) is None


async def test_review_cycle_needs_its_okr_cycle(factory: UnitOfWorkFactory) -> None:
    seed = await _seed(factory)
    async with factory() as work:
        with pytest.raises(RuleViolation) as refused:
            await work.review_cycles.add(replace(_review_cycle(seed), cycle_id=new_id()))
    assert refused.value.code == "unknown_reference"


async def test_review_cycle_list_pages_and_filters(factory: UnitOfWorkFactory) -> None:
    seed = await _seed(factory)
    other_cycle = cycle(seed.org_id, "2027", date(2027, 1, 1), date(2027, 12, 31), CycleKind.YEAR)
    made = [_review_cycle(seed, f"rc {i}") for i in range(3)]
    elsewhere = replace(_review_cycle(seed, "2027"), cycle_id=other_cycle.id)
    async with factory() as work:
        await work.cycles.add(other_cycle)
        for rc in [*made, elsewhere]:
            await work.review_cycles.add(rc)
        await work.commit()
    async with factory() as work:
        first = await work.review_cycles.list(
            seed.org_id, ReviewCycleFilter(cycle_id=seed.okr_cycle.id), PageRequest(limit=2)
        )
        assert [rc.id for rc in first.items] == [made[0].id, made[1].id]
        assert first.next_after == made[1].id
        rest = await work.review_cycles.list(
            seed.org_id,
            ReviewCycleFilter(cycle_id=seed.okr_cycle.id),
            PageRequest(limit=2, after=first.next_after),
        )
        assert [rc.id for rc in rest.items] == [made[2].id]
        assert rest.next_after is None
        everything = await work.review_cycles.list(seed.org_id, ReviewCycleFilter(), PageRequest())
        assert len(everything.items) == 4
        collecting = await work.review_cycles.list(
            seed.org_id, ReviewCycleFilter(phase=ReviewPhase.COLLECTING), PageRequest()
        )
        assert collecting.items == []
        other = await work.review_cycles.list(seed.other_org_id, ReviewCycleFilter(), PageRequest())
        assert other.items == []


async def test_assignments_add_and_query(factory: UnitOfWorkFactory) -> None:
    seed, rc = await _with_cycle(factory)
    made = [
        _assign(seed, rc, seed.dave, seed.dave, ReviewRole.SELF),
        _assign(seed, rc, seed.dave, seed.bob, ReviewRole.MANAGER),
        _assign(seed, rc, seed.dave, seed.alice, ReviewRole.SKIP_LEVEL),
        _assign(seed, rc, seed.dave, seed.carol, ReviewRole.PEER),
        _assign(seed, rc, seed.carol, seed.carol, ReviewRole.SELF),
        _assign(seed, rc, seed.carol, seed.alice, ReviewRole.MANAGER),
    ]
    async with factory() as work:
        await work.review_assignments.add_many(made)
        await work.review_assignments.add_many([])
        await work.commit()
    async with factory() as work:
        repo = work.review_assignments
        assert await repo.get(seed.org_id, made[1].id) == made[1]
        assert await repo.get(seed.other_org_id, made[1].id) is None
        assert list(await repo.of_reviewee(seed.org_id, rc.id, seed.dave.id)) == made[:4]
        assert list(await repo.of_reviewer(seed.org_id, rc.id, seed.alice.id)) == [
            made[2],
            made[5],
        ]
        assert list(await repo.of_cycle(seed.org_id, rc.id)) == made
        assert list(await repo.of_cycle(seed.other_org_id, rc.id)) == []
        assert list(await repo.of_reviewer(seed.other_org_id, rc.id, seed.alice.id)) == []


async def test_assignment_twice_is_a_conflict_and_nothing_is_kept(
    factory: UnitOfWorkFactory,
) -> None:
    seed, rc = await _with_cycle(factory)
    first = _assign(seed, rc, seed.dave, seed.carol, ReviewRole.PEER)
    async with factory() as work:
        await work.review_assignments.add_many([first])
        await work.commit()
    async with factory() as work:
        with pytest.raises(Conflict) as refused:
            await work.review_assignments.add_many(
                [
                    _assign(seed, rc, seed.carol, seed.dave, ReviewRole.PEER),
                    _assign(seed, rc, seed.dave, seed.carol, ReviewRole.MANAGER),
                ]
            )
    assert refused.value.code == "conflict"
    async with factory() as work:
        assert list(await work.review_assignments.of_cycle(seed.org_id, rc.id)) == [first]


async def test_assignment_needs_known_members(factory: UnitOfWorkFactory) -> None:
    seed, rc = await _with_cycle(factory)
    stranger = replace(
        _assign(seed, rc, seed.dave, seed.carol, ReviewRole.PEER), reviewer_id=new_id()
    )
    async with factory() as work:
        with pytest.raises(RuleViolation) as refused:
            await work.review_assignments.add_many([stranger])
    assert refused.value.code == "unknown_reference"


async def test_completion_responses_and_re_nomination(factory: UnitOfWorkFactory) -> None:
    seed, rc = await _with_cycle(factory)
    own = _assign(seed, rc, seed.dave, seed.dave, ReviewRole.SELF)
    manager = _assign(seed, rc, seed.dave, seed.bob, ReviewRole.MANAGER)
    peer_1 = _assign(seed, rc, seed.dave, seed.carol, ReviewRole.PEER)
    peer_2 = _assign(seed, rc, seed.dave, seed.alice, ReviewRole.PEER)
    carol_self = _assign(seed, rc, seed.carol, seed.carol, ReviewRole.SELF)
    answers = (Answer(Q1, 4, "clear"), Answer(Q2, 3))
    revised = (Answer(Q1, 5, None), Answer(Q2, 2))
    later = NOW + timedelta(days=1)
    async with factory() as work:
        await work.review_assignments.add_many([own, manager, peer_1, peer_2, carol_self])
        await work.review_responses.save(seed.org_id, own.id, answers, NOW)
        await work.review_responses.save(seed.org_id, peer_1.id, answers, NOW)
        await work.review_responses.save(seed.org_id, carol_self.id, answers, NOW)
        await work.commit()
    async with factory() as work:
        await work.review_responses.save(seed.org_id, own.id, revised, later)
        await work.commit()

    async with factory() as work:
        completion = await work.review_assignments.completion(seed.org_id, rc.id)
        assert completion == {
            ReviewRole.SELF: RoleCompletion(2, 2),
            ReviewRole.PEER: RoleCompletion(2, 1),
            ReviewRole.MANAGER: RoleCompletion(1, 0),
            ReviewRole.SKIP_LEVEL: RoleCompletion(0, 0),
        }
        mine = await work.review_responses.get(seed.org_id, own.id)
        assert mine is not None
        assert mine.answers == revised
        assert (mine.submitted_at, mine.updated_at) == (NOW, later)
        assert await work.review_responses.get(seed.other_org_id, own.id) is None
        many = await work.review_responses.get_many(
            seed.org_id, [own.id, manager.id, peer_1.id, new_id()]
        )
        assert set(many) == {own.id, peer_1.id}
        assert many[own.id] == mine
        assert await work.review_responses.get_many(seed.other_org_id, [own.id]) == {}
        found = await work.review_responses.of_assignments(
            seed.org_id, [own.id, manager.id, peer_1.id, new_id()]
        )
        assert found == {
            own.id: Response(ReviewRole.SELF, revised),
            peer_1.id: Response(ReviewRole.PEER, answers),
        }
        assert await work.review_responses.of_assignments(seed.org_id, []) == {}
        assert await work.review_responses.of_assignments(seed.other_org_id, [own.id]) == {}
        other = await work.review_assignments.completion(seed.other_org_id, rc.id)
        assert set(other.values()) == {RoleCompletion(0, 0)}

    async with factory() as work:
        removed = await work.review_assignments.delete_of_reviewee(seed.org_id, rc.id, seed.dave.id)
        assert removed == 4
        await work.commit()
    async with factory() as work:
        assert list(await work.review_assignments.of_cycle(seed.org_id, rc.id)) == [carol_self]
        assert await work.review_responses.get(seed.org_id, own.id) is None
        assert list(await work.review_responses.of_assignments(seed.org_id, [carol_self.id])) == [
            carol_self.id
        ]
        assert (
            await work.review_assignments.delete_of_reviewee(
                seed.other_org_id, rc.id, seed.carol.id
            )
            == 0
        )


async def test_response_needs_its_assignment(factory: UnitOfWorkFactory) -> None:
    seed, rc = await _with_cycle(factory)
    theirs = _assign(seed, rc, seed.carol, seed.carol, ReviewRole.SELF)
    async with factory() as work:
        await work.review_assignments.add_many([theirs])
        await work.commit()
    for org_id, assignment_id in ((seed.org_id, new_id()), (seed.other_org_id, theirs.id)):
        async with factory() as work:
            with pytest.raises(RuleViolation) as refused:
                await work.review_responses.save(org_id, assignment_id, (Answer(Q1, 3),), NOW)
        assert refused.value.code == "unknown_reference"
