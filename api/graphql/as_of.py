"""The ``asOf`` argument (time travel): a date or an instant, given as a string.

A GraphQL scalar cannot be "a Date or a DateTime", so the argument is a ``String`` parsed
here, as REST parses its ``as_of`` query parameter: ten characters are a date (the end of
that day in the organization's time zone), anything else an ISO 8601 instant (UTC when it
carries no offset). The use cases resolve it and refuse the future (``as_of_in_future``).
"""

from __future__ import annotations

from datetime import date, datetime

from domain.errors import FieldError, RuleViolation
from service.as_of import AsOf

AS_OF = (
    "Read the figures as they stood then: a date `YYYY-MM-DD` (the end of that day in the "
    "organization's time zone) or an ISO 8601 instant (UTC without an offset). Not in the "
    "future (`as_of_in_future`); null: now."
)


def parse_as_of(value: str | None) -> AsOf | None:
    """``"2026-02-14"`` -> a date; ``"2026-02-14T09:30:00Z"`` -> an instant; else
    ``validation_failed`` on ``asOf``."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        raise RuleViolation(
            "asOf must be a date (YYYY-MM-DD) or an ISO 8601 instant",
            code="validation_failed",
            errors=[FieldError("asOf", "not a date or an ISO 8601 instant", "invalid")],
        ) from None
