"""A stored pacing setting this version cannot read reads as none (the default applies),
so one bad row does not fail every read and sweep that decodes it (a review: a KeyError
from one unit's setting failed its objectives' reads and the hourly sweep of everyone)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pacing_setting import CurveKind, PacingSetting
from service.storage.postgres.pacing_json import pacing_from_json, pacing_json


@pytest.mark.parametrize(
    "stored",
    [
        {"curve": "wavy"},
        {"points": []},
        {"curve": "custom", "points": [{"t": "0"}]},
        {"curve": "custom", "points": [{"t": "x", "p": "0"}]},
        {"curve": "schedule", "schedule": [{"on": "not a date", "value": "1"}]},
        '{"curve": ',
    ],
)
def test_a_setting_that_cannot_be_read_is_none(stored: object) -> None:
    assert pacing_from_json(stored) is None  # type: ignore[arg-type]


def test_a_good_setting_reads_back() -> None:
    setting = PacingSetting(
        kind=CurveKind.CUSTOM, points=((Decimal(0), Decimal(0)), (Decimal(1), Decimal(1)))
    )
    assert pacing_from_json(pacing_json(setting)) == setting
