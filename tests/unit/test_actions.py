"""Unit tests of domain/actions.py: status moves and acceptance (the A of OKMA).

004's four failures of action plans: unclear standard, unclear deadline, no owner, no
acceptance. Each has a test below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actions import ensure_may_accept, ensure_transition, is_accepted, missing_for_doing
from domain.errors import Forbidden, RuleViolation
from domain.okrs import Action, ActionStatus

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
OWNER = uuid4()
KR_OWNER = uuid4()
MANAGER = uuid4()


def make_action(
    *,
    status: ActionStatus = ActionStatus.TODO,
    owner_id: UUID | None = OWNER,
    due_date: date | None = date(2026, 2, 28),
    completion_standard: str | None = "visit schedule for all 40 key accounts shared in CRM",
    accepted_by: UUID | None = None,
    accepted_at: datetime | None = None,
) -> Action:
    return Action(
        id=uuid4(),
        organization_id=uuid4(),
        key_result_id=uuid4(),
        title="draw up the key-account visit schedule",
        owner_id=owner_id,
        due_date=due_date,
        status=status,
        completion_standard=completion_standard,
        accepted_by=accepted_by,
        accepted_at=accepted_at,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def accepted_action() -> Action:
    return make_action(status=ActionStatus.DONE, accepted_by=KR_OWNER, accepted_at=NOW)


# --- ensure_transition: starting work ------------------------------------------------------


@pytest.mark.parametrize("source", list(ActionStatus))
def test_a_ready_action_may_move_to_doing(source: ActionStatus) -> None:
    ensure_transition(make_action(status=source), ActionStatus.DOING)


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"owner_id": None}, ["owner_id"]),  # no owner
        ({"due_date": None}, ["due_date"]),  # unclear deadline
        ({"completion_standard": None}, ["completion_standard"]),  # unclear standard
        ({"completion_standard": ""}, ["completion_standard"]),
        ({"completion_standard": "  \t\n"}, ["completion_standard"]),
        (
            {"owner_id": None, "due_date": None, "completion_standard": None},
            ["owner_id", "due_date", "completion_standard"],
        ),
        ({"owner_id": None, "completion_standard": " "}, ["owner_id", "completion_standard"]),
    ],
)
@pytest.mark.parametrize("target", [ActionStatus.DOING, ActionStatus.DONE])
def test_work_does_not_start_or_finish_without_owner_deadline_and_standard(
    changes: dict[str, Any], missing: list[str], target: ActionStatus
) -> None:
    action = replace(make_action(), **changes)
    with pytest.raises(RuleViolation) as info:
        ensure_transition(action, target)
    assert info.value.code == "action_not_ready"
    assert [e.field for e in info.value.errors] == missing
    assert {e.code for e in info.value.errors} == {"required"}
    assert [e.field for e in missing_for_doing(action)] == missing


def test_an_unready_action_already_doing_cannot_stay_doing() -> None:
    action = make_action(status=ActionStatus.DOING, owner_id=None)
    with pytest.raises(RuleViolation) as info:
        ensure_transition(action, ActionStatus.DOING)
    assert info.value.code == "action_not_ready"


@pytest.mark.parametrize("target", [ActionStatus.TODO, ActionStatus.BLOCKED])
def test_an_unready_action_may_move_elsewhere(target: ActionStatus) -> None:
    action = make_action(owner_id=None, due_date=None, completion_standard=None)
    ensure_transition(action, target)


def test_a_ready_action_misses_nothing() -> None:
    assert missing_for_doing(make_action()) == []


# --- ensure_transition: other moves and the finality of acceptance -------------------------


@pytest.mark.parametrize("source", list(ActionStatus))
@pytest.mark.parametrize("target", [ActionStatus.TODO, ActionStatus.BLOCKED, ActionStatus.DONE])
def test_other_moves_are_allowed(source: ActionStatus, target: ActionStatus) -> None:
    ensure_transition(make_action(status=source), target)


@pytest.mark.parametrize("target", [ActionStatus.TODO, ActionStatus.DOING])
def test_a_done_action_not_yet_accepted_may_reopen(target: ActionStatus) -> None:
    ensure_transition(make_action(status=ActionStatus.DONE), target)


@pytest.mark.parametrize("target", [ActionStatus.TODO, ActionStatus.DOING, ActionStatus.BLOCKED])
def test_an_accepted_action_is_final(target: ActionStatus) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_transition(accepted_action(), target)
    assert info.value.code == "action_accepted"
    assert [e.field for e in info.value.errors] == ["status"]


def test_an_accepted_action_may_stay_done() -> None:
    ensure_transition(accepted_action(), ActionStatus.DONE)


def test_finality_is_checked_before_readiness() -> None:
    action = replace(accepted_action(), owner_id=None)
    with pytest.raises(RuleViolation) as info:
        ensure_transition(action, ActionStatus.DOING)
    assert info.value.code == "action_accepted"


# --- ensure_may_accept ---------------------------------------------------------------------


def test_the_kr_owner_may_accept_a_done_action() -> None:
    ensure_may_accept(
        make_action(status=ActionStatus.DONE),
        acceptor_id=KR_OWNER,
        kr_owner_id=KR_OWNER,
        action_owner_manager_id=MANAGER,
    )


def test_the_action_owners_manager_may_accept_a_done_action() -> None:
    ensure_may_accept(
        make_action(status=ActionStatus.DONE),
        acceptor_id=MANAGER,
        kr_owner_id=KR_OWNER,
        action_owner_manager_id=MANAGER,
    )


def test_a_kr_owner_who_owns_the_action_does_not_accept_their_own_work() -> None:
    own = make_action(status=ActionStatus.DONE, owner_id=KR_OWNER)
    with pytest.raises(Forbidden) as info:
        ensure_may_accept(
            own, acceptor_id=KR_OWNER, kr_owner_id=KR_OWNER, action_owner_manager_id=MANAGER
        )
    assert info.value.code == "not_acceptor"
    # Their manager accepts instead.
    ensure_may_accept(
        own, acceptor_id=MANAGER, kr_owner_id=KR_OWNER, action_owner_manager_id=MANAGER
    )


@pytest.mark.parametrize("who", ["stranger", "action_owner"])
def test_nobody_else_may_accept(who: str) -> None:
    acceptor = {"stranger": uuid4(), "action_owner": OWNER}[who]
    with pytest.raises(Forbidden) as info:
        ensure_may_accept(
            make_action(status=ActionStatus.DONE),
            acceptor_id=acceptor,
            kr_owner_id=KR_OWNER,
            action_owner_manager_id=MANAGER,
        )
    assert info.value.code == "not_acceptor"


def test_without_a_manager_only_the_kr_owner_may_accept() -> None:
    action = make_action(status=ActionStatus.DONE)
    ensure_may_accept(
        action, acceptor_id=KR_OWNER, kr_owner_id=KR_OWNER, action_owner_manager_id=None
    )
    with pytest.raises(Forbidden) as info:
        ensure_may_accept(
            action, acceptor_id=MANAGER, kr_owner_id=KR_OWNER, action_owner_manager_id=None
        )
    assert info.value.code == "not_acceptor"


@pytest.mark.parametrize("status", [ActionStatus.TODO, ActionStatus.DOING, ActionStatus.BLOCKED])
def test_only_done_actions_can_be_accepted(status: ActionStatus) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_may_accept(
            make_action(status=status),
            acceptor_id=KR_OWNER,
            kr_owner_id=KR_OWNER,
            action_owner_manager_id=MANAGER,
        )
    assert info.value.code == "action_not_done"


def test_an_action_is_accepted_once() -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_may_accept(
            accepted_action(),
            acceptor_id=MANAGER,
            kr_owner_id=KR_OWNER,
            action_owner_manager_id=MANAGER,
        )
    assert info.value.code == "action_accepted"


def test_a_stranger_is_told_forbidden_before_anything_about_the_state() -> None:
    with pytest.raises(Forbidden):
        ensure_may_accept(
            make_action(status=ActionStatus.TODO),
            acceptor_id=uuid4(),
            kr_owner_id=KR_OWNER,
            action_owner_manager_id=MANAGER,
        )


def test_is_accepted_reads_either_acceptance_field() -> None:
    assert not is_accepted(make_action(status=ActionStatus.DONE))
    assert is_accepted(accepted_action())
    assert is_accepted(make_action(status=ActionStatus.DONE, accepted_by=KR_OWNER))
    assert is_accepted(make_action(status=ActionStatus.DONE, accepted_at=NOW))
