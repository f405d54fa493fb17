"""The shapes of the caller's organization (组织): REST bodies and GraphQL types are these
classes.

``OrganizationOut`` is REST's organization and the base of GraphQL's ``Organization``
(``api.organization.graphql`` adds its cycles); its settings groups ``ScoringSettingsBody``
and ``ReviewSettingsBody`` are GraphQL's ``ScoringSettings`` and ``ReviewSettings`` too.
``OrganizationPatch`` is REST's PATCH body and the base of ``UpdateOrganizationInput``; its
merge patches of the groups are GraphQL's ``ScoringSettingsInput`` and ``ReviewSettingsInput``.
Each input converts itself to the use case's input once, for both adapters.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Self
from uuid import UUID

import strawberry
from pydantic import ConfigDict, Field
from strawberry import Maybe

# The enum as registered for GraphQL (named values, description); REST reads it as is.
from api.graphql.enums import Locale
from api.pacing import PacingIn, PacingSettingOut
from api.shapes import Input, Output, Patch
from domain.limits import ORGANIZATION_NAME_MAX_LENGTH
from domain.organizations import OrganizationChanges, ReviewChanges, ScoringChanges

Name = Annotated[str, Field(max_length=ORGANIZATION_NAME_MAX_LENGTH)]


# The settings groups are Inputs only for their config: the published schema forbids
# unknown fields in them (additionalProperties: false).
@strawberry.pydantic.type(
    name="ScoringSettings", description="Grades on the 0.0-1.0 scale and status margins."
)
class ScoringSettingsBody(Input):
    red_below: Decimal = Field(default=Decimal("0.4"), description="Grade red below this.")
    yellow_below: Decimal = Field(default=Decimal("0.7"), description="Grade yellow below this.")
    on_track_margin: Decimal = Decimal("0.1")
    at_risk_margin: Decimal = Decimal("0.25")
    alignment_upward_only: bool = True
    committed_red_below: Decimal = Field(
        default=Decimal("0.7"),
        description="A committed objective (and its KRs) grades red below this; aspirational "
        "ones by red_below.",
    )
    committed_yellow_below: Decimal = Field(
        default=Decimal("1.0"),
        description="A committed objective grades yellow below this, green (met) from it.",
    )


@strawberry.pydantic.type(
    name="ReviewSettings",
    description="360 review defaults: role weights (sum to 1) and peer bounds.",
)
class ReviewSettingsBody(Input):
    weight_self: Decimal = Decimal("0.10")
    weight_peer: Decimal = Decimal("0.30")
    weight_manager: Decimal = Decimal("0.40")
    weight_skip_level: Decimal = Decimal("0.20")
    peer_anonymity_threshold: int = 3
    min_peers: int = 3
    max_peers: int = 8


def _merge_patch(group: Patch) -> tuple[dict[str, Any], frozenset[str]]:
    """The values a settings group sent, and the fields it sent as null (reset to default)."""
    sent = group.sent(nullable=frozenset(type(group).model_fields))
    values = {name: value for name, value in sent.items() if value is not None}
    return values, frozenset(name for name, value in sent.items() if value is None)


def _default(text: str) -> Any:
    """A merge-patch field: left out by default, its default value named in REST's schema."""
    return Field(default=None, description=text)


@strawberry.pydantic.input(
    name="ScoringSettingsInput",
    description="Merge patch of the scoring group: left-out fields stay, null restores the "
    "default (redBelow 0.4, yellowBelow 0.7, onTrackMargin 0.1, atRiskMargin 0.25, "
    "alignmentUpwardOnly true, committedRedBelow 0.7, committedYellowBelow 1.0).",
)
class ScoringSettingsPatch(Patch):
    """Merge patch of `scoring`: left-out fields stay, `null` restores the default."""

    red_below: Maybe[Decimal | None] = _default("Default 0.4.")
    yellow_below: Maybe[Decimal | None] = _default("Default 0.7.")
    on_track_margin: Maybe[Decimal | None] = _default("Default 0.1.")
    at_risk_margin: Maybe[Decimal | None] = _default("Default 0.25.")
    alignment_upward_only: Maybe[bool | None] = _default("Default true.")
    committed_red_below: Maybe[Decimal | None] = _default(
        "Committed objectives grade red below it. Default 0.7."
    )
    committed_yellow_below: Maybe[Decimal | None] = _default(
        "Committed objectives grade green (met) from it. Default 1.0."
    )

    def to_changes(self) -> ScoringChanges:
        values, reset = _merge_patch(self)
        return ScoringChanges(**values, reset=reset)


@strawberry.pydantic.input(
    name="ReviewSettingsInput",
    description="Merge patch of the review group: left-out fields stay, null restores the "
    "default; the merged weights must sum to 1.",
)
class ReviewSettingsPatch(Patch):
    """Merge patch of `reviews`: left-out fields stay, `null` restores the default."""

    weight_self: Maybe[Decimal | None] = _default("Default 0.10.")
    weight_peer: Maybe[Decimal | None] = _default("Default 0.30.")
    weight_manager: Maybe[Decimal | None] = _default("Default 0.40.")
    weight_skip_level: Maybe[Decimal | None] = _default("Default 0.20.")
    peer_anonymity_threshold: Maybe[int | None] = _default("Default 3.")
    min_peers: Maybe[int | None] = _default("Default 3.")
    max_peers: Maybe[int | None] = _default("Default 8.")

    def to_changes(self) -> ReviewChanges:
        values, reset = _merge_patch(self)
        return ReviewChanges(**values, reset=reset)


class OrganizationOut(Output):
    id: UUID
    name: str = Field(examples=["Acme Sales"])
    time_zone: str = Field(examples=["Asia/Shanghai"])
    locale: Locale
    scoring: ScoringSettingsBody
    reviews: ReviewSettingsBody
    pacing: PacingSettingOut | None = Field(
        description="The default pacing curve of KRs whose objective's owner unit sets none "
        "(null: linear)."
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


class OrganizationPatch(Patch):
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
    name: Maybe[Name | None] = None
    time_zone: Maybe[str | None] = Field(default=None, examples=["Asia/Shanghai"])
    locale: Maybe[Locale | None] = None
    scoring: Maybe[ScoringSettingsPatch | None] = None
    reviews: Maybe[ReviewSettingsPatch | None] = None
    pacing: Maybe[PacingIn | None] = Field(
        default=None,
        description="The default pacing curve (not `schedule`); null: back to linear.",
    )

    def to_changes(self) -> OrganizationChanges:
        # A group cannot be null (nothing to clear): ``sent`` refuses it like a null name.
        sent = self.sent(nullable=frozenset({"pacing"}))
        scoring, reviews = sent.pop("scoring", None), sent.pop("reviews", None)
        if "pacing" in sent:
            pacing = sent.pop("pacing")
            sent["pacing"] = pacing.to_setting() if pacing is not None else None
            sent["reset_pacing"] = pacing is None
        return OrganizationChanges(
            **sent,
            scoring=scoring.to_changes() if scoring is not None else None,
            reviews=reviews.to_changes() if reviews is not None else None,
        )
