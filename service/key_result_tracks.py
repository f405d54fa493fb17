"""KR track events (进度状态提醒): ``key_result.track_status_changed`` and ``key_result.stale``.

A KR's track status moves when it is checked in on, and without a check-in as the calendar
moves (the expected progress rises every day); it goes stale when its update is overdue.
Integrations hear of each change once (``domain.tracks``): the KR row keeps what was last
reported (``key_results.reported_track_status`` / ``reported_stale_since``).

- At a check-in (:func:`report_check_ins`, called by ``service.checkins`` in the check-in's
  transaction): the status the new value gives, against the one last reported.
- By the sweep (:func:`sweep_key_result_tracks`): every KR that takes updates, every
  organization's, in batches: the status the calendar gives it now, and a stale spell not
  reported yet. Run it every :data:`SWEEP_INTERVAL` (``okr worker``); running it twice in a
  row records nothing new. One sweep runs at a time across workers (a lock held for the
  run; a worker that finds it taken skips its round), and should two ever overlap, each
  change is still recorded once (a report is kept only if the KR is as the sweep read it).

Both events reach exactly who may read the KR's objective, like every KR event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final
from uuid import UUID

from domain.cadence import takes_updates, update_status
from domain.cycles import Cycle
from domain.okrs import Aggregation, CheckIn, KeyResult, Objective, OwnerKind
from domain.organizations import Organization
from domain.scoring import TrackStatus
from domain.tracks import TrackReading, read_track, track_news
from service import audit
from service.auth import Principal
from service.context import Deps
from service.okr_ports import AuditEvent, KeyResultContext, Viewer
from service.pacing import PacedKeyResult, PacingInputs, paced_inputs
from service.ports import UnitOfWork
from service.quotas import summed_values
from service.scores import local_today, pacing_curve
from service.track_ports import CheckInTrack, NewReport, SweepPosition, TrackedKeyResult

SWEEP_INTERVAL: Final = timedelta(hours=1)
"""How often the worker runs the sweep: a KR's status moves at most once a day by the
calendar (its organization's midnight) and a stale spell begins at any minute, so an hour
is how late an integration hears of it at most."""

SWEEP_BATCH: Final = 500
"""KRs read per transaction of the sweep: short transactions, a bounded memory."""

SWEEP_ACTOR: Final = "system:track-sweep"
"""The audit actor of the events the sweep records (nobody did them: the calendar did)."""

TRACK_STATUS_CHANGED: Final = "key_result.track_status_changed"
STALE: Final = "key_result.stale"


def _track_status_changed(
    *,
    event_id: UUID,
    actor: str,
    kr: KeyResult,
    before: TrackStatus | None,
    reading: TrackReading,
    at: datetime,
) -> AuditEvent:
    return _kr_event(
        TRACK_STATUS_CHANGED,
        event_id=event_id,
        actor=actor,
        kr=kr,
        at=at,
        data={
            "from": before,
            "to": reading.status,
            "progress": reading.progress,
            "expected_progress": reading.expected_progress,
        },
    )


def _stale(
    *,
    event_id: UUID,
    kr: KeyResult,
    stale_since: datetime,
    last_check_in_at: datetime | None,
    at: datetime,
) -> AuditEvent:
    return _kr_event(
        STALE,
        event_id=event_id,
        actor=SWEEP_ACTOR,
        kr=kr,
        at=at,
        data={
            "stale_since": stale_since,
            "last_check_in_at": last_check_in_at,
            "cadence": kr.cadence,
        },
    )


def _kr_event(
    action: str,
    *,
    event_id: UUID,
    actor: str,
    kr: KeyResult,
    at: datetime,
    data: dict[str, object],
) -> AuditEvent:
    """An audit event about a KR with ``data``, its objective and the instant (the outbox
    derives the integration event and its allow-listed data from it)."""
    return AuditEvent(
        id=event_id,
        organization_id=kr.organization_id,
        occurred_at=at,
        actor=actor,
        action=action,
        resource_type="key_result",
        resource_id=kr.id,
        before=None,
        after=audit.snapshot({"objective_id": kr.objective_id, **data, "at": at}),
    )


def _reading(
    kr: KeyResult,
    current: Decimal | None,
    milestones_done: frozenset[UUID],
    cycle: Cycle,
    org: Organization,
    now: datetime,
    pacing: PacingInputs,
) -> TrackReading:
    """``kr``'s track with these figures, judged by its pacing curve on the org's today."""
    return read_track(
        kr,
        current=current,
        milestones_done=milestones_done,
        cycle_start=cycle.start_date,
        cycle_end=cycle.end_date,
        today=local_today(org, now),
        settings=org.scoring,
        curve=pacing_curve(
            kr,
            cycle,
            org,
            unit_pacing=pacing.unit_of(kr.id),
            learned=pacing.learned_of(kr.id),
        ),
    )


async def report_check_ins(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    checked: Sequence[tuple[KeyResultContext, CheckIn]],
) -> list[AuditEvent]:
    """The track events of check-ins just stored in the caller's unit of work (not yet
    committed), to record with the check-ins' own events: a status change where a check-in
    became its KR's latest and moved its status from the one last reported, which the KR
    keeps from now on. One statement for any number of check-ins (the organization was
    read with the KRs). KRs that take no updates (a draft objective, a final score) report
    nothing; a stale spell needs no word here: a check-in ends it."""
    org = await uow.organizations.get(principal.organization_id)
    if org is None:
        return []
    now = deps.clock.now()
    taking = [
        (found, entry)
        for found, entry in checked
        if takes_updates(found.objective.status, found.cycle.state, found.key_result.final_score)
    ]
    # Each KR's curve: its own, its owner unit's default (read with the KR's context), the
    # organization's, or learned (statements only when a KR learns its curve).
    pacing = await paced_inputs(
        uow,
        org,
        [PacedKeyResult(f.key_result, f.cycle, _owner_unit(f.objective)) for f, _ in taking],
        now,
        unit_defaults={
            unit: f.owner_unit_pacing
            for f, _ in taking
            if (unit := _owner_unit(f.objective)) is not None
        },
    )
    readings: dict[UUID, tuple[KeyResult, TrackReading]] = {}
    for found, entry in taking:
        kr = found.key_result
        done = frozenset(entry.milestones_done or ())
        readings[entry.id] = (
            kr,
            _reading(kr, entry.value, done, found.cycle, org, now, pacing),
        )
    tracks = [CheckInTrack(k.id, check_in_id, r.status) for check_in_id, (k, r) in readings.items()]
    before = await uow.tracks.report_check_ins(principal.organization_id, tracks)
    events: list[AuditEvent] = []
    for check_in_id, reported in before.items():
        kr, reading = readings[check_in_id]
        if track_news(reported, reading.status, None).status_changed:
            events.append(
                _track_status_changed(
                    event_id=deps.new_id(),
                    actor=principal.subject,
                    kr=kr,
                    before=reported.status,
                    reading=reading,
                    at=now,
                )
            )
    return events


# -- the sweep ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    """What the sweep makes of one KR now: the report to keep and the events it records."""

    report: NewReport
    events: tuple[AuditEvent, ...]


# Who a sum KR's sum is added up for in the sweep: its events reach every reader of the KR,
# so they carry the sum of its public contributors only (a private one's value would be
# recoverable by subtraction from a sum that counted it).
_PUBLIC_READER: Final = Viewer(member_id=None, sees_everything=False)


async def _with_sums(uow: UnitOfWork, batch: Sequence[TrackedKeyResult]) -> list[TrackedKeyResult]:
    """The batch with each sum KR's current value its public contributors' sum (its row has
    none: it takes no check-ins). Statements only for an organization with sum KRs in the
    batch (one per level of sums)."""
    by_org: dict[UUID, list[KeyResult]] = {}
    for tracked in batch:
        if tracked.key_result.aggregation is Aggregation.SUM:
            by_org.setdefault(tracked.organization.id, []).append(tracked.key_result)
    if not by_org:
        return list(batch)
    summed = {
        kr_id: value
        for org_id, krs in by_org.items()
        for kr_id, value in (await summed_values(uow, org_id, krs, _PUBLIC_READER)).items()
    }
    return [
        replace(t, current=summed[t.key_result.id]) if t.key_result.id in summed else t
        for t in batch
    ]


def _owner_unit(objective: Objective) -> UUID | None:
    return objective.owner_id if objective.owner_kind is OwnerKind.UNIT else None


async def _batch_pacing(
    uow: UnitOfWork, batch: Sequence[TrackedKeyResult], now: datetime
) -> dict[UUID, PacingInputs]:
    """Per organization of the batch, what its KRs' curves need: the owner units' defaults
    came with the rows (no statement); learned curves cost statements only for an
    organization with a KR that learns its curve (``service.pacing``)."""
    by_org: dict[UUID, list[TrackedKeyResult]] = {}
    for tracked in batch:
        by_org.setdefault(tracked.organization.id, []).append(tracked)
    return {
        org_id: await paced_inputs(
            uow,
            found[0].organization,
            [PacedKeyResult(x.key_result, x.cycle, x.owner_unit_id) for x in found],
            now,
            unit_defaults={u: x.unit_pacing for x in found if (u := x.owner_unit_id) is not None},
        )
        for org_id, found in by_org.items()
    }


def _look(
    deps: Deps, tracked: TrackedKeyResult, now: datetime, pacing: PacingInputs
) -> _Look | None:
    kr, org, cycle = tracked.key_result, tracked.organization, tracked.cycle
    reading = _reading(kr, tracked.current, tracked.milestones_done, cycle, org, now, pacing)
    # A sum KR takes no check-ins (its contributors do): it is never overdue.
    stale_since = (
        None
        if kr.aggregation is Aggregation.SUM
        else update_status(
            kr,
            tracked.latest_check_in_at,
            objective_status=tracked.objective_status,
            cycle_state=cycle.state,
            now=now,
            time_zone=org.time_zone,
        ).stale_since
    )
    news = track_news(tracked.reported, reading.status, stale_since)
    if news.keep == tracked.reported:
        return None
    events: list[AuditEvent] = []
    if news.status_changed:
        events.append(
            _track_status_changed(
                event_id=deps.new_id(),
                actor=SWEEP_ACTOR,
                kr=kr,
                before=tracked.reported.status,
                reading=reading,
                at=now,
            )
        )
    if news.stale_since is not None:
        events.append(
            _stale(
                event_id=deps.new_id(),
                kr=kr,
                stale_since=news.stale_since,
                last_check_in_at=tracked.latest_check_in_at,
                at=now,
            )
        )
    report = NewReport(
        organization_id=kr.organization_id,
        key_result_id=kr.id,
        seen=tracked.reported,
        seen_latest_check_in_id=tracked.latest_check_in_id,
        keep=news.keep,
    )
    return _Look(report, tuple(events))


async def sweep_key_result_tracks(deps: Deps, *, limit: int = SWEEP_BATCH) -> int:
    """Report what the calendar changed since the last look, every organization's KRs that
    take updates: a track status that drifted (expected progress rose), a stale spell begun.
    One transaction of three statements per ``limit`` KRs (the read, the reports kept, the
    events; each KR judged by its pacing curve, its owner unit's default read with it, and
    two more per kind of cycle for an organization with KRs that learn their curve); a KR
    a check-in or another sweep reported meanwhile is left to them. While another sweep
    runs (another worker's), this one does nothing: it records the same. Returns how many
    events were recorded: a second run right after records none."""
    # The lock's own unit of work, open for the run: the batches commit one by one, and
    # the lock must outlive them. It writes nothing, so it holds back no feed reader.
    async with deps.uow() as guard:
        if not await guard.tracks.try_lock_sweep():
            return 0
        return await _sweep(deps, limit)


async def _sweep(deps: Deps, limit: int) -> int:
    now = deps.clock.now()
    after: SweepPosition | None = None
    recorded = 0
    while True:
        async with deps.uow() as uow:
            batch = await _with_sums(uow, await uow.tracks.taking_updates(after, limit))
            pacing = await _batch_pacing(uow, batch, now)
            looks = [
                look
                for t in batch
                if (look := _look(deps, t, now, pacing[t.organization.id])) is not None
            ]
            kept = await uow.tracks.keep_reports([look.report for look in looks])
            events = [e for look in looks if look.report.key_result_id in kept for e in look.events]
            await uow.audit.record_many(events)
            await uow.commit()
        recorded += len(events)
        if len(batch) < limit:
            return recorded
        last = batch[-1].key_result
        after = SweepPosition(last.organization_id, last.id)
