"""Repositories of objectives, key results, check-ins, actions and audit events.

Every query filters on ``organization_id`` first. Lists load in a fixed number of
statements whatever their size; private objectives are filtered in SQL (the viewer's
reporting line comes from one recursive CTE), so they are absent from lists and counts.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Interval,
    Row,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cadence import INTERVALS
from domain.cycles import CycleState
from domain.errors import Conflict
from domain.okrs import (
    Action,
    Aggregation,
    CheckIn,
    KeyResult,
    Level,
    Milestone,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from service.okr_ports import (
    ActionFilter,
    AuditEvent,
    AuditFilter,
    KeyResultFilter,
    ObjectiveFilter,
    Viewer,
)
from service.pagination import Page, PageRequest, page_of, stamped_page_of
from service.quotas import sum_key_result_refused
from service.storage.postgres import tables as t
from service.storage.postgres.errors import translate, unstorable_text
from service.storage.postgres.outbox import record_audit_events
from service.storage.postgres.pacing_json import pacing_from_json, pacing_json
from service.storage.postgres.repositories import reporting_line_cte
from service.storage.postgres.rows import EntityRows, Stored
from service.storage.postgres.sql import (
    UUID_ARRAY,
    escape_like,
    execute_write,
    id_array,
    key_result_history_rows,
    paged,
    plain,
    update_versioned,
)

# -- objectives ----------------------------------------------------------------------------


def _owner_columns(o: Objective) -> dict[str, object]:
    member = o.owner_kind is OwnerKind.MEMBER
    return {
        "owner_member_id": o.owner_id if member else None,
        "owner_unit_id": None if member else o.owner_id,
    }


def _owner_id(row: Row[Any]) -> object:
    member = row.owner_kind == OwnerKind.MEMBER.value
    return row.owner_member_id if member else row.owner_unit_id


# A polymorphic owner is kept in two columns, so both get a real foreign key.
_OBJECTIVES = EntityRows(Objective, t.objectives, {"owner_id": Stored(_owner_id, _owner_columns)})
_objective = _OBJECTIVES.entity


def visible_to(organization_id: UUID, viewer: Viewer) -> ColumnElement[bool]:
    """The SQL condition "this objective is visible to the viewer"."""
    if viewer.sees_everything:
        return true()
    if viewer.unit_scope is not None:
        # An API client limited to a unit subtree: its own CTE name, as the statement may
        # hold a unit filter's ``units_below`` too.
        within = _below_unit(organization_id, viewer.unit_scope, cte_name="client_units")
        return and_(within, _readable(organization_id, viewer))
    return _readable(organization_id, viewer)


def _readable(organization_id: UUID, viewer: Viewer) -> ColumnElement[bool]:
    """Public objectives; private ones to a client holding ``okrs:read_private``, and to
    a member for whom they are answerable (owner, manager chain, unit lead's chain)."""
    o = t.objectives
    public = o.c.visibility == Visibility.PUBLIC.value
    if viewer.sees_private:
        return true()
    if viewer.member_id is None:
        return public
    u = t.org_units
    # The viewer and everyone below them in the manager chain.
    line = select(reporting_line_cte(organization_id, viewer.member_id).c.id)
    led_units = select(u.c.id).where(u.c.organization_id == organization_id, u.c.lead_id.in_(line))
    return or_(public, o.c.owner_member_id.in_(line), o.c.owner_unit_id.in_(led_units))


def _below_unit(
    organization_id: UUID, unit_id: UUID, *, cte_name: str = "units_below"
) -> ColumnElement[bool]:
    """Owned by the unit or a unit under it, or by a member of one of them (one CTE)."""
    o, u, um = t.objectives, t.org_units, t.unit_members
    units = (
        select(u.c.id)
        .where(u.c.organization_id == organization_id, u.c.id == unit_id)
        .cte(cte_name, recursive=True)
    )
    units = units.union(
        select(u.c.id).join(
            units, and_(u.c.organization_id == organization_id, u.c.parent_id == units.c.id)
        )
    )
    members = select(um.c.member_id).where(
        um.c.organization_id == organization_id, um.c.unit_id.in_(select(units.c.id))
    )
    return or_(o.c.owner_unit_id.in_(select(units.c.id)), o.c.owner_member_id.in_(members))


def _touch_objectives() -> Any:
    """Move ``updated_at`` of the objectives and, up through roll-up parents (only their
    progress follows their children's), of the objectives they hang under."""
    o, k = t.objectives, t.key_results
    # Not named after columns: an UPDATE reserves those names for its SET clause.
    organization_id = bindparam("org", type_=PGUUID(as_uuid=True))
    child = o.alias("child")
    # The objective a child hangs under: the one it aligns to, or its KR's.
    parent_id = func.coalesce(
        child.c.parent_objective_id,
        select(k.c.objective_id)
        .where(k.c.organization_id == organization_id, k.c.id == child.c.parent_key_result_id)
        .scalar_subquery(),
    )
    touched = (
        select(o.c.id)
        .where(
            o.c.organization_id == organization_id,
            o.c.id == any_(bindparam("ids", type_=UUID_ARRAY)),
        )
        .cte("touched", recursive=True)
    )
    # UNION (not ALL) stops at a loop, should the stored graph ever hold one.
    touched = touched.union(
        select(o.c.id)
        .select_from(
            child.join(
                touched,
                and_(child.c.organization_id == organization_id, child.c.id == touched.c.id),
            )
        )
        .where(o.c.organization_id == organization_id, o.c.roll_up, o.c.id == parent_id)
    )
    stamp = bindparam("stamp", type_=DateTime(timezone=True))
    return (
        update(o)
        .where(o.c.organization_id == organization_id, o.c.id.in_(select(touched.c.id)))
        .values(updated_at=func.greatest(o.c.updated_at, stamp))
    )


# Built once: every check-in runs it, and building its alias and CTE anew cost more than a
# fifth of a check-in's time (SQLAlchemy keeps a built statement's cache key).
_TOUCH_OBJECTIVES = _touch_objectives()


def listed_objectives(
    organization_id: UUID, filters: ObjectiveFilter, page: PageRequest, viewer: Viewer
) -> Select[Any]:
    """The page of objectives ``viewer`` may see that match ``filters`` (whole rows)."""
    o = t.objectives
    statement: Select[Any] = select(o).where(
        o.c.organization_id == organization_id, visible_to(organization_id, viewer)
    )
    if filters.cycle_id is not None:
        statement = statement.where(o.c.cycle_id == filters.cycle_id)
    if filters.owner_id is not None:
        statement = statement.where(o.c.owner_member_id == filters.owner_id)
    if filters.unit_id is not None:
        statement = statement.where(o.c.owner_unit_id == filters.unit_id)
    if filters.level is not None:
        statement = statement.where(o.c.level == filters.level.value)
    if filters.ambition is not None:
        statement = statement.where(o.c.ambition == filters.ambition.value)
    if filters.status is not None:
        statement = statement.where(o.c.status == filters.status.value)
    if filters.q:
        statement = statement.where(o.c.title.ilike(f"%{escape_like(filters.q)}%", escape="\\"))
    if filters.below_unit_id is not None:
        statement = statement.where(_below_unit(organization_id, filters.below_unit_id))
    if filters.orphans:
        statement = statement.where(
            o.c.level != Level.COMPANY.value,
            o.c.parent_objective_id.is_(None),
            o.c.parent_key_result_id.is_(None),
        )
    return paged(statement, o, page)


class PostgresObjectives:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, objective_id: UUID) -> Objective | None:
        o = t.objectives
        row = (
            await self._conn.execute(
                select(o).where(o.c.organization_id == organization_id, o.c.id == objective_id)
            )
        ).first()
        return _objective(row) if row else None

    async def get_many(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Mapping[UUID, Objective]:
        if not objective_ids:
            return {}
        o = t.objectives
        rows = await self._conn.execute(
            select(o).where(o.c.organization_id == organization_id, o.c.id.in_(set(objective_ids)))
        )
        return {row.id: _objective(row) for row in rows}

    async def list(
        self,
        organization_id: UUID,
        filters: ObjectiveFilter,
        page: PageRequest,
        viewer: Viewer,
    ) -> Page[Objective]:
        rows = await self._conn.execute(listed_objectives(organization_id, filters, page, viewer))
        return stamped_page_of([_objective(r) for r in rows], page)

    async def is_visible(self, organization_id: UUID, objective_id: UUID, viewer: Viewer) -> bool:
        o = t.objectives
        found = await self._conn.scalar(
            select(
                exists().where(
                    o.c.organization_id == organization_id,
                    o.c.id == objective_id,
                    visible_to(organization_id, viewer),
                )
            )
        )
        return bool(found)

    async def visible_link_targets(
        self,
        organization_id: UUID,
        *,
        objective_ids: Sequence[UUID],
        key_result_ids: Sequence[UUID],
        viewer: Viewer,
    ) -> frozenset[UUID]:
        o, k = t.objectives, t.key_results
        krs = k.c.organization_id == organization_id, k.c.id.in_(key_result_ids)
        seen = (
            select(o.c.id)
            .where(
                o.c.organization_id == organization_id,
                or_(o.c.id.in_(objective_ids), o.c.id.in_(select(k.c.objective_id).where(*krs))),
                visible_to(organization_id, viewer),
            )
            .cte("seen_targets")
        )
        # Objective and KR ids never collide (both are fresh UUIDs): one set answers both.
        found = await self._conn.scalars(
            union_all(
                select(seen.c.id).where(seen.c.id.in_(objective_ids)),
                select(k.c.id).where(*krs, k.c.objective_id.in_(select(seen.c.id))),
            )
        )
        return frozenset(found)

    async def alignment_ancestors(
        self, organization_id: UUID, objective_id: UUID
    ) -> Mapping[UUID, UUID | None]:
        """``objective_id`` and every objective above it, each with the one it aligns to
        (directly or through the KR it contributes to), in one recursive query."""
        o, k = t.objectives, t.key_results
        parent = (
            select(k.c.objective_id)
            .where(k.c.organization_id == organization_id, k.c.id == o.c.parent_key_result_id)
            .scalar_subquery()
        )
        parent_expr = func.coalesce(o.c.parent_objective_id, parent)
        up = (
            select(o.c.id, parent_expr.label("parent_id"))
            .where(o.c.organization_id == organization_id, o.c.id == objective_id)
            .cte("up", recursive=True)
        )
        up = up.union(
            select(o.c.id, parent_expr.label("parent_id")).join(
                up, and_(o.c.organization_id == organization_id, o.c.id == up.c.parent_id)
            )
        )
        rows = await self._conn.execute(select(up.c.id, up.c.parent_id))
        return {row.id: row.parent_id for row in rows}

    async def has_check_ins(self, organization_id: UUID, objective_id: UUID) -> bool:
        k, c = t.key_results, t.check_ins
        found = await self._conn.scalar(
            select(
                exists()
                .select_from(
                    c.join(
                        k,
                        and_(
                            k.c.organization_id == c.c.organization_id, k.c.id == c.c.key_result_id
                        ),
                    )
                )
                .where(c.c.organization_id == organization_id, k.c.objective_id == objective_id)
            )
        )
        return bool(found)

    async def aligned_children(
        self, organization_id: UUID, objective_id: UUID
    ) -> Sequence[Objective]:
        o, k = t.objectives, t.key_results
        krs = select(k.c.id).where(
            k.c.organization_id == organization_id, k.c.objective_id == objective_id
        )
        rows = await self._conn.execute(
            select(o)
            .where(
                o.c.organization_id == organization_id,
                or_(o.c.parent_objective_id == objective_id, o.c.parent_key_result_id.in_(krs)),
            )
            .order_by(o.c.id)
        )
        return [_objective(r) for r in rows]

    async def aligned_to(
        self, organization_id: UUID, parent_ids: Sequence[UUID], viewer: Viewer
    ) -> Sequence[Objective]:
        if not parent_ids:
            return []
        o = t.objectives
        rows = await self._conn.execute(
            select(o)
            .where(
                o.c.organization_id == organization_id,
                o.c.parent_objective_id.in_(set(parent_ids)),
                visible_to(organization_id, viewer),
            )
            .order_by(o.c.id)
        )
        return [_objective(r) for r in rows]

    async def open_in_cycle(self, organization_id: UUID, cycle_id: UUID) -> Sequence[Objective]:
        o = t.objectives
        rows = await self._conn.execute(
            select(o)
            .where(
                o.c.organization_id == organization_id,
                o.c.cycle_id == cycle_id,
                o.c.status.not_in([ObjectiveStatus.CLOSED.value, ObjectiveStatus.ARCHIVED.value]),
            )
            .order_by(o.c.id)
        )
        return [_objective(r) for r in rows]

    async def close_many(
        self, organization_id: UUID, objective_ids: Sequence[UUID], now: datetime
    ) -> None:
        if not objective_ids:
            return
        o = t.objectives
        await execute_write(
            self._conn,
            update(o)
            .where(o.c.organization_id == organization_id, o.c.id.in_(list(objective_ids)))
            .values(status=ObjectiveStatus.CLOSED.value, version=o.c.version + 1, updated_at=now),
        )

    async def touch(
        self, organization_id: UUID, objective_ids: Collection[UUID], now: datetime
    ) -> None:
        if not objective_ids:
            return
        params = {"org": organization_id, "ids": list(dict.fromkeys(objective_ids)), "stamp": now}
        await execute_write(self._conn, _TOUCH_OBJECTIVES, params)

    async def contributor_ids(self, organization_id: UUID, key_result_id: UUID) -> Sequence[UUID]:
        o = t.objectives
        rows = await self._conn.execute(
            select(o.c.id)
            .where(
                o.c.organization_id == organization_id, o.c.parent_key_result_id == key_result_id
            )
            .order_by(o.c.id)
        )
        return [row.id for row in rows]

    async def has_aligned_children(self, organization_id: UUID, objective_id: UUID) -> bool:
        o, k = t.objectives, t.key_results
        krs = select(k.c.id).where(
            k.c.organization_id == organization_id, k.c.objective_id == objective_id
        )
        found = await self._conn.scalar(
            select(
                exists().where(
                    o.c.organization_id == organization_id,
                    or_(o.c.parent_objective_id == objective_id, o.c.parent_key_result_id.in_(krs)),
                )
            )
        )
        return bool(found)

    async def add(self, objective: Objective) -> None:
        await execute_write(
            self._conn,
            insert(t.objectives).values(**_OBJECTIVES.insert_values(objective)),
        )

    async def update(self, objective: Objective, *, previous_version: int) -> None:
        o = t.objectives
        await update_versioned(
            self._conn,
            o,
            and_(o.c.organization_id == objective.organization_id, o.c.id == objective.id),
            _OBJECTIVES.values(objective),
            previous_version,
        )

    async def delete(self, organization_id: UUID, objective_id: UUID) -> None:
        """Delete an objective with its KRs and actions (callers refuse it once checked in)."""
        o, k, a = t.objectives, t.key_results, t.actions
        krs = select(k.c.id).where(
            k.c.organization_id == organization_id, k.c.objective_id == objective_id
        )
        # Copies carried over from it forget their source rather than block the delete.
        await execute_write(
            self._conn,
            update(o)
            .where(o.c.organization_id == organization_id, o.c.source_objective_id == objective_id)
            .values(source_objective_id=None),
        )
        await execute_write(
            self._conn,
            delete(a).where(a.c.organization_id == organization_id, a.c.key_result_id.in_(krs)),
        )
        await execute_write(
            self._conn,
            delete(k).where(
                k.c.organization_id == organization_id, k.c.objective_id == objective_id
            ),
        )
        await execute_write(
            self._conn,
            delete(o).where(o.c.organization_id == organization_id, o.c.id == objective_id),
        )


# -- key results ---------------------------------------------------------------------------


def _milestones(row: Row[Any]) -> tuple[Milestone, ...]:
    return tuple(
        Milestone(id=UUID(m["id"]), title=m["title"], weight=Decimal(m["weight"]))
        for m in row.milestones
    )


def _milestones_json(kr: KeyResult) -> dict[str, object]:
    return {
        "milestones": [
            {"id": str(m.id), "title": m.title, "weight": str(m.weight)} for m in kr.milestones
        ]
    }


_KEY_RESULTS = EntityRows(
    KeyResult,
    t.key_results,
    {
        "start": Stored(lambda row: plain(row.start_value), lambda kr: {"start_value": kr.start}),
        "target": Stored(
            lambda row: plain(row.target_value), lambda kr: {"target_value": kr.target}
        ),
        "milestones": Stored(_milestones, _milestones_json),
        "pacing": Stored(
            lambda row: pacing_from_json(row.pacing), lambda kr: {"pacing": pacing_json(kr.pacing)}
        ),
    },
)
_key_result = _KEY_RESULTS.entity
key_result_from_row = _KEY_RESULTS.entity  # for service/storage/postgres/pacing_history.py


def _update_due_at(organization_id: UUID, time_zone: str) -> ColumnElement[datetime]:
    """Each KR's due instant (``domain.cadence.due_at``): its latest check-in, else its
    creation, plus its cadence interval counted on the calendar of ``time_zone``.

    ``timezone(tz, t)`` is ``t AT TIME ZONE tz``: the instant's local wall-clock time, where
    ``+ interval`` adds calendar days and months; then back to an instant (the later one
    across a daylight-saving change, as the domain says).
    """
    k, c = t.key_results, t.check_ins
    latest = (
        select(func.max(c.c.created_at))
        .where(c.c.organization_id == organization_id, c.c.key_result_id == k.c.id)
        .scalar_subquery()
    )
    reference = func.coalesce(latest, k.c.created_at)
    step = case(
        *(
            (k.c.cadence == cadence.value, literal_column(f"interval '{i.sql}'", Interval()))
            for cadence, i in INTERVALS.items()
        )
    )
    zone = literal(time_zone, String())
    wall = func.timezone(zone, reference, type_=DateTime())
    return func.timezone(zone, wall + step, type_=DateTime(timezone=True))


def _stale(organization_id: UUID, now: datetime, time_zone: str) -> ColumnElement[bool]:
    """``domain.cadence.is_stale`` in SQL, over ``key_results`` joined to its objective and
    cycle: the KR takes updates and its due instant is before ``now``. A sum KR takes no
    check-ins (its value is its contributors'): never stale."""
    k, o, cy = t.key_results, t.objectives, t.cycles
    return and_(
        o.c.status == ObjectiveStatus.ACTIVE.value,
        cy.c.state != CycleState.CLOSED.value,
        k.c.final_score.is_(None),
        k.c.aggregation != Aggregation.SUM.value,
        _update_due_at(organization_id, time_zone) < literal(now, DateTime(timezone=True)),
    )


class PostgresKeyResults:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(
        self,
        organization_id: UUID,
        filters: KeyResultFilter,
        page: PageRequest,
        viewer: Viewer,
        *,
        now: datetime,
        time_zone: str,
    ) -> Page[KeyResult]:
        k, o, cy = t.key_results, t.objectives, t.cycles
        joined = k.join(
            o, and_(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id)
        )
        if filters.stale is not None:
            joined = joined.join(
                cy, and_(cy.c.organization_id == o.c.organization_id, cy.c.id == o.c.cycle_id)
            )
        statement: Select[Any] = (
            select(k)
            .select_from(joined)
            .where(
                k.c.organization_id == organization_id,
                o.c.organization_id == organization_id,
                visible_to(organization_id, viewer),
            )
        )
        if filters.cycle_id is not None:
            statement = statement.where(o.c.cycle_id == filters.cycle_id)
        if filters.objective_id is not None:
            statement = statement.where(k.c.objective_id == filters.objective_id)
        if filters.owner_id is not None:
            statement = statement.where(k.c.owner_id == filters.owner_id)
        if filters.stale is not None:
            stale = _stale(organization_id, now, time_zone)
            statement = statement.where(stale if filters.stale else not_(stale))
        rows = (await self._conn.execute(paged(statement, k, page))).all()
        return stamped_page_of([_key_result(r) for r in rows], page)

    async def get(self, organization_id: UUID, key_result_id: UUID) -> KeyResult | None:
        k = t.key_results
        row = (
            await self._conn.execute(
                select(k).where(k.c.organization_id == organization_id, k.c.id == key_result_id)
            )
        ).first()
        return _key_result(row) if row else None

    async def get_many(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, KeyResult]:
        if not key_result_ids:
            return {}
        k = t.key_results
        rows = await self._conn.execute(
            select(k).where(k.c.organization_id == organization_id, k.c.id.in_(set(key_result_ids)))
        )
        return {row.id: _key_result(row) for row in rows}

    async def of_objectives(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[KeyResult]]:
        if not objective_ids:
            return {}
        k = t.key_results
        rows = await self._conn.execute(
            select(k)
            .where(k.c.organization_id == organization_id, k.c.objective_id.in_(set(objective_ids)))
            .order_by(k.c.id)
        )
        found: dict[UUID, list[KeyResult]] = defaultdict(list)
        for row in rows:
            found[row.objective_id].append(_key_result(row))
        return found

    async def add(self, key_result: KeyResult) -> None:
        await execute_write(
            self._conn,
            insert(t.key_results).values(**_KEY_RESULTS.insert_values(key_result)),
        )

    async def update(self, key_result: KeyResult, *, previous_version: int) -> None:
        k = t.key_results
        await update_versioned(
            self._conn,
            k,
            and_(k.c.organization_id == key_result.organization_id, k.c.id == key_result.id),
            _KEY_RESULTS.values(key_result),
            previous_version,
        )

    async def touch(
        self, organization_id: UUID, key_result_ids: Collection[UUID], now: datetime
    ) -> None:
        if not key_result_ids:
            return
        k = t.key_results
        stamp = literal(now, DateTime(timezone=True))
        await execute_write(
            self._conn,
            update(k)
            .where(
                k.c.organization_id == organization_id,
                k.c.id == any_(id_array(list(key_result_ids))),
            )
            .values(updated_at=func.greatest(k.c.updated_at, stamp)),
        )

    async def delete(self, organization_id: UUID, key_result_id: UUID) -> None:
        k, a = t.key_results, t.actions
        await execute_write(
            self._conn,
            delete(a).where(
                a.c.organization_id == organization_id, a.c.key_result_id == key_result_id
            ),
        )
        await execute_write(
            self._conn,
            delete(k).where(k.c.organization_id == organization_id, k.c.id == key_result_id),
        )


# -- check-ins -----------------------------------------------------------------------------


def _milestones_done(row: Row[Any]) -> tuple[UUID, ...] | None:
    return None if row.milestones_done is None else tuple(row.milestones_done)


def _milestones_done_column(check_in: CheckIn) -> dict[str, object]:
    done = check_in.milestones_done
    return {"milestones_done": None if done is None else list(done)}


_CHECK_INS = EntityRows(
    CheckIn, t.check_ins, {"milestones_done": Stored(_milestones_done, _milestones_done_column)}
)
_check_in = _CHECK_INS.entity


_NEW = "new_"
# Each check-in's answer says whether its KR's row took it: false when the KR is a sum (the
# check-in is then refused, ``_refuse_sums``).
_ON_ITS_KR = "on_its_key_result"

# A check-in's external id is unique per KR: a second insert with it inserts nothing.
_ONE_PER_EXTERNAL_ID = ("organization_id", "key_result_id", "external_id")


def _moves_its_key_result(added: Any) -> Any:
    """The UPDATE naming the newest of ``added`` (one row per KR) on its KR's row when it is
    newer by ``(created_at, id)``, moving the KR's ``updated_at``. It waits for a concurrent
    check-in's row lock and then evaluates its conditions on the row as that one left it, so
    no latest is ever lost. It leaves a sum KR's row alone (answers no row for it): a
    switch to a sum committed while the check-in waited (the switch locks the row and then
    counts its check-ins) refuses the check-in, whatever path wrote it."""
    k = t.key_results
    newer = or_(
        k.c.latest_check_in_at.is_(None),
        tuple_(k.c.latest_check_in_at, k.c.latest_check_in_id)
        < tuple_(added.c.created_at, added.c.id),
    )

    def if_newer(new: Any, kept: Any) -> Any:
        return case((newer, new), else_=kept)

    return (
        update(k)
        .where(
            k.c.organization_id == added.c.organization_id,
            k.c.id == added.c.key_result_id,
            k.c.aggregation != Aggregation.SUM.value,
        )
        .values(
            latest_check_in_id=if_newer(added.c.id, k.c.latest_check_in_id),
            latest_check_in_at=if_newer(added.c.created_at, k.c.latest_check_in_at),
            current_value=if_newer(added.c.value, k.c.current_value),
            current_milestones_done=if_newer(added.c.milestones_done, k.c.current_milestones_done),
            # The KR's current value may have changed: it moves in a sync.
            updated_at=func.greatest(k.c.updated_at, added.c.created_at),
        )
        .returning(k.c.id)
        .cte("moved")
    )


if {column.name for column in t.check_ins.columns} != {
    field.name for field in dataclasses.fields(CheckIn)
}:
    raise TypeError("check_ins columns and CheckIn fields differ: _add_check_in binds each")


def _add_check_in() -> Any:
    """Insert a check-in (its columns bound by name) unless its KR has one with its external
    id, name it on its KR's row when newer, and answer the row stored: the new one, or the
    one with its external id when that was committed before the statement began (no row
    when it was committed while the statement waited for it: read it again then)."""
    c = t.check_ins
    added = (
        pg_insert(c)
        # Every column of a check-in is a field of CheckIn (checked below, at import): a
        # column without one would leave its parameter unbound and fail every check-in.
        # The parameters are not named after columns, which statements reserve for SET.
        .values(
            {column: bindparam(f"{_NEW}{column.name}", type_=column.type) for column in c.columns}
        )
        .on_conflict_do_nothing(index_elements=list(_ONE_PER_EXTERNAL_ID))
        .returning(*c.columns)
        .cte("added")
    )
    # Data-modifying CTEs run to completion whether the main query reads them or not; all
    # parts share one snapshot, so the earlier row below is never the one just added.
    earlier = select(c, true().label(_ON_ITS_KR)).where(
        c.c.organization_id == bindparam(f"{_NEW}organization_id"),
        c.c.key_result_id == bindparam(f"{_NEW}key_result_id"),
        c.c.external_id == bindparam(f"{_NEW}external_id"),
        ~exists(select(added.c.id)),
    )
    moved = _moves_its_key_result(added)
    on_its_kr = exists(select(moved.c.id)).label(_ON_ITS_KR)
    return select(*added.c, on_its_kr).add_cte(moved).union_all(earlier)


_ADD_CHECK_IN = _add_check_in()


def _add_check_ins(rows: Sequence[Mapping[str, object]]) -> Any:
    """:func:`_add_check_in` for many rows (in the order given: of two with one external id
    the first is kept); the newest added of each KR goes on its row. Answers the rows added."""
    c = t.check_ins
    added = (
        pg_insert(c)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=list(_ONE_PER_EXTERNAL_ID))
        .returning(*c.columns)
        .cte("added")
    )
    newest = (
        select(added)
        .ext(distinct_on(added.c.organization_id, added.c.key_result_id))
        .order_by(
            added.c.organization_id,
            added.c.key_result_id,
            added.c.created_at.desc(),
            added.c.id.desc(),
        )
        .cte("newest")
    )
    moved = _moves_its_key_result(newest)
    on_its_kr = exists(select(moved.c.id).where(moved.c.id == added.c.key_result_id))
    return select(*added.c, on_its_kr.label(_ON_ITS_KR)).add_cte(moved)


