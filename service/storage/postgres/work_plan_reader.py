"""Reads actions across key results: by id (a meeting's follow-ups), and the actions of a
member's or a unit's work plan for a cycle, filtered in SQL by the cycle, the objective's
visibility to the reader and who the plan is for, in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from sqlalchemy import and_, any_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.okrs import Action, ObjectiveStatus
from service.okr_ports import Viewer
from service.storage.postgres import tables as t
from service.storage.postgres.alignment_reader import nested_cycle_ids
from service.storage.postgres.okr_repositories import _action, visible_to
from service.storage.postgres.sql import id_array


class PostgresWorkPlanReader:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def actions(
        self, organization_id: UUID, action_ids: Sequence[UUID]
    ) -> Mapping[UUID, Action]:
        if not action_ids:
            return {}
        a = t.actions
        rows = await self._conn.execute(
            select(a).where(
                a.c.organization_id == organization_id, a.c.id == any_(id_array(action_ids))
            )
        )
        return {row.id: _action(row) for row in rows}

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
        a, k, o, um = t.actions, t.key_results, t.objectives, t.unit_members
        joined = a.join(
            k, and_(k.c.organization_id == a.c.organization_id, k.c.id == a.c.key_result_id)
        ).join(o, and_(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id))
        if member_id is not None:
            whose = or_(
                a.c.owner_id == member_id,
                and_(a.c.owner_id.is_(None), k.c.owner_id == member_id),
            )
        else:
            members = select(um.c.member_id).where(
                um.c.organization_id == organization_id, um.c.unit_id == unit_id
            )
            whose = or_(o.c.owner_unit_id == unit_id, a.c.owner_id.in_(members))
        statement = (
            select(a)
            .select_from(joined)
            .where(
                a.c.organization_id == organization_id,
                o.c.cycle_id.in_(nested_cycle_ids(organization_id, cycle_id)),
                o.c.status != ObjectiveStatus.ARCHIVED.value,
                visible_to(organization_id, viewer),
                whose,
            )
            .order_by(a.c.id)
            .limit(limit + 1)
        )
        rows = await self._conn.execute(statement)
        return [_action(row) for row in rows]
