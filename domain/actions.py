"""Actions (行动), the A of OKMA: concrete tasks serving a KR.

004 names the four ways action plans fail: an unclear standard, an unclear deadline, no
owner, no acceptance. The rules here close them: work starts (and ends) only with an owner,
a due date and a completion standard, and a done action is accepted by someone other than
its owner (the KR's owner or the action owner's manager), after which it is final.
"""

from __future__ import annotations

from uuid import UUID

from domain.errors import FieldError, Forbidden, RuleViolation
from domain.okrs import Action, ActionStatus

# The statuses that say work was done on the action: each needs the action to be ready.
WORKED_ON = frozenset({ActionStatus.DOING, ActionStatus.DONE})


def is_accepted(action: Action) -> bool:
    return action.accepted_by is not None or action.accepted_at is not None


def missing_for_doing(action: Action) -> list[FieldError]:
    """What the action lacks to be worked on: owner, due date, completion standard."""
    errors: list[FieldError] = []
    if action.owner_id is None:
        errors.append(FieldError("owner_id", "an action in progress needs an owner", "required"))
    if action.due_date is None:
        errors.append(FieldError("due_date", "an action in progress needs a due date", "required"))
    if action.completion_standard is None or not action.completion_standard.strip():
        errors.append(
            FieldError(
                "completion_standard",
                "an action in progress needs a standard of what done means",
                "required",
            )
        )
    return errors


def ensure_transition(action: Action, target: ActionStatus) -> None:
    """Refuse a status move the rules do not allow.

    - An accepted action is final: it cannot leave done (code ``action_accepted``).
    - Moving to doing or done needs an owner, a due date and a non-blank completion
      standard (code ``action_not_ready``; one ``FieldError`` per missing field): an action
      cannot skip the readiness rule by going straight from todo to done.
    - Every other move is allowed, including reopening a done action not yet accepted.
    """
    if is_accepted(action) and target is not ActionStatus.DONE:
        raise RuleViolation(
            "an accepted action is final",
            code="action_accepted",
            errors=[FieldError("status", "the action was accepted", "action_accepted")],
        )
    if target in WORKED_ON:
        missing = missing_for_doing(action)
        if missing:
            raise RuleViolation(
                "the action needs " + ", ".join(e.field for e in missing) + f" to be {target}",
                code="action_not_ready",
                errors=missing,
            )


def ensure_may_accept(
    action: Action,
    *,
    acceptor_id: UUID,
    kr_owner_id: UUID,
    action_owner_manager_id: UUID | None,
) -> None:
    """Refuse an acceptance (验收) the rules do not allow.

    Only the owner of the action's KR or the manager of the action's owner may accept, and
    never the action's own owner: a KR owner who owns the action leaves it to their manager
    (``Forbidden``, code ``not_acceptor``). An action is accepted once (code
    ``action_accepted``), and only when done (code ``action_not_done``).
    """
    if acceptor_id == action.owner_id or acceptor_id not in {kr_owner_id, action_owner_manager_id}:
        raise Forbidden(
            "only the key result's owner or the action owner's manager may accept it",
            code="not_acceptor",
        )
    if is_accepted(action):
        raise RuleViolation("the action was already accepted", code="action_accepted")
    if action.status is not ActionStatus.DONE:
        raise RuleViolation(
            f"only a done action can be accepted; this one is {action.status}",
            code="action_not_done",
            errors=[FieldError("status", "must be done", "action_not_done")],
        )
