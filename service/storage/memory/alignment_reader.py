"""The in-memory twin of the alignment read model, with the Postgres reader's semantics
(``service/storage/postgres/alignment_reader.py``).

Plain walks over one tenant's rows: the nested cycles and the subtree go down level by
level remembering what they saw (a stored loop cannot make them spin), the latest check-in
at an instant is the greatest ``(created_at, id)`` made by then, and a check-in's week
counts days in the organization's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.okrs import CheckIn, KeyResult, MetricKind, Milestone, Objective
from domain.units import OrgUnit
from service.alignment_ports import KeyResultFigures, ObjectiveNode
from service.okr_ports import Viewer
from service.storage.memory.okr_repositories import _parent_objective, _Visibility
from service.storage.memory.store import TenantData, Transaction

# As in Postgres: a stored loop cannot exist (writes refuse them), and the walk down a
# subtree stops after this many levels all the same.
_MAX_WALK_DEPTH = 100


def _node(tenant: TenantData, objective: Objective, visible: _Visibility) -> ObjectiveNode:
    return ObjectiveNode(
        id=objective.id,
        cycle_id=objective.cycle_id,
        title=objective.title,
        level=objective.level,
        status=objective.status,
        visibility=objective.visibility,
        owner_kind=objective.owner_kind,
        owner_id=objective.owner_id,
        roll_up=objective.roll_up,
        parent_objective_id=objective.parent_objective_id,
        parent_key_result_id=objective.parent_key_result_id,
        parent_id=_parent_objective(tenant, objective),
        visible=visible(objective),
    )


def _nodes(
    tenant: TenantData, objectives: Iterable[Objective], viewer: Viewer
) -> list[ObjectiveNode]:
    visible = _Visibility(tenant, viewer)
    ordered = sorted(objectives, key=lambda o: (o.created_at, o.id))
    return [_node(tenant, o, visible) for o in ordered]


def _latest(check_ins: Iterable[CheckIn], as_of: datetime) -> dict[UUID, CheckIn]:
    """Each KR's check-in with the greatest ``(created_at, id)`` made by ``as_of``."""
    found: dict[UUID, CheckIn] = {}
    for c in check_ins:
        if c.created_at > as_of:
            continue
        best = found.get(c.key_result_id)
        if best is None or (c.created_at, c.id) > (best.created_at, best.id):
            found[c.key_result_id] = c
    return found


def _figures(kr: KeyResult, latest: CheckIn | None, as_of: datetime) -> KeyResultFigures:
    milestones: tuple[Milestone, ...] = ()
    if kr.metric_kind is MetricKind.MILESTONES:
        milestones = kr.milestones
    scored_at = kr.final_scored_at
    final = kr.final_score if scored_at is None or scored_at <= as_of else None
    return KeyResultFigures(
        id=kr.id,
        objective_id=kr.objective_id,
        metric_kind=kr.metric_kind,
        start=kr.start,
        target=kr.target,
        direction=kr.direction,
        weight=kr.weight,
        milestones=milestones,
        final_score=final,
        current=latest.value if latest is not None else None,
        milestones_done=frozenset(
            latest.milestones_done if latest is not None and latest.milestones_done else ()
        ),
    )


def nested_cycle_ids(tenant: TenantData, cycle_id: UUID) -> set[UUID]:
    """The cycle and every cycle nested in it (a year's quarters and their months)."""
    children: dict[UUID, list[UUID]] = {}
    for c in tenant.cycles.values():
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c.id)
    nested, todo = {cycle_id}, [cycle_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in nested:
                nested.add(child)
                todo.append(child)
    return nested


class MemoryAlignmentReader:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _tenant(self, organization_id: UUID) -> TenantData:
        return self._tx.state.tenant(organization_id)

    async def cycle_nodes(
        self, organization_id: UUID, cycle_id: UUID, *, viewer: Viewer, as_of: datetime
    ) -> Sequence[ObjectiveNode]:
        tenant = self._tenant(organization_id)
        if cycle_id not in tenant.cycles:
            return []
        nested = nested_cycle_ids(tenant, cycle_id)
        found = (
            o for o in tenant.objectives.values() if o.cycle_id in nested and o.created_at <= as_of
        )
        return _nodes(tenant, found, viewer)

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
        tenant = self._tenant(organization_id)
        existing = {i: o for i, o in tenant.objectives.items() if o.created_at <= as_of}
        below: dict[UUID, list[UUID]] = {}
        for o in existing.values():
            parent_id = _parent_objective(tenant, o)
            if parent_id is not None:
                below.setdefault(parent_id, []).append(o.id)
        limit = _MAX_WALK_DEPTH if max_depth is None else min(max_depth, _MAX_WALK_DEPTH)
        # Breadth first: each objective is first met at its least depth.
        seen = {i for i in root_ids if i in existing}
        level, depth = list(seen), 0
        while level and depth < limit:
            if through_roll_ups and depth > 0:
                level = [i for i in level if existing[i].roll_up]
            level = [c for i in level for c in below.get(i, ()) if c not in seen]
            seen.update(level)
            depth += 1
        return _nodes(tenant, (existing[i] for i in seen), viewer)

    async def figures(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Sequence[KeyResultFigures]:
        tenant = self._tenant(organization_id)
        wanted = set(objective_ids)
        krs = sorted(
            (
                k
                for k in tenant.key_results.values()
                if k.objective_id in wanted and k.created_at <= as_of
            ),
            key=lambda k: (k.created_at, k.id),
        )
        kr_ids = {k.id for k in krs}
        latest = _latest((c for c in tenant.check_ins.values() if c.key_result_id in kr_ids), as_of)
        return [_figures(k, latest.get(k.id), as_of) for k in krs]

    async def units(self, organization_id: UUID) -> Sequence[OrgUnit]:
        return sorted(self._tenant(organization_id).units.values(), key=lambda u: u.id)

    async def unit_memberships(self, organization_id: UUID) -> Sequence[tuple[UUID, UUID]]:
        tenant = self._tenant(organization_id)
        return sorted(
            (unit_id, member_id)
            for unit_id, member_id in tenant.unit_members
            if (m := tenant.members.get(member_id)) is not None and m.active
        )

    async def active_member_ids(self, organization_id: UUID) -> Sequence[UUID]:
        members = self._tenant(organization_id).members.values()
        return sorted(m.id for m in members if m.active)

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
        tenant = self._tenant(organization_id)
        wanted = set(objective_ids)
        kr_ids = {k.id for k in tenant.key_results.values() if k.objective_id in wanted}
        zone = ZoneInfo(time_zone)
        counts: dict[int, int] = {}
        updated: dict[int, set[UUID]] = {}
        for c in tenant.check_ins.values():
            if c.key_result_id not in kr_ids or c.created_at > as_of:
                continue
            local_day = c.created_at.astimezone(zone).date()
            if not starts_on <= local_day <= ends_on:
                continue
            week = (local_day - starts_on).days // 7 + 1
            counts[week] = counts.get(week, 0) + 1
            updated.setdefault(week, set()).add(c.key_result_id)
        return {week: (count, len(updated[week])) for week, count in sorted(counts.items())}
