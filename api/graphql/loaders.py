"""DataLoaders, fresh for each request: nested fields load in batches, not one row at a time.

Each loader calls a use case with the caller's principal, so permissions, visibility and
tenancy are the same as everywhere else. Every loader is one batch use case running a fixed
number of statements: members by id, reports by manager, units by id, unit memberships by
unit, cycles by id, objectives (with KRs and scores) by id, the objectives aligned to each
objective, key results (with scores) by id and actions by key result. A query's SQL count
then grows with its depth, not with its number of nodes. Objectives and key results the
caller may not see load as ``None``; children the caller may not see are absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from strawberry.dataloader import DataLoader

from domain.cycles import Cycle
from domain.members import Member
from domain.okrs import Action
from domain.units import OrgUnit
from service import actions, cycles, key_results, members, objectives, units
from service.auth import Principal
from service.context import Deps
from service.scores import KeyResultView, ObjectiveView


@dataclass(frozen=True)
class Loaders:
    member: DataLoader[UUID, Member | None]
    reports: DataLoader[UUID, list[Member]]
    unit: DataLoader[UUID, OrgUnit | None]
    unit_member_ids: DataLoader[UUID, list[UUID]]
    cycle: DataLoader[UUID, Cycle | None]
    objective: DataLoader[UUID, ObjectiveView | None]
    children: DataLoader[UUID, list[ObjectiveView]]
    key_result: DataLoader[UUID, KeyResultView | None]
    actions_of_key_result: DataLoader[UUID, list[Action]]


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

    async def load_objectives(ids: list[UUID]) -> list[ObjectiveView | None]:
        found = await objectives.objectives_by_id(deps, principal, ids)
        return [found.get(i) for i in ids]

    async def load_children(parent_ids: list[UUID]) -> list[list[ObjectiveView]]:
        found = await objectives.children_of(deps, principal, parent_ids)
        return [found.get(i, []) for i in parent_ids]

    async def load_key_results(ids: list[UUID]) -> list[KeyResultView | None]:
        found = await key_results.key_results_by_id(deps, principal, ids)
        return [found.get(i) for i in ids]

    async def load_actions(key_result_ids: list[UUID]) -> list[list[Action]]:
        found = await actions.actions_of_key_results(deps, principal, key_result_ids)
        return [found.get(i, []) for i in key_result_ids]

    return Loaders(
        member=DataLoader(load_fn=load_members),
        reports=DataLoader(load_fn=load_reports),
        unit=DataLoader(load_fn=load_units),
        unit_member_ids=DataLoader(load_fn=load_unit_member_ids),
        cycle=DataLoader(load_fn=load_cycles),
        objective=DataLoader(load_fn=load_objectives),
        children=DataLoader(load_fn=load_children),
        key_result=DataLoader(load_fn=load_key_results),
        actions_of_key_result=DataLoader(load_fn=load_actions),
    )
