"""The shapes of a member (成员): REST bodies and GraphQL types are these classes.

``MemberOut`` is REST's member (``/v1/members`` and ``/v1/me``) and the base of GraphQL's
``Member`` (``api.members.graphql`` adds its edges); ``MemberCreate`` is the base of
``CreateMemberInput`` (which only prints its default roles); ``MemberPatch`` is REST's PATCH
body and the base of ``UpdateMemberInput``. Each input converts itself to the use case's
input once, for both adapters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator
from strawberry import Maybe

# The enum as registered for GraphQL (named values, description); REST reads it as is.
from api.graphql.enums import Role
from api.shapes import Input, Output, Patch
from domain.limits import EMAIL_MAX_LENGTH, EXTERNAL_ID_MAX_LENGTH, MEMBER_NAME_MAX_LENGTH
from service import members

Name = Annotated[str, Field(max_length=MEMBER_NAME_MAX_LENGTH)]
Email = Annotated[str, Field(max_length=EMAIL_MAX_LENGTH)]
ExternalId = Annotated[str, Field(max_length=EXTERNAL_ID_MAX_LENGTH)]


class MemberOut(Output):
    id: UUID
    name: str = Field(examples=["Li Wei"])
    email: str = Field(examples=["li.wei@example.com"])
    external_id: str | None = Field(examples=["HR-00042"])
    manager_id: UUID | None
    roles: list[Role]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @field_validator("roles", mode="before")
    @classmethod
    def _in_order(cls, roles: Iterable[Role]) -> list[Role]:
        # A member's roles are a set: one order keeps the body, and its ETag, stable.
        return sorted(roles)


class MemberCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Li Wei",
                    "email": "li.wei@example.com",
                    "external_id": "HR-00042",
                    "roles": ["member"],
                }
            ]
        },
    )
    name: Name
    email: Email
    external_id: ExternalId | None = None
    manager_id: UUID | None = None
    roles: list[Role] = Field(default_factory=lambda: [Role.MEMBER])

    def to_new(self) -> members.NewMember:
        return members.NewMember(**{**dict(self), "roles": frozenset(self.roles)})


class MemberPatch(Patch):
    """JSON merge semantics: absent = unchanged; ``null`` clears a nullable field."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"manager_id": None, "active": True}]}
    )
    name: Maybe[Name | None] = None
    email: Maybe[Email | None] = None
    external_id: Maybe[ExternalId | None] = None
    manager_id: Maybe[UUID | None] = None
    roles: Maybe[list[Role] | None] = None
    active: Maybe[bool | None] = None

    def to_changes(self) -> members.MemberChanges:
        sent = self.sent(nullable=frozenset({"manager_id", "external_id"}))
        if "roles" in sent:
            sent["roles"] = frozenset(sent["roles"])
        return members.MemberChanges(**sent)
