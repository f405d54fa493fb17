"""What learned pacing reads from storage (``service.pacing``): the KRs of an organization's
last closed cycles that may teach a curve, with their check-in histories."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.cycles import Cycle, CycleKind
from domain.okrs import KeyResult


@dataclass(frozen=True)
class PastCheckIn:
    created_at: datetime
    value: Decimal | None
    milestones_done: tuple[UUID, ...] | None


@dataclass(frozen=True)
class ClosedKeyResult:
    """A KR of a closed cycle: its objective's owner unit (None: a member's objective)."""

    key_result: KeyResult
    owner_unit_id: UUID | None
    cycle: Cycle


class PacingHistory(Protocol):
    async def closed_key_results(
        self,
        organization_id: UUID,
        *,
        kind: CycleKind,
        ended_before: date,
        cycles: int,
        kpi_ids: Collection[UUID],
        unit_ids: Collection[UUID],
    ) -> Sequence[ClosedKeyResult]:
        """The KRs of the last ``cycles`` closed cycles of ``kind`` that ended before
        ``ended_before`` (latest end first), of objectives that count in figures, that
        follow one of ``kpi_ids`` or whose objective one of ``unit_ids`` owns. One
        statement."""
        ...

    async def check_ins(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> dict[UUID, list[PastCheckIn]]:
        """Every check-in of the KRs, oldest first per KR. One statement."""
        ...
