"""``okr token --scope kpis:write``: a service token an integration posts KPI measurements with."""

from __future__ import annotations

from uuid import uuid4

from typer.testing import CliRunner

from api.security import TokenVerifier
from service.auth import Scope
from service.runtime.app import token_config
from service.runtime.cli import cli
from service.runtime.settings import Settings
from tests.integration.test_cli import cli_env, message, runner

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["cli_env", "runner"]


async def test_token_mints_a_kpis_write_service_token(runner: CliRunner) -> None:
    org = uuid4()
    result = runner.invoke(cli, ["token", "--org", str(org), "--scope", "kpis:write"])
    assert result.exit_code == 0, message(result)
    principal = await TokenVerifier(token_config(Settings())).verify(result.stdout.strip())
    assert principal.organization_id == org
    assert principal.is_service
    assert principal.scopes == {Scope.KPIS_WRITE}
    assert Scope.KPIS_WRITE in Scope.ALL
