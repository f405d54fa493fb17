"""Typed domain errors. Each carries a stable machine-readable ``code``.

Adapters map these classes to transport errors in exactly one place each
(REST: problem+json, GraphQL: ``extensions.code``); the codes are listed in the README.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One invalid input field: where it is (a dotted path) and what is wrong with it."""

    field: str
    message: str
    code: str = "invalid"


class DomainError(Exception):
    """Base class of every expected failure. ``code`` is stable across releases."""

    code: str = "domain_error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: Sequence[FieldError] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = tuple(errors)
        self.extra: dict[str, Any] = dict(extra or {})


class NotFound(DomainError):
    """The resource does not exist, or belongs to another organization (never told apart)."""

    code = "not_found"


class Conflict(DomainError):
    """The request collides with the current state (a duplicate, a request in flight)."""

    code = "conflict"


class StaleVersion(DomainError):
    """The caller's ``If-Match`` version is not the current one."""

    code = "stale_version"


class ConcurrentChange(StaleVersion):
    """Another write changed the row between this one's read and its write (a lost update).

    Still ``stale_version`` to a client that sent ``If-Match``; without one, the use case
    runs again on the fresh row (:func:`service.concurrency.retry_lost_updates`)."""


class RuleViolation(DomainError):
    """The request breaks a domain rule or is invalid input; nothing was changed."""

    code = "rule_violation"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"
