"""Output types of the org model: what the graph returns, and how its edges load.

Decimals are the ``Decimal`` scalar, serialized as strings ("0.40") like REST; ids are UUIDs.
``manager``, ``reports``, ``lead``, ``parent`` and ``members`` load through the request's
DataLoaders, so a list of nodes does not cost a statement per node. The ``objectives`` of a
member, a unit or a cycle are a page of the objectives list (``okr_types``), one list per
node: ask for them on one node, or list ``objectives`` with a filter.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.cycles.graphql import Cycle, cycle_page
from api.graphql.connections import AfterArg, Connection, FirstArg
from api.graphql.context import Info
from api.graphql.enums import Locale, Role, UnitKind
from api.graphql.fields import field
from domain import members as domain_members
from domain import organizations as domain_organizations
from domain import units as domain_units
from service import review_results
from service.okr_ports import ObjectiveFilter
from service.pagination import DEFAULT_LIMIT

if TYPE_CHECKING:
    from api.graphql.okr_types import Objective
    from api.graphql.review_types import ReviewResult

# Objectives point back at members and units: their module loads on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.graphql.okr_types")]
ReviewResultNode = Annotated["ReviewResult", strawberry.lazy("api.graphql.review_types")]


# -- organization --------------------------------------------------------------------------


@strawberry.type(description="Grades on the 0.0-1.0 scale and status margins.")
class ScoringSettings:
    red_below: Decimal
    yellow_below: Decimal
    on_track_margin: Decimal
    at_risk_margin: Decimal
    alignment_upward_only: bool

    @classmethod
    def of(cls, s: domain_organizations.ScoringSettings) -> ScoringSettings:
        return cls(
            red_below=s.red_below,
            yellow_below=s.yellow_below,
            on_track_margin=s.on_track_margin,
            at_risk_margin=s.at_risk_margin,
            alignment_upward_only=s.alignment_upward_only,
        )


@strawberry.type(description="360 review defaults: role weights (sum to 1) and peer bounds.")
class ReviewSettings:
    weight_self: Decimal
    weight_peer: Decimal
    weight_manager: Decimal
    weight_skip_level: Decimal
    peer_anonymity_threshold: int
    min_peers: int
    max_peers: int

    @classmethod
    def of(cls, s: domain_organizations.ReviewSettings) -> ReviewSettings:
        return cls(
            weight_self=s.weight_self,
            weight_peer=s.weight_peer,
            weight_manager=s.weight_manager,
            weight_skip_level=s.weight_skip_level,
            peer_anonymity_threshold=s.peer_anonymity_threshold,
            min_peers=s.min_peers,
            max_peers=s.max_peers,
        )


@strawberry.type(description="The caller's organization and the defaults its OKRs use.")
class Organization:
    id: UUID
    name: str
    time_zone: str = strawberry.field(description="An IANA time zone, e.g. Asia/Shanghai.")
    locale: Locale
    scoring: ScoringSettings
    reviews: ReviewSettings
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, o: domain_organizations.Organization) -> Organization:
        return cls(
            id=o.id,
            name=o.name,
            time_zone=o.time_zone,
            locale=o.locale,
            scoring=ScoringSettings.of(o.scoring),
            reviews=ReviewSettings.of(o.reviews),
            version=o.version,
            created_at=o.created_at,
            updated_at=o.updated_at,
        )

    cycles: Connection[Cycle] = strawberry.field(
        resolver=cycle_page,
        description="The organization's OKR cycles in `sort` order (oldest first by "
        "default), a page at a time: the same list as the root `cycles` (one statement; a "
        "caller has one organization, so there is nothing to batch).",
    )


# -- members -------------------------------------------------------------------------------


@strawberry.type(description="A person of the organization.")
class Member:
    id: UUID
    name: str
    email: str
    external_id: str | None = strawberry.field(description="The HR system's id.")
    active: bool
    roles: list[Role]
    version: int
    created_at: datetime
    updated_at: datetime
    manager_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, m: domain_members.Member) -> Member:
        return cls(
            id=m.id,
            name=m.name,
            email=m.email,
            external_id=m.external_id,
            active=m.active,
            roles=sorted(m.roles),
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
            manager_id=m.manager_id,
        )

    @field(description="The direct manager (上级), if any.")
    async def manager(self, info: Info) -> Member | None:
        if self.manager_id is None:
            return None
        found = await info.context.loaders.member.load(self.manager_id)
        return Member.of(found) if found else None

    @field(description="Direct reports, oldest first.")
    async def reports(self, info: Info) -> list[Member]:
        return [Member.of(m) for m in await info.context.loaders.reports.load(self.id)]

    @field(
        description="The objectives they own that you may see, oldest first (one list per member)."
    )
    async def objectives(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        cycle_id: UUID | None = None,
    ) -> Connection[ObjectiveNode]:
        from api.graphql.okr_types import objective_connection

        return await objective_connection(
            info, ObjectiveFilter(owner_id=self.id, cycle_id=cycle_id), first, after
        )

    @field(
        description="Their published 360 review results, oldest review cycle first: for "
        "them, anyone above them in the manager chain, admins, HR and `reviews:export` "
        "tokens; an empty list for anyone else, as for someone never reviewed (one list per "
        "member: a few statements per published review cycle)."
    )
    async def review_results(self, info: Info) -> list[ReviewResultNode]:
        from api.graphql.review_types import ReviewResult

        ctx = info.context
        found = await review_results.results_of_member(ctx.deps, ctx.principal, self.id)
        return [ReviewResult.of(r) for r in found]


# -- units ---------------------------------------------------------------------------------


@strawberry.type(description="A unit of the org tree: company -> department -> team.")
class OrgUnit:
    id: UUID
    kind: UnitKind
    name: str
    version: int
    created_at: datetime
    updated_at: datetime
    parent_id: strawberry.Private[UUID | None]
    lead_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, u: domain_units.OrgUnit) -> OrgUnit:
        return cls(
            id=u.id,
            kind=u.kind,
            name=u.name,
            version=u.version,
            created_at=u.created_at,
            updated_at=u.updated_at,
            parent_id=u.parent_id,
            lead_id=u.lead_id,
        )

    @field(description="The unit above; null for the company.")
    async def parent(self, info: Info) -> OrgUnit | None:
        if self.parent_id is None:
            return None
        found = await info.context.loaders.unit.load(self.parent_id)
        return OrgUnit.of(found) if found else None

    @field(description="Who leads the unit, if anyone.")
    async def lead(self, info: Info) -> Member | None:
        if self.lead_id is None:
            return None
        found = await info.context.loaders.member.load(self.lead_id)
        return Member.of(found) if found else None

    @field(description="The unit's own members (not those of its sub-units).")
    async def members(self, info: Info) -> list[Member]:
        loaders = info.context.loaders
        ids = await loaders.unit_member_ids.load(self.id)
        return [Member.of(m) for m in await loaders.member.load_many(ids) if m is not None]

    @field(
        description="The unit's own objectives that you may see, oldest first (one list per unit)."
    )
    async def objectives(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        cycle_id: UUID | None = None,
    ) -> Connection[ObjectiveNode]:
        from api.graphql.okr_types import objective_connection

        return await objective_connection(
            info, ObjectiveFilter(unit_id=self.id, cycle_id=cycle_id), first, after
        )
