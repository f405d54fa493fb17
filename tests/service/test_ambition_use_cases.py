"""Ambition through the use cases (issue 18): the grades of committed objectives and their
KRs, the filter, the committed counts of cycle stats (final scores included) and the
committed thresholds as organization settings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.ambition import ambition_settings
from domain.cycles import CycleState
from domain.errors import RuleViolation
from domain.okrs import Ambition, ObjectiveStatus
from domain.organizations import OrganizationChanges, ScoringChanges, ScoringSettings
from domain.scoring import Grade
from service.alignment import cycle_stats
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_results import get_key_result, set_final_score
from service.objectives import ObjectiveChanges, get_objective, list_objectives, update_objective
from service.okr_ports import ObjectiveFilter
from service.organizations import update_organization
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, Tenant


async def _objective_at(
    deps: Deps, acme: Tenant, cycle_id: UUID, title: str, ambition: Ambition, value: str
) -> tuple[UUID, UUID]:
    """An active objective of ``ambition`` with one KR 0 -> 10 checked in at ``value``."""
    made = await make.objective(
        deps,
        acme.admin,
        cycle_id,
        title,
        ambition=ambition,
        status=ObjectiveStatus.ACTIVE,
    )
    kr = await make.key_result(deps, acme.admin, made, owner=acme.admin_member, target=Decimal(10))
    await check_in(deps, acme.admin, kr.id, NewCheckIn(value=Decimal(value)))
    return made.id, kr.id


async def _q1(deps: Deps, acme: Tenant) -> UUID:
    # The harness clock reads 2026-03-02: inside the quarter.
    cycle = await make.cycle(
        deps, acme, "Q1", date(2026, 1, 1), date(2026, 3, 31), state=CycleState.ACTIVE
    )
    return cycle.id


async def test_a_committed_objective_and_its_kr_grade_by_the_committed_thresholds(
    deps: Deps, acme: Tenant
) -> None:
    q1 = await _q1(deps, acme)
    committed, committed_kr = await _objective_at(deps, acme, q1, "Quota", Ambition.COMMITTED, "8")
    aspirational, _ = await _objective_at(deps, acme, q1, "Explore", Ambition.ASPIRATIONAL, "8")
    full, _ = await _objective_at(deps, acme, q1, "Renewals", Ambition.COMMITTED, "10")

    quota = await get_objective(deps, acme.admin, committed)
    explore = await get_objective(deps, acme.admin, aspirational)
    renewals = await get_objective(deps, acme.admin, full)
    kr = await get_key_result(deps, acme.admin, committed_kr)

    assert quota.progress == explore.progress == Decimal("0.8")
    assert (quota.grade, quota.key_results[0].grade) == (Grade.YELLOW, Grade.YELLOW)
    assert (explore.grade, explore.key_results[0].grade) == (Grade.GREEN, Grade.GREEN)
    assert renewals.grade is Grade.GREEN
    assert (kr.ambition, kr.grade) == (Ambition.COMMITTED, Grade.YELLOW)
    assert explore.key_results[0].ambition is Ambition.ASPIRATIONAL


async def test_changing_ambition_regrades_and_the_filter_follows(deps: Deps, acme: Tenant) -> None:
    q1 = await _q1(deps, acme)
    quota, _ = await _objective_at(deps, acme, q1, "Quota", Ambition.COMMITTED, "8")
    explore, _ = await _objective_at(deps, acme, q1, "Explore", Ambition.ASPIRATIONAL, "8")

    changed = await update_objective(
        deps, acme.admin, explore, ObjectiveChanges(ambition=Ambition.COMMITTED)
    )
    committed = await list_objectives(
        deps, acme.admin, ObjectiveFilter(ambition=Ambition.COMMITTED), PageRequest()
    )
    aspirational = await list_objectives(
        deps, acme.admin, ObjectiveFilter(ambition=Ambition.ASPIRATIONAL), PageRequest()
    )

    assert (changed.objective.ambition, changed.grade) == (Ambition.COMMITTED, Grade.YELLOW)
    assert changed.objective.version == 2
    assert sorted(v.objective.id for v in committed.items) == sorted([quota, explore])
    assert aspirational.items == []


async def test_stats_count_commitments_by_progress_and_final_score(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    q1 = await _q1(deps, acme)
    await _objective_at(deps, acme, q1, "Quota", Ambition.COMMITTED, "8")
    _, closing_kr = await _objective_at(deps, acme, q1, "Pipeline", Ambition.COMMITTED, "5")
    await _objective_at(deps, acme, q1, "Renewals", Ambition.COMMITTED, "10")
    await _objective_at(deps, acme, q1, "Explore", Ambition.ASPIRATIONAL, "2")

    before = await cycle_stats(deps, acme.admin, q1)
    clock.current = datetime(2026, 3, 31, 12, tzinfo=UTC)  # final scores from the last day
    # Its final score replaces its progress as the score: the commitment is met.
    await set_final_score(deps, acme.admin, closing_kr, score=Decimal(1), reason="Signed late")
    after = await cycle_stats(deps, acme.admin, q1)

    assert (before.committed.committed, before.committed.met, before.committed.missed) == (3, 1, 2)
    assert (after.committed.committed, after.committed.met, after.committed.missed) == (3, 2, 1)
    # Quota 0.8 yellow and Pipeline 0.5 red (committed), Renewals green, Explore 0.2 red.
    assert before.objectives_by_grade == {"red": 2, "yellow": 1, "green": 1, "none": 0}


async def test_committed_thresholds_are_validated_settings(deps: Deps, acme: Tenant) -> None:
    with pytest.raises(RuleViolation) as caught:
        await update_organization(
            deps,
            acme.admin,
            OrganizationChanges(scoring=ScoringChanges(committed_red_below=Decimal("1.0"))),
        )
    assert [e.field for e in caught.value.errors] == ["scoring.committed_red_below"]

    org = await update_organization(
        deps,
        acme.admin,
        OrganizationChanges(
            scoring=ScoringChanges(
                committed_red_below=Decimal("0.5"), committed_yellow_below=Decimal("0.9")
            )
        ),
    )
    settings = ambition_settings(org.scoring)
    assert (settings.committed.red_below, settings.committed.yellow_below) == (
        Decimal("0.5"),
        Decimal("0.9"),
    )


def test_the_aspirational_thresholds_are_the_scoring_ones() -> None:
    scoring = ScoringSettings(red_below=Decimal("0.3"), yellow_below=Decimal("0.6"))
    settings = ambition_settings(scoring)
    assert (settings.aspirational.red_below, settings.aspirational.yellow_below) == (
        Decimal("0.3"),
        Decimal("0.6"),
    )
    assert (settings.committed.red_below, settings.committed.yellow_below) == (
        Decimal("0.7"),
        Decimal("1.0"),
    )
