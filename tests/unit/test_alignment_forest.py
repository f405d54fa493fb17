"""The alignment forest (trees of a cycle), roll-up progress and shares: pure rules."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from domain.alignment import Branch, alignment_forest, aligns_upward, walk
from domain.okrs import Level
from domain.scoring import rolled_up_progress, share

A, B, C, D, E, F = (uuid4() for _ in range(6))


def _shape(forest: list[Branch]) -> list[tuple[UUID, int, UUID | None]]:
    return [(b.id, b.depth, p.id if p else None) for b, p in walk(forest)]


def test_objectives_nest_under_what_they_serve_in_input_order() -> None:
    parents = {A: None, B: A, C: A, D: B, E: None}
    forest = alignment_forest([A, B, C, D, E], parents, {A, B, C, D, E})
    assert _shape(forest) == [(A, 0, None), (B, 1, A), (D, 2, B), (C, 1, A), (E, 0, None)]


def test_a_parent_outside_the_set_makes_a_root() -> None:
    outside = uuid4()  # e.g. an objective of another cycle
    forest = alignment_forest([B, C], {B: outside, C: B}, {B, C})
    assert _shape(forest) == [(B, 0, None), (C, 1, B)]


def test_a_hidden_objective_is_left_out_with_its_subtree() -> None:
    parents = {A: None, B: A, C: B, D: A}
    forest = alignment_forest([A, B, C, D], parents, {A, C, D})  # B hidden, C visible
    assert _shape(forest) == [(A, 0, None), (D, 1, A)]


def test_explicit_roots_and_a_depth_cut() -> None:
    parents = {A: None, B: A, C: B, D: C}
    assert _shape(alignment_forest([A, B, C, D], parents, {A, B, C, D}, roots=[B])) == [
        (B, 0, None),
        (C, 1, B),
        (D, 2, C),
    ]
    cut = alignment_forest([A, B, C, D], parents, {A, B, C, D}, max_depth=1)
    assert _shape(cut) == [(A, 0, None), (B, 1, A)]
    assert _shape(alignment_forest([A, B], parents, {A, B}, max_depth=0)) == [(A, 0, None)]


def test_a_stored_loop_cannot_hang_or_repeat() -> None:
    parents = {A: B, B: A}
    assert alignment_forest([A, B], parents, {A, B}) == []  # no root: nothing hangs
    forest = alignment_forest([A, B], parents, {A, B}, roots=[A])
    assert _shape(forest) == [(A, 0, None), (B, 1, A)]


@given(st.lists(st.integers(min_value=-1, max_value=30), min_size=1, max_size=30))
def test_every_visible_reachable_objective_is_placed_once(parent_index: list[int]) -> None:
    ids = [uuid4() for _ in parent_index]
    parents = {
        ids[i]: (ids[p] if 0 <= p < len(ids) and p != i else None)
        for i, p in enumerate(parent_index)
    }
    placed = [b.id for b, _ in walk(alignment_forest(ids, parents, set(ids)))]
    assert len(placed) == len(set(placed))
    assert set(placed) <= set(ids)


def test_roll_up_takes_the_mean_of_children_recursively() -> None:
    own: dict[UUID, Decimal | None] = {
        A: None,  # rolls up from B and C
        B: None,  # rolls up from D and E
        C: Decimal("0.5"),
        D: Decimal("1"),
        E: Decimal("0.5"),
        F: None,  # no KRs, not rolling up
    }
    children = {A: [B, C, F], B: [D, E]}
    result = rolled_up_progress(own, children, {A, B})
    assert result[B] == Decimal("0.7500")
    assert result[A] == Decimal("0.6250")  # (0.75 + 0.5) / 2; F has nothing and counts not
    assert result[F] is None


def test_an_objective_with_its_own_kr_progress_does_not_roll_up() -> None:
    result = rolled_up_progress({A: Decimal("0.2"), B: Decimal("1")}, {A: [B]}, {A})
    assert result[A] == Decimal("0.2")


def test_children_not_in_play_count_for_nothing() -> None:
    hidden = uuid4()  # left out of ``own``: the viewer may not see it
    result = rolled_up_progress({A: None, B: Decimal("0.4")}, {A: [B, hidden]}, {A})
    assert result[A] == Decimal("0.4000")


def test_roll_up_over_a_stored_loop_ends() -> None:
    result = rolled_up_progress({A: None, B: None}, {A: [B], B: [A]}, {A, B})
    assert result == {A: None, B: None}


def test_shares_and_upward_alignment() -> None:
    assert share(3, 4) == Decimal("0.7500")
    assert share(0, 0) is None
    assert aligns_upward(Level.TEAM, A, None)
    assert aligns_upward(Level.INDIVIDUAL, None, B)
    assert not aligns_upward(Level.TEAM, None, None)
    assert not aligns_upward(Level.COMPANY, A, None)  # the company serves nothing above
