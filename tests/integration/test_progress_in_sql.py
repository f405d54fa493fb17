"""Objective progress computed by Postgres equals ``domain.scoring``'s, digit for digit.

``AlignmentReader.objective_progress`` scores the KRs where they are stored (trees and unit
scores read one figure per objective); ``service.scores.measure`` scores the same KRs' figures
in Python by ``domain.scoring``. Generated objectives cover every kind of KR, decrease KRs,
targets equal to the start, zero and fractional weights, final scores (some set after the
instant read), milestones (some ids not the KR's), values on exact rounding ties, KRs without
check-ins and check-ins after the instant read.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text

from domain.okrs import CheckIn, Direction, KeyResult, MetricKind, Milestone, Objective
from domain.scoring import kr_progress
from service.ids import new_id
from service.scores import measure
from tests.factories import key_result_row, objective_row
from tests.integration.test_repositories import cycle, engine, member, organization, uow
from tests.service.harness import NOW  # the factories' rows are made then

__all__ = ["engine", "uow"]

EARLY = NOW + timedelta(days=1)  # the instant read in the past
LATE = NOW + timedelta(days=3)  # check-ins and final scores after EARLY
NUMBERS = ("0", "1", "3", "2.5", "7", "10", "-4", "12.345678901234", "20000", "0.00015", "99")
WEIGHTS = ("0", "1", "1", "2", "0.5", "0.333333333333", "3")


def _number(rng: random.Random) -> Decimal:
    return Decimal(rng.choice(NUMBERS))


def _key_result(rng: random.Random, objective: Objective, owner: Any) -> KeyResult:
    kind = rng.choice(list(MetricKind))
    fields: dict[str, Any] = {
        "metric_kind": kind,
        "weight": Decimal(rng.choice(WEIGHTS)),
        "direction": rng.choice(list(Direction)),
        "created_at": NOW + timedelta(minutes=rng.randint(0, 10)),
    }
    if kind is MetricKind.MILESTONES:
        fields["milestones"] = tuple(
            Milestone(id=new_id(), title=f"m{i}", weight=Decimal(rng.choice(("1", "2", "0.7"))))
            for i in range(rng.randint(1, 4))
        )
    elif kind is MetricKind.BOOLEAN:
        fields["start"], fields["target"] = Decimal(0), Decimal(1)
    else:
        start = _number(rng)
        fields["start"] = start
        fields["target"] = start if rng.random() < 0.15 else _number(rng)
    if rng.random() < 0.2:
        fields["final_score"] = Decimal(rng.choice(("0", "0.7", "1", "0.33335", "0.12345")))
        fields["final_scored_at"] = rng.choice((NOW, LATE))
        fields["final_score_reason"] = "closed"
    return key_result_row(objective, owner, NOW.date(), **fields)


def _check_ins(rng: random.Random, kr: KeyResult) -> list[CheckIn]:
    made = []
    for _ in range(rng.randint(0, 3)):
        at = rng.choice((NOW + timedelta(hours=rng.randint(1, 20)), LATE))
        value: Decimal | None = None
        done: tuple[UUID, ...] | None = None
        if kr.metric_kind is MetricKind.MILESTONES:
            ids = [m.id for m in kr.milestones] + [new_id()]  # an id of no milestone here
            done = tuple(rng.sample(ids, rng.randint(0, len(ids))))
        elif kr.metric_kind is MetricKind.BOOLEAN:
            value = Decimal(rng.choice((0, 1)))
        else:
            # Now and then exactly half a unit of the fourth place: a tie, rounded to even.
            span = kr.target - kr.start
            tie = kr.start + span * Decimal(rng.choice(("0.00005", "0.00015", "0.12345")))
            value = tie if rng.random() < 0.3 else _number(rng)
        made.append(_check_in(kr, value, done=done, at=at))
    return made


async def test_postgres_scores_objectives_as_the_domain_does(uow: Any) -> None:
    rng = random.Random(16)
    org = organization()
    owner = member(org.id, "Ann")
    quarter = cycle(org.id)
    objectives = [objective_row(quarter, f"O{i}", owner) for i in range(80)]
    krs = [_key_result(rng, o, owner) for o in objectives for _ in range(rng.randint(0, 5))]
    async with uow() as work:
        await work.organizations.add(org)
        await work.members.add(owner)
        await work.cycles.add(quarter)
        for objective in objectives:
            await work.objectives.add(objective)
        for kr in krs:
            await work.key_results.add(kr)
        for check_in in sorted(
            (c for kr in krs for c in _check_ins(rng, kr)), key=lambda c: c.created_at
        ):
            await work.check_ins.add(check_in)
        await work.commit()
    ids = [o.id for o in objectives]
    for instant in (EARLY, LATE + timedelta(days=1)):
        async with uow() as work:
            in_python = measure(await work.alignment.figures(org.id, ids, as_of=instant))
            in_sql = await work.alignment.objective_progress(org.id, ids, as_of=instant)
        expected = {k: str(v) for k, v in in_python.items() if v is not None}
        assert {k: str(v) for k, v in in_sql.items()} == expected
        assert len(expected) > 40  # most objectives have something to measure
    # Each KR's score of now is kept on its row: an edit of its start, target or direction
    # after its check-ins rescores it there too.
    edited = [
        replace(kr, start=kr.target, target=kr.start, direction=rng.choice(list(Direction)))
        for kr in krs
        if kr.metric_kind not in (MetricKind.MILESTONES, MetricKind.BOOLEAN) and rng.random() < 0.5
    ]
    async with uow() as work:
        for kr in edited:
            await work.key_results.update(
                replace(kr, version=kr.version + 1), previous_version=kr.version
            )
        await work.commit()
    async with uow() as work:
        later = LATE + timedelta(days=1)
        in_python = measure(await work.alignment.figures(org.id, ids, as_of=later))
        in_sql = await work.alignment.objective_progress(org.id, ids, as_of=later)
    assert len(edited) > 20
    assert {k: str(v) for k, v in in_sql.items()} == {
        k: str(v) for k, v in in_python.items() if v is not None
    }


async def test_no_objectives_no_statement(uow: Any) -> None:
    async with uow() as work:
        assert await work.alignment.objective_progress(new_id(), [], as_of=NOW) == {}


# Spans of fourteen digits and values a hair off a rounding tie (x.xxxx5): a quotient taken
# to 28 digits lands on the tie and rounds to even, the exact one rounds the other way.
NEAR_TIES = [
    ("0", "666387830259339.864181233919", "389137173479941.513688631547"),
    ("0", "999999999999999.999999999999", "583950000000000.000000000001"),
    ("0", "999999999999999.999999999999", "583949999999999.999999999999"),
    ("1000", "0", "0.000000000001"),  # a decrease KR: its start above its target
    ("5", "3", "5"),  # a decrease KR without progress: 0.0000, never -0.0000
]


def _near_tie_krs(objective: Objective, owner: Any) -> list[tuple[KeyResult, Decimal]]:
    made = []
    for start, target, value in NEAR_TIES:
        direction = Direction.DECREASE if Decimal(target) < Decimal(start) else Direction.INCREASE
        kr = key_result_row(
            objective,
            owner,
            NOW.date(),
            metric_kind=MetricKind.NUMBER,
            start=Decimal(start),
            target=Decimal(target),
            direction=direction,
        )
        made.append((kr, Decimal(value)))
    return made


# Twelve milestones whose weights add up past 28 digits; the first done: just above a tie.
MILESTONE_WEIGHTS = ["500000000001", *["999950000001999.9"] * 9, "999950000001999.899999999996"]


def _near_tie_milestones(objective: Objective, owner: Any) -> tuple[KeyResult, tuple[UUID, ...]]:
    milestones = tuple(
        Milestone(id=new_id(), title=f"m{i}", weight=Decimal(w))
        for i, w in enumerate(MILESTONE_WEIGHTS)
    )
    kr = key_result_row(
        objective, owner, NOW.date(), metric_kind=MetricKind.MILESTONES, milestones=milestones
    )
    return kr, (milestones[0].id,)


async def test_each_kr_score_kept_on_its_row_is_the_domains(uow: Any, engine: Any) -> None:
    """Per KR, not through an objective's mean (where one 0.0001 can round away)."""
    org = organization()
    owner = member(org.id, "Ann")
    quarter = cycle(org.id)
    objective = objective_row(quarter, "O", owner)
    krs = _near_tie_krs(objective, owner)
    milestones_kr, done = _near_tie_milestones(objective, owner)
    async with uow() as work:
        await work.organizations.add(org)
        await work.members.add(owner)
        await work.cycles.add(quarter)
        await work.objectives.add(objective)
        for kr, value in krs:
            await work.key_results.add(kr)
            await work.check_ins.add(_check_in(kr, value))
        await work.key_results.add(milestones_kr)
        await work.check_ins.add(_check_in(milestones_kr, None, done=done))
        await work.commit()
    async with engine.connect() as conn:
        stored = {
            row.id: row.current_score for row in await conn.execute(text(_SCORES), {"org": org.id})
        }
    expected = {kr.id: str(kr_progress(kr, current=value)) for kr, value in krs}
    expected[milestones_kr.id] = str(
        kr_progress(milestones_kr, current=None, milestones_done=frozenset(done))
    )
    assert {k: str(v) for k, v in stored.items()} == expected
    assert expected[krs[0][0].id] == "0.5839"  # the exact fraction's rounding
    assert expected[krs[-1][0].id] == "0.0000"
    assert expected[milestones_kr.id] == "0.0001"


