"""The shapes of an org unit (company -> department -> team): REST bodies and GraphQL types
are these classes.

``UnitOut`` is REST's unit and the base of GraphQL's ``OrgUnit`` (``api.units.graphql``
adds its edges); ``UnitCreate`` is also GraphQL's ``CreateUnitInput``; ``UnitPatch`` is
REST's PATCH body and the base of ``UpdateUnitInput``. ``UnitMembersOut`` is REST's only
(GraphQL lists a unit's members as an edge). Each input converts itself to the use case's
input once, for both adapters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

import strawberry
from pydantic import ConfigDict, Field
from strawberry import Maybe

# The enum as registered for GraphQL (named values, description); REST reads it as is.
from api.graphql.enums import UnitKind
from api.pacing import PacingIn, PacingSettingOut
from api.shapes import Input, Output, Patch
from domain.limits import UNIT_NAME_MAX_LENGTH
from service import units

Name = Annotated[str, Field(max_length=UNIT_NAME_MAX_LENGTH)]


class UnitOut(Output):
    id: UUID
    kind: UnitKind
    name: str = Field(examples=["Sales"])
    parent_id: UUID | None
    lead_id: UUID | None
    pacing: PacingSettingOut | None = Field(
        description="The default pacing curve of the KRs of objectives this unit owns "
        "(unless a KR sets its own); null: the organization's."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entity: object) -> Self:
        # The stored setting's shape is not the API's: mapped here, the rest by name.
        values = {name: getattr(entity, name) for name in cls.model_fields if name != "pacing"}
        values["pacing"] = PacingSettingOut.of_setting(getattr(entity, "pacing", None))
        return cls.model_validate(values, from_attributes=True)


@strawberry.pydantic.input(
    name="CreateUnitInput", description="A new unit; a department or team needs a parent."
)
class UnitCreate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"kind": "company", "name": "Acme"}]}
    )
    kind: UnitKind
    name: Name
    parent_id: UUID | None = None
    lead_id: UUID | None = None
    pacing: PacingIn | None = Field(
        default=None, description="The default pacing curve of its KRs (not `schedule`)."
    )

    def to_new(self) -> units.NewUnit:
        values = dict(self)
        pacing = values.pop("pacing")
        return units.NewUnit(**values, pacing=pacing.to_setting() if pacing is not None else None)


class UnitPatch(Patch):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Sales"}]})
    name: Maybe[Name | None] = None
    parent_id: Maybe[UUID | None] = None
    lead_id: Maybe[UUID | None] = None
    pacing: Maybe[PacingIn | None] = Field(
        default=None,
        description="The default pacing curve of its KRs (not `schedule`); null: the "
        "organization's.",
    )

    def to_changes(self) -> units.UnitChanges:
        sent = self.sent(nullable=frozenset({"lead_id", "parent_id", "pacing"}))
        if "pacing" in sent:
            pacing = sent["pacing"]
            sent["pacing"] = pacing.to_setting() if pacing is not None else None
        return units.UnitChanges(**sent)


class UnitMembersOut(Output):
    unit_id: UUID = Field(examples=["01a209b4-22a0-764f-84e2-80f0bf395a35"])
    member_ids: list[UUID] = Field(examples=[["01a209b4-22af-72e5-8995-2bb83bac405a"]])
