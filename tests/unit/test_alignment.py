"""Unit tests of domain/alignment.py: loops, level rules and the single-link rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.alignment import (
    LEVEL_RANK,
    alignment_allowed,
    alignment_loop,
    alignment_path,
    ensure_alignment_level,
    ensure_no_alignment_loop,
    ensure_single_link,
)
from domain.errors import RuleViolation
from domain.okrs import Level


def bounded_lookup(
    data: Mapping[UUID, UUID | None], max_calls: int
) -> Callable[[UUID], UUID | None]:
    """``parent_of`` over a mapping that fails the test instead of walking forever."""
    calls = 0

    def parent_of(objective: UUID) -> UUID | None:
        nonlocal calls
        calls += 1
        if calls > max_calls:
            raise AssertionError("the walk did not stop: it is looping")
        return data.get(objective)

    return parent_of


def no_parent(objective: UUID) -> UUID | None:
    return None


def cycle_of(error: RuleViolation) -> list[str]:
    cycle = error.extra["cycle"]
    assert isinstance(cycle, list)
    return [str(i) for i in cycle]


# --- LEVEL_RANK ----------------------------------------------------------------------------


def test_levels_rank_from_the_company_down() -> None:
    assert LEVEL_RANK[Level.COMPANY] == 0
    assert LEVEL_RANK[Level.DEPARTMENT] == 1
    assert LEVEL_RANK[Level.TEAM] == 2
    assert LEVEL_RANK[Level.INDIVIDUAL] == 3
    assert set(LEVEL_RANK) == set(Level)


def test_level_rank_is_read_only() -> None:
    with pytest.raises(TypeError):
        LEVEL_RANK[Level.TEAM] = 0  # type: ignore[index]


# --- alignment loops -----------------------------------------------------------------------


def test_aligning_to_itself_is_a_loop() -> None:
    o = uuid4()
    with pytest.raises(RuleViolation) as info:
        ensure_no_alignment_loop(o, o, no_parent)
    assert info.value.code == "alignment_cycle"
    assert cycle_of(info.value) == [str(o), str(o)]
    assert [e.field for e in info.value.errors] == ["parent_objective_id"]
    assert info.value.errors[0].code == "alignment_cycle"


def test_contributing_to_its_own_kr_is_a_loop() -> None:
    # the caller resolves the KR to the objective that owns it: the objective itself
    o, company = uuid4(), uuid4()
    kr_owner = {uuid4(): o}
    own_kr = next(iter(kr_owner))
    parents: dict[UUID, UUID | None] = {o: company, company: None}
    with pytest.raises(RuleViolation) as info:
        ensure_no_alignment_loop(o, kr_owner[own_kr], parents.get, field="parent_key_result_id")
    assert info.value.code == "alignment_cycle"
    assert cycle_of(info.value) == [str(o), str(o)]
    assert [e.field for e in info.value.errors] == ["parent_key_result_id"]


def test_aligning_to_a_child_is_a_two_step_loop() -> None:
    company, department = uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {company: None, department: company}
    with pytest.raises(RuleViolation) as info:
        ensure_no_alignment_loop(company, department, parents.get)
    assert cycle_of(info.value) == [str(company), str(department), str(company)]


def test_loop_through_a_deep_descendant_lists_the_whole_path() -> None:
    company, sales, team, rep = uuid4(), uuid4(), uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {company: None, sales: company, team: sales, rep: team}
    loop = alignment_loop(company, rep, parents.get)
    assert loop == [company, rep, team, sales, company]


def test_loop_through_a_kr_contribution_is_found() -> None:
    # marketing's objective contributes to the sales department's new-customer KR; making the
    # sales objective align to marketing's would close the loop through that KR
    sales, marketing = uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {sales: None, marketing: sales}  # via sales' KR
    with pytest.raises(RuleViolation) as info:
        ensure_no_alignment_loop(sales, marketing, parents.get)
    assert cycle_of(info.value) == [str(sales), str(marketing), str(sales)]


@pytest.mark.parametrize("choice", ["sibling", "grandparent", "other_tree", "unknown"])
def test_links_that_close_no_loop_are_accepted(choice: str) -> None:
    company, sales, marketing, rep, other = (uuid4() for _ in range(5))
    parents: dict[UUID, UUID | None] = {
        company: None,
        sales: company,
        marketing: company,
        rep: sales,
        other: None,
    }
    new_parent = {
        "sibling": marketing,
        "grandparent": company,
        "other_tree": other,
        "unknown": uuid4(),
    }[choice]
    assert alignment_loop(rep, new_parent, parents.get) is None
    ensure_no_alignment_loop(rep, new_parent, parents.get)


def test_re_aligning_to_the_current_parent_is_no_loop() -> None:
    company, team = uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {company: None, team: company}
    ensure_no_alignment_loop(team, company, parents.get)


def test_a_pre_existing_loop_elsewhere_does_not_hang_the_walk() -> None:
    # x and y already align to each other (bad data); aligning o to x must terminate
    o, x, y = uuid4(), uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {x: y, y: x, o: None}
    assert alignment_loop(o, x, bounded_lookup(parents, 10)) is None
    ensure_no_alignment_loop(o, x, bounded_lookup(parents, 10))


def test_a_self_loop_elsewhere_does_not_hang_the_walk() -> None:
    o, x = uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {x: x}
    assert alignment_loop(o, x, bounded_lookup(parents, 10)) is None


def test_a_long_chain_without_a_loop_passes() -> None:
    chain = [uuid4() for _ in range(10_000)]
    parents: dict[UUID, UUID | None] = {chain[0]: None}
    for parent, child in pairwise(chain):
        parents[child] = parent
    newcomer = uuid4()
    assert alignment_loop(newcomer, chain[-1], bounded_lookup(parents, 10_001)) is None
    loop = alignment_loop(chain[0], chain[-1], bounded_lookup(parents, 10_001))
    assert loop is not None
    assert loop[0] == loop[-1] == chain[0]
    assert len(loop) == 10_001


@given(
    st.lists(st.integers(min_value=0, max_value=9), min_size=10, max_size=10),
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=0, max_value=9),
)
def test_loop_walks_terminate_and_return_real_loops(
    parent_index: list[int], objective: int, new_parent: int
) -> None:
    """Over arbitrary graphs (loops included), the walk stops; a loop it reports starts and
    ends at the objective and follows real parent links after the new one."""
    ids = [uuid4() for _ in range(10)]
    parents: dict[UUID, UUID | None] = {
        ids[i]: (None if p == i and i % 2 else ids[p]) for i, p in enumerate(parent_index)
    }
    loop = alignment_loop(ids[objective], ids[new_parent], bounded_lookup(parents, 20))
    if loop is None:
        assert ids[objective] not in alignment_path(ids[new_parent], parents.get)
        return
    assert loop[0] == loop[-1] == ids[objective]
    assert loop[1] == ids[new_parent]
    for child, parent in pairwise(loop[1:]):
        assert parents[child] == parent


# --- alignment_path ------------------------------------------------------------------------


def test_path_runs_up_to_the_company() -> None:
    company, sales, team, rep = uuid4(), uuid4(), uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {company: None, sales: company, team: sales, rep: team}
    assert alignment_path(rep, parents.get) == [rep, team, sales, company]
    assert alignment_path(company, parents.get) == [company]


def test_path_of_an_orphan_is_itself() -> None:
    o = uuid4()
    assert alignment_path(o, no_parent) == [o]


def test_path_stops_on_a_stored_loop() -> None:
    o, x, y = uuid4(), uuid4(), uuid4()
    parents: dict[UUID, UUID | None] = {o: x, x: y, y: x}
    assert alignment_path(o, bounded_lookup(parents, 10)) == [o, x, y]


# --- alignment levels ----------------------------------------------------------------------

LEVELS = list(Level)


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (Level.INDIVIDUAL, Level.TEAM),
        (Level.INDIVIDUAL, Level.DEPARTMENT),
        (Level.INDIVIDUAL, Level.COMPANY),
        (Level.TEAM, Level.DEPARTMENT),
        (Level.TEAM, Level.COMPANY),
        (Level.DEPARTMENT, Level.COMPANY),
    ],
)
@pytest.mark.parametrize("to_key_result", [False, True])
def test_upward_alignment_is_allowed(child: Level, parent: Level, to_key_result: bool) -> None:
    ensure_alignment_level(
        child=child, parent=parent, to_key_result=to_key_result, upward_only=True
    )


@pytest.mark.parametrize("level", LEVELS)
def test_same_level_objective_alignment_is_refused(level: Level) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_alignment_level(child=level, parent=level, to_key_result=False, upward_only=True)
    assert info.value.code == "alignment_level"
    assert [e.field for e in info.value.errors] == ["parent_objective_id"]
    assert info.value.extra == {"child_level": str(level), "parent_level": str(level)}


@pytest.mark.parametrize("level", LEVELS)
def test_same_level_kr_contribution_is_allowed_sideways(level: Level) -> None:
    # e.g. the marketing department contributes to the sales department's new-customer KR
    ensure_alignment_level(child=level, parent=level, to_key_result=True, upward_only=True)


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (Level.COMPANY, Level.DEPARTMENT),
        (Level.COMPANY, Level.INDIVIDUAL),
        (Level.DEPARTMENT, Level.TEAM),
        (Level.TEAM, Level.INDIVIDUAL),
    ],
)
@pytest.mark.parametrize("to_key_result", [False, True])
def test_downward_alignment_is_refused(child: Level, parent: Level, to_key_result: bool) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_alignment_level(
            child=child, parent=parent, to_key_result=to_key_result, upward_only=True
        )
    assert info.value.code == "alignment_level"
    expected_field = "parent_key_result_id" if to_key_result else "parent_objective_id"
    assert [e.field for e in info.value.errors] == [expected_field]


@pytest.mark.parametrize("child", LEVELS)
@pytest.mark.parametrize("parent", LEVELS)
@pytest.mark.parametrize("to_key_result", [False, True])
def test_without_upward_only_anything_goes(
    child: Level, parent: Level, to_key_result: bool
) -> None:
    ensure_alignment_level(
        child=child, parent=parent, to_key_result=to_key_result, upward_only=False
    )
    assert alignment_allowed(
        child=child, parent=parent, to_key_result=to_key_result, upward_only=False
    )


@pytest.mark.parametrize("child", LEVELS)
@pytest.mark.parametrize("parent", LEVELS)
def test_allowed_matches_the_rank_rule(child: Level, parent: Level) -> None:
    up = LEVEL_RANK[parent] < LEVEL_RANK[child]
    same = LEVEL_RANK[parent] == LEVEL_RANK[child]
    assert (
        alignment_allowed(child=child, parent=parent, to_key_result=False, upward_only=True) is up
    )
    assert alignment_allowed(child=child, parent=parent, to_key_result=True, upward_only=True) is (
        up or same
    )


# --- single link ---------------------------------------------------------------------------


def test_one_link_or_none_is_fine() -> None:
    ensure_single_link(None, None)
    ensure_single_link(uuid4(), None)
    ensure_single_link(None, uuid4())


def test_both_links_at_once_are_refused() -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_single_link(uuid4(), uuid4())
    assert info.value.code == "validation_failed"
    assert [e.field for e in info.value.errors] == ["parent_objective_id", "parent_key_result_id"]
    assert {e.code for e in info.value.errors} == {"single_link"}