async def test_the_score_is_kept_whatever_the_search_path(uow: Any, engine: Any) -> None:
    """A restore (pg_restore empties search_path) and logical replication compute the
    column too: the function must find what it calls without the search path."""
    org = organization()
    owner = member(org.id, "Ann")
    quarter = cycle(org.id)
    objective = objective_row(quarter, "O", owner)
    (kr, value), *_ = _near_tie_krs(objective, owner)
    async with uow() as work:
        await work.organizations.add(org)
        await work.members.add(owner)
        await work.cycles.add(quarter)
        await work.objectives.add(objective)
        await work.key_results.add(kr)
        await work.commit()
    async with engine.connect() as conn:
        await conn.execute(text("SET search_path TO ''"))
        await conn.execute(
            text(
                "UPDATE public.key_results SET current_value = :value "
                "WHERE organization_id = :org AND id = :id"
            ),
            {"value": value, "org": org.id, "id": kr.id},
        )
        score = await conn.scalar(
            text("SELECT current_score FROM public.key_results WHERE organization_id = :org"),
            {"org": org.id},
        )
        await conn.rollback()
    assert str(score) == "0.5839"


_SCORES = "SELECT id, current_score FROM key_results WHERE organization_id = :org"


def _check_in(
    kr: KeyResult,
    value: Decimal | None,
    *,
    done: tuple[UUID, ...] | None = None,
    at: datetime = NOW + timedelta(hours=1),
) -> CheckIn:
    return CheckIn(
        id=new_id(),
        organization_id=kr.organization_id,
        key_result_id=kr.id,
        author="member:test",
        value=value,
        milestones_done=done,
        confidence=None,
        note="",
        blockers="",
        created_at=at,
    )
