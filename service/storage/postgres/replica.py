"""Heavy reads on a streaming read replica, only when it cannot be behind the caller.

Routing rule: before a heavy read, the primary tells its WAL position (one tiny statement);
the replica serves the read only if it has replayed at least that far, checked inside the
very transaction that then does the read. Whatever the primary had committed when the read
began is then visible on the replica, the caller's own writes included, whichever worker
or API replica wrote them: no cookie, no per-process map. Otherwise, and whenever the
replica cannot be reached, the primary serves the read (never a 500 because of a replica).

Hand-written: neither SQLAlchemy nor asyncpg routes reads by replication position.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Self

import structlog
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWork

log = structlog.get_logger("okr.storage")

# The insert position, not pg_current_wal_lsn() (the write position): with
# synchronous_commit=off a commit returns before its record is written, so the write
# position can lie before the caller's own commit while a replica has replayed up to it.
# A replica never replays past what the primary flushed, so "replayed >= inserted" also
# means "has the caller's commit", whatever synchronous_commit says. One wrinkle: at a
# page's first byte the insert position points past the page header (24 bytes, 40 at a
# segment's start) where replay reports the boundary itself; without the correction an
# idle primary would keep every read off a replica that has replayed everything.
PRIMARY_POSITION_SQL = """
    SELECT CASE
        WHEN (pg_walfile_name_offset(at)).file_offset = 40 THEN at - 40
        WHEN (at - '0/0') % current_setting('wal_block_size')::int = 24 THEN at - 24
        ELSE at
    END::text
    FROM pg_current_wal_insert_lsn() AS at
    """
_PRIMARY_POSITION = text(PRIMARY_POSITION_SQL)
# NULL when the server is not replaying (a primary, or a promoted replica): not caught up.
# (asyncpg binds pg_lsn as an integer: the position travels as text.)
_CAUGHT_UP = text(
    "SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(CAST(:position AS text) AS pg_lsn), false)"
)
# A replica that hangs must cost a heavy read at most this much before the primary answers.
REPLICA_CONNECT_TIMEOUT_SECONDS = 2.0
# After a failure the replica is left alone this long, so that an outage does not add a
# failed connect to every heavy read.
REPLICA_REST_SECONDS = 5.0


def create_replica_engine(url: str, *, pool_size: int, statement_cache_size: int) -> AsyncEngine:
    """The replica's engine: the primary's options, plus a short connect timeout."""
    engine = create_engine(url, pool_size=pool_size, statement_cache_size=statement_cache_size)

    @event.listens_for(engine.sync_engine, "do_connect")
    def _bounded(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        params["timeout"] = REPLICA_CONNECT_TIMEOUT_SECONDS

    return engine


class ReplicaRouter:
    """The two engines and whether the replica is resting after a failure; one per process.

    The rest is the only process-local state, and it affects only speed: correctness comes
    from the position check of each read."""

    def __init__(
        self,
        primary: AsyncEngine,
        replica: AsyncEngine,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replica = replica
        # One statement in autocommit: no BEGIN and ROLLBACK around it.
        self._primary_autocommit = primary.execution_options(isolation_level="AUTOCOMMIT")
        self._monotonic = monotonic
        self._resting_until = 0.0

    async def primary_position(self) -> str:
        """The primary's WAL insert position now: a failure here is a primary outage."""
        async with self._primary_autocommit.connect() as conn:
            return str(await conn.scalar(_PRIMARY_POSITION))

    def replica_resting(self) -> bool:
        return self._monotonic() < self._resting_until

    def replica_failed(self, error: Exception) -> None:
        self._resting_until = self._monotonic() + REPLICA_REST_SECONDS
        log.warning(
            "read replica unavailable, reading from the primary",
            error=type(error).__name__,
            detail=str(error)[:200],
            rest_seconds=REPLICA_REST_SECONDS,
        )


class ReplicaReadUnitOfWork(PostgresUnitOfWork):
    """A unit of work on the replica when it has caught up, else on the primary; for reads.

    A transaction, unlike the primary's read-only units of work: behind PgBouncer in
    transaction mode only a transaction keeps the check and the read on one server
    connection, hence on one replica. Replay only moves forward, so every statement of it
    sees at least the checked position."""

    def __init__(self, router: ReplicaRouter) -> None:
        super().__init__(router.primary)
        self._router = router

    async def __aenter__(self) -> Self:
        position = await self._router.primary_position()
        if not self._router.replica_resting() and await self._enter_replica(position):
            log.debug("heavy read", served_by="replica", primary_position=position)
            return self
        self._engine = self._router.primary
        return await super().__aenter__()

    async def _enter_replica(self, position: str) -> bool:
        """Begin on the replica and keep it if it has replayed up to ``position``; the check
        runs in the read's own transaction, so a pool of replicas behind one address cannot
        check one and read another."""
        self._engine = self._router.replica
        try:
            # Bounded as a whole: a pooled connection to a replica that stopped answering
            # would otherwise wait for TCP to give up (the connect timeout covers only new
            # connections).
            async with asyncio.timeout(REPLICA_CONNECT_TIMEOUT_SECONDS):
                await super().__aenter__()
                assert self._conn is not None
                caught_up = bool(await self._conn.scalar(_CAUGHT_UP, {"position": position}))
        # Any failure: the replica only saves the primary work, and the primary can answer.
        except Exception as error:
            await self._abandon()
            self._router.replica_failed(error)
            return False
        if not caught_up:
            await self._abandon()
            log.debug("heavy read", served_by="primary", reason="replica behind")
        return caught_up

    async def _abandon(self) -> None:
        """Give the replica's connection back (rolled back), whatever state it is in."""
        try:
            if self._tx is not None:
                await super().__aexit__(None, None, None)  # rolls back, then closes
            elif self._conn is not None:
                await self._conn.close()
        except Exception:  # noqa: S110 - a dead connection is discarded by the pool
            pass
        self._conn = None
        self._tx = None


class ReplicaReadUnitOfWorkFactory:
    def __init__(self, primary: AsyncEngine, replica: AsyncEngine) -> None:
        self._router = ReplicaRouter(primary, replica)

    def __call__(self) -> ReplicaReadUnitOfWork:
        return ReplicaReadUnitOfWork(self._router)
