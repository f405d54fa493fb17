"""The audit trail in the graph: the ``AuditEvent`` type and the ``auditEvents`` query.

The fields of ``AuditEvent`` are the shape of ``api.audit.shapes``; GraphQL serves the
values before and after as its JSON scalar and describes the fields REST shows by example.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.audit.shapes import AuditEventOut
from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field
from service import audit
from service.okr_ports import AuditFilter
from service.pagination import DEFAULT_LIMIT

ACTOR = "A member id, or `service:<client>`."
RESOURCE_TYPE = "objective, key_result, check_in, action, member, unit, cycle, organization..."


@strawberry.pydantic.type(
    description="Who changed what, with the values before and after (admins)."
)
class AuditEvent(AuditEventOut):
    actor: Annotated[str, strawberry.field(description=ACTOR)]
    action: Annotated[
        str, strawberry.field(description='What happened, e.g. "key_result.final_scored".')
    ]
    resource_type: Annotated[str, strawberry.field(description=RESOURCE_TYPE)]
    before: Annotated[
        dict[str, Any] | None,
        strawberry.field(
            graphql_type=JSON | None, description="The resource before; null on creation."
        ),
    ]
    after: Annotated[
        dict[str, Any] | None,
        strawberry.field(
            graphql_type=JSON | None, description="The resource after; null on deletion."
        ),
    ]


@strawberry.input(description="Narrows `auditEvents`.")
class AuditEventFilterInput:
    resource_type: str | None = strawberry.field(default=None, description=RESOURCE_TYPE)
    resource_id: UUID | None = None
    actor: str | None = strawberry.field(default=None, description=ACTOR)

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            resource_type=self.resource_type, resource_id=self.resource_id, actor=self.actor
        )


@strawberry.type
class AuditQuery:
    @field(description="Admins: every OKR write, oldest first, with values before and after.")
    async def audit_events(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: AuditEventFilterInput | None = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        filters = (filter or AuditEventFilterInput()).to_filter()
        found = await audit.list_audit_events(
            ctx.deps, ctx.principal, filters, page_request(first, after)
        )
        return connection(found, AuditEvent.of, lambda e: e.id)
