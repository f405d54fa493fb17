"""Unit tests of the milestone matching rule (domain/key_results.py ``revise_milestones``):
the server names milestones; a client names only the ones it keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import pytest

from domain.errors import RuleViolation
from domain.key_results import revise_milestones
from domain.okrs import Milestone


@dataclass(frozen=True)
class Sent:
    title: str
    weight: Decimal = Decimal(1)
    id: UUID | None = None


def ids() -> Iterator[UUID]:
    n = 100
    while True:
        n += 1
        yield UUID(int=n)


def fresh() -> Callable[[], UUID]:
    """Server ids 101, 102, ... in turn."""
    source = ids()
    return lambda: next(source)


DESIGN = Milestone(UUID(int=1), "Design", Decimal(1))
PILOT = Milestone(UUID(int=2), "Pilot", Decimal(2))


def test_new_milestones_get_server_ids() -> None:
    made = revise_milestones((), [Sent(" Design "), Sent("Pilot", Decimal(2))], fresh())
    assert made == (
        Milestone(UUID(int=101), "Design", Decimal(1)),
        Milestone(UUID(int=102), "Pilot", Decimal(2)),
    )


def test_a_sent_id_keeps_that_milestone_with_its_new_title_and_weight() -> None:
    made = revise_milestones(
        (DESIGN, PILOT),
        [Sent("Pilot signed", Decimal(3), PILOT.id), Sent("Launch")],
        fresh(),
    )
    # Pilot kept (so is its done state: check-ins name it by id), Design removed, Launch new.
    assert made == (
        Milestone(PILOT.id, "Pilot signed", Decimal(3)),
        Milestone(UUID(int=101), "Launch", Decimal(1)),
    )


def test_an_id_not_among_the_krs_milestones_is_refused_at_its_index() -> None:
    stranger = UUID(int=9)
    with pytest.raises(RuleViolation) as refused:
        revise_milestones(
            (DESIGN,),
            [Sent("Design", id=DESIGN.id), Sent("x", id=stranger), Sent("y", id=PILOT.id)],
            fresh(),
        )
    assert refused.value.code == "unknown_milestone"
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("milestones.1.id", "unknown"),
        ("milestones.2.id", "unknown"),
    ]


def test_a_new_key_result_takes_no_ids() -> None:
    with pytest.raises(RuleViolation) as refused:
        revise_milestones((), [Sent("Design", id=DESIGN.id)], fresh())
    assert [e.field for e in refused.value.errors] == ["milestones.0.id"]