def _refuse_sums(rows: Sequence[Row[Any]]) -> None:
    """Refuse the check-ins (the caller's unit of work rolls them back) when a KR became a
    sum after the use case judged it: a switch committed while the write waited."""
    if not all(getattr(row, _ON_ITS_KR) for row in rows):
        raise sum_key_result_refused()


class PostgresCheckIns:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, check_in: CheckIn) -> CheckIn:
        """Store the check-in and, in the same statement, make it its KR's latest when it is
        newer by ``(created_at, id)`` than the one the KR row names (a KPI reading may be
        dated before check-ins stored earlier), and move the KR's ``updated_at`` up to it.

        With an external id its KR already has (committed), nothing is stored and that
        check-in is answered; a concurrent insert of the same id waits for the other's
        commit (the unique index), so one of them answers the other's row."""
        values = _CHECK_INS.insert_values(check_in)
        params = {f"{_NEW}{name}": value for name, value in values.items()}
        row = (await self._execute(_ADD_CHECK_IN, params)).first()
        if row is None:
            # The same external id was committed while the insert waited on it, after this
            # statement's snapshot: a new statement sees it.
            return await self._by_external_id(check_in)
        _refuse_sums([row])
        return _check_in(row)

    async def add_many(self, check_ins: Sequence[CheckIn]) -> Sequence[CheckIn]:
        """:meth:`add` for many, in two statements at most: each answer (in the order given)
        is the check-in stored, or the earlier one with its external id (an earlier one of
        ``check_ins`` included). Rows are inserted ordered by KR and external id, so two
        concurrent calls wait for each other in one order and never deadlock on them."""
        if not check_ins:
            return []
        order = sorted(
            range(len(check_ins)),
            key=lambda i: (str(check_ins[i].key_result_id), check_ins[i].external_id or "", i),
        )
        rows = [_CHECK_INS.insert_values(check_ins[i]) for i in order]
        stored = (await self._execute(_add_check_ins(rows))).all()
        _refuse_sums(stored)
        added = {row.id: _check_in(row) for row in stored}
        missing = [c for c in check_ins if c.id not in added]
        earlier = await self._earlier(missing) if missing else {}
        return [added.get(c.id) or earlier[(c.key_result_id, c.external_id)] for c in check_ins]

    async def _execute(self, statement: Any, params: Mapping[str, Any] | None = None) -> Any:
        try:
            return await self._conn.execute(statement, params)
        except IntegrityError as error:
            raise translate(error) from None
        except StatementError as error:
            refused = unstorable_text(error)
            if refused is None:
                raise
            raise refused from None

    async def _by_external_id(self, check_in: CheckIn) -> CheckIn:
        found = await self._earlier([check_in])
        if not found:  # the id was taken and then is not: no check-in is ever deleted
            raise Conflict("the check-in's external id is in use", code="conflict")
        return next(iter(found.values()))

    async def _earlier(
        self, check_ins: Sequence[CheckIn]
    ) -> Mapping[tuple[UUID, str | None], CheckIn]:
        """The stored check-ins with the KRs and external ids of ``check_ins`` (one
        statement): those their insert skipped."""
        c = t.check_ins
        org_id = check_ins[0].organization_id
        keys = list({(x.key_result_id, x.external_id) for x in check_ins})
        rows = await self._conn.execute(
            select(c).where(
                c.c.organization_id == org_id,
                tuple_(c.c.key_result_id, c.c.external_id).in_(keys),
            )
        )
        return {(r.key_result_id, r.external_id): _check_in(r) for r in rows}

    async def history(
        self, organization_id: UUID, key_result_id: UUID, page: PageRequest
    ) -> Page[CheckIn]:
        """Newest first by time, as :meth:`latest` orders them (a KPI reading's check-in is
        dated at the reading, maybe before check-ins stored earlier); the id breaks ties."""
        rows = await key_result_history_rows(
            self._conn, t.check_ins, organization_id, key_result_id, page
        )
        return page_of([_check_in(r) for r in rows], page, lambda x: x.id)

    async def latest(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        *,
        as_of: datetime | None = None,
    ) -> Mapping[UUID, CheckIn]:
        """The latest check-in of each KR (its current value), at ``as_of`` when given, in
        one statement."""
        if not key_result_ids:
            return {}
        if as_of is None:
            return await self._latest_now(organization_id, key_result_ids)
        c = t.check_ins
        statement = select(c).where(
            c.c.organization_id == organization_id,
            c.c.key_result_id == any_(id_array(key_result_ids)),
            c.c.created_at <= as_of,
        )
        rows = await self._conn.execute(
            statement.ext(distinct_on(c.c.key_result_id)).order_by(
                c.c.key_result_id, c.c.created_at.desc(), c.c.id.desc()
            )
        )
        return {row.key_result_id: _check_in(row) for row in rows}

    async def _latest_now(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, CheckIn]:
        """The check-ins the KR rows name as their latest: a primary-key probe each, no walk
        through the history."""
        c, k = t.check_ins, t.key_results
        rows = await self._conn.execute(
            select(c)
            .join(
                k,
                and_(k.c.organization_id == c.c.organization_id, k.c.latest_check_in_id == c.c.id),
            )
            .where(
                k.c.organization_id == organization_id,
                k.c.id == any_(id_array(key_result_ids)),
            )
        )
        return {row.key_result_id: _check_in(row) for row in rows}


