"""DataLoaders, fresh for each request: nested fields load in batches, not one row at a time.

Each loader calls a use case with the caller's principal, so permissions and tenancy are
the same as everywhere else. Members (by id, and reports by manager) load in one statement
per batch. Units, cycles and unit memberships have no batch use case yet: their loaders
still dedupe and cache per request, but ask once per distinct id (a ``get_many`` on those
repositories would make them one statement too).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from domain.cycles import Cycle
from domain.errors import NotFound
from domain.members import Member
from domain.units import OrgUnit
from service import cycles, members, units
from service.auth import Principal
from service.context import Deps

T = TypeVar("T")


@dataclass(frozen=True)
class Loaders:
    member: DataLoader[UUID, Member | None]
    reports: DataLoader[UUID, list[Member]]
    unit: DataLoader[UUID, OrgUnit | None]
    unit_member_ids: DataLoader[UUID, list[UUID]]
    cycle: DataLoader[UUID, Cycle | None]


async def _one_by_one(
    keys: Sequence[UUID], fetch: Callable[[UUID], Awaitable[T]]
) -> list[T | None]:
    # One at a time on purpose: a page of 200 distinct ids must not take 200 connections.
    found: list[T | None] = []
    for key in keys:
        try:
            found.append(await fetch(key))
        except NotFound:
            found.append(None)
    return found


def create_loaders(deps: Deps, principal: Principal) -> Loaders:
    async def load_members(ids: list[UUID]) -> list[Member | None]:
        found = await members.members_by_id(deps, principal, ids)
        return [found.get(i) for i in ids]

    async def load_reports(manager_ids: list[UUID]) -> list[list[Member]]:
        found = await members.reports_of(deps, principal, manager_ids)
        return [found.get(i, []) for i in manager_ids]

    async def load_units(ids: list[UUID]) -> list[OrgUnit | None]:
        return await _one_by_one(ids, lambda i: units.get_unit(deps, principal, i))

    async def load_unit_member_ids(ids: list[UUID]) -> list[list[UUID]]:
        found = await _one_by_one(ids, lambda i: units.list_unit_members(deps, principal, i))
        return [f or [] for f in found]

    async def load_cycles(ids: list[UUID]) -> list[Cycle | None]:
        return await _one_by_one(ids, lambda i: cycles.get_cycle(deps, principal, i))

    return Loaders(
        member=DataLoader(load_fn=load_members),
        reports=DataLoader(load_fn=load_reports),
        unit=DataLoader(load_fn=load_units),
        unit_member_ids=DataLoader(load_fn=load_unit_member_ids),
        cycle=DataLoader(load_fn=load_cycles),
    )
