"""The shape of an audit event: REST's body and the base of GraphQL's ``AuditEvent``
(``api.audit.graphql`` gives its fields GraphQL's descriptions and the JSON scalar)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from api.shapes import Output

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"


class AuditEventOut(Output):
    id: UUID
    occurred_at: datetime
    actor: str = Field(examples=[_EXAMPLE_ID])
    action: str = Field(examples=["key_result.final_scored"])
    resource_type: str = Field(examples=["key_result"])
    resource_id: UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None
