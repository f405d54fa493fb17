"""The shapes of pacing curves and forecasts (DOMAIN.md "Sales pacing, forecast and quotas"),
shared by key results, org units and the organization: REST bodies and GraphQL types alike.

``PacingIn`` is what a client sets (a KR's own curve, a unit's or the organization's
default); ``PacingSettingOut`` shows a unit's or the organization's default as set;
``PacingOut`` is the curve a KR is judged by, with its points, so a UI can draw the
expected line; ``ForecastOut`` is a KR's projection.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self

import strawberry
from pydantic import ConfigDict, Field

from api.shapes import Input, Output
from domain.forecast import Forecast, ForecastStatus
from domain.pacing import JudgedPacing, PacingSource
from domain.pacing_setting import CurveKind, PacingSetting

strawberry.enum(
    CurveKind,
    name="PacingCurveKind",
    description="A pacing curve: LINEAR (the straight line), BACK_LOADED (20/30/50 by "
    "thirds), FRONT_LOADED (50/30/20), CUSTOM (points), SCHEDULE (values at dates) or "
    "LEARNED (from the organization's closed cycles).",
)
strawberry.enum(
    PacingSource,
    description="Where a KR's curve comes from: its own setting (KEY_RESULT), its objective's "
    "owner unit's default (UNIT), the organization's default (ORGANIZATION), or none (DEFAULT: "
    "linear).",
)
strawberry.enum(
    ForecastStatus,
    description="The projection against the thresholds: WILL_HIT (>= 1), AT_RISK (>= the "
    "yellow threshold), WILL_MISS.",
)

_POINTS_EXAMPLE: Any = [{"t": "0", "p": "0"}, {"t": "0.5", "p": "0.3"}, {"t": "1", "p": "1"}]


@strawberry.pydantic.type(
    name="PacingPoint", description="Expected progress p at the elapsed fraction t."
)
class PacingPointOut(Output):
    t: Decimal = Field(examples=["0.5"], description="The elapsed fraction of the cycle.")
    p: Decimal = Field(examples=["0.35"], description="The progress expected by then.")


@strawberry.pydantic.input(
    name="PacingPointInput", description="Expected progress p at the elapsed fraction t."
)
class PacingPointIn(Input):
    t: Decimal = Field(examples=["0.5"])
    p: Decimal = Field(examples=["0.3"])


@strawberry.pydantic.input(
    name="ScheduledValueInput",
    description="An absolute value the KR should reach by a date (a month-end quota).",
)
class ScheduledValueIn(Input):
    on: date = Field(examples=["2027-01-31"])
    value: Decimal = Field(examples=["600000"])


@strawberry.pydantic.input(
    name="PacingInput",
    description="A pacing curve: a preset (LINEAR, BACK_LOADED, FRONT_LOADED), CUSTOM with "
    "`points` from (0, 0) to (1, 1), SCHEDULE with `schedule` (a KR's own only), or LEARNED.",
)
class PacingIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"curve": "back_loaded"},
                {"curve": "custom", "points": _POINTS_EXAMPLE},
                {"curve": "schedule", "schedule": [{"on": "2027-01-31", "value": "600000"}]},
            ]
        },
    )
    curve: CurveKind
    points: list[PacingPointIn] | None = Field(
        default=None,
        description="CUSTOM: the points (t, p), t strictly and p weakly increasing, from "
        "(0, 0) to (1, 1).",
    )
    schedule: list[ScheduledValueIn] | None = Field(
        default=None,
        description="SCHEDULE: absolute values at dates inside the cycle, moving from the "
        "KR's start towards its target.",
    )

    def to_setting(self) -> PacingSetting:
        return PacingSetting(
            kind=self.curve,
            points=tuple((point.t, point.p) for point in self.points or ()),
            schedule=tuple((entry.on, entry.value) for entry in self.schedule or ()),
        )


@strawberry.pydantic.type(
    name="PacingSetting",
    description="A default pacing curve as set (a unit's, the organization's).",
)
class PacingSettingOut(Output):
    curve: CurveKind = Field(examples=["back_loaded"])
    points: list[PacingPointOut] = Field(
        examples=[[]], description="CUSTOM: its points; empty for the other kinds."
    )

    @classmethod
    def of_setting(cls, setting: PacingSetting | None) -> Self | None:
        if setting is None:
            return None
        return cls.model_validate(
            {"curve": setting.kind, "points": [{"t": t, "p": p} for t, p in setting.points]}
        )


@strawberry.pydantic.type(
    name="Pacing", description="The pacing curve a key result is judged by, with its points."
)
class PacingOut(Output):
    curve: CurveKind = Field(
        examples=["back_loaded"],
        description="The kind of curve used (a learned setting with too little history: the "
        "default's kind, see `fallback`).",
    )
    source: PacingSource = Field(
        examples=["unit"],
        description="Where the setting comes from: `key_result`, `unit` (the objective's owner "
        "unit's default), `organization`, or `default` (none set: linear).",
    )
    points: list[PacingPointOut] = Field(
        examples=[_POINTS_EXAMPLE],
        description="The curve's points (t, p): draw the expected line through them.",
    )
    learned_from: int | None = Field(
        default=None,
        examples=[None],
        description="A learned setting: how many comparable closed KRs it was learned from.",
    )
    fallback: CurveKind | None = Field(
        default=None,
        examples=[None],
        description="A learned setting with fewer than 3 comparable KRs: the default used.",
    )

    @classmethod
    def of_judged(cls, judged: JudgedPacing) -> Self:
        return cls.model_validate(_judged(judged))


def _judged(judged: JudgedPacing) -> dict[str, Any]:
    return {
        "curve": judged.curve.kind,
        "source": judged.source,
        "points": [{"t": point.t, "p": point.p} for point in judged.curve.points],
        "learned_from": judged.learned_from,
        "fallback": judged.fallback,
    }


@strawberry.pydantic.type(
    name="Forecast", description="Where the key result will end at its current pace."
)
class ForecastOut(Output):
    projected_progress: Decimal | None = Field(
        examples=["0.8571"],
        description="progress / p(t) of its curve, capped at 2; null before a tenth of the "
        "cycle or while the curve expects nothing.",
    )
    status: ForecastStatus | None = Field(examples=["at_risk"])

    @classmethod
    def of_forecast(cls, forecast: Forecast) -> Self:
        return cls.model_validate(forecast_dict(forecast))


def forecast_dict(forecast: Forecast) -> dict[str, Any]:
    return {"projected_progress": forecast.projected, "status": forecast.status}


def pacing_dict(judged: JudgedPacing) -> dict[str, Any]:
    return _judged(judged)
