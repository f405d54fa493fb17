"""Quota roll-up (配额汇总): team KRs that add up into a department's KR.

DOMAIN.md "Sales pacing, forecast and quotas". A KR may contribute to a KR of the objective its
objective aligns to, when both measure the same thing the same way (unit of measure and
direction); a contribution never closes a loop. A KR with ``aggregation: sum``
(``domain.okrs.Aggregation``, a field of the KR) takes the sum
of its contributors' current values, and its allocation says whether their targets cover
its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, Protocol
from uuid import UUID

from domain.alignment import alignment_loop
from domain.errors import FieldError, RuleViolation
from domain.okrs import Direction, MetricKind

ZERO: Final = Decimal(0)

# Only quantities add up: a yes/no KR or a milestones KR has no value to sum.
SUMMABLE_KINDS: Final = frozenset({MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY})


class Measured(Protocol):
    """What the rules here read of a KR: a ``KeyResult`` or a row of one."""

    @property
    def metric_kind(self) -> MetricKind: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def direction(self) -> Direction: ...


@dataclass(frozen=True)
class UnitOfMeasure:
    """What a KR counts: its metric kind with its unit ("customers") or currency ("CNY").
    Units compare without case or surrounding blanks ("Customers " is "customers")."""

    metric_kind: MetricKind
    unit: str | None
    currency: str | None


def unit_of_measure(kr: Measured) -> UnitOfMeasure:
    unit = None if kr.unit is None else kr.unit.strip().casefold() or None
    currency = None if kr.currency is None else kr.currency.strip().upper() or None
    return UnitOfMeasure(kr.metric_kind, unit, currency)


def contribution_errors(
    contributor: Measured, parent: Measured, *, field: str = "contributes_to_key_result_id"
) -> list[FieldError]:
    """Why ``contributor`` may not add into ``parent`` (empty when it may): ``not_summable``
    (a boolean or milestones KR on either side), ``unit_mismatch``, ``direction_mismatch``."""
    errors: list[FieldError] = []
    if not {contributor.metric_kind, parent.metric_kind} <= SUMMABLE_KINDS:
        errors.append(FieldError(field, "only numeric key results add up", "not_summable"))
    elif unit_of_measure(contributor) != unit_of_measure(parent):
        errors.append(FieldError(field, "must have the same unit of measure", "unit_mismatch"))
    if contributor.direction is not parent.direction:
        errors.append(FieldError(field, "must have the same direction", "direction_mismatch"))
    return errors


def ensure_can_contribute(
    contributor: Measured, parent: Measured, *, field: str = "contributes_to_key_result_id"
) -> None:
    """Refuse an incompatible contribution (code ``contribution_incompatible``); see
    :func:`contribution_errors`."""
    if errors := contribution_errors(contributor, parent, field=field):
        raise RuleViolation(
            "this key result cannot contribute to that one",
            code="contribution_incompatible",
            errors=errors,
        )


def contribution_target_allowed(*, aligned_to: UUID | None, parent_objective_id: UUID) -> bool:
    """A KR contributes only to a KR of the objective its own objective aligns to
    (``aligned_to``: the parent objective, or the objective of the KR it contributes to)."""
    return aligned_to is not None and aligned_to == parent_objective_id


def ensure_no_contribution_loop(
    contributor_id: UUID,
    parent_id: UUID,
    contributes_to: Mapping[UUID, UUID],
    *,
    field: str = "contributes_to_key_result_id",
) -> None:
    """Refuse a contribution edge ``contributor -> parent`` that would close a loop with the
    existing edges ``contributes_to`` (KR -> the KR it adds into), as an alignment loop is
    refused: code ``alignment_cycle``, ``extra["cycle"]`` the loop's KR ids."""
    loop = alignment_loop(contributor_id, parent_id, contributes_to.get)
    if loop is not None:
        raise RuleViolation(
            "this contribution would create a loop",
            code="alignment_cycle",
            errors=[FieldError(field, "would create a loop", "alignment_cycle")],
            extra={"cycle": [str(i) for i in loop]},
        )


@dataclass(frozen=True, kw_only=True)
class Contributor:
    """A contributing KR's figures: its current value (``None``: no check-in yet) and start."""

    current: Decimal | None
    start: Decimal


def summed_current(contributors: Iterable[Contributor]) -> Decimal | None:
    """A sum KR's current value: its contributors' current values added, one with no
    check-in counting at its start. ``None`` with no contributor (the KR then stands at
    its start, as a KR with no check-in does). The caller passes only the contributors the
    reader may see, so a private one cannot be recovered by subtraction."""
    total: Decimal | None = None
    for contributor in contributors:
        value = contributor.start if contributor.current is None else contributor.current
        total = value if total is None else total + value
    return total


class AllocationStatus(StrEnum):
    UNDER_ALLOCATED = "under_allocated"
    ALLOCATED = "allocated"
    OVER_ALLOCATED = "over_allocated"


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """The contributors' targets against the KR's own: ``allocated`` is their sum,
    ``difference`` how far it misses the target (always >= 0; 0 when allocated)."""

    status: AllocationStatus
    target: Decimal
    allocated: Decimal
    difference: Decimal


def allocation(
    target: Decimal, contributor_targets: Iterable[Decimal], direction: Direction
) -> Allocation:
    """Whether the contributors' targets cover a sum KR's ``target``.

    Exact Decimal equality is ``allocated`` (no tolerance). Increase: a sum below the target
    is under-allocated. Decrease (e.g. support tickets down to 800): covering means the
    contributors' targets add up to at most the target, so a sum above it is
    under-allocated and one below it over-allocated.
    """
    allocated = sum(contributor_targets, ZERO)
    if allocated == target:
        status = AllocationStatus.ALLOCATED
    elif (allocated < target) == (direction is Direction.INCREASE):
        status = AllocationStatus.UNDER_ALLOCATED
    else:
        status = AllocationStatus.OVER_ALLOCATED
    return Allocation(
        status=status, target=target, allocated=allocated, difference=abs(allocated - target)
    )
