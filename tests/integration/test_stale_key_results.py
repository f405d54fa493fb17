"""The KR list and its stale filter: Postgres (in SQL) agrees with the domain's rule,
``domain.cadence``.

One scenario, seeded through the repositories: an organization in
Europe/Berlin (daylight saving moves its clocks on 2026-03-29 and 2026-10-25), KRs of each
cadence whose due instants fall on month ends, the skipped hour and the doubled hour, KRs
that never go stale (a draft, a closed objective, a closed cycle, a final score), a KR of a
private objective, and another organization's stale KR. Every list is read at instants
just before, at and just after each due instant, as every kind of viewer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import pytest

from domain.cadence import due_at, is_stale
from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import Conflict
from domain.members import Member
from domain.okrs import (
    Cadence,
    CheckIn,
    Direction,
    KeyResult,
    Level,
    MetricKind,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Organization
from service.ids import new_id
from service.okr_ports import KeyResultFilter, Viewer
from service.pagination import PageRequest
from service.ports import UnitOfWorkFactory
from tests.integration.test_alignment_reader import factory
from tests.integration.test_repositories import cycle, engine, member, organization, uow

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["engine", "factory", "uow"]

BERLIN = "Europe/Berlin"
T0 = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
US = timedelta(microseconds=1)


def _at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Scenario:
    org: Organization
    other_org: Organization
    ann: Member  # owns most KRs; reports to Lena
    bob: Member  # owns the private objective; reports to Lena
    lena: Member
    carl: Member  # nobody's manager, nobody's report
    year: Cycle
    cycles: dict[UUID, Cycle]
    objectives: dict[UUID, Objective]
    key_results: dict[str, KeyResult]  # by name
    check_ins: list[CheckIn]
    # Another organization's stale KR, with its cycle, owner and objective.
    other_cycle: Cycle
    other_member: Member
    other_objective: Objective
    other_kr: KeyResult

    def last_check_in(self, kr: KeyResult) -> datetime | None:
        times = [c.created_at for c in self.check_ins if c.key_result_id == kr.id]
        return max(times) if times else None

    def expected(self, now: datetime, viewer: Member | None, admin: bool) -> set[str]:
        """The names of the stale KRs ``viewer`` may see, by the domain's rule."""
        found = set()
        for name, kr in self.key_results.items():
            objective = self.objectives[kr.objective_id]
            if not _sees(self, objective, viewer, admin):
                continue
            if is_stale(
                kr,
                self.last_check_in(kr),
                objective_status=objective.status,
                cycle_state=self.cycles[objective.cycle_id].state,
                now=now,
                time_zone=BERLIN,
            ):
                found.add(name)
        return found


def _sees(s: Scenario, objective: Objective, viewer: Member | None, admin: bool) -> bool:
    if admin or objective.visibility is Visibility.PUBLIC:
        return True
    # Bob's private objective: Bob and his manager Lena.
    return viewer is not None and viewer.id in {s.bob.id, s.lena.id}


def _objective(org: Organization, cycle_of: Cycle, owner: Member, **fields: Any) -> Objective:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": org.id,
        "cycle_id": cycle_of.id,
        "title": "An objective",
        "description": "",
        "owner_kind": OwnerKind.MEMBER,
        "owner_id": owner.id,
        "level": Level.INDIVIDUAL,
        "status": ObjectiveStatus.ACTIVE,
        "visibility": Visibility.PUBLIC,
        "roll_up": False,
        "parent_objective_id": None,
        "parent_key_result_id": None,
        "source_objective_id": None,
        "version": 1,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return Objective(**values)


def _kr(objective: Objective, owner: Member, cadence: Cadence, created: datetime) -> KeyResult:
    return KeyResult(
        id=new_id(),
        organization_id=objective.organization_id,
        objective_id=objective.id,
        title=f"A {cadence} KR",
        owner_id=owner.id,
        metric_kind=MetricKind.NUMBER,
        unit=None,
        currency=None,
        start=Decimal(0),
        target=Decimal(10),
        direction=Direction.INCREASE,
        weight=Decimal(1),
        due_date=date(2026, 12, 31),
        confidence=None,
        milestones=(),
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=created,
        updated_at=created,
        cadence=cadence,
    )


