"""Ambition of an objective and its KRs: ``committed`` or ``aspirational`` (the default).

DOMAIN.md "Sales pacing, forecast and quotas". A commitment (a sales quota) is met or missed,
so it is graded with stricter thresholds than an aspirational objective, where 0.7 is a good
result. The thresholds of each ambition are organization settings (:class:`AmbitionSettings`);
the defaults are DOMAIN.md's. Grades reuse :class:`domain.scoring.Grade`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from domain.errors import FieldError, RuleViolation
from domain.okrs import Ambition
from domain.organizations import ScoringSettings
from domain.scoring import Grade

# Ambition lives in domain.okrs beside the Objective that carries it (domain.scoring imports
# domain.okrs, so it could not import this module); it is re-exported here.
__all__ = [
    "DEFAULT_AMBITION",
    "Ambition",
    "AmbitionSettings",
    "CommitmentStats",
    "GradeThresholds",
    "ambition_of",
    "ambition_settings",
    "commitment_met",
    "commitment_stats",
    "grade_for",
    "grade_of",
    "validate_ambition_settings",
]


DEFAULT_AMBITION = Ambition.ASPIRATIONAL


@dataclass(frozen=True, kw_only=True)
class GradeThresholds:
    """Red below ``red_below``, yellow below ``yellow_below``, green from it."""

    red_below: Decimal
    yellow_below: Decimal


@dataclass(frozen=True, kw_only=True)
class AmbitionSettings:
    """The grade thresholds of each ambition (organization settings)."""

    aspirational: GradeThresholds = GradeThresholds(
        red_below=Decimal("0.4"), yellow_below=Decimal("0.7")
    )
    committed: GradeThresholds = GradeThresholds(
        red_below=Decimal("0.7"), yellow_below=Decimal("1.0")
    )

    def thresholds(self, ambition: Ambition) -> GradeThresholds:
        return self.committed if ambition is Ambition.COMMITTED else self.aspirational


@lru_cache(maxsize=256)
def ambition_settings(scoring: ScoringSettings) -> AmbitionSettings:
    """The thresholds of each ambition from an organization's scoring settings: the
    aspirational ones ARE ``red_below`` / ``yellow_below`` (one source: an aspirational
    objective grades exactly as every objective did before ambitions), the committed ones
    are ``committed_red_below`` / ``committed_yellow_below``."""
    return AmbitionSettings(
        aspirational=GradeThresholds(
            red_below=scoring.red_below, yellow_below=scoring.yellow_below
        ),
        committed=GradeThresholds(
            red_below=scoring.committed_red_below, yellow_below=scoring.committed_yellow_below
        ),
    )


def grade_of(score: Decimal, ambition: Ambition, scoring: ScoringSettings) -> Grade:
    """The grade of a score of an objective (or its KR) of ``ambition`` in an organization."""
    return grade_for(score, ambition, ambition_settings(scoring))


def ambition_of(own: Ambition | None) -> Ambition:
    """An objective's ambition, ``aspirational`` when it has none set; its KRs inherit it."""
    return DEFAULT_AMBITION if own is None else own


def validate_ambition_settings(settings: AmbitionSettings) -> AmbitionSettings:
    """Each ambition's thresholds are ordered inside [0, 1] (``0 < red < yellow <= 1``),
    as the scoring thresholds are; code ``validation_failed``, one field error per ambition."""
    errors = [
        FieldError(
            f"ambition.{ambition}.red_below",
            "need 0 < red_below < yellow_below <= 1",
            "invalid_threshold",
        )
        for ambition in Ambition
        if not Decimal(0)
        < settings.thresholds(ambition).red_below
        < settings.thresholds(ambition).yellow_below
        <= Decimal(1)
    ]
    if errors:
        raise RuleViolation("invalid ambition settings", code="validation_failed", errors=errors)
    return settings


def grade_for(score: Decimal, ambition: Ambition, settings: AmbitionSettings) -> Grade:
    """The grade of a score under the thresholds of ``ambition``."""
    thresholds = settings.thresholds(ambition)
    if score < thresholds.red_below:
        return Grade.RED
    if score < thresholds.yellow_below:
        return Grade.YELLOW
    return Grade.GREEN


def commitment_met(score: Decimal, settings: AmbitionSettings) -> bool:
    """A commitment is met when its score reaches the committed green threshold."""
    return score >= settings.committed.yellow_below


@dataclass(frozen=True, kw_only=True)
class CommitmentStats:
    """How many committed objectives (or KRs) were met and missed; aspirational ones do not
    count. ``committed == met + missed``."""

    committed: int
    met: int
    missed: int


def commitment_stats(
    scored: Iterable[tuple[Ambition, Decimal]], settings: AmbitionSettings
) -> CommitmentStats:
    """Count met and missed commitments among ``(ambition, score)`` pairs.

    The caller passes the scores it judges by (final scores at cycle close, or current
    scores for a live view); aspirational pairs are ignored.
    """
    met = missed = 0
    for ambition, score in scored:
        if ambition is not Ambition.COMMITTED:
            continue
        if commitment_met(score, settings):
            met += 1
        else:
            missed += 1
    return CommitmentStats(committed=met + missed, met=met, missed=missed)
