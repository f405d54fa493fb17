"""Request and response bodies of the org model. Inputs forbid unknown fields.

Decimals (weights, thresholds, later metrics) are JSON strings in responses, e.g. "0.40",
so no client loses precision to binary floats; inputs accept strings or numbers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input
from domain.members import Member, Role
from domain.organizations import (
    Locale,
    Organization,
    ReviewChanges,
    ReviewSettings,
    ScoringChanges,
    ScoringSettings,
)
from domain.units import OrgUnit, UnitKind

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


# -- organization --------------------------------------------------------------------------


class ScoringSettingsBody(Input):
    red_below: Decimal = Field(default=Decimal("0.4"), description="Grade red below this.")
    yellow_below: Decimal = Field(default=Decimal("0.7"), description="Grade yellow below this.")
    on_track_margin: Decimal = Field(default=Decimal("0.1"))
    at_risk_margin: Decimal = Field(default=Decimal("0.25"))
    alignment_upward_only: bool = True

    @classmethod
    def of(cls, s: ScoringSettings) -> ScoringSettingsBody:
        return cls(
            red_below=s.red_below,
            yellow_below=s.yellow_below,
            on_track_margin=s.on_track_margin,
            at_risk_margin=s.at_risk_margin,
            alignment_upward_only=s.alignment_upward_only,
        )


class ReviewSettingsBody(Input):
    weight_self: Decimal = Decimal("0.10")
    weight_peer: Decimal = Decimal("0.30")
    weight_manager: Decimal = Decimal("0.40")
    weight_skip_level: Decimal = Decimal("0.20")
    peer_anonymity_threshold: int = 3
    min_peers: int = 3
    max_peers: int = 8

    @classmethod
    def of(cls, s: ReviewSettings) -> ReviewSettingsBody:
        return cls(
            weight_self=s.weight_self,
            weight_peer=s.weight_peer,
            weight_manager=s.weight_manager,
            weight_skip_level=s.weight_skip_level,
            peer_anonymity_threshold=s.peer_anonymity_threshold,
            min_peers=s.min_peers,
            max_peers=s.max_peers,
        )


def _merge_patch(body: BaseModel) -> tuple[dict[str, Any], frozenset[str]]:
    """The values a settings group sent, and the fields it sent as null (reset to default)."""
    sent = {name: getattr(body, name) for name in body.model_fields_set}
    values = {name: value for name, value in sent.items() if value is not None}
    return values, frozenset(name for name, value in sent.items() if value is None)


class ScoringSettingsPatch(Input):
    """Merge patch of `scoring`: left-out fields stay, `null` restores the default."""

    red_below: Decimal | None = Field(default=None, description="Default 0.4.")
    yellow_below: Decimal | None = Field(default=None, description="Default 0.7.")
    on_track_margin: Decimal | None = Field(default=None, description="Default 0.1.")
    at_risk_margin: Decimal | None = Field(default=None, description="Default 0.25.")
    alignment_upward_only: bool | None = Field(default=None, description="Default true.")

    def to_changes(self) -> ScoringChanges:
        values, reset = _merge_patch(self)
        return ScoringChanges(**values, reset=reset)


class ReviewSettingsPatch(Input):
    """Merge patch of `reviews`: left-out fields stay, `null` restores the default."""

    weight_self: Decimal | None = Field(default=None, description="Default 0.10.")
    weight_peer: Decimal | None = Field(default=None, description="Default 0.30.")
    weight_manager: Decimal | None = Field(default=None, description="Default 0.40.")
    weight_skip_level: Decimal | None = Field(default=None, description="Default 0.20.")
    peer_anonymity_threshold: int | None = Field(default=None, description="Default 3.")
    min_peers: int | None = Field(default=None, description="Default 3.")
    max_peers: int | None = Field(default=None, description="Default 8.")

    def to_changes(self) -> ReviewChanges:
        values, reset = _merge_patch(self)
        return ReviewChanges(**values, reset=reset)


class OrganizationOut(BaseModel):
    id: UUID
    name: str = Field(examples=["Acme Sales"])
    time_zone: str = Field(examples=["Asia/Shanghai"])
    locale: Locale
    scoring: ScoringSettingsBody
    reviews: ReviewSettingsBody
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, o: Organization) -> OrganizationOut:
        return cls(
            id=o.id,
            name=o.name,
            time_zone=o.time_zone,
            locale=o.locale,
            scoring=ScoringSettingsBody.of(o.scoring),
            reviews=ReviewSettingsBody.of(o.reviews),
            version=o.version,
            created_at=o.created_at,
            updated_at=o.updated_at,
        )


class OrganizationPatch(Input):
    """Send only what changes (JSON merge patch, RFC 7396).

    Inside ``scoring`` and ``reviews`` a field left out keeps its value and a field sent as
    ``null`` goes back to its default; the merged group is validated as a whole.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Acme Sales", "locale": "zh-CN"},
                {"scoring": {"red_below": "0.35"}},
            ]
        },
    )
    name: str | None = Field(default=None, max_length=200)
    time_zone: str | None = Field(default=None, examples=["Asia/Shanghai"])
    locale: Locale | None = None
    scoring: ScoringSettingsPatch | None = None
    reviews: ReviewSettingsPatch | None = None


# -- members -------------------------------------------------------------------------------


class MemberOut(BaseModel):
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

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        return cls(
            id=m.id,
            name=m.name,
            email=m.email,
            external_id=m.external_id,
            manager_id=m.manager_id,
            roles=sorted(m.roles),
            active=m.active,
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


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
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    external_id: str | None = Field(default=None, max_length=200)
    manager_id: UUID | None = None
    roles: list[Role] = Field(default_factory=lambda: [Role.MEMBER])


class MemberPatch(Input):
    """JSON merge semantics: absent = unchanged; ``null`` clears a nullable field."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"manager_id": None, "active": True}]}
    )
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    external_id: str | None = Field(default=None, max_length=200)
    manager_id: UUID | None = None
    roles: list[Role] | None = None
    active: bool | None = None


# -- units ---------------------------------------------------------------------------------


class UnitOut(BaseModel):
    id: UUID
    kind: UnitKind
    name: str = Field(examples=["Sales"])
    parent_id: UUID | None
    lead_id: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, u: OrgUnit) -> UnitOut:
        return cls(
            id=u.id,
            kind=u.kind,
            name=u.name,
            parent_id=u.parent_id,
            lead_id=u.lead_id,
            version=u.version,
            created_at=u.created_at,
            updated_at=u.updated_at,
        )


class UnitCreate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"kind": "company", "name": "Acme"}]}
    )
    kind: UnitKind
    name: str = Field(max_length=200)
    parent_id: UUID | None = None
    lead_id: UUID | None = None


class UnitPatch(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Sales"}]})
    name: str | None = Field(default=None, max_length=200)
    parent_id: UUID | None = None
    lead_id: UUID | None = None


class UnitMembersOut(BaseModel):
    unit_id: UUID = Field(examples=["01a209b4-22a0-764f-84e2-80f0bf395a35"])
    member_ids: list[UUID] = Field(examples=[["01a209b4-22af-72e5-8995-2bb83bac405a"]])
