"""Operating the ``okr`` command as its own process: settings errors keep secrets to
themselves, ``okr migrate`` needs only the database, and commands that need the schema
(or the database) say so in one line instead of a traceback."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from service.runtime.migrate import upgrade
from service.storage.postgres.database import head_revision
from tests.postgres import PostgresServer, unique_name

SECRET_TAIL = "TAILSECRET"
PASSWORD = "Pw-d1st1nct1ve"
LONG_SECRET = "jwt-" + "k" * 40 + SECRET_TAIL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def okr(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``okr ARGS`` in a clean environment plus ``env``; stdout and stderr together."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OKR_")}
    clean.pop("DATABASE_URL", None)
    clean.update({"OKR_DATA_DIR": str(tmp_path), "OKR_LOG_JSON": "false", **env})
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "service.runtime.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def unreachable_url() -> str:
    return f"postgresql://okr:{PASSWORD}@127.0.0.1:{_free_port()}/okr"


@pytest.fixture
async def empty_database(pg_server: PostgresServer) -> AsyncIterator[str]:
    """A database with no schema at all, dropped afterwards."""
    name = unique_name("okr_empty")
    url = await pg_server.create_database(name)
    yield url
    await pg_server.drop_database(name)


async def _schema_revision(url: str) -> str | None:
    conn = await asyncpg.connect(url)
    try:
        revision: str | None = await conn.fetchval("SELECT version_num FROM alembic_version")
        return revision
    finally:
        await conn.close()


# -- settings errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["token", "--org", "00000000-0000-0000-0000-000000000001", "--scope", "org:read"],
        ["org", "create", "Initech", "--admin-email", "admin@initech.example"],
    ],
)
def test_a_settings_error_names_the_variable_and_prints_no_secret(
    tmp_path: Path, command: list[str]
) -> None:
    """Before: pydantic's message ended with the tail of the settings dict (the secret)."""
    result = okr(
        tmp_path,
        *command,
        DATABASE_URL=unreachable_url(),
        OKR_JWT_SECRET="short-" + SECRET_TAIL,
    )
    assert result.returncode == 2
    assert "OKR_JWT_SECRET must be at least 32 characters" in said(result)
    assert SECRET_TAIL not in said(result)
    assert PASSWORD not in said(result)
    assert "input_value" not in said(result)


@pytest.mark.parametrize("command", [["serve"], ["migrate"]])
def test_a_bad_value_is_named_without_echoing_the_other_settings(
    tmp_path: Path, command: list[str]
) -> None:
    result = okr(
        tmp_path,
        *command,
        DATABASE_URL=unreachable_url(),
        OKR_JWT_SECRET=LONG_SECRET,
        OKR_ENVIRONMENT="staging",
    )
    assert result.returncode == 2
    assert "configuration error: OKR_ENVIRONMENT:" in said(result)
    assert "'development' or 'production'" in said(result)
    assert SECRET_TAIL not in said(result)
    assert PASSWORD not in said(result)
    assert len(said(result).strip().splitlines()) == 1, said(result)


# -- okr migrate -------------------------------------------------------------------------


async def test_migrate_in_production_needs_only_the_database_url(
    tmp_path: Path, empty_database: str
) -> None:
    """The README's ``docker run -e DATABASE_URL=... okr okr migrate``: before, it failed
    asking for OKR_JWT_SECRET, which migrating never uses."""
    result = await asyncio.to_thread(
        okr, tmp_path, "migrate", OKR_ENVIRONMENT="production", DATABASE_URL=empty_database
    )
    assert result.returncode == 0, said(result)
    assert "migrated to head" in result.stdout
    assert await _schema_revision(empty_database) == head_revision()


def test_migrate_says_when_the_database_is_unreachable(tmp_path: Path) -> None:
    result = okr(tmp_path, "migrate", DATABASE_URL=unreachable_url(), OKR_JWT_SECRET=LONG_SECRET)
    assert result.returncode == 1
    assert "cannot reach the database at 127.0.0.1:" in said(result)
    assert PASSWORD not in said(result)
    assert "Traceback" not in said(result)
    assert len(said(result).strip().splitlines()) == 1, said(result)


# -- commands that need the schema -------------------------------------------------------

SCHEMA_COMMANDS = [
    ["org", "create", "Initech", "--admin-email", "admin@initech.example"],
    ["demo"],
]


@pytest.mark.parametrize("command", SCHEMA_COMMANDS)
async def test_a_command_on_an_unmigrated_database_says_run_migrate(
    tmp_path: Path, empty_database: str, command: list[str]
) -> None:
    """Before: ``okr org create`` printed a 491-line traceback."""
    result = await asyncio.to_thread(okr, tmp_path, *command, DATABASE_URL=empty_database)
    assert result.returncode == 1
    assert "database not migrated: run `okr migrate` first" in said(result)
    assert "Traceback" not in said(result)
    assert len(said(result).strip().splitlines()) == 1, said(result)


async def test_a_command_on_a_database_behind_the_head_says_run_migrate(
    tmp_path: Path, empty_database: str
) -> None:
    await asyncio.to_thread(upgrade, empty_database, "0001")
    result = await asyncio.to_thread(
        okr, tmp_path, *SCHEMA_COMMANDS[0], DATABASE_URL=empty_database
    )
    assert result.returncode == 1
    assert f"database schema at 0001, this version needs {head_revision()}" in said(result)
    assert "run `okr migrate` first" in said(result)
    assert len(said(result).strip().splitlines()) == 1, said(result)
    assert await _schema_revision(empty_database) == "0001"  # nothing written


@pytest.mark.parametrize("command", SCHEMA_COMMANDS)
def test_a_command_says_when_the_database_is_unreachable(
    tmp_path: Path, command: list[str]
) -> None:
    result = okr(tmp_path, *command, DATABASE_URL=unreachable_url(), OKR_JWT_SECRET=LONG_SECRET)
    assert result.returncode == 1
    assert "cannot reach the database at 127.0.0.1:" in said(result)
    assert PASSWORD not in said(result)
    assert len(said(result).strip().splitlines()) == 1, said(result)
