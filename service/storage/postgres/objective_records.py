"""Objectives read with everything their views need, in one statement.

A view of an objective needs its cycle, its KRs and each KR's latest check-in: read apart,
those cost three more round trips per read. Here they come as composite columns (whole
rows, decoded by the driver) of the objective's own row: one statement, one row per
objective, for one objective or a page of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Select, Text, and_, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cycles import Cycle
from domain.pacing_setting import PacingSetting
from service.okr_ports import KeyResultContext, ObjectiveFilter, ObjectiveRecord, Viewer
from service.pagination import Page, PageRequest, stamped_page_of
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import (
    CHECK_IN_ROWS,
    KEY_RESULT_ROWS,
    OBJECTIVE_ROWS,
    listed_objectives,
)
from service.storage.postgres.organization_cache import (
    UNKNOWN_VERSION,
    OrganizationsSeen,
    if_changed,
)
from service.storage.postgres.pacing_json import pacing_from_json
from service.storage.postgres.repositories import (
    cycle_from_record,
    cycle_from_row,
    organization_from_record,
)
from service.storage.postgres.sql import UUID_ARRAY

# The organization's row if it is not the version this process keeps (NULL if it is).
_ORGANIZATION = if_changed().label("organization_row")


class PostgresObjectiveRecords:
    """Each statement also confirms the organization this process keeps, or brings its
    row when it changed (organization_cache.py): the read that follows of the organization
    costs no statement."""

    def __init__(self, conn: AsyncConnection, organizations: OrganizationsSeen) -> None:
        self._conn = conn
        self._organizations = organizations

    async def records(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Sequence[ObjectiveRecord]:
        if not objective_ids:
            return []
        ids = list(dict.fromkeys(objective_ids))
        rows = await self._rows(_RECORDS, organization_id, ids=ids)
        return [_record(r) for r in rows]

    async def list_records(
        self, organization_id: UUID, filters: ObjectiveFilter, page: PageRequest, viewer: Viewer
    ) -> Page[ObjectiveRecord]:
        listed = with_records(listed_objectives(organization_id, filters, page, viewer))
        rows = await self._rows(listed.add_columns(_ORGANIZATION), organization_id)
        records = [_record(r) for r in rows]
        objectives = stamped_page_of([r.objective for r in records], page)
        return objectives.with_items(records[: len(objectives.items)])

    async def _rows(
        self, statement: Select[Any], organization_id: UUID, **params: object
    ) -> Sequence[Row[Any]]:
        """Run a statement carrying the :data:`_ORGANIZATION` column; confirm or refresh
        the organization kept from its first row."""
        # The kept organization itself, not only its version: another request may keep
        # another one while this statement runs, and "unchanged" confirms this one.
        kept = self._organizations.kept(organization_id)
        known = kept.version if kept is not None else UNKNOWN_VERSION
        params = {"organization_id": organization_id, "known_version": known, **params}
        rows: Sequence[Row[Any]] = (await self._conn.execute(statement, params)).all()
        if rows:
            changed = rows[0].organization_row
            self._organizations.confirm(
                organization_from_record(changed) if changed is not None else kept
            )
        return rows

    async def key_result_context(
        self, organization_id: UUID, key_result_id: UUID
    ) -> KeyResultContext | None:
        found = await self._rows(_KEY_RESULT_CONTEXT, organization_id, key_result_id=key_result_id)
        return _key_result_context_of(found[0]) if found else None

    async def key_result_contexts(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, KeyResultContext]:
        if not key_result_ids:
            return {}
        ids = list(dict.fromkeys(key_result_ids))
        found = await self._rows(_KEY_RESULT_CONTEXTS, organization_id, ids=ids)
        return {row.id: _key_result_context_of(row) for row in found}

    async def cycles_with_unit_pacing(
        self, organization_id: UUID, cycle_ids: Sequence[UUID], unit_ids: Sequence[UUID]
    ) -> tuple[Mapping[UUID, Cycle], Mapping[UUID, PacingSetting | None]]:
        if not cycle_ids:
            return {}, {}
        rows = (
            await self._conn.execute(
                _CYCLES_WITH_UNIT_PACING,
                {
                    "organization_id": organization_id,
                    "cycle_ids": list(dict.fromkeys(cycle_ids)),
                    "unit_ids": list(dict.fromkeys(unit_ids)),
                },
            )
        ).all()
        cycles = {row.id: cycle_from_row(row) for row in rows}
        found = (rows[0].unit_pacing or {}) if rows else {}
        pacing = {u: pacing_from_json(found.get(str(u))) for u in unit_ids}
        return cycles, pacing


def _cycles_with_unit_pacing() -> Select[Any]:
    """The cycles, each row carrying the units' default curves as one JSON object by unit
    id (the same on every row): the units ride on the cycles' statement."""
    cy, u = t.cycles, t.org_units
    units = select(func.jsonb_object_agg(cast(u.c.id, Text), u.c.pacing, type_=JSONB)).where(
        u.c.organization_id == bindparam("organization_id"),
        u.c.id == any_(bindparam("unit_ids", type_=UUID_ARRAY)),
        u.c.pacing.is_not(None),
    )
    return select(cy, units.scalar_subquery().label("unit_pacing")).where(
        cy.c.organization_id == bindparam("organization_id"),
        cy.c.id == any_(bindparam("cycle_ids", type_=UUID_ARRAY)),
    )


