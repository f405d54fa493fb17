"""Unit tests of domain/units.py: where a unit may hang in the company tree."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from itertools import pairwise, product
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.units import UnitKind, ensure_not_under_itself, ensure_parent_fits

COMPANY, DEPARTMENT, TEAM = UnitKind.COMPANY, UnitKind.DEPARTMENT, UnitKind.TEAM

# Written out by hand from DOMAIN.md so the test does not reuse the module's rank table.
ALLOWED: set[tuple[UnitKind, UnitKind | None]] = {
    (COMPANY, None),
    (DEPARTMENT, COMPANY),
    (DEPARTMENT, DEPARTMENT),
    (TEAM, COMPANY),
    (TEAM, DEPARTMENT),
    (TEAM, TEAM),
}
ALL_PAIRS: list[tuple[UnitKind, UnitKind | None]] = list(product(UnitKind, [None, *UnitKind]))


def test_the_table_covers_every_pair() -> None:
    assert len(ALL_PAIRS) == 12
    assert set(ALL_PAIRS) >= ALLOWED


@pytest.mark.parametrize(("kind", "parent_kind"), sorted(ALLOWED, key=str))
def test_allowed_parents_pass(kind: UnitKind, parent_kind: UnitKind | None) -> None:
    ensure_parent_fits(kind, parent_kind)


@pytest.mark.parametrize(
    ("kind", "parent_kind"), [pair for pair in ALL_PAIRS if pair not in ALLOWED]
)
def test_refused_parents_raise_invalid_unit_parent(
    kind: UnitKind, parent_kind: UnitKind | None
) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_parent_fits(kind, parent_kind)
    assert info.value.code == "invalid_unit_parent"
    assert [e.field for e in info.value.errors] == ["parent_id"]


@pytest.mark.parametrize("parent_kind", list(UnitKind))
def test_company_has_no_parent(parent_kind: UnitKind) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_parent_fits(COMPANY, parent_kind)
    assert info.value.code == "invalid_unit_parent"


@pytest.mark.parametrize("kind", [DEPARTMENT, TEAM])
def test_department_and_team_need_a_parent(kind: UnitKind) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_parent_fits(kind, None)
    assert info.value.code == "invalid_unit_parent"
    assert info.value.errors[0].code == "required"


def test_department_cannot_sit_under_a_team() -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_parent_fits(DEPARTMENT, TEAM)
    assert info.value.code == "invalid_unit_parent"
    assert "department" in info.value.detail
    assert "team" in info.value.detail


# --- ensure_not_under_itself -------------------------------------------------------------


class BoundedMapping(Mapping[UUID, UUID | None]):
    """A read-only mapping that fails the test instead of letting a walk run forever."""

    def __init__(self, data: Mapping[UUID, UUID | None], max_reads: int) -> None:
        self._data = dict(data)
        self._max_reads = max_reads
        self.reads = 0

    def __getitem__(self, key: UUID) -> UUID | None:
        self.reads += 1
        if self.reads > self._max_reads:
            raise AssertionError("the walk did not stop: it is looping")
        return self._data[key]

    def __iter__(self) -> Iterator[UUID]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class Tree:
    """company > (sales > (east, west > west_a), marketing)."""

    def __init__(self) -> None:
        self.company, self.sales, self.marketing = uuid4(), uuid4(), uuid4()
        self.east, self.west, self.west_a = uuid4(), uuid4(), uuid4()
        self.parents: dict[UUID, UUID | None] = {
            self.company: None,
            self.sales: self.company,
            self.marketing: self.company,
            self.east: self.sales,
            self.west: self.sales,
            self.west_a: self.west,
        }


def cycle_of(error: RuleViolation) -> list[str]:
    cycle = error.extra["cycle"]
    assert isinstance(cycle, list)
    return [str(i) for i in cycle]


def test_moving_a_unit_under_itself_is_refused() -> None:
    tree = Tree()
    with pytest.raises(RuleViolation) as info:
        ensure_not_under_itself(tree.sales, tree.sales, tree.parents)
    assert info.value.code == "unit_cycle"
    assert cycle_of(info.value) == [str(tree.sales), str(tree.sales)]
    assert [e.field for e in info.value.errors] == ["parent_id"]


def test_moving_a_unit_under_its_child_is_refused() -> None:
    tree = Tree()
    with pytest.raises(RuleViolation) as info:
        ensure_not_under_itself(tree.sales, tree.east, tree.parents)
    assert info.value.code == "unit_cycle"
    assert cycle_of(info.value) == [str(tree.sales), str(tree.east), str(tree.sales)]


def test_moving_a_unit_under_a_deep_descendant_is_refused() -> None:
    tree = Tree()
    with pytest.raises(RuleViolation) as info:
        ensure_not_under_itself(tree.company, tree.west_a, tree.parents)
    assert info.value.code == "unit_cycle"
    assert cycle_of(info.value) == [
        str(tree.company),
        str(tree.west_a),
        str(tree.west),
        str(tree.sales),
        str(tree.company),
    ]


@pytest.mark.parametrize(
    ("unit", "new_parent"),
    [
        ("west", "marketing"),  # an unrelated branch
        ("west_a", "east"),  # a cousin
        ("west_a", "company"),  # an ancestor higher up
        ("west", "sales"),  # its current parent
        ("east", "west"),  # a sibling
        ("marketing", "west_a"),  # deep in another branch
    ],
)
def test_moving_under_an_unrelated_unit_is_fine(unit: str, new_parent: str) -> None:
    tree = Tree()
    unit_id: UUID = getattr(tree, unit)
    parent_id: UUID = getattr(tree, new_parent)
    ensure_not_under_itself(unit_id, parent_id, tree.parents)


def test_moving_under_a_unit_missing_from_the_map_is_fine() -> None:
    tree = Tree()
    ensure_not_under_itself(tree.sales, uuid4(), tree.parents)


def test_existing_loop_elsewhere_does_not_hang() -> None:
    unit, x, y = uuid4(), uuid4(), uuid4()
    data: dict[UUID, UUID | None] = {unit: None, x: y, y: x}
    ensure_not_under_itself(unit, x, BoundedMapping(data, max_reads=50))


def test_long_chain_without_a_loop_passes() -> None:
    units = [uuid4() for _ in range(10_000)]
    parents: dict[UUID, UUID | None] = {units[0]: None}
    for parent, child in pairwise(units):
        parents[child] = parent
    ensure_not_under_itself(uuid4(), units[-1], parents)
    with pytest.raises(RuleViolation) as info:
        ensure_not_under_itself(units[0], units[-1], parents)
    assert info.value.code == "unit_cycle"


# --- property: a random tree of units ----------------------------------------------------

Forest = tuple[list[UUID], dict[UUID, UUID | None]]


@st.composite
def forests(draw: st.DrawFn) -> Forest:
    """A random acyclic forest: unit i hangs under an earlier unit or under nothing."""
    size = draw(st.integers(min_value=1, max_value=30))
    ids = draw(st.lists(st.uuids(), min_size=size, max_size=size, unique=True))
    parents: dict[UUID, UUID | None] = {}
    for i, unit in enumerate(ids):
        parent = draw(st.none() | st.integers(min_value=0, max_value=i - 1)) if i else None
        parents[unit] = None if parent is None else ids[parent]
    return ids, parents


def unit_and_descendants(unit: UUID, parents: Mapping[UUID, UUID | None]) -> set[UUID]:
    children: dict[UUID, list[UUID]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found = {unit}
    queue = deque([unit])
    while queue:
        for child in children.get(queue.popleft(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


@given(forest=forests(), data=st.data())
def test_unit_cycle_refused_exactly_for_the_unit_and_its_descendants(
    forest: Forest, data: st.DataObject
) -> None:
    ids, parents = forest
    unit = data.draw(st.sampled_from(ids), label="unit")
    new_parent = data.draw(st.sampled_from(ids), label="new_parent")
    expected_refusal = new_parent in unit_and_descendants(unit, parents)
    if not expected_refusal:
        ensure_not_under_itself(unit, new_parent, parents)
        return
    with pytest.raises(RuleViolation) as info:
        ensure_not_under_itself(unit, new_parent, parents)
    assert info.value.code == "unit_cycle"
    cycle = cycle_of(info.value)
    assert cycle[0] == cycle[-1] == str(unit)
    assert cycle[1] == str(new_parent)
    for child, parent in pairwise(cycle[1:]):
        assert str(parents[UUID(child)]) == parent
