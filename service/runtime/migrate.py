"""Apply the Alembic migrations (the only way the schema changes), and tell a command
whether the database is there and at the schema this version needs."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from service.storage.postgres.database import alembic_config, head_revision

# An unreachable host must not hang a command for asyncpg's default minute.
_CONNECT_TIMEOUT_SECONDS = 10


class DatabaseNotReady(Exception):
    """The database cannot serve a command: unreachable, or its schema is not this
    version's. The message is one line for the operator, with no password in it."""


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def schema_revision(database_url: str) -> str | None:
    """The revision the database's schema is at (``None``: never migrated); raises
    ``DatabaseNotReady`` when the database cannot be reached."""
    return asyncio.run(_schema_revision(database_url))


def require_head(database_url: str) -> None:
    """Raise ``DatabaseNotReady`` unless the schema is at this version's head revision."""
    current, head = schema_revision(database_url), head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseNotReady("database not migrated: run `okr migrate` first")
    if not _known(current):
        raise DatabaseNotReady(
            f"database schema at {current}, newer than this version ({head}): "
            "run the release that migrated it"
        )
    raise DatabaseNotReady(
        f"database schema at {current}, this version needs {head}: run `okr migrate` first"
    )


def where(database_url: str) -> str:
    """Host and port (or socket folder) and database of a URL: what to name in a message
    without the user name or the password."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    host = url.host or str(url.query.get("host", "localhost"))
    return f"{host}:{url.port or 5432}/{url.database or ''}"


async def _schema_revision(database_url: str) -> str | None:
    dsn = make_url(database_url.replace("postgres://", "postgresql://", 1))
    try:
        conn = await asyncpg.connect(
            dsn.set(drivername="postgresql").render_as_string(hide_password=False),
            timeout=_CONNECT_TIMEOUT_SECONDS,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        reason = str(error) or type(error).__name__
        raise DatabaseNotReady(
            f"cannot reach the database at {where(database_url)}: {reason}"
        ) from None
    try:
        if await conn.fetchval("SELECT to_regclass('alembic_version')") is None:
            return None
        revision: str | None = await conn.fetchval("SELECT version_num FROM alembic_version")
        return revision
    finally:
        await conn.close()


def _known(revision: str) -> bool:
    try:
        scripts = ScriptDirectory.from_config(alembic_config("postgresql://localhost/x"))
        return scripts.get_revision(revision) is not None
    except CommandError:  # alembic's word for "no such revision"
        return False
