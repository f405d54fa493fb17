"""`as_of`: a date is the end of that day in the organization's time zone; never the future."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.errors import RuleViolation
from service.as_of import resolve_as_of
from tests.unit.test_domain_organizations import make_org  # Asia/Shanghai, UTC+8

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def test_none_means_now() -> None:
    assert resolve_as_of(None, make_org(), NOW) is None


def test_a_date_is_the_last_instant_of_that_local_day_in_utc() -> None:
    at = resolve_as_of(date(2026, 2, 15), make_org(), NOW)
    assert at == datetime(2026, 2, 15, 15, 59, 59, 999999, tzinfo=UTC)


def test_today_reads_as_now() -> None:
    assert resolve_as_of(date(2026, 3, 1), make_org(), NOW) == NOW


def test_an_instant_without_offset_is_utc() -> None:
    naive = datetime(2026, 2, 1, 9)  # noqa: DTZ001 - the point of the test
    assert resolve_as_of(naive, make_org(), NOW) == datetime(2026, 2, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("as_of", [date(2026, 3, 2), datetime(2026, 3, 1, 12, 0, 1, tzinfo=UTC)])
def test_the_future_is_refused(as_of: date) -> None:
    with pytest.raises(RuleViolation) as caught:
        resolve_as_of(as_of, make_org(), NOW)
    assert caught.value.code == "as_of_in_future"
