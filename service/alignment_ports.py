"""The read side of alignment (对齐): lean rows for trees, roll-ups, coverage and stats.

Trees reach ten thousand objectives and forty thousand KRs, so these reads return small
named tuples with what the figures need, not whole entities, and each is one statement
whatever the size (recursive CTEs in Postgres). Implemented by service/storage/postgres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple, Protocol
from uuid import UUID

from domain.okrs import (
    Aggregation,
    Ambition,
    Direction,
    Level,
    MetricKind,
    Milestone,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.pacing_setting import PacingSetting
from domain.units import OrgUnit
from service.okr_ports import Viewer


class ObjectiveNode(NamedTuple):
    """An objective as a node of the alignment graph."""

    id: UUID
    cycle_id: UUID
    title: str
    level: Level
    status: ObjectiveStatus
    visibility: Visibility
    owner_kind: OwnerKind
    owner_id: UUID
    roll_up: bool
    parent_objective_id: UUID | None
    parent_key_result_id: UUID | None
    parent_id: UUID | None  # the objective it serves: its parent, or the KR's objective
    visible: bool  # to the viewer the read was made for
    ambition: Ambition = Ambition.ASPIRATIONAL  # grades it (domain.ambition)


class KeyResultFigures(NamedTuple):
    """A KR as scoring reads it, with its latest check-in as of the read's instant.

    Satisfies ``domain.scoring.Measurable``; ``final_score`` is only there when it had been
    set by then.
    """

    id: UUID
    objective_id: UUID
    metric_kind: MetricKind
    start: Decimal
    target: Decimal
    direction: Direction
    weight: Decimal
    milestones: tuple[Milestone, ...]
    final_score: Decimal | None
    current: Decimal | None  # the latest check-in's value (None: none yet)
    milestones_done: frozenset[UUID]
    pacing: PacingSetting | None = None  # its own curve (None: its unit's or the org's)
    # A sum KR's ``current`` is its row's (none: it takes no check-ins) until the caller
    # puts in the sum its viewer may see (``service.scores.node_progress``).
    aggregation: Aggregation = Aggregation.NONE


class OwnCurve(NamedTuple):
    """A KR that sets its own pacing curve, as its objective's expected progress weighs it
    (its start and target place a target schedule's values on the curve)."""

    weight: Decimal
    pacing: PacingSetting
    start: Decimal
    target: Decimal


class PacedProgress(NamedTuple):
    """An objective's own progress, with what its expected progress needs beyond its owner
    unit's and the organization's default curve: the total weight of its KRs (the weights of
    its progress) and the KRs among them that set a curve of their own (few: most inherit)."""

    progress: Decimal
    weight: Decimal
    own_curves: tuple[OwnCurve, ...] = ()
    # A sum KR of positive weight among its KRs: ``progress`` counted it at its row's value
    # (its start), and the caller scores the objective again with the viewer's sum.
    sums: bool = False


class WeekActivity(NamedTuple):
    week: int  # 1 for the cycle's first seven days
    starts_on: date
    check_ins: int
    key_results_updated: int


class AlignmentReader(Protocol):
    async def cycle_nodes(
        self, organization_id: UUID, cycle_id: UUID, *, viewer: Viewer, as_of: datetime
    ) -> Sequence[ObjectiveNode]:
        """The objectives of the cycle and of the cycles nested in it (a year's quarters)
        that existed at ``as_of``, oldest first, hidden ones flagged, not left out."""

    async def subtree_nodes(
        self,
        organization_id: UUID,
        root_ids: Sequence[UUID],
        *,
        viewer: Viewer,
        as_of: datetime,
        max_depth: int | None = None,
        through_roll_ups: bool = False,
    ) -> Sequence[ObjectiveNode]:
        """The roots and every objective aligned below them, in any cycle, down to
        ``max_depth`` levels (one recursive query); oldest first. ``through_roll_ups``
        descends below the roots only through roll-up objectives: what a roll-up figure
        needs (an objective with its own KRs is measured by them, not by its children)."""

    async def figures(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Sequence[KeyResultFigures]:
        """The KRs of these objectives that existed at ``as_of``, oldest first, each with
        its latest check-in at that instant (one statement)."""

    async def objective_progress(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Mapping[UUID, Decimal]:
        """Each objective's own progress from its KRs as they stood at ``as_of``, scored
        as ``domain.scoring`` scores them (a sum KR at its row's value: its start),
        computed where they are stored (one figure per objective read, not its KRs); an
        objective with nothing to measure (no KR of positive weight) is absent. One
        statement."""

    async def paced_progress(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Mapping[UUID, PacedProgress]:
        """:meth:`objective_progress` (the same statement), each with its KRs' total weight
        and the KRs of positive weight that set their own curve: what judging it by its KRs'
        curves needs, at the cost of reading the rare KR with a curve of its own; and whether
        a sum KR weighs in it (``sums``: its progress then counts that KR at its start)."""

    async def units(self, organization_id: UUID) -> Sequence[OrgUnit]:
        """Every org unit (an organization has hundreds, not millions)."""

    async def unit_memberships(self, organization_id: UUID) -> Sequence[tuple[UUID, UUID]]:
        """``(unit_id, member_id)`` for every active member of every unit."""

    async def active_member_ids(self, organization_id: UUID) -> Sequence[UUID]: ...

    async def check_in_weeks(
        self,
        organization_id: UUID,
        objective_ids: Sequence[UUID],
        *,
        starts_on: date,
        ends_on: date,
        time_zone: str,
        as_of: datetime,
    ) -> Mapping[int, tuple[int, int]]:
        """Per week of the cycle with any (1: its first seven days, in the organization's
        time zone): the check-ins on these objectives' KRs made by ``as_of`` between
        ``starts_on`` and ``ends_on``, and how many KRs they updated."""
