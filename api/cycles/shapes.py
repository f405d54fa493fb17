"""The shapes of an OKR cycle (周期): REST bodies and GraphQL types are these classes.

``CycleOut`` is REST's cycle and the base of GraphQL's ``Cycle`` (``api.cycles.graphql``
adds its edges); ``CycleCreate`` is also GraphQL's ``CreateCycleInput``; ``CyclePatch`` is
REST's PATCH body and the base of ``UpdateCycleInput``. Each input converts itself to the
use case's input once, for both adapters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import ConfigDict, Field
from strawberry import Maybe

# The enums as registered for GraphQL (named values, descriptions); REST reads them as is.
from api.graphql.enums import CycleKind, CycleState
from api.shapes import Input, Output, Patch
from domain.limits import CYCLE_NAME_MAX_LENGTH
from service import cycles

Name = Annotated[str, Field(max_length=CYCLE_NAME_MAX_LENGTH)]


class CycleOut(Output):
    id: UUID
    name: str = Field(examples=["2027"])
    kind: CycleKind
    start_date: date
    end_date: date
    parent_id: UUID | None
    state: CycleState
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = Field(
        default=None, examples=[None], description="When it was closed; null while it is open."
    )


@strawberry.pydantic.input(
    name="CreateCycleInput",
    description="A new cycle, in planning; a sub-cycle lies within its parent.",
)
class CycleCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "2027",
                    "kind": "year",
                    "start_date": "2027-01-01",
                    "end_date": "2027-12-31",
                }
            ]
        },
    )
    name: Name
    kind: CycleKind
    start_date: date
    end_date: date
    parent_id: UUID | None = None

    def to_new(self) -> cycles.NewCycle:
        return cycles.NewCycle(**dict(self))


class CyclePatch(Patch):
    """Change name or dates, or move the state forward: planning -> active -> closed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"state": "active"}]})
    name: Maybe[Name | None] = None
    start_date: Maybe[date | None] = None
    end_date: Maybe[date | None] = None
    state: Maybe[CycleState | None] = None

    def to_changes(self) -> cycles.CycleChanges:
        return cycles.CycleChanges(**self.sent())
