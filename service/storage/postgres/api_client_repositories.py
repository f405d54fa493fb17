"""API clients (service/api_client_ports.py) in ``api_clients``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.api_clients import ApiClient
from service.storage.postgres import tables as t
from service.storage.postgres.rows import EntityRows, Stored

_c = t.api_clients

_ROWS = EntityRows(
    ApiClient,
    _c,
    {
        # An array column; the entity keeps a set (order means nothing).
        "scopes": Stored(
            read=lambda row: frozenset(row.scopes),
            write=lambda client: {"scopes": sorted(client.scopes)},
        )
    },
)


class PostgresApiClients:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, client: ApiClient) -> None:
        await self._conn.execute(insert(_c).values(**_ROWS.insert_values(client)))

    async def get(self, organization_id: UUID, client_id: UUID) -> ApiClient | None:
        # Locked: a writer's read-modify-write of the client takes turns (harmless in a read).
        statement = (
            select(_c)
            .where(_c.c.organization_id == organization_id, _c.c.id == client_id)
            .with_for_update()
        )
        return self._one((await self._conn.execute(statement)).first())

    async def find(self, client_id: UUID) -> ApiClient | None:
        row = (await self._conn.execute(select(_c).where(_c.c.id == client_id))).first()
        return self._one(row)

    async def list(self, organization_id: UUID) -> Sequence[ApiClient]:
        rows = await self._conn.execute(
            select(_c).where(_c.c.organization_id == organization_id).order_by(_c.c.created_at)
        )
        return [_ROWS.entity(row) for row in rows]

    async def update(self, client: ApiClient) -> None:
        await self._conn.execute(
            update(_c)
            .where(_c.c.organization_id == client.organization_id, _c.c.id == client.id)
            .values(**_ROWS.values(client))
        )

    async def mark_used(self, organization_id: UUID, client_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            update(_c)
            .where(_c.c.organization_id == organization_id, _c.c.id == client_id)
            .values(last_used_at=at)
        )

    @staticmethod
    def _one(row: Any) -> ApiClient | None:
        return None if row is None else _ROWS.entity(row)
