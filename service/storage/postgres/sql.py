"""Statement helpers shared by the Postgres repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Delete,
    Select,
    Table,
    bindparam,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ConcurrentChange
from service.pagination import PageRequest
from service.storage.postgres.errors import translate, unstorable_text


async def execute_write(
    conn: AsyncConnection,
    statement: Any,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Run a write; a violated constraint becomes its domain error.

    No savepoint: a failed write ends the use case, and the unit of work rolls the whole
    transaction back, so there is nothing to recover inside it (and a savepoint would cost
    two more round trips on every write).
    """
    try:
        result = await conn.execute(statement, params)
    except IntegrityError as error:
        raise translate(error, deleting=isinstance(statement, Delete)) from None
    except StatementError as error:
        refused = unstorable_text(error)
        if refused is None:
            raise
        raise refused from None
    return int(result.rowcount)


async def update_versioned(
    conn: AsyncConnection,
    table: Table,
    key: Any,
    values: dict[str, Any],
    previous_version: int,
) -> None:
    """Update the row only at ``previous_version``; ConcurrentChange (a StaleVersion) when it
    moved (or went) meanwhile."""
    statement = update(table).where(key, table.c.version == previous_version).values(**values)
    if await execute_write(conn, statement) != 1:
        raise ConcurrentChange("the resource changed meanwhile: reload and retry")


def paged(statement: Select[Any], table: Table, page: PageRequest) -> Select[Any]:
    """Keyset page in ``page.sort`` order; one row more says "there is more".

    Creation order is the id's (UUIDv7: time-ordered); update order is ``(updated_at, id)``,
    compared as a row so the cursor row's ties are neither skipped nor repeated.
    ``updated_since`` keeps rows changed at or after it (inclusive: a sync resuming from the
    greatest ``updated_at`` it saw misses nothing, and sees that boundary row again).
    """
    if page.updated_since is not None:
        statement = statement.where(table.c.updated_at >= page.updated_since)
    descending = page.sort.descending
    if page.sort.by_update:
        key = tuple_(table.c.updated_at, table.c.id)
        if page.after is not None:
            assert page.after_updated_at is not None  # page_request pairs them
            cursor = tuple_(
                literal(page.after_updated_at, DateTime(timezone=True)),
                literal(page.after, PGUUID(as_uuid=True)),
            )
            statement = statement.where(key < cursor if descending else key > cursor)
        columns = [table.c.updated_at, table.c.id]
    else:
        if page.after is not None:
            after = table.c.id < page.after if descending else table.c.id > page.after
            statement = statement.where(after)
        columns = [table.c.id]
    order = [c.desc() for c in columns] if descending else columns
    return statement.order_by(*order).limit(page.limit + 1)


def plain(value: Decimal) -> Decimal:
    """asyncpg decodes some NUMERICs in exponent form (80000000 as 8.000E+7): undo it, so a
    value reads back as it was written."""
    return Decimal(format(value, "f"))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# One type instance: SQLAlchemy derives a statement's cache key from its binds' types, and
# a fresh ARRAY() per call costs an introspection of its constructor on every request.
UUID_ARRAY = ARRAY(PGUUID(as_uuid=True))


def id_array(ids: Sequence[UUID]) -> Any:
    """Ids as one array parameter (``= ANY($1)``): one bind whatever the count, where an
    expanded ``IN`` would send one parameter per id (and fail past 32,767)."""
    return bindparam(None, list(dict.fromkeys(ids)), type_=UUID_ARRAY)


async def fetch_records(
    conn: AsyncConnection, statement: Any, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """Run a read on the asyncpg driver itself and return its records.

    For reads of tens of thousands of rows (alignment trees): SQLAlchemy's per-row result
    processing costs more than the query there. The statement is still built with Core and
    compiled here, and announced to the engine's ``before_cursor_execute`` listeners like
    any other (the access log's statement count, the tests' statement counts).
    """
    sync = conn.sync_connection
    assert sync is not None
    # Compiled through the engine's statement cache as ``execute`` does (compiling a tree
    # read's CTEs anew took ~6% of a page read); SQLAlchemy has no public call for "compile
    # with the cache", hence the private one (the minor version is pinned).
    compiled, extracted, _, _ = statement._compile_w_cache(
        sync.dialect, compiled_cache=sync.engine._compiled_cache, column_keys=[]
    )
    bound = compiled.construct_params(params, extracted_parameters=extracted)
    args = [bound[name] for name in compiled.positiontup or ()]
    sync.dispatch.before_cursor_execute(sync, None, compiled.string, args, None, False)
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return list(await driver.fetch(compiled.string, *args))


async def key_result_history_rows(
    conn: AsyncConnection,
    table: Table,
    organization_id: UUID,
    key_result_id: UUID,
    page: PageRequest,
    *,
    as_of: datetime | None = None,
) -> Sequence[Any]:
    """A page of a KR's history rows (check-ins, forecasts) newest first by ``created_at``
    (the id breaks ties), made by ``as_of`` when given: ``page.limit + 1`` rows, for
    ``page_of``. The cursor is the last row's id, keyed on that row's own (created_at, id):
    an id that is not of this KR gives no rows."""
    c = table.c
    statement = select(table).where(
        c.organization_id == organization_id, c.key_result_id == key_result_id
    )
    if as_of is not None:
        statement = statement.where(c.created_at <= as_of)
    if page.after is not None:
        cursor = table.alias("cursor_row")
        key = select(cursor.c.created_at, cursor.c.id).where(
            cursor.c.organization_id == organization_id,
            cursor.c.key_result_id == key_result_id,
            cursor.c.id == page.after,
        )
        statement = statement.where(tuple_(c.created_at, c.id) < key.scalar_subquery())
    newest_first = (c.created_at.desc(), c.id.desc())
    return (await conn.execute(statement.order_by(*newest_first).limit(page.limit + 1))).all()
