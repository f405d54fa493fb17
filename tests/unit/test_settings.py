"""Settings: the environment they read, the key setups they refuse, the dev secret they keep."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.runtime.settings import Settings

GOOD_SECRET = "s" * 32


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OKR_* or DATABASE_URL of the caller's shell may leak into these Settings."""
    for name in list(os.environ):
        if name.startswith("OKR_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def pem_file(tmp_path: Path) -> Path:
    # Settings only check that a key is configured; the verifier reads it.
    path = tmp_path / "public.pem"
    path.write_text("-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n")
    return path


def test_defaults_are_hs256_with_dev_issuer_and_audience(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.jwt_algorithms == ["HS256"]
    assert settings.uses_hmac
    assert (settings.jwt_issuer, settings.jwt_audience) == ("okr-dev", "okr-api")
    assert settings.embedded


@pytest.mark.parametrize(
    "algorithms",
    [["HS256", "RS256"], ["RS256", "HS256"], ["HS512", "ES256"], ["HS256", "EdDSA"]],
)
def test_mixing_hmac_with_asymmetric_algorithms_is_refused(
    tmp_path: Path, pem_file: Path, algorithms: list[str]
) -> None:
    with pytest.raises(ValidationError, match="must not mix"):
        Settings(data_dir=tmp_path, jwt_algorithms=algorithms, jwt_public_key_file=pem_file)


@pytest.mark.parametrize("algorithms", [["none"], ["HS1"], [], ["RS256", "none"]])
def test_unknown_or_no_algorithms_are_refused(tmp_path: Path, algorithms: list[str]) -> None:
    with pytest.raises(ValidationError, match="unsupported"):
        Settings(data_dir=tmp_path, jwt_algorithms=algorithms)


@pytest.mark.parametrize("algorithms", [["RS256"], ["ES256"], ["RS256", "PS256"], ["EdDSA"]])
def test_asymmetric_algorithms_need_a_public_key_or_jwks(
    tmp_path: Path, algorithms: list[str]
) -> None:
    with pytest.raises(ValidationError, match="OKR_JWT_PUBLIC_KEY_FILE or _JWKS_URL"):
        Settings(data_dir=tmp_path, jwt_algorithms=algorithms)


def test_asymmetric_algorithms_with_a_key_or_jwks_are_accepted(
    tmp_path: Path, pem_file: Path
) -> None:
    with_file = Settings(data_dir=tmp_path, jwt_algorithms=["RS256"], jwt_public_key_file=pem_file)
    with_jwks = Settings(
        data_dir=tmp_path, jwt_algorithms=["ES256"], jwt_jwks_url="https://idp.example/jwks"
    )
    assert not with_file.uses_hmac
    assert not with_jwks.uses_hmac


def test_hmac_with_a_public_key_or_jwks_is_refused(tmp_path: Path, pem_file: Path) -> None:
    with pytest.raises(ValidationError, match="needs asymmetric"):
        Settings(data_dir=tmp_path, jwt_public_key_file=pem_file)
    with pytest.raises(ValidationError, match="needs asymmetric"):
        Settings(data_dir=tmp_path, jwt_jwks_url="https://idp.example/jwks")


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_a_short_jwt_secret_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("OKR_JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(data_dir=tmp_path)


def test_a_32_character_jwt_secret_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKR_JWT_SECRET", GOOD_SECRET)
    settings = Settings(data_dir=tmp_path)
    assert settings.hmac_secret == GOOD_SECRET
    # An explicit secret never writes a development key.
    assert not (tmp_path / "dev-jwt-secret").exists()


def test_reads_okr_prefixed_environment_and_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://okr@db.example/okr")
    monkeypatch.setenv("OKR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OKR_PORT", "9001")
    monkeypatch.setenv("OKR_LOG_LEVEL", "debug")
    monkeypatch.setenv("OKR_JWT_ALGORITHMS", '["RS256", "PS256"]')
    monkeypatch.setenv("OKR_JWT_JWKS_URL", "https://idp.example/.well-known/jwks.json")
    monkeypatch.setenv("OKR_JWT_ISSUER", "https://idp.example/")
    monkeypatch.setenv("OKR_JWT_AUDIENCE", "okr")
    monkeypatch.setenv("OKR_JWT_LEEWAY_SECONDS", "5")
    settings = Settings()
    assert settings.database_url == "postgresql://okr@db.example/okr"
    assert not settings.embedded
    assert settings.data_dir == tmp_path
    assert settings.port == 9001
    assert settings.log_level == "debug"
    assert settings.jwt_algorithms == ["RS256", "PS256"]
    assert settings.jwt_jwks_url == "https://idp.example/.well-known/jwks.json"
    assert settings.jwt_issuer == "https://idp.example/"
    assert settings.jwt_audience == "okr"
    assert settings.jwt_leeway_seconds == 5


def test_okr_database_url_is_an_alias(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKR_DATABASE_URL", "postgresql://okr@other.example/okr")
    assert Settings(data_dir=tmp_path).database_url == "postgresql://okr@other.example/okr"


def test_a_bad_environment_value_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_JWT_LEEWAY_SECONDS", "3600")
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path)


def test_the_dev_secret_is_generated_once_and_kept_in_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    first = Settings(data_dir=data_dir).hmac_secret
    key_file = data_dir / "dev-jwt-secret"
    assert key_file.read_text().strip() == first
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A second process (another Settings) signs and verifies with the same key ...
    assert Settings(data_dir=data_dir).hmac_secret == first
    # ... and another data_dir gets its own.
    assert Settings(data_dir=tmp_path / "elsewhere").hmac_secret != first


def test_metrics_are_served_in_development_and_only_on_purpose_in_production(
    tmp_path: Path,
) -> None:
    # The image listens on every interface in production: /metrics has no token.
    def production(metrics: bool | None = None) -> Settings:
        return Settings(
            data_dir=tmp_path,
            environment="production",
            database_url="postgresql://db/okr",
            jwt_secret="p" * 40,
            metrics_enabled=metrics,
        )

    assert Settings(data_dir=tmp_path).serves_metrics
    assert not production().serves_metrics
    assert production(metrics=True).serves_metrics
    assert not Settings(data_dir=tmp_path, metrics_enabled=False).serves_metrics
