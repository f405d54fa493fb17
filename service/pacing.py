"""What judging a KR by its pacing curve needs from storage: its objective's owner unit's
default curve, and for ``learned`` settings the comparable history (DOMAIN.md "Sales pacing,
forecast and quotas"; the rules are ``domain.pacing``'s).

Read per request for a set of KRs, in a bounded number of statements whatever their count:
none when no KR needs them, one for the units' defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.cycles import Cycle
from domain.okrs import KeyResult, MetricKind, Objective, OwnerKind
from domain.organizations import Organization
from domain.pacing import (
    LEARNING_CYCLES,
    PacingChoice,
    PacingPeer,
    ProgressHistory,
    chosen_setting,
    comparable,
    default_curve,
    elapsed_fraction,
    learn_curve,
    setting_curve,
    validate_setting,
)
from domain.pacing_setting import CurveKind, PacingSetting
from domain.quotas import unit_of_measure
from domain.scoring import kr_progress
from service.pacing_ports import ClosedKeyResult, PastCheckIn
from service.ports import UnitOfWork


@dataclass(frozen=True)
class PacingInputs:
    """Per KR id: its objective's owner unit's default curve, and its learned curve."""

    unit_defaults: Mapping[UUID, PacingSetting]
    learned: Mapping[UUID, PacingChoice]

    def unit_of(self, kr_id: UUID) -> PacingSetting | None:
        return self.unit_defaults.get(kr_id)

    def learned_of(self, kr_id: UUID) -> PacingChoice | None:
        return self.learned.get(kr_id)


NO_INPUTS = PacingInputs({}, {})


@dataclass(frozen=True)
class PacedKeyResult:
    """A KR to judge, with its cycle and its objective's owner unit (None: a member's)."""

    key_result: KeyResult
    cycle: Cycle
    owner_unit_id: UUID | None


async def pacing_inputs(
    uow: UnitOfWork,
    org: Organization,
    krs: Iterable[tuple[KeyResult, Objective, Cycle]],
    at: datetime,
    *,
    unit_defaults: Mapping[UUID, PacingSetting | None] | None = None,
) -> PacingInputs:
    """What the KRs (each with its objective and cycle) need beyond themselves and the
    organization, as of ``at``: see :func:`paced_inputs`."""
    paced = [PacedKeyResult(kr, c, _owner_unit(o)) for kr, o, c in krs]
    return await paced_inputs(uow, org, paced, at, unit_defaults=unit_defaults)


async def paced_inputs(
    uow: UnitOfWork,
    org: Organization,
    krs: Iterable[PacedKeyResult],
    at: datetime,
    *,
    unit_defaults: Mapping[UUID, PacingSetting | None] | None = None,
) -> PacingInputs:
    """The owner unit's default of each unit-owned objective whose KR sets no curve of its
    own, and the learned curve of each KR judged by a ``learned`` setting, as of ``at``.

    ``unit_defaults`` (by unit id, ``None``: the unit sets none) are the defaults the caller
    read with its rows: the units not among them cost one statement (none when every unit
    is known). A learned curve costs two statements per kind of cycle among the learning
    KRs, only when there is such a KR."""
    krs = list(krs)
    needing = [p for p in krs if p.key_result.pacing is None and p.owner_unit_id is not None]
    known: dict[UUID, PacingSetting | None] = dict(unit_defaults or {})
    missing = list({u for p in needing if (u := p.owner_unit_id) and u not in known})
    if missing:
        units = await uow.units.get_many(org.id, missing)
        known.update((u, unit.pacing if (unit := units.get(u)) else None) for u in missing)
    defaults = {
        p.key_result.id: setting
        for p in needing
        if p.owner_unit_id is not None and (setting := known.get(p.owner_unit_id)) is not None
    }
    learning = [p for p in krs if _learns(p.key_result, defaults.get(p.key_result.id), org)]
    if not learning and not defaults:
        return NO_INPUTS
    learned = await _learned(uow, org, learning, defaults, at) if learning else {}
    return PacingInputs(defaults, learned)


def _learns(kr: KeyResult, unit: PacingSetting | None, org: Organization) -> bool:
    chosen = chosen_setting(kr.pacing, unit, org.pacing)[0]
    return chosen is not None and chosen.kind is CurveKind.LEARNED


def _peer(kr: KeyResult, owner_unit_id: UUID | None) -> PacingPeer:
    return PacingPeer(kpi_id=kr.kpi_id, unit_id=owner_unit_id, measure=unit_of_measure(kr))


def _owner_unit(objective: Objective) -> UUID | None:
    return objective.owner_id if objective.owner_kind is OwnerKind.UNIT else None


def owner_unit_ids(objectives: Iterable[Objective]) -> list[UUID]:
    """The units owning any of ``objectives``: whose default curves judging their KRs may
    need (read with the cycles, ``cycles_with_unit_pacing``, then ``unit_defaults``)."""
    return list({u for o in objectives if (u := _owner_unit(o)) is not None})


async def _learned(
    uow: UnitOfWork,
    org: Organization,
    learning: list[PacedKeyResult],
    defaults: Mapping[UUID, PacingSetting],
    at: datetime,
) -> dict[UUID, PacingChoice]:
    """Each learning KR's curve from the comparable KRs of the last closed cycles of its
    cycle's kind (quarters teach quarters) that ended before ``at``'s day: a cycle still
    open, or ended on or after the instant, teaches nothing yet."""
    today = at.astimezone(ZoneInfo(org.time_zone)).date()
    choices: dict[UUID, PacingChoice] = {}
    for kind in {p.cycle.kind for p in learning}:
        of_kind = [(p.key_result, p.owner_unit_id) for p in learning if p.cycle.kind is kind]
        closed = await uow.pacing_history.closed_key_results(
            org.id,
            kind=kind,
            ended_before=today,
            cycles=LEARNING_CYCLES,
            kpi_ids={kr.kpi_id for kr, _ in of_kind if kr.kpi_id is not None},
            unit_ids={u for _, u in of_kind if u is not None},
        )
        peers = {c.key_result.id: _peer(c.key_result, c.owner_unit_id) for c in closed}
        wanted = {
            kr.id: [c for c in closed if comparable(peers[c.key_result.id], _peer(kr, unit))]
            for kr, unit in of_kind
        }
        used = sorted({c.key_result.id for found in wanted.values() for c in found})
        histories = await uow.pacing_history.check_ins(org.id, used) if used else {}
        for kr, _ in of_kind:
            paths = [_history(c, histories.get(c.key_result.id, []), org) for c in wanted[kr.id]]
            default = default_curve(defaults.get(kr.id), org.pacing)
            choices[kr.id] = learn_curve((p for p in paths if p is not None), default)
    return choices


def _history(
    closed: ClosedKeyResult, check_ins: list[PastCheckIn], org: Organization
) -> ProgressHistory | None:
    """A closed KR's path: its progress at each check-in over the elapsed fraction of its
    cycle (on the organization's calendar), and its final progress (the last check-in's);
    ``None`` without a check-in."""
    if not check_ins:
        return None
    kr, cycle, zone = closed.key_result, closed.cycle, ZoneInfo(org.time_zone)
    series = []
    for entry in check_ins:
        current = None if kr.metric_kind is MetricKind.MILESTONES else entry.value
        progress = kr_progress(
            kr, current=current, milestones_done=frozenset(entry.milestones_done or ())
        )
        day = entry.created_at.astimezone(zone).date()
        series.append((elapsed_fraction(cycle.start_date, cycle.end_date, day), progress))
    return ProgressHistory(series=tuple(series), final_progress=series[-1][1])


def ensure_pacing(kr: KeyResult, cycle: Cycle, *, field: str = "pacing") -> None:
    """Refuse a KR whose own curve is none for it: bad custom points, or a schedule that
    does not fit its start, target and cycle (``validation_failed`` with field paths)."""
    if kr.pacing is None:
        return
    validate_setting(kr.pacing, field=field)
    if kr.pacing.kind is CurveKind.SCHEDULE:
        setting_curve(
            kr.pacing,
            start=kr.start,
            target=kr.target,
            start_date=cycle.start_date,
            end_date=cycle.end_date,
            field=field,
        )


def ensure_default_pacing(setting: PacingSetting | None, *, field: str = "pacing") -> None:
    """Refuse a unit's or an organization's default that is no curve (or a schedule)."""
    if setting is not None:
        validate_setting(setting, field=field, default=True)
