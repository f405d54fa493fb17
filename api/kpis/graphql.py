"""KPIs in the graph: the ``Kpi`` and ``KpiMeasurement`` types' edges, the ``kpis`` and
``kpi`` queries, and the mutations that create, change, delete and measure a KPI and link a
key result to one (OKR and KPI together, article 004).

The fields of the types and of the inputs are the shapes of ``api.kpis.shapes``; only what
GraphQL adds is here: the edges (a KPI's owner, measurements and linked key results, a
measurement's poster), the ids and ``expectedVersion`` of the inputs, the list filter, the
inputs REST has no body for (delete, unlink), and the payloads. Who may do what is said in
``service.kpis``.

``Kpi.linkedKeyResults`` loads through a DataLoader kept next to the request's own loaders
(dropped with them after a write), so listing many KPIs with their KRs costs a fixed number
of statements; ``Kpi.measurements`` is one query per KPI.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID
from weakref import WeakKeyDictionary

import strawberry
from strawberry.dataloader import DataLoader

from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation, present
from api.graphql.loaders import Loaders
from api.graphql.mutations import NodeId, write
from api.key_results.graphql import KeyResult
from api.kpis.shapes import (
    KeyResultRef,
    KpiCreate,
    KpiLink,
    KpiMeasurementCreate,
    KpiMeasurementOut,
    KpiOut,
    KpiPatch,
    KpiRef,
)
from api.members.graphql import Member
from domain.errors import FieldError, RuleViolation
from domain.limits import KPI_NAME_MAX_LENGTH
from service import kpis
from service.kpi_ports import KpiFilter
from service.pagination import DEFAULT_LIMIT
from service.scores import KeyResultView

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


@strawberry.pydantic.type(
    description="One immutable reading of a KPI; a correction is a new reading."
)
class KpiMeasurement(KpiMeasurementOut):
    # The schema has always listed `kpiId` after `createdAt`, where REST has `kpi_id` second:
    # the id is served by a resolver field, which Strawberry lists after the data fields.
    kpi_id: strawberry.Private[UUID]

    @strawberry.pydantic.field(name="kpiId")
    def measured_kpi_id(self) -> UUID:
        return self.kpi_id

    @strawberry.pydantic.field(description="The member who posted it; null for an integration.")
    async def recorded_by_member(self, info: Info) -> Member | None:
        try:
            member_id = UUID(self.recorded_by)
        except ValueError:
            return None
        found = await info.context.loaders.member.load(member_id)
        return Member.of(found) if found else None


@strawberry.pydantic.type(
    description="A KPI (关键绩效指标): a standing metric with an owner, a unit, a target and "
    "measurements over time. Key results may follow it."
)
class Kpi(KpiOut):
    # The graph links the owner itself; its id stays for the resolver.
    owner_id: strawberry.Private[UUID]
    # The reading as GraphQL's type, with the field names GraphQL spells.
    latest_measurement: Annotated[
        KpiMeasurement | None,
        strawberry.field(
            description="The current reading: the latest `measuredAt` (of readings for one "
            "moment, the last posted); null before the first."
        ),
    ]

    @strawberry.pydantic.field(description="The member answerable for the KPI.")
    async def owner(self, info: Info) -> Member:
        found = await info.context.loaders.member.load(self.owner_id)
        return Member.of(present(found, "owner"))

    @strawberry.pydantic.field(
        description="Every reading, newest first (by `measuredAt`; of readings for one "
        "moment, the last posted first), a page at a time. One query per KPI."
    )
    async def measurements(
        self, info: Info, first: FirstArg = DEFAULT_LIMIT, after: AfterArg = None
    ) -> Connection[KpiMeasurement]:
        ctx = info.context
        page = page_request(first, after)
        found = await kpis.list_measurements(ctx.deps, ctx.principal, self.id, page)
        return connection(found, KpiMeasurement.of, lambda m: m.id)

    @strawberry.pydantic.field(
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
        # Part of a name is no longer than a name (as REST's `q`).
        if self.q is not None and len(self.q) > KPI_NAME_MAX_LENGTH:
            raise RuleViolation(
                "a filter is too long",
                code="validation_failed",
                errors=[
                    FieldError("filter.q", f"at most {KPI_NAME_MAX_LENGTH} characters", "too_long")
                ],
            )
        return KpiFilter(owner_id=self.owner_id, q=self.q)


@strawberry.pydantic.input(
    description="Send only what changes; `unit: null` removes the unit. The direction of a "
    "KPI that key results follow cannot change (`kpi_has_linked_key_results`)."
)
class UpdateKpiInput(KpiPatch, NodeId):
    expected_version: int | None = None


@strawberry.input(
    description="Deletes a KPI with its measurements; refused while key results follow it."
)
class DeleteKpiInput:
    id: UUID
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="A reading of a KPI; every KR following it gets a check-in of the value."
)
class RecordKpiMeasurementInput(KpiMeasurementCreate, KpiRef):
    pass


@strawberry.pydantic.input(description="Make a key result follow a KPI.")
class LinkKeyResultToKpiInput(KpiLink, KeyResultRef):
    expected_version: Annotated[
        int | None, strawberry.field(description="The key result's version.")
    ] = None


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
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: KpiFilterInput | None = None,
    ) -> Connection[Kpi]:
        ctx = info.context
        filters = (filter or KpiFilterInput()).to_filter()
        found = await kpis.list_kpis(ctx.deps, ctx.principal, filters, page_request(first, after))
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
    async def create_kpi(self, info: Info, input: KpiCreate) -> CreateKpiPayload:
        view = await write(info, kpis.create_kpi, input.to_new())
        return CreateKpiPayload(kpi=Kpi.of(view))

    @mutation(description="Admins, managers and the KPI's owner change it.")
    async def update_kpi(self, info: Info, input: UpdateKpiInput) -> UpdateKpiPayload:
        view = await write(
            info,
            kpis.update_kpi,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateKpiPayload(kpi=Kpi.of(view))

    @mutation(
        description="Admins, managers and the KPI's owner delete it with its measurements; "
        "refused while key results follow it (`kpi_has_linked_key_results`)."
    )
    async def delete_kpi(self, info: Info, input: DeleteKpiInput) -> DeleteKpiPayload:
        await write(info, kpis.delete_kpi, input.id, expected_version=input.expected_version)
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
        recorded = await write(info, kpis.record_measurement, input.kpi_id, input.to_new())
        ctx = info.context
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
        view = await write(
            info,
            kpis.link_key_result,
            input.key_result_id,
            input.kpi_id,
            expected_version=input.expected_version,
        )
        return LinkKeyResultToKpiPayload(key_result=KeyResult.of(view))

    @mutation(
        description="Stop a key result following its KPI; the check-ins measurements made "
        "stay in its history."
    )
    async def unlink_key_result_from_kpi(
        self, info: Info, input: UnlinkKeyResultFromKpiInput
    ) -> UnlinkKeyResultFromKpiPayload:
        view = await write(
            info,
            kpis.unlink_key_result,
            input.key_result_id,
            expected_version=input.expected_version,
        )
        return UnlinkKeyResultFromKpiPayload(key_result=KeyResult.of(view))
