"""Use cases of the OKR linter: a stored objective is linted with its cycle and its
owner's other objectives; a draft is linted without saving anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import CycleKind
from domain.errors import NotFound, RuleViolation
from domain.okrs import Level, MetricKind, Visibility
from domain.organizations import Locale
from domain.quality import KeyResultDraft, ObjectiveDraft, QualityCode
from service.context import Deps
from service.cycles import NewCycle, create_cycle
from service.key_results import NewKeyResult, create_key_result
from service.objectives import NewObjective, create_objective
from service.quality import DraftContext, check_draft, objective_quality
from tests.service.harness import FixedClock, Tenant, hire, principal_of


async def _q2(deps: Deps, acme: Tenant) -> UUID:
    cycle = await create_cycle(
        deps, acme.admin, NewCycle("Q2", CycleKind.QUARTER, date(2026, 4, 1), date(2026, 6, 30))
    )
    return cycle.id


async def test_a_stored_objective_is_linted_with_its_cycle(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    q2 = await _q2(deps, acme)
    rep = await hire(deps, acme, "Rep")
    view = await create_objective(
        deps, principal_of(rep), NewObjective(cycle_id=q2, title="Sales this month")
    )
    await create_key_result(
        deps,
        principal_of(rep),
        view.objective.id,
        NewKeyResult(
            title="sales reach 2 million this month",
            owner_id=rep.id,
            metric_kind=MetricKind.CURRENCY,
            currency="CNY",
            target=Decimal(2_000_000),
        ),
    )

    report = await objective_quality(deps, principal_of(rep), view.objective.id)

    assert report.objective_id == view.objective.id
    assert report.locale is Locale.EN
    assert [(f.code, f.target) for f in report.findings] == [
        (QualityCode.KR_COUNT, "objective"),
        (QualityCode.NOT_ALIGNED, "objective"),
        (QualityCode.END_STATE_ONLY, "objective"),
    ]
    assert all(f.message_zh and f.message_en for f in report.findings)


async def test_a_private_objective_is_not_linted_for_someone_who_cannot_see_it(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    q2 = await _q2(deps, acme)
    rep = await hire(deps, acme, "Rep")
    other = await hire(deps, acme, "Other")
    view = await create_objective(
        deps,
        principal_of(rep),
        NewObjective(cycle_id=q2, title="Private", visibility=Visibility.PRIVATE),
    )
    with pytest.raises(NotFound):
        await objective_quality(deps, principal_of(other), view.objective.id)


async def test_a_draft_counts_the_owners_objectives_in_the_cycle(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    q2 = await _q2(deps, acme)
    rep = await hire(deps, acme, "Rep")
    for n in range(5):
        await create_objective(deps, principal_of(rep), NewObjective(cycle_id=q2, title=f"O{n}"))
    draft = ObjectiveDraft(
        title="Grow East China",
        level=Level.INDIVIDUAL,
        has_parent=True,
        key_results=(
            KeyResultDraft(
                "New customers reach 30", MetricKind.NUMBER, Decimal(0), Decimal(30), rep.id
            ),
            KeyResultDraft(
                "Repeat purchase rate 40%", MetricKind.PERCENT, Decimal(20), Decimal(40), rep.id
            ),
        ),
    )

    with_cycle = await check_draft(deps, principal_of(rep), draft, DraftContext(cycle_id=q2))
    alone = await check_draft(deps, principal_of(rep), draft, DraftContext())

    assert [f.code for f in with_cycle.findings] == [QualityCode.TOO_MANY_OBJECTIVES]
    assert alone.findings == []
    assert with_cycle.objective_id is None
    with pytest.raises(RuleViolation) as refused:
        await check_draft(deps, principal_of(rep), draft, DraftContext(cycle_id=UUID(int=3)))
    assert refused.value.code == "unknown_reference"
