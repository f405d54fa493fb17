"""The alignment read model in Postgres: nodes, subtrees, KR figures, week activity.

Each method is one statement whatever the size of the answer. Subtrees walk down with a
recursive CTE over both kinds of link (aligned to an objective, contributing to a KR);
latest check-ins at an instant come from a LATERAL index probe per KR on
``(organization_id, key_result_id, created_at)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Integer,
    Select,
    and_,
    any_,
    case,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.okrs import (
    Direction,
    Level,
    MetricKind,
    Milestone,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.units import OrgUnit
from service.alignment_ports import KeyResultFigures, ObjectiveNode
from service.okr_ports import Viewer
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import visible_to
from service.storage.postgres.repositories import unit_from_row
from service.storage.postgres.sql import fetch_records, id_array, plain

# A stored loop cannot exist (writes refuse them), but a walk must never depend on that.
_MAX_WALK_DEPTH = 100


def _parent_id() -> Any:
    """The objective an objective serves: its parent, or the objective of the KR it
    contributes to (a correlated lookup through the KR's primary key)."""
    o, k = t.objectives, t.key_results
    via_kr = (
        select(k.c.objective_id)
        .where(k.c.organization_id == o.c.organization_id, k.c.id == o.c.parent_key_result_id)
        .scalar_subquery()
    )
    return func.coalesce(o.c.parent_objective_id, via_kr)


def _node_columns(organization_id: UUID, viewer: Viewer) -> list[Any]:
    o = t.objectives
    return [
        o.c.id,
        o.c.cycle_id,
        o.c.title,
        o.c.level,
        o.c.status,
        o.c.visibility,
        o.c.owner_kind,
        o.c.owner_member_id,
        o.c.owner_unit_id,
        o.c.roll_up,
        o.c.parent_objective_id,
        o.c.parent_key_result_id,
        _parent_id().label("parent_id"),
        visible_to(organization_id, viewer).label("visible"),
    ]


# Enum members by stored value: a dict lookup, where ``Level(value)`` costs a call per row.
_LEVELS = {m.value: m for m in Level}
_STATUSES = {m.value: m for m in ObjectiveStatus}
_VISIBILITIES = {m.value: m for m in Visibility}
_OWNER_KINDS = {m.value: m for m in OwnerKind}
_KINDS = {m.value: m for m in MetricKind}
_DIRECTIONS = {m.value: m for m in Direction}


def _node(row: Any) -> ObjectiveNode:
    owner_kind = _OWNER_KINDS[row["owner_kind"]]
    return ObjectiveNode(
        id=row["id"],
        cycle_id=row["cycle_id"],
        title=row["title"],
        level=_LEVELS[row["level"]],
        status=_STATUSES[row["status"]],
        visibility=_VISIBILITIES[row["visibility"]],
        owner_kind=owner_kind,
        owner_id=row["owner_member_id"] if owner_kind is OwnerKind.MEMBER else row["owner_unit_id"],
        roll_up=row["roll_up"],
        parent_objective_id=row["parent_objective_id"],
        parent_key_result_id=row["parent_key_result_id"],
        parent_id=row["parent_id"],
        visible=bool(row["visible"]),
    )


_NO_MILESTONES: frozenset[UUID] = frozenset()


def _figures(row: Any, as_of: datetime) -> KeyResultFigures:
    kind = _KINDS[row["metric_kind"]]
    milestones: tuple[Milestone, ...] = ()
    if kind is MetricKind.MILESTONES:
        milestones = tuple(
            Milestone(id=UUID(m["id"]), title=m["title"], weight=Decimal(m["weight"]))
            for m in row["milestones"]
        )
    final = row["final_score"]
    if final is not None:
        scored_at = row["final_scored_at"]
        final = plain(final) if scored_at is None or scored_at <= as_of else None
    done = row["milestones_done"]
    return KeyResultFigures(
        id=row["id"],
        objective_id=row["objective_id"],
        metric_kind=kind,
        start=row["start_value"],
        target=row["target_value"],
        direction=_DIRECTIONS[row["direction"]],
        weight=row["weight"],
        milestones=milestones,
        final_score=final,
        current=row["value"],
        milestones_done=frozenset(done) if done else _NO_MILESTONES,
    )


def nested_cycle_ids(organization_id: UUID, cycle_id: UUID) -> Select[tuple[UUID]]:
    """The cycle and every cycle nested in it (a year's quarters and their months)."""
    c = t.cycles
    nested = (
        select(c.c.id)
        .where(c.c.organization_id == organization_id, c.c.id == cycle_id)
        .cte("nested", recursive=True)
    )
    nested = nested.union(
        select(c.c.id).join(
            nested, and_(c.c.organization_id == organization_id, c.c.parent_id == nested.c.id)
        )
    )
    return select(nested.c.id)


class PostgresAlignmentReader:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def cycle_nodes(
        self, organization_id: UUID, cycle_id: UUID, *, viewer: Viewer, as_of: datetime
    ) -> Sequence[ObjectiveNode]:
        o = t.objectives
        statement = (
            select(*_node_columns(organization_id, viewer))
            .where(
                o.c.organization_id == organization_id,
                o.c.cycle_id.in_(nested_cycle_ids(organization_id, cycle_id)),
                o.c.created_at <= as_of,
            )
            .order_by(o.c.created_at, o.c.id)
        )
        return [_node(row) for row in await fetch_records(self._conn, statement)]

    async def subtree_nodes(
        self,
        organization_id: UUID,
        root_ids: Sequence[UUID],
        *,
        viewer: Viewer,
        as_of: datetime,
        max_depth: int | None = None,
        through_roll_ups: bool = False,
    ) -> Sequence[ObjectiveNode]:
        if not root_ids:
            return []
        o = t.objectives
        links = (
            select(o.c.id, o.c.roll_up, _parent_id().label("parent_id"))
            .where(o.c.organization_id == organization_id, o.c.created_at <= as_of)
            .cte("links")
        )
        down = (
            select(o.c.id, o.c.roll_up, literal(0, Integer).label("depth"))
            .where(
                o.c.organization_id == organization_id,
                o.c.id == any_(id_array(root_ids)),
                o.c.created_at <= as_of,
            )
            .cte("down", recursive=True)
        )
        limit = _MAX_WALK_DEPTH if max_depth is None else min(max_depth, _MAX_WALK_DEPTH)
        step = (
            select(links.c.id, links.c.roll_up, (down.c.depth + 1).label("depth"))
            .join(down, links.c.parent_id == down.c.id)
            .where(down.c.depth < limit)
        )
        if through_roll_ups:
            # Below the roots, only a roll-up objective needs what is aligned to it.
            step = step.where(or_(down.c.depth == 0, down.c.roll_up.is_(True)))
        down = down.union_all(step)
        statement = (
            select(*_node_columns(organization_id, viewer))
            .where(o.c.organization_id == organization_id, o.c.id.in_(select(down.c.id)))
            .order_by(o.c.created_at, o.c.id)
        )
        return [_node(row) for row in await fetch_records(self._conn, statement)]

    async def figures(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Sequence[KeyResultFigures]:
        if not objective_ids:
            return []
        k, c = t.key_results, t.check_ins
        latest = (
            select(c.c.value, c.c.milestones_done)
            .where(
                c.c.organization_id == organization_id,
                c.c.key_result_id == k.c.id,
                c.c.created_at <= as_of,
            )
            .order_by(c.c.created_at.desc(), c.c.id.desc())
            .limit(1)
            .lateral("latest")
        )
        statement: Select[Any] = (
            select(
                k.c.id,
                k.c.objective_id,
                k.c.metric_kind,
                k.c.start_value,
                k.c.target_value,
                k.c.direction,
                k.c.weight,
                # Only milestones KRs need them: decoding 40,000 empty JSON arrays costs
                # more than the rest of the row.
                case((k.c.metric_kind == MetricKind.MILESTONES.value, k.c.milestones)).label(
                    "milestones"
                ),
                k.c.final_score,
                k.c.final_scored_at,
                latest.c.value,
                latest.c.milestones_done,
            )
            .select_from(k.outerjoin(latest, true()))
            .where(
                k.c.organization_id == organization_id,
                k.c.objective_id == any_(id_array(objective_ids)),
                k.c.created_at <= as_of,
            )
            .order_by(k.c.created_at, k.c.id)
        )
        return [_figures(row, as_of) for row in await fetch_records(self._conn, statement)]

    async def units(self, organization_id: UUID) -> Sequence[OrgUnit]:
        u = t.org_units
        rows = await self._conn.execute(
            select(u).where(u.c.organization_id == organization_id).order_by(u.c.id)
        )
        return [unit_from_row(row) for row in rows]

    async def unit_memberships(self, organization_id: UUID) -> Sequence[tuple[UUID, UUID]]:
        um, m = t.unit_members, t.members
        rows = await self._conn.execute(
            select(um.c.unit_id, um.c.member_id)
            .join(m, and_(m.c.organization_id == um.c.organization_id, m.c.id == um.c.member_id))
            .where(um.c.organization_id == organization_id, m.c.active.is_(True))
        )
        return [(row.unit_id, row.member_id) for row in rows]

    async def active_member_ids(self, organization_id: UUID) -> Sequence[UUID]:
        m = t.members
        rows = await self._conn.execute(
            select(m.c.id).where(m.c.organization_id == organization_id, m.c.active.is_(True))
        )
        return [row.id for row in rows]

    async def check_in_weeks(
        self,
        organization_id: UUID,
        objective_ids: Sequence[UUID],
        *,
        starts_on: date,
        ends_on: date,
        time_zone: str,
        as_of: datetime,
    ) -> Mapping[int, tuple[int, int]]:
        k, c = t.key_results, t.check_ins
        local_day = func.date(func.timezone(time_zone, c.c.created_at))
        # Integer division: the days since the start, in whole weeks.
        week = ((local_day - starts_on) // 7 + 1).label("week")
        if not objective_ids:
            return {}
        rows = await self._conn.execute(
            select(
                week,
                func.count().label("check_ins"),
                func.count(c.c.key_result_id.distinct()).label("krs"),
            )
            .select_from(
                c.join(
                    k,
                    and_(
                        k.c.organization_id == c.c.organization_id,
                        k.c.id == c.c.key_result_id,
                    ),
                )
            )
            .where(
                c.c.organization_id == organization_id,
                k.c.objective_id == any_(id_array(objective_ids)),
                c.c.created_at <= as_of,
                local_day >= starts_on,
                local_day <= ends_on,
            )
            .group_by(week)
        )
        return {int(row.week): (int(row.check_ins), int(row.krs)) for row in rows}
