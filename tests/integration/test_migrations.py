"""The migrations build exactly the schema the SQLAlchemy metadata describes, and undo it.

Each test runs on a brand-new empty database, so it sees what `okr migrate` does on a fresh
install rather than a copy of the already migrated template.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from service.runtime.migrate import downgrade, upgrade
from service.storage.postgres.database import alembic_config, async_url, head_revision
from service.storage.postgres.tables import metadata
from tests.postgres import PostgresServer, unique_name


@pytest.fixture
async def empty_url(pg_server: PostgresServer) -> AsyncIterator[str]:
    """A brand-new database with no schema at all, dropped afterwards."""
    name = unique_name("okr_migrations")
    url = await pg_server.create_database(name)
    yield url
    await pg_server.drop_database(name)


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def _schema_diff(url: str) -> list[Any]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


async def _public_tables(url: str) -> set[str]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                )
            )
            return {row.table_name for row in rows}
    finally:
        await engine.dispose()


async def _current_revision(url: str) -> str | None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            return None if found is None else str(found)
    finally:
        await engine.dispose()


def _revisions_base_to_head() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config("postgresql://localhost/x"))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


async def test_upgrade_head_matches_the_metadata(empty_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_url)

    assert await _current_revision(empty_url) == head_revision()
    diff = await _schema_diff(empty_url)
    assert diff == [], "migrations and tables.py disagree:\n" + "\n".join(map(repr, diff))

    # The comparison can fail: a column the metadata does not know shows up in the diff.
    engine = create_async_engine(async_url(empty_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE members ADD COLUMN stray text"))
    finally:
        await engine.dispose()
    assert "stray" in repr(await _schema_diff(empty_url))


async def test_downgrade_to_base_leaves_only_the_version_table(empty_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_url)
    await asyncio.to_thread(downgrade, empty_url, "base")

    assert await _public_tables(empty_url) == {"alembic_version"}
    assert await _current_revision(empty_url) is None


async def test_stairway_every_revision_upgrades_downgrades_and_upgrades_again(
    empty_url: str,
) -> None:
    revisions = _revisions_base_to_head()
    assert revisions, "no migrations found"
    assert revisions[-1] == head_revision()
    for revision in revisions:
        await asyncio.to_thread(upgrade, empty_url, revision)
        await asyncio.to_thread(downgrade, empty_url, "-1")
        await asyncio.to_thread(upgrade, empty_url, revision)
        assert await _current_revision(empty_url) == revision
    diff = await _schema_diff(empty_url)
    assert diff == [], "the stairway left a schema unlike tables.py:\n" + "\n".join(map(repr, diff))
