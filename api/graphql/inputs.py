"""What the hand-written update inputs share (those not yet a ``Patch`` shape).

Such an input tells "not sent" from ``null``: a field left out is ``strawberry.UNSET`` and
becomes ``service.patch.UNSET`` (left alone); ``null`` clears a nullable field and is
refused (``validation_failed``) where nothing can be cleared, as REST's PATCH does.
``expectedVersion`` is REST's ``If-Match``: a stale one gets ``stale_version``.
"""

from __future__ import annotations

from typing import TypeVar

import strawberry

from domain.errors import FieldError, RuleViolation
from service.patch import UNSET, Maybe

T = TypeVar("T")


class Sent:
    """Collects what an update input sent; refuses every ``null`` that cannot clear at once."""

    def __init__(self) -> None:
        self._nulls: list[str] = []

    def value(self, value: T | None, field: str) -> Maybe[T]:
        """A field that may be left out but not cleared."""
        if value is strawberry.UNSET:
            return UNSET
        if value is None:
            self._nulls.append(field)
            return UNSET
        return value

    @staticmethod
    def nullable(value: T | None) -> Maybe[T | None]:
        """A field that ``null`` clears."""
        return UNSET if value is strawberry.UNSET else value

    def check(self) -> None:
        if self._nulls:
            raise RuleViolation(
                "these fields cannot be null: " + ", ".join(self._nulls),
                code="validation_failed",
                errors=[FieldError(n, "cannot be null", "null") for n in self._nulls],
            )
