"""Quota roll-up's reads (service/quota_ports.py): the contributors' figures of many sum KRs
in one statement, and a KR's chain of contributions in one recursive statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, FromClause, and_, any_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.okrs import Aggregation
from service.okr_ports import Viewer
from service.quota_ports import ContributorFigures
from service.storage.postgres import tables as t
from service.storage.postgres.alignment_reader import current_figures_at
from service.storage.postgres.okr_repositories import visible_to
from service.storage.postgres.sql import id_array, plain


def _current(organization_id: UUID, as_of: datetime | None) -> Any:
    """A contributor's value: the one its row keeps (its latest check-in's), or at ``as_of``
    its latest check-in by then (an index probe for a KR checked in since)."""
    if as_of is None:
        return t.key_results.c.current_value
    value, _ = current_figures_at(organization_id, as_of)
    return value


def _links(
    organization_id: UUID, key_result_ids: Sequence[UUID], as_of: datetime | None
) -> tuple[Any, FromClause, list[ColumnElement[bool]]]:
    """Where the KRs adding into any of ``key_result_ids`` are read from: the column naming
    the KR each adds into, the FROM (joining ``key_results``) and its conditions. Now: the
    KR's own column, nothing more read. At ``as_of``: the link that held then
    (``key_result_contributions``, kept by migration 0029's trigger), so a KR linked later
    adds nothing before its link, and an unlinked or moved one still counts where it added
    in then."""
    k = t.key_results
    if as_of is None:
        into = k.c.contributes_to_key_result_id
        return (
            into,
            k,
            [k.c.organization_id == organization_id, into == any_(id_array(key_result_ids))],
        )
    h = t.key_result_contributions
    held = h.join(k, and_(k.c.organization_id == h.c.organization_id, k.c.id == h.c.key_result_id))
    return (
        h.c.into_key_result_id,
        held,
        [
            h.c.organization_id == organization_id,
            h.c.into_key_result_id == any_(id_array(key_result_ids)),
            h.c.valid_from <= as_of,
            or_(h.c.valid_to.is_(None), h.c.valid_to > as_of),
            k.c.created_at <= as_of,
        ],
    )


class PostgresQuotas:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def contributors(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        *,
        viewer: Viewer,
        as_of: datetime | None = None,
    ) -> Mapping[UUID, Sequence[ContributorFigures]]:
        if not key_result_ids:
            return {}
        k, o = t.key_results, t.objectives
        into, linked, link_conditions = _links(organization_id, key_result_ids, as_of)
        statement = (
            select(
                k.c.id,
                into.label("into"),
                k.c.start_value,
                k.c.target_value,
                k.c.aggregation,
                _current(organization_id, as_of).label("current"),
            )
            .select_from(linked)
            .join(o, and_(o.c.organization_id == k.c.organization_id, o.c.id == k.c.objective_id))
            .where(
                *link_conditions,
                # A contributor the viewer may not see counts for nobody who cannot see it.
                visible_to(organization_id, viewer),
            )
            .order_by(k.c.created_at, k.c.id)
        )
        found: dict[UUID, list[ContributorFigures]] = defaultdict(list)
        for row in await self._conn.execute(statement):
            found[row.into].append(
                ContributorFigures(
                    key_result_id=row.id,
                    into=row.into,
                    start=plain(row.start_value),
                    target=plain(row.target_value),
                    current=None if row.current is None else plain(Decimal(row.current)),
                    aggregation=Aggregation(row.aggregation),
                )
            )
        return found

    async def contribution_chain(
        self, organization_id: UUID, key_result_id: UUID
    ) -> Mapping[UUID, UUID]:
        k = t.key_results
        up = (
            select(k.c.id, k.c.contributes_to_key_result_id.label("into"))
            .where(k.c.organization_id == organization_id, k.c.id == key_result_id)
            .cte("contributions_up", recursive=True)
        )
        # UNION (not ALL): a loop already stored (none should be) ends the walk.
        up = up.union(
            select(k.c.id, k.c.contributes_to_key_result_id).join(
                up, and_(k.c.organization_id == organization_id, k.c.id == up.c.into)
            )
        )
        rows = await self._conn.execute(select(up.c.id, up.c.into))
        return {row.id: row.into for row in rows if row.into is not None}

    async def has_contributors(self, organization_id: UUID, key_result_id: UUID) -> bool:
        k = t.key_results
        found = await self._conn.scalar(
            select(
                exists().where(
                    k.c.organization_id == organization_id,
                    k.c.contributes_to_key_result_id == key_result_id,
                )
            )
        )
        return bool(found)

    async def lock_and_has_check_ins(self, organization_id: UUID, key_result_id: UUID) -> bool:
        k = t.key_results
        # FOR NO KEY UPDATE: the lock a check-in's UPDATE of the row takes (it waits for
        # ours, then re-reads the row); under READ COMMITTED the row read here is the one
        # the last committed check-in left, naming its latest.
        latest = await self._conn.scalar(
            select(k.c.latest_check_in_id)
            .where(k.c.organization_id == organization_id, k.c.id == key_result_id)
            .with_for_update(key_share=True)
        )
        return latest is not None

    async def has_contribution_history(self, organization_id: UUID, key_result_id: UUID) -> bool:
        h = t.key_result_contributions
        found = await self._conn.scalar(
            select(
                exists().where(
                    h.c.organization_id == organization_id,
                    h.c.into_key_result_id == key_result_id,
                )
            )
        )
        return bool(found)

    async def contributions_into(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Sequence[tuple[UUID, UUID]]:
        if not key_result_ids:
            return []
        k = t.key_results
        rows = await self._conn.execute(
            select(k.c.id, k.c.contributes_to_key_result_id)
            .where(
                k.c.organization_id == organization_id,
                k.c.contributes_to_key_result_id == any_(id_array(key_result_ids)),
            )
            .order_by(k.c.created_at, k.c.id)
        )
        return [(row.id, row.contributes_to_key_result_id) for row in rows]
