"""Telling a database outage from a bug, and getting over one.

The inbound adapters answer an outage with 503 ``database_unavailable`` and ``Retry-After``
instead of 500; they may not import SQLAlchemy or asyncpg, so the composition root hands
them ``is_outage`` (on ``Services``) and the knowledge of which errors mean "Postgres is
down or unreachable" stays here, beside the engine.
"""

from __future__ import annotations

import errno
import socket

import asyncpg
from asyncpg import exceptions as pg
from sqlalchemy import event
from sqlalchemy import exc as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

# Errors of the connection, not of the statement: Postgres is restarting, shutting down,
# out of connection slots, or the link to it broke.
_POSTGRES_DOWN: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError included
    pg.CannotConnectNowError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    sa.DisconnectionError,
    sa.TimeoutError,  # no connection free in the pool within its timeout
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,  # connect timed out
    socket.gaierror,  # the database host name does not resolve
)
_NETWORK_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
)


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) means the database cannot be reached right now.

    Bugs, constraint violations and bad SQL are not outages: they stay 500s or are mapped
    to domain errors elsewhere."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if _is_outage_itself(current):
            return True
        pending += [current.__cause__, current.__context__]
        if isinstance(current, sa.DBAPIError):
            pending.append(current.orig)
    return False


def _is_outage_itself(error: BaseException) -> bool:
    if isinstance(error, _POSTGRES_DOWN):
        return True
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True  # SQLAlchemy saw the connection die under the statement
    # asyncio reports a connect that failed on every address as a bare OSError.
    return type(error) is OSError and (
        error.errno in _NETWORK_ERRNOS or str(error).startswith("Multiple exceptions")
    )


def discard_dead_connections(engine: AsyncEngine) -> None:
    """Never hand out a pooled connection that is known to be closed.

    After Postgres restarts (or the network drops), every idle pooled connection is dead;
    without this the first request on each would fail. asyncpg notices the closed socket
    on its own, so this check costs no round trip, unlike ``pool_pre_ping`` (which the
    engine turns off for latency). A connection that died silently (no FIN or RST) still
    fails its first statement; SQLAlchemy then invalidates the whole pool."""

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _check(
        _dbapi_connection: object,
        record: ConnectionPoolEntry,
        _proxy: PoolProxiedConnection,
    ) -> None:
        driver = record.driver_connection
        if isinstance(driver, asyncpg.Connection) and driver.is_closed():
            # The pool discards this connection and checks out (or opens) another.
            raise sa.DisconnectionError("the pooled connection was closed")
