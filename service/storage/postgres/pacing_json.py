"""A pacing setting (domain.pacing_setting) as the JSONB it is stored in, and back.

``{"curve": "custom", "points": [{"t": "0", "p": "0"}, ...]}``,
``{"curve": "schedule", "schedule": [{"on": "2026-01-31", "value": "1000000"}, ...]}``,
``{"curve": "back_loaded"}``; SQL NULL: no setting (inherit). Decimals as strings, so no
digit is lost to a float.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from domain.pacing_setting import CurveKind, PacingSetting
from service.storage.postgres.sql import plain

log = logging.getLogger("okr.storage")


def pacing_json(setting: PacingSetting | None) -> dict[str, Any] | None:
    if setting is None:
        return None
    data: dict[str, Any] = {"curve": setting.kind.value}
    if setting.points:
        data["points"] = [{"t": str(t), "p": str(p)} for t, p in setting.points]
    if setting.schedule:
        data["schedule"] = [{"on": on.isoformat(), "value": str(v)} for on, v in setting.schedule]
    return data


def pacing_from_json(data: Mapping[str, Any] | str | None) -> PacingSetting | None:
    """The stored setting; one this version cannot read (written by hand, or by a later
    version) reads as none, logged, so a bad row never fails the reads and sweeps that
    decode it with every objective."""
    if data is None:
        return None
    try:
        return _setting(data)
    except (KeyError, TypeError, ValueError, ArithmeticError, AssertionError):
        log.warning("a stored pacing setting cannot be read; the default applies: %r", data)
        return None


def _setting(data: Mapping[str, Any] | str) -> PacingSetting:
    if isinstance(data, str):  # a JSONB field of a row read as a composite value
        data = json.loads(data)
        assert isinstance(data, Mapping)
    return PacingSetting(
        kind=CurveKind(data["curve"]),
        points=tuple(
            (plain(Decimal(p["t"])), plain(Decimal(p["p"]))) for p in data.get("points", ())
        ),
        schedule=tuple(
            (date.fromisoformat(s["on"]), plain(Decimal(s["value"])))
            for s in data.get("schedule", ())
        ),
    )
