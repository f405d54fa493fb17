"""The ``okr`` command: ``okr token`` and ``okr org create`` mint tokens the server accepts."""

from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from typer.testing import CliRunner, Result

from api.security import TokenVerifier
from domain.members import Role
from service.runtime.app import build_app, token_config
from service.runtime.cli import cli
from service.runtime.settings import Settings

SECRET = "cli-test-secret-" + "z" * 40


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and the verifier read the same environment: a clean one, with a known key."""
    for name in list(os.environ):
        if name.startswith("OKR_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("OKR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OKR_JWT_SECRET", SECRET)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def message(result: Result) -> str:
    """What the command said (stdout and stderr), with rich's error box taken off."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="okr-api", issuer="okr-dev"
    )
    return claims


async def test_token_prints_a_member_token_the_verifier_accepts(runner: CliRunner) -> None:
    org, member = uuid4(), uuid4()
    result = runner.invoke(
        cli, ["token", "--org", str(org), "--member", str(member), "--role", "admin"]
    )
    assert result.exit_code == 0, message(result)
    principal = await TokenVerifier(token_config(Settings())).verify(result.stdout.strip())
    assert principal.organization_id == org
    assert principal.member_id == member
    assert principal.roles == {Role.ADMIN, Role.MEMBER}
    assert not principal.is_service


async def test_token_prints_a_service_token_with_its_scopes(runner: CliRunner) -> None:
    org = uuid4()
    result = runner.invoke(
        cli, ["token", "--org", str(org), "--scope", "org:read", "--scope", "members:write"]
    )
    assert result.exit_code == 0, message(result)
    principal = await TokenVerifier(token_config(Settings())).verify(result.stdout.strip())
    assert principal.organization_id == org
    assert principal.is_service
    assert principal.scopes == {"org:read", "members:write"}


def test_token_ttl_sets_the_expiry(runner: CliRunner) -> None:
    before = datetime.now(UTC).timestamp()
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--member", str(uuid4()), "--ttl", "30m"]
    )
    after = datetime.now(UTC).timestamp()
    assert result.exit_code == 0, message(result)
    claims = claims_of(result.stdout.strip())
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert before + 30 * 60 - 1 <= claims["exp"] <= after + 30 * 60 + 1


def test_token_default_ttl_is_an_hour(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["token", "--org", str(uuid4()), "--member", str(uuid4())])
    assert result.exit_code == 0, message(result)
    claims = claims_of(result.stdout.strip())
    assert claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize("ttl", ["soon", "30x", "m", "-5m", "1.5h", ""])
def test_token_refuses_a_bad_ttl(runner: CliRunner, ttl: str) -> None:
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--member", str(uuid4()), "--ttl", ttl]
    )
    assert result.exit_code == 2
    assert "use a positive number and a unit, e.g. 30m, 1h, 7d" in message(result)
    assert not result.stdout.strip().startswith("ey")


def test_token_refuses_a_zero_ttl(runner: CliRunner) -> None:
    """Before: ``--ttl 0m`` silently minted a token valid for the default hour."""
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--member", str(uuid4()), "--ttl", "0m"]
    )
    assert result.exit_code == 2
    assert "ey" not in result.stdout


def test_token_refuses_an_unknown_role(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--member", str(uuid4()), "--role", "boss"]
    )
    assert result.exit_code == 2
    assert "unknown roles ['boss']" in message(result)


def test_token_refuses_an_unknown_scope(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["token", "--org", str(uuid4()), "--scope", "everything"])
    assert result.exit_code == 2
    assert "scopes ['everything']" in message(result)


def test_token_refuses_member_with_scope(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--member", str(uuid4()), "--scope", "org:read"]
    )
    assert result.exit_code == 2
    assert "scopes are for service tokens: drop --member" in message(result)


def test_token_refuses_roles_on_a_service_token(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--scope", "org:read", "--role", "admin"]
    )
    assert result.exit_code == 2
    assert "roles are for member tokens" in message(result)


def test_token_needs_a_member_or_a_scope(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["token", "--org", str(uuid4())])
    assert result.exit_code == 2
    assert "give --member" in message(result)


def test_token_refuses_when_the_server_trusts_an_identity_provider(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OKR_JWT_SECRET")
    monkeypatch.setenv("OKR_JWT_ALGORITHMS", '["RS256"]')
    monkeypatch.setenv("OKR_JWT_PUBLIC_KEY_FILE", str(tmp_path / "idp.pem"))
    result = runner.invoke(
        cli, ["token", "--org", str(uuid4()), "--member", str(uuid4()), "--role", "admin"]
    )
    assert result.exit_code == 2
    assert "identity provider" in message(result)
    assert "ey" not in result.stdout


async def test_org_create_prints_ids_and_an_admin_token(
    runner: CliRunner, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = await asyncio.to_thread(
        runner.invoke,
        cli,
        ["org", "create", "Initech", "--admin-email", "admin@initech.example"],
    )
    assert result.exit_code == 0, message(result)
    out = json.loads(result.stdout)
    org_id, admin_id = UUID(out["organization_id"]), UUID(out["admin_member_id"])

    settings = Settings()
    principal = await TokenVerifier(token_config(settings)).verify(out["admin_token"])
    assert principal.organization_id == org_id
    assert principal.member_id == admin_id
    assert principal.is_admin

    # The organization is really there, and the token opens it over the API.
    app = build_app(settings, database_url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://okr.test",
            headers={"Authorization": f"Bearer {out['admin_token']}"},
        ) as client,
    ):
        org = await client.get("/v1/organization")
        admin = await client.get(f"/v1/members/{admin_id}")
    assert org.status_code == 200, org.text
    assert org.json()["name"] == "Initech"
    assert admin.json()["email"] == "admin@initech.example"


async def test_org_create_refuses_a_bad_email(
    runner: CliRunner, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = await asyncio.to_thread(
        runner.invoke, cli, ["org", "create", "Initech", "--admin-email", "not-an-email"]
    )
    assert result.exit_code == 2
    assert "not an email address" in message(result)
