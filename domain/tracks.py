"""Track reports (进度状态): what integrations hear of a KR's track status and staleness.

A KR's **track status** (on track, at risk, off track: ``domain.scoring``) moves when it is
checked in on and, without a check-in, as the calendar moves (the expected progress rises
every day). A KR is **stale** when its update is overdue (``domain.cadence``). Both are
reported as events, each change once: the service keeps what it last reported of each KR
(:class:`Reported`) and :func:`track_news` says what is new against it.

A stale spell is named by the instant it began (``stale_since``: the due instant). A check-in
moves the due instant, so the next time the KR goes stale is another spell, reported again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.okrs import MetricKind
from domain.organizations import ScoringSettings
from domain.pacing import LINEAR, PacingCurve, elapsed_fraction
from domain.pacing import expected_progress as curve_progress
from domain.scoring import (
    Measurable,
    TrackStatus,
    kr_progress,
    kr_track_status,
    weighted_mean,
)


@dataclass(frozen=True)
class TrackReading:
    """Where a KR stands against its cycle on a day."""

    progress: Decimal
    expected_progress: Decimal
    status: TrackStatus


def read_track(
    kr: Measurable,
    *,
    current: Decimal | None,
    milestones_done: frozenset[UUID],
    cycle_start: date,
    cycle_end: date,
    today: date,
    settings: ScoringSettings,
    curve: PacingCurve = LINEAR,
) -> TrackReading:
    """The KR's track status on ``today`` (its organization's local day), from its current
    value (or done milestones). The one place the reported status is computed: the expected
    progress is ``curve`` (the KR's pacing curve, ``domain.pacing``) at the elapsed fraction
    of the cycle; on the linear curve, the straight line's figure exactly."""
    if kr.metric_kind is MetricKind.MILESTONES:
        current = None
    progress = kr_progress(kr, current=current, milestones_done=milestones_done)
    expected = curve_progress(curve, elapsed_fraction(cycle_start, cycle_end, today))
    return TrackReading(progress, expected, kr_track_status(kr, progress, expected, settings))


def objective_expected_progress(
    key_results: Iterable[tuple[Decimal, Decimal]], straight_line: Decimal
) -> Decimal:
    """An objective's expected progress: the weighted mean of its KRs' ``(expected
    progress, weight)``, each KR's by its own curve, with the weights of its progress, so an
    objective of back-loaded KRs is judged back-loaded. With nothing to weigh (no KRs, or
    only zero-weight ones: a roll-up objective), ``straight_line``: the cycle's elapsed
    fraction, as before curves."""
    mean = weighted_mean(key_results)
    return mean if mean is not None else straight_line


def pooled_expected_progress(
    total_weight: Decimal,
    inherited: Decimal,
    own_curves: Iterable[tuple[Decimal, Decimal]],
    straight_line: Decimal,
) -> Decimal:
    """:func:`objective_expected_progress` of an objective whose KRs of ``total_weight``
    mostly share one curve (its owner unit's default, else the organization's), whose
    expected progress is ``inherited``; ``own_curves`` are the ``(expected progress,
    weight)`` of the KRs with a curve of their own. The KRs that inherit weigh the rest as
    one pair: the same sums as listing each, so exactly the same figure, read without them."""
    own = list(own_curves)
    rest = total_weight - sum((weight for _, weight in own), Decimal(0))
    return objective_expected_progress([(inherited, rest), *own], straight_line)


@dataclass(frozen=True)
class Reported:
    """What was last reported of a KR. ``status`` None: nothing yet, and the first look is
    a baseline (stored, not reported): KRs that existed before the events did."""

    status: TrackStatus | None
    stale_since: datetime | None


@dataclass(frozen=True)
class TrackNews:
    """What a look at a KR reports, and what to keep as reported after it."""

    keep: Reported
    status_changed: bool  # report ``before.status`` -> ``keep.status``
    stale_since: datetime | None  # a new stale spell to report, begun at this instant

    @property
    def anything(self) -> bool:
        return self.status_changed or self.stale_since is not None


def track_news(before: Reported, status: TrackStatus, stale_since: datetime | None) -> TrackNews:
    """What is new of a KR now in ``status`` and stale since ``stale_since`` (None: not
    stale) against what was reported ``before``: a status change; a stale spell not reported
    yet. The spell reported is kept while the KR is fresh: it names a spell that is over."""
    spell = stale_since if stale_since is not None else before.stale_since
    keep = Reported(status, spell)
    if before.status is None:
        return TrackNews(keep, status_changed=False, stale_since=None)
    new_spell = stale_since is not None and stale_since != before.stale_since
    return TrackNews(
        keep,
        status_changed=status is not before.status,
        stale_since=stale_since if new_spell else None,
    )
