"""The shapes of a KR's external forecasts: REST's bodies and, through ``strawberry.pydantic``,
GraphQL's ``KeyResultForecast`` and ``PostKeyResultForecastInput``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import ConfigDict, Field

from api.key_results.shapes import CheckInOrigin  # registers CheckInSource in the graph too
from api.shapes import Input, Output
from domain.limits import FORECAST_NOTE_MAX_LENGTH
from domain.okrs import CheckInSource
from service.forecasts import NewForecast

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"

ForecastNote = Annotated[str, Field(max_length=FORECAST_NOTE_MAX_LENGTH)]

_AS_OF_DATE = (
    "The day the forecast was made (the CRM's snapshot date), not the day it forecasts: a "
    "forecast is always of the KR's value at its cycle's end."
)


@strawberry.pydantic.type(
    name="KeyResultForecast",
    description="An external forecast of a key result (外部预测): a CRM's commit and best "
    "case of its final value, one entry of a series kept beside its check-ins.",
)
class ForecastOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    key_result_id: UUID = Field(examples=[_EXAMPLE_ID])
    commit: Decimal = Field(
        examples=["180000"], description="The value the sender commits to at the cycle's end."
    )
    best_case: Decimal | None = Field(
        examples=["240000"],
        description="The value if the upside closes too: never worse than `commit`.",
    )
    as_of_date: date = Field(examples=["2027-02-14"], description=_AS_OF_DATE)
    note: str = Field(examples=["two enterprise deals in legal"])
    author: str = Field(
        examples=["service:crm-sync"],
        description="Who posted it: a member id, or `service:<client>` for a service token.",
    )
    created_at: datetime = Field(description="When it was posted: `as_of` reads by this.")
    source: CheckInSource = Field(
        examples=["integration"],
        description="How it came, as for check-ins: `person`, `api` (a service token) or "
        "`integration` (named in `integration`).",
    )
    integration: str | None = Field(
        examples=["salesforce"], description="The integration that sent it, when `source` is one."
    )
    external_id: str | None = Field(
        examples=["opp-forecast-2027-02-14"],
        description="The sender's id of this forecast: the KR has one entry per external id.",
    )


class ForecastCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "commit": "180000",
                    "best_case": "240000",
                    "as_of_date": "2027-02-14",
                    "note": "two enterprise deals in legal",
                    "external_id": "opp-forecast-2027-02-14",
                    "integration": "salesforce",
                }
            ]
        },
    )
    commit: Decimal = Field(description="The value you commit to at the cycle's end.")
    best_case: Decimal | None = Field(
        default=None,
        description="The value if the upside closes too: at least `commit` for a KR that "
        "increases, at most for one that decreases (else 422 at `best_case`).",
    )
    as_of_date: date | None = Field(
        default=None, description=_AS_OF_DATE + " Not after tomorrow; left out: today (UTC)."
    )
    note: ForecastNote = Field(default="", description="What the forecast rests on.")
    external_id: CheckInOrigin | None = Field(
        default=None,
        description="Your id of this forecast (a CRM snapshot): sent again for the same KR, "
        "it is the same entry, answered as a duplicate and not stored twice.",
    )
    integration: CheckInOrigin | None = Field(
        default=None,
        description="The integration sending it, by name (`salesforce`): its `source` is "
        "then `integration` (a service token's own name when left out).",
    )

    def to_new(self) -> NewForecast:
        return NewForecast(
            commit=self.commit,
            best_case=self.best_case,
            as_of_date=self.as_of_date,
            note=self.note,
            external_id=self.external_id,
            integration=self.integration,
        )
