"""The repository of external forecasts (service/forecasts.py): a KR's series, newest first,
and the latest forecast of many KRs in one statement (for a KR read to show beside its
projection)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import any_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict
from domain.forecasts import ExternalForecast
from service.pagination import Page, PageRequest, page_of
from service.storage.postgres import tables as t
from service.storage.postgres.errors import translate, unstorable_text
from service.storage.postgres.rows import EntityRows
from service.storage.postgres.sql import id_array, key_result_history_rows

_FORECASTS = EntityRows(ExternalForecast, t.key_result_forecasts)
_forecast = _FORECASTS.entity
_f = t.key_result_forecasts

# A forecast's external id is unique per KR: a second insert with it inserts nothing.
_ONE_PER_EXTERNAL_ID = ("organization_id", "key_result_id", "external_id")


class PostgresForecasts:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, forecast: ExternalForecast) -> ExternalForecast:
        """Insert, or (its external id taken on the KR) answer the stored entry. A concurrent
        insert of the same external id waits on the unique index for the other's commit,
        then inserts nothing; the next statement's snapshot sees the other's row."""
        statement = (
            pg_insert(_f)
            .values(_FORECASTS.insert_values(forecast))
            .on_conflict_do_nothing(index_elements=list(_ONE_PER_EXTERNAL_ID))
            .returning(*_f.c)
        )
        try:
            row = (await self._conn.execute(statement)).first()
        except IntegrityError as error:
            raise translate(error) from None
        except StatementError as error:
            refused = unstorable_text(error)
            if refused is None:
                raise
            raise refused from None
        if row is not None:
            return _forecast(row)
        stored = (
            await self._conn.execute(
                select(_f).where(
                    _f.c.organization_id == forecast.organization_id,
                    _f.c.key_result_id == forecast.key_result_id,
                    _f.c.external_id == forecast.external_id,
                )
            )
        ).first()
        if stored is None:  # taken, then not: forecasts are deleted only with their KR
            raise Conflict("the forecast's external id is in use", code="conflict")
        return _forecast(stored)

    async def history(
        self,
        organization_id: UUID,
        key_result_id: UUID,
        page: PageRequest,
        *,
        as_of: datetime | None = None,
    ) -> Page[ExternalForecast]:
        rows = await key_result_history_rows(
            self._conn, _f, organization_id, key_result_id, page, as_of=as_of
        )
        return page_of([_forecast(r) for r in rows], page, lambda x: x.id)

    async def latest_forecasts(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        as_of: datetime | None = None,
    ) -> Mapping[UUID, ExternalForecast]:
        if not key_result_ids:
            return {}
        statement: Any = select(_f).where(
            _f.c.organization_id == organization_id,
            _f.c.key_result_id == any_(id_array(key_result_ids)),
        )
        if as_of is not None:
            statement = statement.where(_f.c.created_at <= as_of)
        # One row per KR, its newest: DISTINCT ON walks the (org, KR, created_at) index.
        statement = statement.ext(distinct_on(_f.c.key_result_id)).order_by(
            _f.c.key_result_id, _f.c.created_at.desc(), _f.c.id.desc()
        )
        rows = await self._conn.execute(statement)
        return {r.key_result_id: _forecast(r) for r in rows}
