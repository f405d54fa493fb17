"""The in-memory twin of the work-plan reader (``service/storage/postgres/work_plan_reader.py``):
the same actions, in the same order, by the same rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from domain.okrs import Action, ObjectiveStatus, OwnerKind
from service.okr_ports import Viewer
from service.storage.memory.alignment_reader import nested_cycle_ids
from service.storage.memory.okr_repositories import _Visibility
from service.storage.memory.store import Transaction


class MemoryWorkPlanReader:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def actions(
        self, organization_id: UUID, action_ids: Sequence[UUID]
    ) -> Mapping[UUID, Action]:
        rows = self._tx.state.tenant(organization_id).actions
        return {i: rows[i] for i in action_ids if i in rows}

    async def plan_actions(
        self,
        organization_id: UUID,
        cycle_id: UUID,
        viewer: Viewer,
        *,
        member_id: UUID | None = None,
        unit_id: UUID | None = None,
        limit: int,
    ) -> Sequence[Action]:
        if (member_id is None) == (unit_id is None):
            raise ValueError("a work plan is a member's or a unit's")
        tenant = self._tx.state.tenant(organization_id)
        visible = _Visibility(tenant, viewer)
        unit_members = {m for u, m in tenant.unit_members if u == unit_id}
        cycles = nested_cycle_ids(tenant, cycle_id)
        found: list[Action] = []
        for action in sorted(tenant.actions.values(), key=lambda a: a.id):
            kr = tenant.key_results[action.key_result_id]
            objective = tenant.objectives[kr.objective_id]
            if (
                objective.cycle_id not in cycles
                or objective.status is ObjectiveStatus.ARCHIVED
                or not visible(objective)
            ):
                continue
            if member_id is not None:
                mine = action.owner_id == member_id or (
                    action.owner_id is None and kr.owner_id == member_id
                )
            else:
                mine = (
                    objective.owner_kind is OwnerKind.UNIT and objective.owner_id == unit_id
                ) or action.owner_id in unit_members
            if mine:
                found.append(action)
                if len(found) > limit:
                    break
        return found
