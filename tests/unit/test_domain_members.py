"""Unit tests of domain/members.py: email normalisation and the manager-chain loop rule."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from itertools import pairwise
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.members import ensure_no_manager_loop, manager_chain_loop, normalize_email

# --- normalize_email ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice@Example.COM  ", "alice@example.com"),
        ("\tBOB.Smith+okr@Sales.Example.CN\n", "bob.smith+okr@sales.example.cn"),
        ("x@y.z", "x@y.z"),
    ],
)
def test_normalize_email_lower_cases_and_strips(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",
        "alice@@example.com",
        "al ice@example.com",
        "alice@exa mple.com",
        "alice@example.com\nbob@example.com",
        "alice@example.",
        "alice@.",
    ],
)
def test_normalize_email_refuses_non_emails(raw: str) -> None:
    with pytest.raises(RuleViolation) as info:
        normalize_email(raw)
    assert info.value.code == "validation_failed"
    assert [e.field for e in info.value.errors] == ["email"]
    assert info.value.errors[0].code == "invalid_email"


def test_normalize_email_accepts_320_characters_and_refuses_321() -> None:
    domain_part = "@example.com"
    longest = "a" * (320 - len(domain_part)) + domain_part
    assert len(longest) == 320
    assert normalize_email(longest) == longest

    with pytest.raises(RuleViolation) as info:
        normalize_email("a" + longest)
    assert info.value.code == "validation_failed"


def test_normalize_email_length_is_measured_after_stripping() -> None:
    domain_part = "@example.com"
    longest = "a" * (320 - len(domain_part)) + domain_part
    assert normalize_email(f"   {longest}   ") == longest


@given(st.emails())
def test_normalize_email_accepts_generated_addresses_and_is_idempotent(email: str) -> None:
    cleaned = normalize_email(email)
    assert cleaned == email.strip().lower()
    assert normalize_email(cleaned) == cleaned
    assert normalize_email(email.upper()) == normalize_email(email.lower())


# --- manager chain ---------------------------------------------------------------------


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


def bounded_lookup(
    data: Mapping[UUID, UUID | None], max_calls: int
) -> Callable[[UUID], UUID | None]:
    calls = 0

    def manager_of(member: UUID) -> UUID | None:
        nonlocal calls
        calls += 1
        if calls > max_calls:
            raise AssertionError("the walk did not stop: it is looping")
        return data.get(member)

    return manager_of


def cycle_of(error: RuleViolation) -> list[str]:
    cycle = error.extra["cycle"]
    assert isinstance(cycle, list)
    return [str(i) for i in cycle]


def test_being_ones_own_manager_is_a_loop() -> None:
    a = uuid4()
    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(a, a, {})
    assert info.value.code == "manager_cycle"
    assert cycle_of(info.value) == [str(a), str(a)]
    assert [e.field for e in info.value.errors] == ["manager_id"]
    assert info.value.errors[0].code == "manager_cycle"


def test_self_manager_is_a_loop_even_when_the_member_has_a_manager() -> None:
    a, boss = uuid4(), uuid4()
    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(a, a, {a: boss, boss: None})
    assert info.value.code == "manager_cycle"
    assert cycle_of(info.value) == [str(a), str(a)]


def test_managing_ones_own_manager_is_a_two_step_loop() -> None:
    boss, report = uuid4(), uuid4()
    managers: dict[UUID, UUID | None] = {boss: None, report: boss}
    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(boss, report, managers)
    assert info.value.code == "manager_cycle"
    assert cycle_of(info.value) == [str(boss), str(report), str(boss)]


def test_loop_through_a_deep_report_lists_the_whole_chain() -> None:
    ceo, vp, director, rep = uuid4(), uuid4(), uuid4(), uuid4()
    managers: dict[UUID, UUID | None] = {ceo: None, vp: ceo, director: vp, rep: director}
    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(ceo, rep, managers)
    assert info.value.code == "manager_cycle"
    assert cycle_of(info.value) == [str(ceo), str(rep), str(director), str(vp), str(ceo)]


def test_loop_in_the_middle_of_a_chain_is_found() -> None:
    ceo, vp, director, rep = uuid4(), uuid4(), uuid4(), uuid4()
    managers: dict[UUID, UUID | None] = {ceo: None, vp: ceo, director: vp, rep: director}
    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(vp, rep, managers)
    assert info.value.code == "manager_cycle"
    assert cycle_of(info.value) == [str(vp), str(rep), str(director), str(vp)]


@pytest.mark.parametrize("choice", ["peer", "skip_level", "stranger", "unknown"])
def test_managers_that_close_no_loop_are_accepted(choice: str) -> None:
    ceo, vp, director, rep, peer, stranger = (uuid4() for _ in range(6))
    managers: dict[UUID, UUID | None] = {
        ceo: None,
        vp: ceo,
        director: vp,
        rep: director,
        peer: director,
        stranger: None,
    }
    new_manager = {"peer": peer, "skip_level": vp, "stranger": stranger, "unknown": uuid4()}[choice]
    ensure_no_manager_loop(rep, new_manager, managers)
    assert manager_chain_loop(rep, new_manager, managers.get) is None


def test_giving_a_top_manager_a_manager_from_another_tree_is_accepted() -> None:
    ceo, vp, other_ceo, other_vp = uuid4(), uuid4(), uuid4(), uuid4()
    managers: dict[UUID, UUID | None] = {ceo: None, vp: ceo, other_ceo: None, other_vp: other_ceo}
    ensure_no_manager_loop(ceo, other_vp, managers)


def test_long_chain_without_a_loop_passes() -> None:
    people = [uuid4() for _ in range(10_000)]
    managers: dict[UUID, UUID | None] = {people[0]: None}
    for manager, report in pairwise(people):
        managers[report] = manager
    newcomer = uuid4()
    ensure_no_manager_loop(newcomer, people[-1], managers)
    # and the same chain does refuse the loop at its far end
    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(people[0], people[-1], managers)
    assert info.value.code == "manager_cycle"
    assert len(cycle_of(info.value)) == len(people) + 1


def test_existing_loop_elsewhere_does_not_hang_and_is_not_blamed_on_the_member() -> None:
    member, x, y, z = uuid4(), uuid4(), uuid4(), uuid4()
    # corrupt data: x -> y -> z -> y, a loop that does not include the member
    data: dict[UUID, UUID | None] = {member: None, x: y, y: z, z: y}
    managers = BoundedMapping(data, max_reads=50)
    ensure_no_manager_loop(member, x, managers)
    assert manager_chain_loop(member, x, bounded_lookup(data, max_calls=50)) is None


def test_existing_loop_on_the_new_manager_itself_does_not_hang() -> None:
    member, x = uuid4(), uuid4()
    data: dict[UUID, UUID | None] = {member: None, x: x}
    ensure_no_manager_loop(member, x, BoundedMapping(data, max_reads=50))


def test_manager_chain_loop_returns_the_path_from_the_member_back_to_itself() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    data: dict[UUID, UUID | None] = {a: None, b: a, c: b}
    assert manager_chain_loop(a, c, data.get) == [a, c, b, a]
    assert manager_chain_loop(c, a, data.get) is None


# --- property: a random forest of managers -----------------------------------------------

Forest = tuple[list[UUID], dict[UUID, UUID | None]]


@st.composite
def forests(draw: st.DrawFn) -> Forest:
    """A random acyclic manager forest: node i's manager is an earlier node or nobody.

    Ids are random UUIDs, so the index order says nothing about the id order.
    """
    size = draw(st.integers(min_value=1, max_value=30))
    ids = draw(st.lists(st.uuids(), min_size=size, max_size=size, unique=True))
    managers: dict[UUID, UUID | None] = {}
    for i, member in enumerate(ids):
        parent = draw(st.none() | st.integers(min_value=0, max_value=i - 1)) if i else None
        managers[member] = None if parent is None else ids[parent]
    return ids, managers


def member_and_descendants(member: UUID, managers: Mapping[UUID, UUID | None]) -> set[UUID]:
    """Everyone whose manager chain reaches ``member``, and the member: found top-down."""
    reports: dict[UUID, list[UUID]] = {}
    for person, manager in managers.items():
        if manager is not None:
            reports.setdefault(manager, []).append(person)
    found = {member}
    queue = deque([member])
    while queue:
        for report in reports.get(queue.popleft(), []):
            if report not in found:
                found.add(report)
                queue.append(report)
    return found


def chain_terminates(managers: Mapping[UUID, UUID | None]) -> bool:
    limit = len(managers) + 1
    for start in managers:
        current: UUID | None = start
        steps = 0
        while current is not None:
            steps += 1
            if steps > limit:
                return False
            current = managers.get(current)
    return True


@given(forest=forests(), data=st.data())
def test_manager_loop_refused_exactly_for_the_member_and_its_descendants(
    forest: Forest, data: st.DataObject
) -> None:
    ids, managers = forest
    member = data.draw(st.sampled_from(ids), label="member")
    new_manager = data.draw(st.sampled_from(ids) | st.uuids(), label="new_manager")

    expected_refusal = new_manager in member_and_descendants(member, managers)

    if not expected_refusal:
        ensure_no_manager_loop(member, new_manager, managers)
        # accepting it must leave a structure with no loop in it
        assert chain_terminates({**managers, member: new_manager})
        return

    with pytest.raises(RuleViolation) as info:
        ensure_no_manager_loop(member, new_manager, managers)
    assert info.value.code == "manager_cycle"
    cycle = cycle_of(info.value)
    assert cycle[0] == cycle[-1] == str(member)
    assert cycle[1] == str(new_manager)
    # every step after the new manager follows the current manager chain
    for person, manager in pairwise(cycle[1:]):
        assert str(managers[UUID(person)]) == manager
    # the member appears only at the ends: the loop is reported once round
    assert str(member) not in cycle[1:-1]
    assert len(set(cycle[1:-1])) == len(cycle) - 2
