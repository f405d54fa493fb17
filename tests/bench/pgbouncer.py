"""PgBouncer (Debian's ``pgbouncer``) in transaction pool mode in front of the bench's
Postgres: its ini and userlist in the bench's temporary folder, a free port on 127.0.0.1,
and the URL the API and the baselines then use instead of the database's own.

Client connections are trusted (loopback only, the bench's own processes); PgBouncer logs
in to Postgres as the URL's user, with the URL's password when it has one (the embedded
server trusts its local socket).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.bench.seed import asyncpg_dsn
from tests.bench.servers import HOST

DEFAULT_POSTGRES_PORT = 5432
# PgBouncer refuses to run as root: it then switches to the owner of Postgres's socket
# folder (the embedded server's is its private data folder), else to this user (Debian's
# package creates it, through postgresql-common).
UNPRIVILEGED_USER = "postgres"
# The API's pool (10 + 10 overflow) and the bare app's (10) fit without queueing at the
# pooler, so what is measured is the extra hop, not a smaller pool.
POOL_SIZE = 30


@dataclass(frozen=True)
class Upstream:
    """Where Postgres is, from a ``postgresql://`` URL (host may be a socket folder)."""

    host: str
    port: int
    user: str
    password: str | None
    database: str


def upstream_of(url: str) -> Upstream:
    parts = urlsplit(asyncpg_dsn(url))
    query = parse_qs(parts.query)
    host = parts.hostname or query.get("host", ["/var/run/postgresql"])[0]
    port = parts.port or int(query.get("port", [str(DEFAULT_POSTGRES_PORT)])[0])
    return Upstream(
        host=host,
        port=port,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        database=parts.path.lstrip("/") or "postgres",
    )


def _quoted(value: str) -> str:
    """A value of a libpq-style ``key=value`` list (PgBouncer's [databases] lines)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def config_text(upstream: Upstream, port: int, userlist: Path) -> str:
    server = (
        f"host={_quoted(upstream.host)} port={upstream.port} dbname={_quoted(upstream.database)}"
    )
    server += f" user={_quoted(upstream.user)}"
    if upstream.password is not None:
        server += f" password={_quoted(upstream.password)}"
    return "\n".join(
        [
            "[databases]",
            f"{upstream.database} = {server}",
            "",
            "[pgbouncer]",
            f"listen_addr = {HOST}",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {userlist}",
            "pool_mode = transaction",
            f"default_pool_size = {POOL_SIZE}",
            "max_client_conn = 200",
            # asyncpg sends these at connect; PgBouncer passes on only the ones it tracks.
            "ignore_startup_parameters = extra_float_digits,statement_timeout",
            "log_connections = 0",
            "log_disconnections = 0",
            "",
        ]
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def binary() -> str:
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )
    if found is None:
        raise SystemExit("pgbouncer is not installed: `make bench-pgbouncer` installs it")
    return found


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"pgbouncer exited with {process.returncode}:\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"pgbouncer did not listen on {HOST}:{port}:\n{log.read_text()}")


def _run_as(upstream: Upstream) -> str:
    """Who PgBouncer runs as when we are root: one who can reach Postgres's socket."""
    socket_folder = Path(upstream.host)
    if socket_folder.is_absolute() and socket_folder.is_dir():
        owner = pwd.getpwuid(socket_folder.stat().st_uid).pw_name
        if owner != "root":
            return owner
    pwd.getpwnam(UNPRIVILEGED_USER)  # KeyError, clearly, when it is missing
    return UNPRIVILEGED_USER


@dataclass(frozen=True)
class Bouncer:
    url: str  # the database through PgBouncer
    port: int
    version: str


@contextmanager
def pgbouncer(database_url: str, folder: Path) -> Iterator[Bouncer]:
    """PgBouncer in front of ``database_url`` for the block, its files in ``folder``."""
    upstream = upstream_of(database_url)
    folder.mkdir(parents=True, exist_ok=True)
    userlist = folder / "userlist.txt"
    userlist.write_text(f'"{upstream.user}" ""\n')  # trust: the name must be listed
    port = free_port()
    ini = folder / "pgbouncer.ini"
    ini.write_text(config_text(upstream, port, userlist))
    command = [binary()]
    if os.geteuid() == 0:
        command += ["-u", _run_as(upstream)]
    command.append(str(ini))
    version = subprocess.run(
        [command[0], "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    log = folder / "pgbouncer.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=stderr, stderr=stderr)
    try:
        _wait_listening(port, process, log)
        user = quote(upstream.user, safe="")
        yield Bouncer(
            url=f"postgresql://{user}@{HOST}:{port}/{quote(upstream.database, safe='')}",
            port=port,
            version=version[0] if version else "pgbouncer",
        )
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
