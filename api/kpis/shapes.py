"""The shapes of a KPI (关键绩效指标), its measurements and a key result's link to one:
REST bodies and GraphQL types are these classes.

``KpiOut`` and ``KpiMeasurementOut`` are REST's and the bases of GraphQL's ``Kpi`` and
``KpiMeasurement`` (``api.kpis.graphql`` adds their edges); ``KpiCreate`` is also GraphQL's
``CreateKpiInput``; ``KpiPatch``, ``KpiMeasurementCreate`` and ``KpiLink`` are the REST bodies
and the bases of ``UpdateKpiInput``, ``RecordKpiMeasurementInput`` and
``LinkKeyResultToKpiInput``. Each input converts itself to the use case's input once.

Texts are checked by the domain (``domain.kpis``, bounds in ``domain.limits``) after
stripping, naming every bad field at once; the shapes only state the bounds. Decimals are
JSON strings in responses ("2000000", "0.8000"); inputs accept strings or numbers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self
from uuid import UUID

import strawberry
from pydantic import BaseModel, ConfigDict, Field
from strawberry import Maybe

# The enums as registered for GraphQL (named values, descriptions); REST reads them as is.
from api.graphql.enums import Direction, KpiStatus
from api.shapes import Input, Output, Patch
from domain.limits import KPI_NAME_MAX_LENGTH, KPI_NOTE_MAX_LENGTH, KPI_UNIT_MAX_LENGTH
from service import kpis

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_KPI_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"


class KpiMeasurementOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    kpi_id: UUID = Field(examples=[_KPI_ID])
    value: Decimal = Field(examples=["1650000"])
    measured_at: datetime = Field(
        examples=["2026-02-28T23:59:59Z"], description="The moment the value describes."
    )
    recorded_by: str = Field(
        examples=[_EXAMPLE_ID],
        description="Who posted it: a member id, or `service:<client>` for an integration.",
    )
    note: str = Field(examples=["February, from the CRM"])
    created_at: datetime = Field(description="When it was posted.")


class KpiOut(Output):
    id: UUID = Field(examples=[_KPI_ID])
    name: str = Field(examples=["月销售额 Monthly revenue"])
    owner_id: UUID = Field(examples=[_EXAMPLE_ID])
    unit: str | None = Field(examples=["CNY"], description="Shown next to values; free text.")
    target: Decimal = Field(examples=["2000000"])
    direction: Direction = Field(
        examples=["increase"], description="More is better (increase) or less is better (decrease)."
    )
    latest_measurement: KpiMeasurementOut | None = Field(
        description="The current reading: the latest `measured_at` (of readings for one "
        "moment, the last posted); null before the first."
    )
    status: KpiStatus | None = Field(
        examples=["not_met"],
        description="Whether the current reading meets the target; null before the first.",
    )
    attainment: Decimal | None = Field(
        examples=["0.8250"],
        description="达成率 of the current reading, 0 to 1 (four places): value / target "
        "(decrease: target / value); 1 exactly when met; 0 for a target of 0 or below not met.",
    )
    version: int = Field(examples=[1])
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: kpis.KpiView) -> Self:  # type: ignore[override]
        """The KPI's fields by name, with its current reading and what the reading says
        (computed by the view); the reading takes the shape this class declares."""
        return cls.model_validate(
            {
                **vars(view.kpi),
                "latest_measurement": view.latest,
                "status": view.status,
                "attainment": view.attainment,
            },
            from_attributes=True,
        )


@strawberry.pydantic.input(name="CreateKpiInput", description="A new KPI (admins and managers).")
class KpiCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "月销售额 Monthly revenue",
                    "unit": "CNY",
                    "target": "2000000",
                    "direction": "increase",
                }
            ]
        },
    )
    name: str = Field(description=f"Not blank, at most {KPI_NAME_MAX_LENGTH} characters.")
    target: Decimal = Field(description="A finite number; may be 0 or negative.")
    owner_id: UUID | None = Field(default=None, description="A member; default: you.")
    unit: str | None = Field(
        default=None, description=f"At most {KPI_UNIT_MAX_LENGTH} characters (`CNY`, `%`, `单`)."
    )
    direction: Direction = Field(
        default=Direction.INCREASE,
        description="Increase (default) or decrease.",
    )

    def to_new(self) -> kpis.NewKpi:
        return kpis.NewKpi(**dict(self))


class KpiPatch(Patch):
    """JSON merge: send only what changes; `unit: null` removes the unit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"target": "2200000", "unit": "CNY"}]},
    )
    name: Maybe[str | None] = None
    owner_id: Maybe[UUID | None] = None
    unit: Maybe[str | None] = None
    target: Maybe[Decimal | None] = None
    direction: Maybe[Direction | None] = Field(
        default=None, description="Not while key results follow the KPI (409)."
    )

    def to_changes(self) -> kpis.KpiChanges:
        return kpis.KpiChanges(**self.sent(nullable=frozenset({"unit"})))


class KpiMeasurementCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "value": "1650000",
                    "measured_at": "2026-02-28T23:59:59Z",
                    "note": "February, from the CRM",
                }
            ]
        },
    )
    value: Decimal = Field(description="A finite number.")
    measured_at: datetime | None = Field(
        default=None,
        description="The moment the value describes, with its offset (RFC 3339); default: "
        "now. Past readings are fine; more than 5 minutes ahead is refused.",
    )
    note: str = Field(default="", description=f"At most {KPI_NOTE_MAX_LENGTH} characters.")

    def to_new(self) -> kpis.NewMeasurement:
        return kpis.NewMeasurement(value=self.value, measured_at=self.measured_at, note=self.note)


class KpiLink(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"kpi_id": _KPI_ID}]})
    kpi_id: UUID = Field(
        description="A KPI of your organization the KR can follow: the KR is measured by a number, "
        "percent or currency, and points the same way."
    )


class KpiRef(BaseModel):
    """The KPI a GraphQL input names (REST names it in the path)."""

    kpi_id: UUID


class KeyResultRef(BaseModel):
    """The key result a GraphQL input names (REST names it in the path)."""

    key_result_id: UUID
