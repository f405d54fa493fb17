"""Input objects of the mutations and list filters, and their mapping to use-case inputs.

Update inputs tell "not sent" from ``null``: a field left out is ``strawberry.UNSET`` and
becomes ``service.patch.UNSET`` (left alone); ``null`` clears a nullable field and is
refused (``validation_failed``) where nothing can be cleared, as REST's PATCH does.
``expectedVersion`` is REST's ``If-Match``: a stale one gets ``stale_version``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import strawberry

from api.graphql.enums import Locale, Role, UnitKind
from domain import organizations as domain_organizations
from domain.errors import FieldError, RuleViolation
from service import members, units
from service.patch import UNSET, Maybe
from service.ports import MemberFilter, UnitFilter

T = TypeVar("T")

_MAX_QUERY_LENGTH = 200


class Sent:
    """Collects what an update input sent; refuses every ``null`` that cannot clear at once."""

    def __init__(self) -> None:
        self._nulls: list[str] = []

    def value(self, value: T | None, field: str) -> Maybe[T]:
        """A field that may be left out but not cleared."""
        if value is strawberry.UNSET:
            return UNSET
        if value is None:
            self._nulls.append(field)
            return UNSET
        return value

    @staticmethod
    def nullable(value: T | None) -> Maybe[T | None]:
        """A field that ``null`` clears."""
        return UNSET if value is strawberry.UNSET else value

    def check(self) -> None:
        if self._nulls:
            raise RuleViolation(
                "these fields cannot be null: " + ", ".join(self._nulls),
                code="validation_failed",
                errors=[FieldError(n, "cannot be null", "null") for n in self._nulls],
            )


# -- filters -------------------------------------------------------------------------------


@strawberry.input(description="Narrows `members`; every field given must match.")
class MemberFilterInput:
    active: bool | None = None
    manager_id: UUID | None = None
    unit_id: UUID | None = None
    email: str | None = strawberry.field(default=None, description="Exact, any case.")
    external_id: str | None = None
    q: str | None = strawberry.field(default=None, description="Part of a name or email.")

    def to_filter(self) -> MemberFilter:
        if self.q is not None and len(self.q) > _MAX_QUERY_LENGTH:
            raise RuleViolation(
                f"q is longer than {_MAX_QUERY_LENGTH} characters",
                code="validation_failed",
                errors=[FieldError("filter.q", "at most 200 characters", "too_long")],
            )
        return MemberFilter(
            active=self.active,
            manager_id=self.manager_id,
            unit_id=self.unit_id,
            email=self.email,
            external_id=self.external_id,
            q=self.q,
        )


@strawberry.input(description="Narrows `units`.")
class UnitFilterInput:
    kind: UnitKind | None = None
    parent_id: UUID | None = None

    def to_filter(self) -> UnitFilter:
        return UnitFilter(kind=self.kind, parent_id=self.parent_id)


# -- organization --------------------------------------------------------------------------


def _merge_patch(
    sent: dict[str, object],
) -> tuple[dict[str, Any], frozenset[str]]:
    """The values a settings group sent, and the fields sent as null (reset to default)."""
    given = {name: value for name, value in sent.items() if value is not strawberry.UNSET}
    values = {name: value for name, value in given.items() if value is not None}
    return values, frozenset(name for name, value in given.items() if value is None)


@strawberry.input(
    description="Merge patch of the scoring group: left-out fields stay, null restores the "
    "default (redBelow 0.4, yellowBelow 0.7, onTrackMargin 0.1, atRiskMargin 0.25, "
    "alignmentUpwardOnly true)."
)
class ScoringSettingsInput:
    red_below: Decimal | None = strawberry.UNSET
    yellow_below: Decimal | None = strawberry.UNSET
    on_track_margin: Decimal | None = strawberry.UNSET
    at_risk_margin: Decimal | None = strawberry.UNSET
    alignment_upward_only: bool | None = strawberry.UNSET

    def to_changes(self) -> domain_organizations.ScoringChanges:
        values, reset = _merge_patch(dict(vars(self)))
        return domain_organizations.ScoringChanges(**values, reset=reset)


@strawberry.input(
    description="Merge patch of the review group: left-out fields stay, null restores the "
    "default; the merged weights must sum to 1."
)
class ReviewSettingsInput:
    weight_self: Decimal | None = strawberry.UNSET
    weight_peer: Decimal | None = strawberry.UNSET
    weight_manager: Decimal | None = strawberry.UNSET
    weight_skip_level: Decimal | None = strawberry.UNSET
    peer_anonymity_threshold: int | None = strawberry.UNSET
    min_peers: int | None = strawberry.UNSET
    max_peers: int | None = strawberry.UNSET

    def to_changes(self) -> domain_organizations.ReviewChanges:
        values, reset = _merge_patch(dict(vars(self)))
        return domain_organizations.ReviewChanges(**values, reset=reset)


@strawberry.input(description="Send only what changes.")
class UpdateOrganizationInput:
    name: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    locale: Locale | None = strawberry.UNSET
    scoring: ScoringSettingsInput | None = strawberry.UNSET
    reviews: ReviewSettingsInput | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> domain_organizations.OrganizationChanges:
        sent = Sent()
        name = sent.value(self.name, "name")
        time_zone = sent.value(self.time_zone, "timeZone")
        locale = sent.value(self.locale, "locale")
        scoring = sent.value(self.scoring, "scoring")
        reviews = sent.value(self.reviews, "reviews")
        sent.check()
        # OrganizationChanges says "leave as is" with None.
        return domain_organizations.OrganizationChanges(
            name=None if name is UNSET else name,
            time_zone=None if time_zone is UNSET else time_zone,
            locale=None if locale is UNSET else locale,
            scoring=None if scoring is UNSET else scoring.to_changes(),
            reviews=None if reviews is UNSET else reviews.to_changes(),
        )


# -- members -------------------------------------------------------------------------------


@strawberry.input(description="A new member; the email and externalId are unique in the org.")
class CreateMemberInput:
    name: str
    email: str
    external_id: str | None = None
    manager_id: UUID | None = None
    roles: list[Role] = strawberry.field(default_factory=lambda: [Role.MEMBER])

    def to_new(self) -> members.NewMember:
        return members.NewMember(
            name=self.name,
            email=self.email,
            external_id=self.external_id,
            manager_id=self.manager_id,
            roles=frozenset(self.roles),
        )


@strawberry.input(description="Send only what changes; null clears managerId or externalId.")
class UpdateMemberInput:
    id: UUID
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    manager_id: UUID | None = strawberry.UNSET
    roles: list[Role] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> members.MemberChanges:
        sent = Sent()
        roles = sent.value(self.roles, "roles")
        changes = members.MemberChanges(
            name=sent.value(self.name, "name"),
            email=sent.value(self.email, "email"),
            external_id=sent.nullable(self.external_id),
            manager_id=sent.nullable(self.manager_id),
            roles=UNSET if roles is UNSET else frozenset(roles),
            active=sent.value(self.active, "active"),
        )
        sent.check()
        return changes


@strawberry.input(description="Members are deactivated, never deleted.")
class DeactivateMemberInput:
    id: UUID
    expected_version: int | None = None


# -- units ---------------------------------------------------------------------------------


@strawberry.input(description="A new unit; a department or team needs a parent.")
class CreateUnitInput:
    kind: UnitKind
    name: str
    parent_id: UUID | None = None
    lead_id: UUID | None = None

    def to_new(self) -> units.NewUnit:
        return units.NewUnit(
            kind=self.kind, name=self.name, parent_id=self.parent_id, lead_id=self.lead_id
        )


@strawberry.input(description="Send only what changes; null clears leadId (or parentId).")
class UpdateUnitInput:
    id: UUID
    name: str | None = strawberry.UNSET
    parent_id: UUID | None = strawberry.UNSET
    lead_id: UUID | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> units.UnitChanges:
        sent = Sent()
        changes = units.UnitChanges(
            name=sent.value(self.name, "name"),
            parent_id=sent.nullable(self.parent_id),
            lead_id=sent.nullable(self.lead_id),
        )
        sent.check()
        return changes


@strawberry.input(description="Deletes a unit with no sub-units; its memberships go with it.")
class DeleteUnitInput:
    id: UUID
    expected_version: int | None = None