def _check_in(kr: KeyResult, at: datetime) -> CheckIn:
    return CheckIn(
        id=new_id(),
        organization_id=kr.organization_id,
        key_result_id=kr.id,
        author="x",
        value=Decimal(1),
        milestones_done=None,
        confidence=None,
        note="",
        blockers="",
        created_at=at,
    )


def scenario() -> Scenario:
    org = organization("Acme", time_zone=BERLIN)
    other_org = organization("Globex", time_zone="Asia/Shanghai")
    lena = member(org.id, "Lena")
    ann = member(org.id, "Ann", manager_id=lena.id)
    bob = member(org.id, "Bob", manager_id=lena.id)
    carl = member(org.id, "Carl")
    year = replace(
        cycle(org.id, "2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR),
        state=CycleState.ACTIVE,
    )
    last_year = replace(
        cycle(org.id, "2025", date(2025, 1, 1), date(2025, 12, 31), CycleKind.YEAR),
        state=CycleState.CLOSED,
    )
    grow = _objective(org, year, ann, title="Grow")
    draft = _objective(org, year, ann, title="Draft", status=ObjectiveStatus.DRAFT)
    done = _objective(org, year, ann, title="Done", status=ObjectiveStatus.CLOSED)
    archived = _objective(org, year, ann, title="Gone", status=ObjectiveStatus.ARCHIVED)
    old = _objective(org, last_year, ann, title="Last year")
    secret = _objective(org, year, bob, title="Secret", visibility=Visibility.PRIVATE)

    krs = {
        # Checked in twice: the later check-in counts.
        "daily": _kr(grow, ann, Cadence.DAILY, T0),
        # 09:00 CET on Monday 03-23: due 09:00 CEST on 03-30, 07:00 UTC.
        "weekly_dst": _kr(grow, ann, Cadence.WEEKLY, T0),
        # 02:30 CET on 03-28: due at 02:30 on 03-29, a time the clocks skip.
        "daily_gap": _kr(grow, bob, Cadence.DAILY, T0),
        # 02:30 CEST on 10-24: due at 02:30 on 10-25, a time the clocks pass twice.
        "daily_overlap": _kr(grow, ann, Cadence.DAILY, T0),
        # 18:00 CET on 01-31: due on 02-28.
        "monthly_jan31": _kr(grow, ann, Cadence.MONTHLY, T0),
        # Never checked in, made at 00:30 CET on 03-01 (02-28 in UTC): due 04-01 local.
        "monthly_new": _kr(grow, ann, Cadence.MONTHLY, _at(2026, 2, 28, 23, 30)),
        "biweekly": _kr(grow, bob, Cadence.BIWEEKLY, _at(2026, 3, 20, 12, 0)),
        "final": replace(
            _kr(grow, ann, Cadence.DAILY, T0),
            final_score=Decimal("0.4"),
            final_score_reason="Dropped",
            final_scored_at=T0,
        ),
        "draft": _kr(draft, ann, Cadence.DAILY, T0),
        "done": _kr(done, ann, Cadence.DAILY, T0),
        "archived": _kr(archived, ann, Cadence.DAILY, T0),
        "old_cycle": _kr(old, ann, Cadence.DAILY, T0),
        "secret": _kr(secret, ann, Cadence.WEEKLY, T0),
    }
    check_ins = [
        _check_in(krs["daily"], _at(2026, 3, 10, 9, 0)),
        _check_in(krs["daily"], _at(2026, 3, 12, 9, 0)),
        _check_in(krs["daily"], _at(2026, 3, 11, 9, 0)),
        _check_in(krs["weekly_dst"], _at(2026, 3, 16, 8, 0)),
        _check_in(krs["weekly_dst"], _at(2026, 3, 23, 8, 0)),
        _check_in(krs["daily_gap"], _at(2026, 3, 28, 1, 30)),
        _check_in(krs["daily_overlap"], _at(2026, 10, 24, 0, 30)),
        _check_in(krs["monthly_jan31"], _at(2026, 1, 31, 17, 0)),
        _check_in(krs["secret"], _at(2026, 3, 20, 8, 0)),
    ]
    other_cycle = replace(
        cycle(other_org.id, "2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR),
        state=CycleState.ACTIVE,
    )
    other_member = member(other_org.id, "Zhao")
    other_objective = _objective(other_org, other_cycle, other_member)
    other_kr = _kr(other_objective, other_member, Cadence.DAILY, T0)
    return Scenario(
        org=org,
        other_org=other_org,
        ann=ann,
        bob=bob,
        lena=lena,
        carl=carl,
        year=year,
        cycles={c.id: c for c in (year, last_year)},
        objectives={o.id: o for o in (grow, draft, done, archived, old, secret)},
        key_results=krs,
        check_ins=check_ins,
        other_cycle=other_cycle,
        other_member=other_member,
        other_objective=other_objective,
        other_kr=other_kr,
    )


async def seed(factory: UnitOfWorkFactory, s: Scenario) -> None:
    async with factory() as work:
        await work.organizations.add(s.org)
        await work.organizations.add(s.other_org)
        for m in (s.lena, s.ann, s.bob, s.carl, s.other_member):
            await work.members.add(m)
        for c in (*s.cycles.values(), s.other_cycle):
            await work.cycles.add(c)
        for o in (*s.objectives.values(), s.other_objective):
            await work.objectives.add(o)
        for kr in (*s.key_results.values(), s.other_kr):
            await work.key_results.add(kr)
        for entry in s.check_ins:
            await work.check_ins.add(entry)
        await work.check_ins.add(_check_in(s.other_kr, _at(2026, 3, 1, 0, 0)))
        await work.commit()


def instants(s: Scenario) -> list[datetime]:
    """Each KR's due instant, and a microsecond either side of it, and a few others."""
    found = [_at(2026, 3, 1, 12, 0), _at(2026, 6, 1, 0, 0), _at(2027, 1, 1, 0, 0)]
    for kr in s.key_results.values():
        last = s.last_check_in(kr) or kr.created_at
        due = due_at(last, kr.cadence, BERLIN)
        found.extend((due - US, due, due + US))
    return sorted(found)


VIEWERS = ("admin", "ann", "bob", "lena", "carl", "integration")


def viewer_of(s: Scenario, name: str) -> tuple[Viewer, Member | None, bool]:
    if name == "admin":
        return Viewer(member_id=None, sees_everything=True), None, True
    if name == "integration":
        return Viewer(member_id=None, sees_everything=False), None, False
    who: Member = getattr(s, name)
    return Viewer(member_id=who.id, sees_everything=False), who, False


async def stale_names(
    factory: UnitOfWorkFactory,
    s: Scenario,
    now: datetime,
    viewer: Viewer,
    *,
    stale: bool | None = True,
    **filters: Any,
) -> set[str]:
    names = {kr.id: name for name, kr in s.key_results.items()}
    async with factory() as work:
        page = await work.key_results.list(
            s.org.id,
            KeyResultFilter(stale=stale, **filters),
            PageRequest(limit=200),
            viewer,
            now=now,
            time_zone=BERLIN,
        )
    return {names[kr.id] for kr in page.items}


# -- the domain's answers, in SQL -----------------------------------------------------------


async def test_the_stale_filter_follows_the_domain_rule(factory: UnitOfWorkFactory) -> None:
    s = scenario()
    await seed(factory, s)
    every = set(s.key_results)
    for now in instants(s):
        for name in VIEWERS:
            viewer, who, admin = viewer_of(s, name)
            visible = {
                n
                for n, kr in s.key_results.items()
                if _sees(s, s.objectives[kr.objective_id], who, admin)
            }
            expected = s.expected(now, who, admin)
            assert await stale_names(factory, s, now, viewer) == expected, (now, name)
            assert await stale_names(factory, s, now, viewer, stale=False) == visible - expected
    # Everything visible without the filter; the cycle filter; nothing of another org.
    everything = Viewer(member_id=None, sees_everything=True)
    assert await stale_names(factory, s, T0, everything, stale=None) == every
    last_year = next(c.id for c in s.cycles.values() if c.id != s.year.id)
    assert await stale_names(
        factory, s, _at(2027, 1, 1, 0, 0), everything, stale=None, cycle_id=last_year
    ) == {"old_cycle"}


async def test_the_hand_checked_instants(factory: UnitOfWorkFactory) -> None:
    """The due instants worked out by hand (Berlin: CET is UTC+1, CEST UTC+2)."""
    s = scenario()
    await seed(factory, s)
    admin = Viewer(member_id=None, sees_everything=True)

    async def stale_at(now: datetime, name: str) -> bool:
        return name in await stale_names(factory, s, now, admin)

    cases = {
        "daily": _at(2026, 3, 13, 9, 0),  # the latest of three check-ins + 1 day
        "weekly_dst": _at(2026, 3, 30, 7, 0),  # 09:00 local, a week later, in summer time
        "daily_gap": _at(2026, 3, 29, 1, 30),  # 02:30 does not exist: the later reading
        "daily_overlap": _at(2026, 10, 25, 1, 30),  # 02:30 CET, the later of the two
        "monthly_jan31": _at(2026, 2, 28, 17, 0),  # to the end of February
        "monthly_new": _at(2026, 3, 31, 22, 30),  # 04-01 00:30 CEST
        "biweekly": _at(2026, 4, 3, 11, 0),  # 13:00 CET -> 13:00 CEST
        "secret": _at(2026, 3, 27, 8, 0),  # 09:00 CET, still winter time
    }
    for name, due in cases.items():
        assert not await stale_at(due, name), name
        assert await stale_at(due + US, name), name
    for never in ("final", "draft", "done", "archived", "old_cycle"):
        assert not await stale_at(_at(2030, 1, 1, 0, 0), never)


async def test_the_list_pages_and_filters_by_owner_and_objective(
    factory: UnitOfWorkFactory,
) -> None:
    s = scenario()
    await seed(factory, s)
    admin = Viewer(member_id=None, sees_everything=True)
    assert await stale_names(factory, s, T0, admin, stale=None, owner_id=s.bob.id) == {
        "daily_gap",
        "biweekly",
    }
    grow = s.key_results["daily"].objective_id
    by_objective = await stale_names(factory, s, T0, admin, stale=None, objective_id=grow)
    assert by_objective == {
        "daily",
        "weekly_dst",
        "daily_gap",
        "daily_overlap",
        "monthly_jan31",
        "monthly_new",
        "biweekly",
        "final",
    }
    seen: list[UUID] = []
    after: UUID | None = None
    async with factory() as work:
        while True:
            page = await work.key_results.list(
                s.org.id,
                KeyResultFilter(stale=True),
                PageRequest(limit=2, after=after),
                admin,
                now=_at(2027, 1, 1, 0, 0),
                time_zone=BERLIN,
            )
            seen.extend(kr.id for kr in page.items)
            after = page.next_after
            if after is None:
                break
    expected = s.expected(_at(2027, 1, 1, 0, 0), None, True)
    assert seen == sorted(s.key_results[n].id for n in expected)
    assert s.other_kr.id not in seen


async def test_the_cadence_round_trips_and_an_unknown_one_is_refused(
    factory: UnitOfWorkFactory,
) -> None:
    s = scenario()
    await seed(factory, s)
    async with factory() as work:
        found = await work.key_results.get_many(s.org.id, [k.id for k in s.key_results.values()])
    assert {k.id: k.cadence for k in found.values()} == {
        k.id: k.cadence for k in s.key_results.values()
    }
    kr = s.key_results["daily"]
    async with factory() as work:
        await work.key_results.update(
            replace(kr, cadence=Cadence.MONTHLY, version=2), previous_version=1
        )
        await work.commit()
    async with factory() as work:
        updated = await work.key_results.get(s.org.id, kr.id)
    assert updated is not None
    assert (updated.cadence, updated.version) == (Cadence.MONTHLY, 2)
    with pytest.raises(Conflict):
        async with factory() as work:
            await work.key_results.add(replace(kr, id=new_id(), cadence=cast(Cadence, "hourly")))
