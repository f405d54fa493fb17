"""Output types of the org model: what the graph returns, and how its edges load.

Decimals are the ``Decimal`` scalar, serialized as strings ("0.40") like REST; ids are UUIDs.
``manager``, ``reports``, ``lead``, ``parent`` and ``members`` load through the request's
DataLoaders, so a list of nodes does not cost a statement per node. The ``objectives`` of a
member, a unit or a cycle are a page of the objectives list (``okr_types``), one list per
node: ask for them on one node, or list ``objectives`` with a filter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Generic, TypeVar
from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.enums import CycleKind, CycleState, Locale, Role, UnitKind
from api.graphql.fields import field
from api.graphql.inputs import CycleFilterInput
from domain import cycles as domain_cycles
from domain import members as domain_members
from domain import organizations as domain_organizations
from domain import units as domain_units
from domain.errors import FieldError, RuleViolation
from service import pagination, review_results
from service.cycles import list_cycles
from service.okr_ports import ObjectiveFilter
from service.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    PageRequest,
    Sort,
    encode_cursor,
)

if TYPE_CHECKING:
    from api.graphql.okr_types import Objective
    from api.graphql.review_types import ReviewResult

D = TypeVar("D")
N = TypeVar("N")

# Objectives point back at members, units and cycles: their module loads on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.graphql.okr_types")]
ReviewResultNode = Annotated["ReviewResult", strawberry.lazy("api.graphql.review_types")]
FIRST = "Page size, 1 to 200."
AFTER = "The `endCursor` (or an edge's `cursor`) of the previous page."


# -- connections ---------------------------------------------------------------------------


@strawberry.type(description="Where a page of a connection ends.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on an empty page."
    )


@strawberry.type(description="A node and its cursor.")
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(
    description="A page of a list, in the order its field states (most are oldest first); "
    "`nodes` when cursors per node are not needed."
)
class Connection(Generic[N]):
    edges: list[Edge[N]]
    nodes: list[N]
    page_info: PageInfo


SORT = "The order (see `ListSort`); `after` must come from a page of the same order."
UPDATED_SINCE = (
    "Only what changed at or after this instant (with its offset, e.g. "
    "`2026-02-14T09:30:00Z`; without one: `validation_failed`). Inclusive: resume with the "
    "greatest `updatedAt` you saw and you may see that node again, never miss one."
)
SortArg = Annotated[Sort, strawberry.argument(description=SORT)]
UpdatedSinceArg = Annotated[datetime | None, strawberry.argument(description=UPDATED_SINCE)]
# The use cases' field names, as the GraphQL arguments spell them.
_ARGUMENTS = {"cursor": "after", "limit": "first", "updated_since": "updatedSince"}


def page_request(
    first: int,
    after: str | None,
    *,
    sort: Sort = Sort.CREATED_AT,
    updated_since: datetime | None = None,
) -> PageRequest:
    """Validate ``first`` (1..200), ``after`` (a cursor of ``sort``) and ``updated_since``
    into a page request, before any query runs; errors name the GraphQL arguments."""
    if not 1 <= first <= MAX_LIMIT:
        raise RuleViolation(
            f"first must be between 1 and {MAX_LIMIT}",
            code="validation_failed",
            errors=[FieldError("first", f"must be between 1 and {MAX_LIMIT}", "out_of_range")],
        )
    try:
        return pagination.page_request(first, after, sort=sort, updated_since=updated_since)
    except RuleViolation as error:
        raise RuleViolation(
            error.detail,
            code=error.code,
            errors=[
                FieldError(_ARGUMENTS.get(e.field, e.field), e.message, e.code)
                for e in error.errors
            ],
        ) from None


def _connection(page: Page[D], node: Callable[[D], N], cursor: Callable[[D], str]) -> Connection[N]:
    items: Sequence[D] = page.items
    edges = [Edge(cursor=cursor(i), node=node(i)) for i in items]
    return Connection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=page.next_after is not None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def connection(page: Page[D], node: Callable[[D], N], key: Callable[[D], UUID]) -> Connection[N]:
    """A connection of a list in creation order: a node's cursor is its id's."""
    return _connection(page, node, lambda i: encode_cursor(key(i)))


def sorted_connection(
    page: Page[D], node: Callable[[D], N], row: Callable[[D], pagination.Stamped]
) -> Connection[N]:
    """A connection of a list that sorts by creation or update: each node's cursor
    continues the page's order after that node's ``row``."""
    return _connection(page, node, lambda i: page.cursor_of(row(i)))


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

    @field(
        description="The organization's OKR cycles in `sort` order (oldest first by "
        "default), a page at a time: the same list as the root `cycles` (one statement; a "
        "caller has one organization, so there is nothing to batch)."
    )
    async def cycles(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: CycleFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[Cycle]:
        page = page_request(first, after, sort=sort, updated_since=updated_since)
        return await cycle_page(info, page, filter)


async def cycle_page(
    info: Info, page: PageRequest, filter: CycleFilterInput | None
) -> Connection[Cycle]:
    """A page of the organization's cycles: the root ``cycles`` and ``Organization.cycles``."""
    ctx = info.context
    filters = (filter or CycleFilterInput()).to_filter()
    found = await list_cycles(ctx.deps, ctx.principal, filters, page)
    return sorted_connection(found, Cycle.of, lambda c: c)


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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        cycle_id: UUID | None = None,
    ) -> Connection[ObjectiveNode]:
        from api.graphql.okr_types import objective_connection

        return await objective_connection(
            info, ObjectiveFilter(unit_id=self.id, cycle_id=cycle_id), first, after
        )


# -- cycles --------------------------------------------------------------------------------


@strawberry.type(description="An OKR period (周期): a year, quarter or month.")
class Cycle:
    id: UUID
    name: str
    kind: CycleKind
    start_date: date
    end_date: date
    state: CycleState
    version: int
    created_at: datetime
    updated_at: datetime
    parent_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, c: domain_cycles.Cycle) -> Cycle:
        return cls(
            id=c.id,
            name=c.name,
            kind=c.kind,
            start_date=c.start_date,
            end_date=c.end_date,
            state=c.state,
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
            parent_id=c.parent_id,
        )

    @field(description="The longer cycle this one sits in, if any.")
    async def parent(self, info: Info) -> Cycle | None:
        if self.parent_id is None:
            return None
        found = await info.context.loaders.cycle.load(self.parent_id)
        return Cycle.of(found) if found else None

    @field(
        description="The cycle's objectives that you may see, oldest first (one list per cycle)."
    )
    async def objectives(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[ObjectiveNode]:
        from api.graphql.okr_types import objective_connection

        return await objective_connection(info, ObjectiveFilter(cycle_id=self.id), first, after)
