"""Time travel (`as_of`): read the tree, scores, objectives and KRs as they stood then.

Check-ins are immutable history, so "where were we in week 6" is a query, not a snapshot
table. A date means the end of that day in the organization's time zone; an instant is
taken as given (UTC when it carries no offset).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import FieldError, RuleViolation
from domain.organizations import Organization

AsOf = date | datetime


def resolve_as_of(as_of: AsOf | None, org: Organization, now: datetime) -> datetime | None:
    """The instant ``as_of`` names, or ``None`` for "now".

    Today's date reads as now; a later date or instant is refused (``as_of_in_future``):
    the future has no check-ins yet, and answering with today's figures would mislead.
    """
    if as_of is None:
        return None
    if isinstance(as_of, datetime):
        instant = as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
    else:
        next_midnight = datetime.combine(as_of + timedelta(days=1), time.min)
        instant = next_midnight.replace(tzinfo=ZoneInfo(org.time_zone)) - timedelta(microseconds=1)
        if as_of == now.astimezone(ZoneInfo(org.time_zone)).date():
            return now
    if instant > now:
        raise RuleViolation(
            "as_of is in the future: there is nothing to read there yet",
            code="as_of_in_future",
            errors=[FieldError("as_of", "must not be later than now", "as_of_in_future")],
        )
    return instant.astimezone(UTC)  # the API speaks UTC