_CYCLES_WITH_UNIT_PACING = _cycles_with_unit_pacing()


def with_records(statement: Select[Any]) -> Select[Any]:
    """``statement`` on objectives, with each one's cycle, KRs (oldest first) and their
    latest check-ins (named by the KR rows) as composite columns."""
    o, k, c, cy = t.objectives, t.key_results, t.check_ins, t.cycles
    own_krs = and_(k.c.organization_id == o.c.organization_id, k.c.objective_id == o.c.id)
    cycle = select(cy.table_valued()).where(
        cy.c.organization_id == o.c.organization_id, cy.c.id == o.c.cycle_id
    )
    key_results = select(func.array_agg(aggregate_order_by(k.table_valued(), k.c.id))).where(
        own_krs
    )
    latest = (
        select(func.array_agg(c.table_valued()))
        .select_from(k)
        .join(c, and_(c.c.organization_id == k.c.organization_id, c.c.id == k.c.latest_check_in_id))
        .where(own_krs)
    )
    return statement.add_columns(
        cycle.scalar_subquery().label("cycle_row"),
        key_results.scalar_subquery().label("key_result_rows"),
        latest.scalar_subquery().label("latest_rows"),
        owner_unit_pacing(o).label("owner_unit_pacing"),
    )


def owner_unit_pacing(objectives: Any) -> Any:
    """The default pacing curve of the unit owning each objective of ``objectives`` (NULL:
    a member's objective, or a unit without one): judging its KRs reads no units."""
    u = t.org_units
    return (
        select(u.c.pacing)
        .where(u.c.organization_id == objectives.c.organization_id)
        .where(u.c.id == objectives.c.owner_unit_id)
        .scalar_subquery()
    )


# Built once: SQLAlchemy keeps a statement object's cache key, so a read this frequent
# (every GET of an objective) neither builds nor keys its statement again.
_RECORDS = (
    with_records(
        select(t.objectives).where(
            t.objectives.c.organization_id == bindparam("organization_id"),
            t.objectives.c.id == any_(bindparam("ids", type_=UUID_ARRAY)),
        )
    )
    .add_columns(_ORGANIZATION)
    .order_by(t.objectives.c.id)
)


def _key_result_context_of(row: Row[Any]) -> KeyResultContext:
    return KeyResultContext(
        key_result=KEY_RESULT_ROWS.entity(row),
        objective=OBJECTIVE_ROWS.from_record(row.objective_row),
        cycle=cycle_from_record(row.cycle_row),
        owner_unit_pacing=pacing_from_json(row.owner_unit_pacing),
    )


def _key_result_context(*, many: bool = False) -> Select[Any]:
    k, o, cy, u = t.key_results, t.objectives, t.cycles, t.org_units
    objective = select(o.table_valued()).where(
        o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id
    )
    cycle = (
        select(cy.table_valued())
        .select_from(o)
        .join(cy, and_(cy.c.organization_id == o.c.organization_id, cy.c.id == o.c.cycle_id))
        .where(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id)
    )
    unit_pacing = (
        select(u.c.pacing)
        .select_from(o)
        .join(u, and_(u.c.organization_id == o.c.organization_id, u.c.id == o.c.owner_unit_id))
        .where(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id)
    )
    return select(
        k,
        objective.scalar_subquery().label("objective_row"),
        cycle.scalar_subquery().label("cycle_row"),
        unit_pacing.scalar_subquery().label("owner_unit_pacing"),
        _ORGANIZATION,
    ).where(
        k.c.organization_id == bindparam("organization_id"),
        k.c.id == any_(bindparam("ids", type_=UUID_ARRAY))
        if many
        else k.c.id == bindparam("key_result_id"),
    )


_KEY_RESULT_CONTEXT = _key_result_context()
# Many KRs' (a bulk check-in's): the same columns, any number of ids.
_KEY_RESULT_CONTEXTS = _key_result_context(many=True)


def _record(row: Row[Any]) -> ObjectiveRecord:
    latest = (CHECK_IN_ROWS.from_record(r) for r in row.latest_rows or ())
    return ObjectiveRecord(
        objective=OBJECTIVE_ROWS.entity(row),
        cycle=cycle_from_record(row.cycle_row),
        key_results=[KEY_RESULT_ROWS.from_record(r) for r in row.key_result_rows or ()],
        latest={check_in.key_result_id: check_in for check_in in latest},
        owner_unit_pacing=pacing_from_json(row.owner_unit_pacing),
    )
