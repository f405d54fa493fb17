"""Every text limit of ``domain.limits`` holds at the use case, not only at the adapters' shapes.

A caller other than REST or GraphQL (the demo loader, a CRM sync, a CLI) reaches the use cases
directly: an overlong text must be refused there as the domain refuses an overlong title
(``RuleViolation``, ``validation_failed``, a ``too_long`` field error), never stored nor left
to fail at the database. Each value is one character over its limit once stripped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle
from domain.errors import FieldError, RuleViolation
from domain.limits import (
    ACTION_COMPLETION_STANDARD_MAX_LENGTH,
    CHECK_IN_TEXT_MAX_LENGTH,
    FINAL_SCORE_REASON_MAX_LENGTH,
    KEY_RESULT_UNIT_MAX_LENGTH,
    OKR_DESCRIPTION_MAX_LENGTH,
    OKR_TITLE_MAX_LENGTH,
)
from domain.members import Member
from domain.okrs import MetricKind, Objective
from service.actions import ActionChanges, NewAction, create_action, update_action
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_results import (
    KeyResultChanges,
    MilestoneInput,
    NewKeyResult,
    create_key_result,
    get_key_result,
    set_final_score,
    update_key_result,
)
from service.objectives import (
    NewObjective,
    ObjectiveChanges,
    create_objective,
    get_objective,
    update_objective,
)
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)
LAST_DAY_OF_Q2 = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)


def over(limit: int) -> str:
    """One character too many, with blanks around that stripping takes away."""
    return f"  {'x' * (limit + 1)}  "


def refused_as_too_long(refusal: pytest.ExceptionInfo[RuleViolation], field: str) -> None:
    assert refusal.value.code == "validation_failed"
    assert [e for e in refusal.value.errors if e.field == field] == [
        FieldError(field, refusal.value.errors[0].message, "too_long")
    ]


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2: Cycle
    ann: Member
    mine: Objective
    kr_id: UUID


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    ann = await make.member(deps, acme, "Ann")
    q2 = await make.cycle(deps, acme)
    mine = await make.objective(deps, ann, q2)
    kr = await make.key_result(deps, ann, mine, "Customers", owner=ann)
    return World(acme, q2, ann, mine, kr.id)


# -- objectives ----------------------------------------------------------------------------


async def test_an_objective_description_over_the_limit_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    too_long = over(OKR_DESCRIPTION_MAX_LENGTH)

    with pytest.raises(RuleViolation) as created:
        await create_objective(deps, ann, NewObjective(w.q2.id, "Grow", description=too_long))
    refused_as_too_long(created, "description")
    with pytest.raises(RuleViolation) as updated:
        await update_objective(deps, ann, w.mine.id, ObjectiveChanges(description=too_long))
    refused_as_too_long(updated, "description")

    assert (await get_objective(deps, ann, w.mine.id)).objective.description == ""


async def test_an_objective_description_at_the_limit_is_kept(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    at_limit = "x" * OKR_DESCRIPTION_MAX_LENGTH
    view = await update_objective(
        deps, principal_of(w.ann), w.mine.id, ObjectiveChanges(description=f" {at_limit} ")
    )
    assert view.objective.description == at_limit


# -- key results ---------------------------------------------------------------------------


async def test_a_key_result_unit_over_the_limit_is_refused_not_left_to_the_database(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    too_long = "d" * (KEY_RESULT_UNIT_MAX_LENGTH + 1)

    with pytest.raises(RuleViolation) as created:
        await create_key_result(
            deps, ann, w.mine.id, NewKeyResult("Days", owner_id=w.ann.id, unit=too_long)
        )
    refused_as_too_long(created, "unit")
    with pytest.raises(RuleViolation) as updated:
        await update_key_result(deps, ann, w.kr_id, KeyResultChanges(unit=too_long))
    refused_as_too_long(updated, "unit")

    assert (await get_key_result(deps, ann, w.kr_id)).key_result.unit is None


async def test_a_milestone_title_over_the_limit_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    data = NewKeyResult(
        "Pilot",
        owner_id=w.ann.id,
        metric_kind=MetricKind.MILESTONES,
        milestones=(MilestoneInput("Signed"), MilestoneInput(over(OKR_TITLE_MAX_LENGTH))),
    )
    with pytest.raises(RuleViolation) as created:
        await create_key_result(deps, principal_of(w.ann), w.mine.id, data)
    refused_as_too_long(created, "milestones.1.title")


async def test_a_final_score_reason_over_the_limit_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    clock.current = LAST_DAY_OF_Q2
    with pytest.raises(RuleViolation) as refused:
        await set_final_score(
            deps,
            acme.admin,
            w.kr_id,
            score=Decimal("0.5"),
            reason=over(FINAL_SCORE_REASON_MAX_LENGTH),
        )
    refused_as_too_long(refused, "reason")
    kr = (await get_key_result(deps, acme.admin, w.kr_id)).key_result
    assert (kr.final_score, kr.final_score_reason) == (None, None)


# -- check-ins -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["note", "blockers"])
async def test_a_check_in_text_over_the_limit_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock, field: str
) -> None:
    w = await _world(deps, acme, clock)
    texts = {"note": "", "blockers": "", field: over(CHECK_IN_TEXT_MAX_LENGTH)}
    data = NewCheckIn(value=Decimal(1), note=texts["note"], blockers=texts["blockers"])
    with pytest.raises(RuleViolation) as refused:
        await check_in(deps, principal_of(w.ann), w.kr_id, data)
    refused_as_too_long(refused, field)
    assert (await get_key_result(deps, principal_of(w.ann), w.kr_id)).latest is None


# -- actions -------------------------------------------------------------------------------


async def test_an_action_completion_standard_over_the_limit_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    too_long = over(ACTION_COMPLETION_STANDARD_MAX_LENGTH)

    with pytest.raises(RuleViolation) as created:
        await create_action(deps, ann, w.kr_id, NewAction("Visit", completion_standard=too_long))
    refused_as_too_long(created, "completion_standard")

    action = await create_action(deps, ann, w.kr_id, NewAction("Visit"))
    with pytest.raises(RuleViolation) as updated:
        await update_action(deps, ann, action.id, ActionChanges(completion_standard=too_long))
    refused_as_too_long(updated, "completion_standard")
