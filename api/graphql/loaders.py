"""DataLoaders, fresh for each request: nested fields load in batches, not one row at a time.

Each loader calls a use case with the caller's principal, so permissions and tenancy are
the same as everywhere else. Every loader is one batch use case, so each batch is one
statement: members by id, reports by manager, units by id, unit memberships by unit and
cycles by id. A query's SQL count then grows with its depth, not with its number of nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from strawberry.dataloader import DataLoader

from domain.cycles import Cycle
from domain.members import Member
from domain.units import OrgUnit
from service import cycles, members, units
from service.auth import Principal
from service.context import Deps


@dataclass(frozen=True)
class Loaders:
    member: DataLoader[UUID, Member | None]
    reports: DataLoader[UUID, list[Member]]
    unit: DataLoader[UUID, OrgUnit | None]
    unit_member_ids: DataLoader[UUID, list[UUID]]
    cycle: DataLoader[UUID, Cycle | None]


def create_loaders(deps: Deps, principal: Principal) -> Loaders:
    async def load_members(ids: list[UUID]) -> list[Member | None]:
        found = await members.members_by_id(deps, principal, ids)
        return [found.get(i) for i in ids]

    async def load_reports(manager_ids: list[UUID]) -> list[list[Member]]:
        found = await members.reports_of(deps, principal, manager_ids)
        return [found.get(i, []) for i in manager_ids]

    async def load_units(ids: list[UUID]) -> list[OrgUnit | None]:
        found = await units.units_by_id(deps, principal, ids)
        return [found.get(i) for i in ids]

    async def load_unit_member_ids(ids: list[UUID]) -> list[list[UUID]]:
        found = await units.unit_member_ids(deps, principal, ids)
        return [found.get(i, []) for i in ids]

    async def load_cycles(ids: list[UUID]) -> list[Cycle | None]:
        found = await cycles.cycles_by_id(deps, principal, ids)
        return [found.get(i) for i in ids]

    return Loaders(
        member=DataLoader(load_fn=load_members),
        reports=DataLoader(load_fn=load_reports),
        unit=DataLoader(load_fn=load_units),
        unit_member_ids=DataLoader(load_fn=load_unit_member_ids),
        cycle=DataLoader(load_fn=load_cycles),
    )
