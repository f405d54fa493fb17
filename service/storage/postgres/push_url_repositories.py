"""The repository of push URLs (service/push_urls.py).

A push finds its push URL by the secret's hash alone (it names no organization), and counts
itself in the push URL's rate-limit window in that same statement: one round trip, and no
two pushes can both read the count before either writes it (the UPDATE takes the row).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from service.pagination import Page, PageRequest, page_of
from service.push_ports import PushAdmission, PushUrl
from service.storage.postgres import tables as t
from service.storage.postgres.errors import translate
from service.storage.postgres.rows import EntityRows
from service.storage.postgres.sql import paged

_PUSH_URLS = EntityRows(PushUrl, t.push_urls)


class PostgresPushUrls:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, push_url: PushUrl, *, token_hash: bytes) -> None:
        values = {**_PUSH_URLS.insert_values(push_url), "token_hash": token_hash}
        try:
            await self._conn.execute(insert(t.push_urls).values(values))
        except IntegrityError as error:
            raise translate(error) from None

    async def get(
        self, organization_id: UUID, key_result_id: UUID, push_url_id: UUID
    ) -> PushUrl | None:
        p = t.push_urls
        row = (
            await self._conn.execute(
                select(p).where(
                    p.c.organization_id == organization_id,
                    p.c.key_result_id == key_result_id,
                    p.c.id == push_url_id,
                )
            )
        ).first()
        return None if row is None else _PUSH_URLS.entity(row)

    async def list(
        self, organization_id: UUID, key_result_id: UUID, page: PageRequest
    ) -> Page[PushUrl]:
        p = t.push_urls
        statement = select(p).where(
            p.c.organization_id == organization_id, p.c.key_result_id == key_result_id
        )
        rows = (await self._conn.execute(paged(statement, p, page))).all()
        return page_of([_PUSH_URLS.entity(r) for r in rows], page, lambda x: x.id)

    async def revoke(
        self, organization_id: UUID, push_url_id: UUID, *, at: datetime, by: str
    ) -> PushUrl | None:
        p = t.push_urls
        row = (
            await self._conn.execute(
                update(p)
                .where(
                    p.c.organization_id == organization_id,
                    p.c.id == push_url_id,
                    p.c.revoked_at.is_(None),
                )
                .values(revoked_at=at, revoked_by=by)
                .returning(p)
            )
        ).first()
        return None if row is None else _PUSH_URLS.entity(row)

    async def admit(
        self, token_hash: bytes, *, now: datetime, window: timedelta
    ) -> PushAdmission | None:
        p = t.push_urls
        instant = literal(now, t.push_urls.c.created_at.type)
        # In SET every expression reads the row as it was: the window still runs when it
        # started less than ``window`` ago, else this request opens a new one.
        running = p.c.window_started_at > instant - window
        statement = (
            update(p)
            .where(p.c.token_hash == token_hash, p.c.revoked_at.is_(None))
            .values(
                window_started_at=case((running, p.c.window_started_at), else_=instant),
                window_count=case((running, p.c.window_count + 1), else_=1),
                last_used_at=instant,
            )
            .returning(
                p.c.id,
                p.c.organization_id,
                p.c.key_result_id,
                p.c.name,
                p.c.window_count,
                p.c.window_started_at,
            )
        )
        row = (await self._conn.execute(statement)).first()
        if row is None:
            return None
        return PushAdmission(
            push_url_id=row.id,
            organization_id=row.organization_id,
            key_result_id=row.key_result_id,
            name=row.name,
            requests_in_window=row.window_count,
            window_started_at=row.window_started_at,
        )

    async def lock_key_result_value(
        self, organization_id: UUID, push_url_id: UUID
    ) -> Decimal | None:
        k, p = t.key_results, t.push_urls
        statement: Any = (
            select(func.coalesce(k.c.current_value, k.c.start_value))
            .select_from(
                p.join(
                    k,
                    (k.c.organization_id == p.c.organization_id) & (k.c.id == p.c.key_result_id),
                )
            )
            .where(
                p.c.organization_id == organization_id,
                p.c.id == push_url_id,
                p.c.revoked_at.is_(None),
            )
            # The KR's row only: two pushes (or a push and a member's check-in) wait for
            # each other there; the push URL's row is not written here.
            .with_for_update(of=k)
        )
        value: Decimal | None = (await self._conn.execute(statement)).scalar_one_or_none()
        return value
