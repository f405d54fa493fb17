"""The port of KR track reports (service/key_result_tracks.py): what was last reported of
each KR's track status and staleness, and the KRs the sweep looks at. Implemented by
service/storage/postgres/track_repositories.py."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.cycles import Cycle
from domain.okrs import KeyResult, ObjectiveStatus
from domain.organizations import Organization
from domain.pacing_setting import PacingSetting
from domain.scoring import TrackStatus
from domain.tracks import Reported


@dataclass(frozen=True)
class CheckInTrack:
    """The status a check-in gives its KR, if it is the KR's latest."""

    key_result_id: UUID
    check_in_id: UUID
    status: TrackStatus


@dataclass(frozen=True, order=True)
class SweepPosition:
    """Where a sweep stands: after this KR, in (organization, id) order."""

    organization_id: UUID
    key_result_id: UUID


@dataclass(frozen=True)
class TrackedKeyResult:
    """A KR that takes updates, with what its status and staleness are computed from."""

    key_result: KeyResult
    objective_status: ObjectiveStatus
    cycle: Cycle
    organization: Organization
    current: Decimal | None
    milestones_done: frozenset[UUID]
    latest_check_in_id: UUID | None
    latest_check_in_at: datetime | None
    reported: Reported
    # Its objective's owner unit (None: a member's objective) and that unit's default
    # pacing curve, read with the row: the sweep judges the KR by it (no units read).
    owner_unit_id: UUID | None = None
    unit_pacing: PacingSetting | None = None


@dataclass(frozen=True)
class NewReport:
    """What to keep as reported of a KR, kept only when the KR is still as the sweep read
    it (its reported values and its latest check-in): else another writer reported first."""

    organization_id: UUID
    key_result_id: UUID
    seen: Reported
    seen_latest_check_in_id: UUID | None
    keep: Reported


class KeyResultTracks(Protocol):
    async def report_check_ins(
        self, organization_id: UUID, tracks: Sequence[CheckInTrack]
    ) -> Mapping[UUID, Reported]:
        """Keep each status as its KR's reported one where its check-in is the KR's latest,
        and answer what those KRs had reported before, by check-in id. One statement; call it after
        the check-ins were stored in the same unit of work (their KR rows are then locked
        until the commit, so what it answers is exact, concurrent check-ins included)."""

    async def taking_updates(
        self, after: SweepPosition | None, limit: int
    ) -> Sequence[TrackedKeyResult]:
        """Up to ``limit`` KRs that take updates (``domain.cadence.takes_updates``), every
        organization's, after ``after`` in (organization, id) order. One statement."""

    async def try_lock_sweep(self) -> bool:
        """Take the sweep's lock until this unit of work ends, without waiting; False:
        another sweep (another worker's) holds it now."""

    async def keep_reports(self, reports: Collection[NewReport]) -> set[UUID]:
        """Keep the reports whose KRs are still as seen; answer the KR ids kept. One
        statement (none for no reports)."""
