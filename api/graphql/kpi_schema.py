"""KPIs (关键绩效指标) over GraphQL: the types, the inputs, and the ``KpiQuery`` and
``KpiMutation`` fields ``schema.Query`` and ``schema.Mutation`` inherit, over the same use
cases as REST's /v1/kpis (``service.kpis``).

A KPI is a standing metric measured period after period; a key result may follow one
(``linkKeyResultToKpi``), each new measurement then becoming a check-in of the KR in the
same transaction, attributed to whoever posted it. Who may do what is said in
``service.kpis``. Decimals are the ``Decimal`` scalar, serialized as strings.

``Kpi.linkedKeyResults`` loads through a DataLoader kept next to the request's own loaders
(dropped with them after a write), so listing many KPIs with their KRs costs a fixed number
of statements; ``Kpi.measurements`` is one query per KPI.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID
from weakref import WeakKeyDictionary

import strawberry
from strawberry.dataloader import DataLoader

from api.graphql.connections import AFTER, FIRST, Connection, connection, page_request
from api.graphql.context import Info
from api.graphql.enums import Direction
from api.graphql.fields import field, mutation
from api.graphql.inputs import Sent
from api.graphql.loaders import Loaders
from api.graphql.okr_types import KeyResult, present
from api.graphql.types import Member
from domain import kpis as domain_kpis
from domain.errors import FieldError, RuleViolation
from domain.kpis import KpiStatus
from service import kpis
from service.kpi_ports import KpiFilter
from service.pagination import DEFAULT_LIMIT
from service.scores import KeyResultView

_MAX_FILTER_LENGTH = 200

strawberry.enum(
    KpiStatus,
    description="Whether a KPI's current reading meets its target: MET or NOT_MET.",
)

# The linked-KRs loader of each request, keyed by the request's loaders: dropped with them
# when a write makes the context forget what it loaded.
_LINKED: WeakKeyDictionary[Loaders, DataLoader[UUID, list[KeyResultView]]] = WeakKeyDictionary()


def _linked_loader(info: Info) -> DataLoader[UUID, list[KeyResultView]]:
    ctx = info.context
    loaders = ctx.loaders
    found = _LINKED.get(loaders)
    if found is None:
        deps, principal = ctx.deps, ctx.principal

        async def load(kpi_ids: list[UUID]) -> list[list[KeyResultView]]:
            linked = await kpis.linked_key_results(deps, principal, kpi_ids)
            return [linked.get(i, []) for i in kpi_ids]

        found = DataLoader(load_fn=load)
        _LINKED[loaders] = found
    return found


# -- types -----------------------------------------------------------------------------------


@strawberry.type(description="One immutable reading of a KPI; a correction is a new reading.")
class KpiMeasurement:
    id: UUID
    value: Decimal
    measured_at: datetime = strawberry.field(description="The moment the value describes.")
    recorded_by: str = strawberry.field(
        description="Who posted it: a member id, or `service:<client>` for an integration."
    )
    note: str
    created_at: datetime = strawberry.field(description="When it was posted.")
    kpi_id: UUID

    @classmethod
    def of(cls, m: domain_kpis.KpiMeasurement) -> KpiMeasurement:
        return cls(
            id=m.id,
            value=m.value,
            measured_at=m.measured_at,
            recorded_by=m.recorded_by,
            note=m.note,
            created_at=m.created_at,
            kpi_id=m.kpi_id,
        )

    @field(description="The member who posted it; null for an integration.")
    async def recorded_by_member(self, info: Info) -> Member | None:
        try:
            member_id = UUID(self.recorded_by)
        except ValueError:
            return None
        found = await info.context.loaders.member.load(member_id)
        return Member.of(found) if found else None


@strawberry.type(
    description="A KPI (关键绩效指标): a standing metric with an owner, a unit, a target and "
    "measurements over time. Key results may follow it."
)
class Kpi:
    id: UUID
    name: str
    unit: str | None = strawberry.field(description="Shown next to values; free text.")
    target: Decimal
    direction: Direction = strawberry.field(
        description="INCREASE: more is better; DECREASE: less is better."
    )
    latest_measurement: KpiMeasurement | None = strawberry.field(
        description="The current reading: the latest `measuredAt` (of readings for one "
        "moment, the last posted); null before the first."
    )
    status: KpiStatus | None = strawberry.field(
        description="Whether the current reading meets the target; null before the first."
    )
    attainment: Decimal | None = strawberry.field(
        description="达成率 of the current reading, 0 to 1: value / target (decrease: target "
        "/ value); 1 exactly when met; 0 for a target of 0 or below not met."
    )
    version: int
    created_at: datetime
    updated_at: datetime
    owner_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, v: kpis.KpiView) -> Kpi:
        k = v.kpi
        return cls(
            id=k.id,
            name=k.name,
            unit=k.unit,
            target=k.target,
            direction=k.direction,
            latest_measurement=KpiMeasurement.of(v.latest) if v.latest is not None else None,
            status=v.status,
            attainment=v.attainment,
            version=k.version,
            created_at=k.created_at,
            updated_at=k.updated_at,
            owner_id=k.owner_id,
        )

    @field(description="The member answerable for the KPI.")
    async def owner(self, info: Info) -> Member:
        found = await info.context.loaders.member.load(self.owner_id)
        return Member.of(present(found, "owner"))

    @field(
        description="Every reading, newest first (by `measuredAt`; of readings for one "
        "moment, the last posted first), a page at a time. One query per KPI."
    )
    async def measurements(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[KpiMeasurement]:
        ctx = info.context
        page = page_request(first, after)
        found = await kpis.list_measurements(ctx.deps, ctx.principal, self.id, page)
        return connection(found, KpiMeasurement.of, lambda m: m.id)

    @field(
        description="The key results following this KPI that you may see, oldest first; "
        "each new measurement is a check-in of each of them."
    )
    async def linked_key_results(self, info: Info) -> list[KeyResult]:
        found = await _linked_loader(info).load(self.id)
        return [KeyResult.of(v) for v in found]


# -- inputs ----------------------------------------------------------------------------------


@strawberry.input(description="Narrows `kpis`; every field given must match.")
class KpiFilterInput:
    owner_id: UUID | None = strawberry.field(default=None, description="The member owning it.")
    q: str | None = strawberry.field(default=None, description="Part of the name, any case.")

    def to_filter(self) -> KpiFilter:
        if self.q is not None and len(self.q) > _MAX_FILTER_LENGTH:
            raise RuleViolation(
                "a filter is too long",
                code="validation_failed",
                errors=[
                    FieldError("filter.q", f"at most {_MAX_FILTER_LENGTH} characters", "too_long")
                ],
            )
        return KpiFilter(owner_id=self.owner_id, q=self.q)


@strawberry.input(description="A new KPI (admins and managers).")
class CreateKpiInput:
    name: str
    target: Decimal = strawberry.field(description="A finite number; may be 0 or negative.")
    owner_id: UUID | None = strawberry.field(default=None, description="Default: you.")
    unit: str | None = strawberry.field(default=None, description="CNY, %, 单 ...")
    direction: Direction = Direction.INCREASE

    def to_new(self) -> kpis.NewKpi:
        return kpis.NewKpi(
            name=self.name,
            target=self.target,
            owner_id=self.owner_id,
            unit=self.unit,
            direction=self.direction,
        )


@strawberry.input(
    description="Send only what changes; `unit: null` removes the unit. The direction of a "
    "KPI that key results follow cannot change (`kpi_has_linked_key_results`)."
)
class UpdateKpiInput:
    id: UUID
    name: str | None = strawberry.UNSET
    owner_id: UUID | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    target: Decimal | None = strawberry.UNSET
    direction: Direction | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> kpis.KpiChanges:
        sent = Sent()
        changes = kpis.KpiChanges(
            name=sent.value(self.name, "name"),
            owner_id=sent.value(self.owner_id, "ownerId"),
            unit=sent.nullable(self.unit),
            target=sent.value(self.target, "target"),
            direction=sent.value(self.direction, "direction"),
        )
        sent.check()
        return changes


@strawberry.input(
    description="Deletes a KPI with its measurements; refused while key results follow it."
)
class DeleteKpiInput:
    id: UUID
    expected_version: int | None = None


@strawberry.input(
    description="A reading of a KPI; every KR following it gets a check-in of the value."
)
class RecordKpiMeasurementInput:
    kpi_id: UUID
    value: Decimal
    measured_at: datetime | None = strawberry.field(
        default=None,
        description="The moment the value describes, with its offset; default: now. More "
        "than 5 minutes ahead is refused.",
    )
    note: str = ""

    def to_new(self) -> kpis.NewMeasurement:
        return kpis.NewMeasurement(value=self.value, measured_at=self.measured_at, note=self.note)


@strawberry.input(description="Make a key result follow a KPI.")
class LinkKeyResultToKpiInput:
    key_result_id: UUID
    kpi_id: UUID
    expected_version: int | None = strawberry.field(
        default=None, description="The key result's version."
    )


@strawberry.input(description="Stop a key result following its KPI; its history stays.")
class UnlinkKeyResultFromKpiInput:
    key_result_id: UUID
    expected_version: int | None = strawberry.field(
        default=None, description="The key result's version."
    )


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class KpiQuery:
    @field(description="The organization's KPIs, oldest first, a page at a time.")
    async def kpis(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: KpiFilterInput | None = None,
    ) -> Connection[Kpi]:
        ctx = info.context
        page = page_request(first, after)
        found = await kpis.list_kpis(
            ctx.deps, ctx.principal, (filter or KpiFilterInput()).to_filter(), page
        )
        return connection(found, Kpi.of, lambda v: v.kpi.id)

    @field(description="One KPI of the organization (else `not_found`).")
    async def kpi(self, info: Info, id: UUID) -> Kpi | None:
        ctx = info.context
        return Kpi.of(await kpis.get_kpi(ctx.deps, ctx.principal, id))


# -- payloads --------------------------------------------------------------------------------


@strawberry.type
class CreateKpiPayload:
    kpi: Kpi


@strawberry.type
class UpdateKpiPayload:
    kpi: Kpi


@strawberry.type
class DeleteKpiPayload:
    deleted_kpi_id: UUID


@strawberry.type
class RecordKpiMeasurementPayload:
    measurement: KpiMeasurement
    kpi: Kpi = strawberry.field(description="The KPI with its new current reading.")


@strawberry.type
class LinkKeyResultToKpiPayload:
    key_result: KeyResult


@strawberry.type
class UnlinkKeyResultFromKpiPayload:
    key_result: KeyResult


# -- mutations -------------------------------------------------------------------------------


@strawberry.type
class KpiMutation:
    @mutation(description="Admins and managers add a KPI.")
    async def create_kpi(self, info: Info, input: CreateKpiInput) -> CreateKpiPayload:
        ctx = info.context
        view = await kpis.create_kpi(ctx.deps, ctx.principal, input.to_new())
        ctx.forget_loaded()
        return CreateKpiPayload(kpi=Kpi.of(view))

    @mutation(description="Admins, managers and the KPI's owner change it.")
    async def update_kpi(self, info: Info, input: UpdateKpiInput) -> UpdateKpiPayload:
        ctx = info.context
        view = await kpis.update_kpi(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateKpiPayload(kpi=Kpi.of(view))

    @mutation(
        description="Admins, managers and the KPI's owner delete it with its measurements; "
        "refused while key results follow it (`kpi_has_linked_key_results`)."
    )
    async def delete_kpi(self, info: Info, input: DeleteKpiInput) -> DeleteKpiPayload:
        ctx = info.context
        await kpis.delete_kpi(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return DeleteKpiPayload(deleted_kpi_id=input.id)

    @mutation(
        description="Post a reading of a KPI (admins, managers, its owner, `kpis:write` "
        "tokens). Every key result following it gets a check-in of the value in the same "
        "transaction, authored by you; except KRs of closed cycles, closed or archived "
        "objectives, or with a final score, and none for a reading older than the latest."
    )
    async def record_kpi_measurement(
        self, info: Info, input: RecordKpiMeasurementInput
    ) -> RecordKpiMeasurementPayload:
        ctx = info.context
        recorded = await kpis.record_measurement(
            ctx.deps, ctx.principal, input.kpi_id, input.to_new()
        )
        ctx.forget_loaded()
        view = await kpis.get_kpi(ctx.deps, ctx.principal, input.kpi_id)
        return RecordKpiMeasurementPayload(
            measurement=KpiMeasurement.of(recorded.measurement), kpi=Kpi.of(view)
        )

    @mutation(
        description="Make a key result follow a KPI (whoever may edit the KR, in a cycle "
        "not closed): a number, percent or currency KR pointing the same way "
        "(`validation_failed`); an unknown KPI is `unknown_reference`."
    )
    async def link_key_result_to_kpi(
        self, info: Info, input: LinkKeyResultToKpiInput
    ) -> LinkKeyResultToKpiPayload:
        ctx = info.context
        view = await kpis.link_key_result(
            ctx.deps,
            ctx.principal,
            input.key_result_id,
            input.kpi_id,
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return LinkKeyResultToKpiPayload(key_result=KeyResult.of(view))

    @mutation(
        description="Stop a key result following its KPI; the check-ins measurements made "
        "stay in its history."
    )
    async def unlink_key_result_from_kpi(
        self, info: Info, input: UnlinkKeyResultFromKpiInput
    ) -> UnlinkKeyResultFromKpiPayload:
        ctx = info.context
        view = await kpis.unlink_key_result(
            ctx.deps, ctx.principal, input.key_result_id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return UnlinkKeyResultFromKpiPayload(key_result=KeyResult.of(view))