# -- actions -------------------------------------------------------------------------------


_ACTIONS = EntityRows(Action, t.actions)
_action = _ACTIONS.entity


class PostgresActions:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, action_id: UUID) -> Action | None:
        a = t.actions
        row = (
            await self._conn.execute(
                select(a).where(a.c.organization_id == organization_id, a.c.id == action_id)
            )
        ).first()
        return _action(row) if row else None

    async def list(
        self, organization_id: UUID, filters: ActionFilter, page: PageRequest
    ) -> Page[Action]:
        a = t.actions
        statement: Select[Any] = select(a).where(a.c.organization_id == organization_id)
        if filters.key_result_id is not None:
            statement = statement.where(a.c.key_result_id == filters.key_result_id)
        if filters.owner_id is not None:
            statement = statement.where(a.c.owner_id == filters.owner_id)
        if filters.status is not None:
            statement = statement.where(a.c.status == filters.status.value)
        if filters.due_before is not None:
            statement = statement.where(a.c.due_date < filters.due_before)
        if filters.due_after is not None:
            statement = statement.where(a.c.due_date > filters.due_after)
        rows = (await self._conn.execute(paged(statement, a, page))).all()
        return stamped_page_of([_action(r) for r in rows], page)

    async def of_key_results(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[Action]]:
        if not key_result_ids:
            return {}
        a = t.actions
        rows = await self._conn.execute(
            select(a)
            .where(
                a.c.organization_id == organization_id, a.c.key_result_id.in_(set(key_result_ids))
            )
            .order_by(a.c.id)
        )
        found: dict[UUID, list[Action]] = defaultdict(list)
        for row in rows:
            found[row.key_result_id].append(_action(row))
        return found

    async def add(self, action: Action) -> None:
        await execute_write(
            self._conn,
            insert(t.actions).values(**_ACTIONS.insert_values(action)),
        )

    async def update(self, action: Action, *, previous_version: int) -> None:
        a = t.actions
        await update_versioned(
            self._conn,
            a,
            and_(a.c.organization_id == action.organization_id, a.c.id == action.id),
            _ACTIONS.values(action),
            previous_version,
        )


