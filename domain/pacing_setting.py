"""The pacing setting a KR, a unit or an organization stores (DOMAIN.md "Sales pacing").

A leaf module: entities (``domain.okrs``, ``domain.units``, ``domain.organizations``) hold a
:class:`PacingSetting`, and ``domain.pacing`` (which needs ``domain.scoring``, itself built on
the entities) turns it into a curve. Only the shape lives here; the rules are in
``domain.pacing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class CurveKind(StrEnum):
    LINEAR = "linear"
    BACK_LOADED = "back_loaded"
    FRONT_LOADED = "front_loaded"
    CUSTOM = "custom"
    SCHEDULE = "schedule"  # a target schedule of absolute values at dates
    LEARNED = "learned"  # from the organization's closed cycles


@dataclass(frozen=True, kw_only=True)
class PacingSetting:
    """A chosen curve: ``points`` ``(t, p)`` for ``custom``, ``schedule`` ``(on, value)`` for
    ``schedule``, both empty for the presets and ``learned``. Validated by
    ``domain.pacing.validate_setting`` before it is stored."""

    kind: CurveKind
    points: tuple[tuple[Decimal, Decimal], ...] = ()
    schedule: tuple[tuple[date, Decimal], ...] = ()
