"""What quota roll-up (``service.quotas``) reads from storage: the KRs adding into sum KRs,
with their figures, and the chain of contributions above a KR (for the loop check)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.okrs import Aggregation
from service.okr_ports import Viewer


@dataclass(frozen=True, kw_only=True)
class ContributorFigures:
    """A KR adding into ``into`` (a sum KR): what its sum and allocation read of it."""

    key_result_id: UUID
    into: UUID
    start: Decimal
    target: Decimal
    current: Decimal | None  # its latest check-in's value (at the instant asked); None: none
    aggregation: Aggregation  # a sum KR itself: its value is its own contributors' sum


class QuotaRepository(Protocol):
    async def contributors(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        *,
        viewer: Viewer,
        as_of: datetime | None = None,
    ) -> Mapping[UUID, Sequence[ContributorFigures]]:
        """The KRs adding into each of ``key_result_ids`` that ``viewer`` may see (their
        objective visible), oldest first, with their current values; at ``as_of`` (when
        given) the KRs that existed and added into it *then* (the link that held at the
        instant, not today's: a KR linked later is left out, an unlinked or moved one still
        counts where it added in), with their values then. One statement, whatever the
        number of KRs."""
        ...

    async def contribution_chain(
        self, organization_id: UUID, key_result_id: UUID
    ) -> Mapping[UUID, UUID]:
        """``key_result_id`` and every KR above it by contributions, each with the KR it adds
        into (absent: it adds into none). One recursive statement."""
        ...

    async def has_contributors(self, organization_id: UUID, key_result_id: UUID) -> bool:
        """Whether any KR adds into ``key_result_id`` (visible or not)."""
        ...

    async def has_contribution_history(self, organization_id: UUID, key_result_id: UUID) -> bool:
        """Whether any KR adds or ever added into ``key_result_id`` (visible or not)."""
        ...

    async def lock_and_has_check_ins(self, organization_id: UUID, key_result_id: UUID) -> bool:
        """Lock ``key_result_id``'s row until the commit (a check-in's write of it waits)
        and answer whether it has check-ins, read after the lock: a check-in committed
        first is seen. One statement."""
        ...

    async def contributions_into(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Sequence[tuple[UUID, UUID]]:
        """Every KR adding into one of ``key_result_ids`` (visible or not), as (the KR, the
        KR it adds into), oldest first. One statement."""
        ...
