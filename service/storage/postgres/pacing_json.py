"""A pacing setting (domain.pacing_setting) as the JSONB it is stored in, and back.

``{"curve": "custom", "points": [{"t": "0", "p": "0"}, ...]}``,
``{"curve": "schedule", "schedule": [{"on": "2026-01-31", "value": "1000000"}, ...]}``,
``{"curve": "back_loaded"}``; SQL NULL: no setting (inherit). Decimals as strings, so no
digit is lost to a float.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from domain.pacing_setting import CurveKind, PacingSetting
from service.storage.postgres.sql import plain


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
    if data is None:
        return None
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