# -- audit ---------------------------------------------------------------------------------


class PostgresAuditLog:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, event: AuditEvent) -> None:
        await self.record_many([event])

    async def record_many(self, events: Sequence[AuditEvent]) -> None:
        # With each its integration event (the outbox), in the same single statement.
        await record_audit_events(self._conn, events)

    async def list(
        self, organization_id: UUID, filters: AuditFilter, page: PageRequest
    ) -> Page[AuditEvent]:
        e = t.audit_events
        statement: Select[Any] = select(e).where(e.c.organization_id == organization_id)
        if filters.resource_type is not None:
            statement = statement.where(e.c.resource_type == filters.resource_type)
        if filters.resource_id is not None:
            statement = statement.where(e.c.resource_id == filters.resource_id)
        if filters.actor is not None:
            statement = statement.where(e.c.actor == filters.actor)
        rows = (await self._conn.execute(paged(statement, e, page))).all()
        events = [
            AuditEvent(
                id=r.id,
                organization_id=r.organization_id,
                occurred_at=r.occurred_at,
                actor=r.actor,
                action=r.action,
                resource_type=r.resource_type,
                resource_id=r.resource_id,
                before=r.before,
                after=r.after,
            )
            for r in rows
        ]
        return page_of(events, page, lambda x: x.id)


# What the objective records (objective_records.py) read objectives, KRs and check-ins with.
OBJECTIVE_ROWS, KEY_RESULT_ROWS, CHECK_IN_ROWS = _OBJECTIVES, _KEY_RESULTS, _CHECK_INS
