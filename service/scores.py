"""Scores on every read: KR and objective progress, grade, expected progress and status.

Derived from the KRs and their latest check-ins by ``domain.scoring`` on each read, never
stored, so they cannot drift from the check-in history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.cycles import Cycle
from domain.okrs import CheckIn, KeyResult, MetricKind, Objective
from domain.organizations import Organization
from domain.scoring import (
    Grade,
    TrackStatus,
    expected_progress,
    grade,
    kr_progress,
    kr_score,
    objective_progress,
    track_status,
)
from service.ports import UnitOfWork


@dataclass(frozen=True)
class KeyResultView:
    key_result: KeyResult
    latest: CheckIn | None
    current: Decimal | None
    milestones_done: frozenset[UUID]
    progress: Decimal
    score: Decimal
    grade: Grade
    expected_progress: Decimal
    status: TrackStatus


@dataclass(frozen=True)
class ObjectiveView:
    objective: Objective
    key_results: Sequence[KeyResultView]
    progress: Decimal | None  # None: no KRs (or only zero-weight ones)
    grade: Grade | None
    expected_progress: Decimal
    status: TrackStatus | None


def local_today(org: Organization, now: datetime) -> date:
    """ "Today" in the organization's time zone: a cycle ends at its local midnight."""
    return now.astimezone(ZoneInfo(org.time_zone)).date()


def view_key_result(
    kr: KeyResult, latest: CheckIn | None, cycle: Cycle, org: Organization, today: date
) -> KeyResultView:
    current = latest.value if latest is not None else None
    done = frozenset(latest.milestones_done or ()) if latest is not None else frozenset[UUID]()
    if kr.metric_kind is MetricKind.MILESTONES:
        current = None
    progress = kr_progress(kr, current=current, milestones_done=done)
    score = kr_score(kr, progress)
    expected = expected_progress(cycle.start_date, cycle.end_date, today)
    return KeyResultView(
        key_result=kr,
        latest=latest,
        current=current,
        milestones_done=done,
        progress=progress,
        score=score,
        grade=grade(score, org.scoring),
        expected_progress=expected,
        status=track_status(progress, expected, org.scoring),
    )


def view_objective(
    objective: Objective,
    key_results: Sequence[KeyResult],
    latest: Mapping[UUID, CheckIn],
    cycle: Cycle,
    org: Organization,
    today: date,
) -> ObjectiveView:
    krs = [view_key_result(kr, latest.get(kr.id), cycle, org, today) for kr in key_results]
    progress = objective_progress([(v.score, v.key_result.weight) for v in krs])
    expected = expected_progress(cycle.start_date, cycle.end_date, today)
    return ObjectiveView(
        objective=objective,
        key_results=krs,
        progress=progress,
        grade=grade(progress, org.scoring) if progress is not None else None,
        expected_progress=expected,
        status=track_status(progress, expected, org.scoring) if progress is not None else None,
    )


async def view_objectives(
    uow: UnitOfWork, org: Organization, objectives: Sequence[Objective], now: datetime
) -> list[ObjectiveView]:
    """Views of many objectives in a fixed number of statements (KRs, check-ins, cycles)."""
    if not objectives:
        return []
    org_id = org.id
    krs = await uow.key_results.of_objectives(org_id, [o.id for o in objectives])
    kr_ids = [kr.id for group in krs.values() for kr in group]
    latest = await uow.check_ins.latest(org_id, kr_ids)
    cycles = await uow.cycles.get_many(org_id, list({o.cycle_id for o in objectives}))
    today = local_today(org, now)
    return [
        view_objective(o, krs.get(o.id, ()), latest, cycles[o.cycle_id], org, today)
        for o in objectives
    ]
