"""Request and response bodies of KPIs (关键绩效指标), their measurements, and the body that
links a key result to a KPI. Inputs forbid unknown fields.

Decimals (a KPI's ``target``, a measurement's ``value``, ``attainment``) are JSON strings in
responses ("2000000", "0.8000"), like the key result bodies; inputs accept strings or
numbers. Texts are checked by the domain (``domain.kpis``), which names every bad field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input
from domain.kpis import NAME_MAX, NOTE_MAX, UNIT_MAX, KpiMeasurement, KpiStatus
from domain.okrs import Direction
from service.kpis import KpiView, NewKpi, NewMeasurement

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_KPI_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"


class KpiMeasurementOut(BaseModel):
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

    @classmethod
    def of(cls, m: KpiMeasurement) -> KpiMeasurementOut:
        return cls(
            id=m.id,
            kpi_id=m.kpi_id,
            value=m.value,
            measured_at=m.measured_at,
            recorded_by=m.recorded_by,
            note=m.note,
            created_at=m.created_at,
        )


class KpiOut(BaseModel):
    id: UUID = Field(examples=[_KPI_ID])
    name: str = Field(examples=["月销售额 Monthly revenue"])
    owner_id: UUID = Field(examples=[_EXAMPLE_ID])
    unit: str | None = Field(examples=["CNY"], description="Shown next to values; free text.")
    target: Decimal = Field(examples=["2000000"])
    direction: Direction = Field(
        examples=["increase"], description="`increase`: more is better; `decrease`: less."
    )
    latest_measurement: KpiMeasurementOut | None = Field(
        description="The current reading: the latest `measured_at` (of readings for one "
        "moment, the last posted); null before the first."
    )
    status: KpiStatus | None = Field(
        examples=["not_met"], description="Whether the current reading meets the target."
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
    def of(cls, v: KpiView) -> KpiOut:
        k = v.kpi
        return cls(
            id=k.id,
            name=k.name,
            owner_id=k.owner_id,
            unit=k.unit,
            target=k.target,
            direction=k.direction,
            latest_measurement=KpiMeasurementOut.of(v.latest) if v.latest is not None else None,
            status=v.status,
            attainment=v.attainment,
            version=k.version,
            created_at=k.created_at,
            updated_at=k.updated_at,
        )


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
    name: str = Field(description=f"Not blank, at most {NAME_MAX} characters.")
    target: Decimal = Field(description="A finite number; may be 0 or negative.")
    owner_id: UUID | None = Field(default=None, description="A member; default: you.")
    unit: str | None = Field(
        default=None, description=f"At most {UNIT_MAX} characters (`CNY`, `%`, `单`)."
    )
    direction: Direction = Field(
        default=Direction.INCREASE, description="`increase` (default) or `decrease`."
    )

    def to_new(self) -> NewKpi:
        return NewKpi(
            name=self.name,
            target=self.target,
            owner_id=self.owner_id,
            unit=self.unit,
            direction=self.direction,
        )


class KpiPatch(Input):
    """JSON merge: send only what changes; `unit: null` removes the unit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"target": "2200000", "unit": "CNY"}]},
    )
    name: str | None = None
    owner_id: UUID | None = None
    unit: str | None = None
    target: Decimal | None = None
    direction: Direction | None = Field(
        default=None, description="Not while key results follow the KPI (409)."
    )


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
    note: str = Field(default="", description=f"At most {NOTE_MAX} characters.")

    def to_new(self) -> NewMeasurement:
        return NewMeasurement(value=self.value, measured_at=self.measured_at, note=self.note)


class KpiLink(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"kpi_id": _KPI_ID}]})
    kpi_id: UUID = Field(
        description="A KPI of your organization the KR can follow: the KR is measured by a "
        "number, percent or currency, and points the same way."
    )
