"""Members of an organization and the manager chain that gives 360 roles (上级, 上上级)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.limits import EMAIL_MAX_LENGTH


class Role(StrEnum):
    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"
    MEMBER = "member"


@dataclass(frozen=True, kw_only=True)
class Member:
    id: UUID
    organization_id: UUID
    name: str
    email: str
    external_id: str | None
    manager_id: UUID | None
    roles: frozenset[Role]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """Lower-case and strip an address; refuse what is plainly not one.

    Emails are unique per organization regardless of case, so they are stored lower-cased.
    """
    cleaned = email.strip().lower()
    if len(cleaned) > EMAIL_MAX_LENGTH or not _EMAIL.match(cleaned):
        raise RuleViolation(
            f"{email!r} is not an email address",
            code="validation_failed",
            errors=[FieldError("email", "not an email address", "invalid_email")],
        )
    return cleaned


def manager_chain_loop(
    member_id: UUID,
    new_manager_id: UUID,
    manager_of: Callable[[UUID], UUID | None],
) -> list[UUID] | None:
    """The loop that making ``new_manager_id`` the manager of ``member_id`` would close.

    Walks up from the new manager; returns the ids from the member back to itself
    (``[member, new_manager, ..., member]``) when the walk reaches the member, else ``None``.
    ``manager_of`` answers the current manager of any member.
    """
    path = [member_id]
    current: UUID | None = new_manager_id
    seen: set[UUID] = set()
    while current is not None and current not in seen:
        path.append(current)
        if current == member_id:
            return path
        seen.add(current)
        current = manager_of(current)
    return None


def ensure_no_manager_loop(
    member_id: UUID, new_manager_id: UUID, managers: Mapping[UUID, UUID | None]
) -> None:
    """Refuse a manager that would make the manager chain a loop (code ``manager_cycle``)."""
    loop = manager_chain_loop(member_id, new_manager_id, managers.get)
    if loop is not None:
        raise RuleViolation(
            "this manager would create a loop in the manager chain",
            code="manager_cycle",
            errors=[FieldError("manager_id", "would create a loop", "manager_cycle")],
            extra={"cycle": [str(i) for i in loop]},
        )
