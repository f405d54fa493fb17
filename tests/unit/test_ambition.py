"""domain/ambition.py: committed vs aspirational grades and commitment stats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.ambition import (
    Ambition,
    AmbitionSettings,
    CommitmentStats,
    GradeThresholds,
    ambition_of,
    commitment_met,
    commitment_stats,
    grade_for,
    validate_ambition_settings,
)
from domain.errors import RuleViolation
from domain.organizations import ScoringSettings
from domain.scoring import Grade

D = Decimal
SETTINGS = AmbitionSettings()


def test_aspirational_is_the_default_and_krs_inherit_it() -> None:
    assert ambition_of(None) is Ambition.ASPIRATIONAL
    assert ambition_of(Ambition.COMMITTED) is Ambition.COMMITTED


def test_aspirational_defaults_match_the_scoring_grades() -> None:
    scoring = ScoringSettings()
    assert SETTINGS.aspirational == GradeThresholds(
        red_below=scoring.red_below, yellow_below=scoring.yellow_below
    )


@pytest.mark.parametrize(
    ("score", "aspirational", "committed"),
    [
        ("0", Grade.RED, Grade.RED),
        ("0.3999", Grade.RED, Grade.RED),
        ("0.4", Grade.YELLOW, Grade.RED),
        ("0.6999", Grade.YELLOW, Grade.RED),
        ("0.7", Grade.GREEN, Grade.YELLOW),
        ("0.9999", Grade.GREEN, Grade.YELLOW),
        ("1", Grade.GREEN, Grade.GREEN),
    ],
)
def test_grades_per_ambition(score: str, aspirational: Grade, committed: Grade) -> None:
    assert grade_for(D(score), Ambition.ASPIRATIONAL, SETTINGS) is aspirational
    assert grade_for(D(score), Ambition.COMMITTED, SETTINGS) is committed


def test_organization_thresholds_are_used() -> None:
    lenient = AmbitionSettings(committed=GradeThresholds(red_below=D("0.5"), yellow_below=D("0.9")))
    assert grade_for(D("0.9"), Ambition.COMMITTED, lenient) is Grade.GREEN
    assert grade_for(D("0.6"), Ambition.COMMITTED, lenient) is Grade.YELLOW
    assert commitment_met(D("0.9"), lenient)
    assert not commitment_met(D("0.9"), SETTINGS)


def test_commitment_stats_count_only_commitments() -> None:
    scored = [
        (Ambition.COMMITTED, D("1")),
        (Ambition.COMMITTED, D("1.0000")),
        (Ambition.COMMITTED, D("0.95")),
        (Ambition.ASPIRATIONAL, D("1")),
        (Ambition.ASPIRATIONAL, D("0.1")),
    ]
    assert commitment_stats(scored, SETTINGS) == CommitmentStats(committed=3, met=2, missed=1)
    assert commitment_stats([], SETTINGS) == CommitmentStats(committed=0, met=0, missed=0)


@pytest.mark.parametrize(
    ("red", "yellow"),
    [("0", "0.5"), ("0.7", "0.7"), ("0.8", "0.7"), ("0.5", "1.1")],
)
def test_invalid_thresholds_are_refused(red: str, yellow: str) -> None:
    bad = AmbitionSettings(committed=GradeThresholds(red_below=D(red), yellow_below=D(yellow)))
    with pytest.raises(RuleViolation) as caught:
        validate_ambition_settings(bad)
    assert caught.value.code == "validation_failed"
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("ambition.committed.red_below", "invalid_threshold")
    ]


def test_default_thresholds_are_valid() -> None:
    assert validate_ambition_settings(SETTINGS) is SETTINGS
