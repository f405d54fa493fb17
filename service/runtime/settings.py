"""Every knob of the service, read from the environment (prefix ``OKR_``; plus ``DATABASE_URL``).

The README's configuration table lists each field below; keep them in step.
"""

from __future__ import annotations

import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_MIN_SECRET_BYTES = 32
_ORIGIN = re.compile(r"^(\*|https?://[^/?#\s]+)$")


class DatabaseSettings(BaseSettings):
    """What every command reads: the mode, the database and the logs. ``okr migrate`` reads
    nothing more, so a migration job needs no JWT settings."""

    model_config = SettingsConfigDict(env_prefix="OKR_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses the embedded Postgres and the generated dev key.",
    )

    # -- database ------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "OKR_DATABASE_URL"),
        description="Postgres 14+ URL. Unset: start the embedded Postgres in `pgdata`.",
        repr=False,  # it holds the password
    )
    data_dir: Path = Field(default=Path(".okr"), description="Local state: pgdata, dev key.")
    pgdata: Path | None = Field(
        default=None, description="Embedded Postgres data folder (default `<data_dir>/pgdata`)."
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_statement_cache_size: int = Field(
        default=100, ge=0, description="asyncpg prepared-statement cache; 0 behind PgBouncer."
    )

    # -- logs ----------------------------------------------------------------------------
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = True

    @model_validator(mode="after")
    def _production_database(self) -> Self:
        if self.environment == "production" and self.database_url is None:
            raise ValueError("production needs DATABASE_URL (no embedded Postgres)")
        return self

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def pgdata_dir(self) -> Path:
        return self.pgdata or self.data_dir / "pgdata"


class WorkerSettings(DatabaseSettings):
    """What ``okr worker`` reads besides the database: how webhooks are sent."""

    webhooks_allow_private: bool | None = Field(
        default=None,
        description="Send webhooks to private, loopback and link-local addresses (SSRF "
        "guard off). Unset: true in development, false in production.",
    )
    webhooks_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long one delivery attempt may take."
    )
    worker_concurrency: int = Field(
        default=20, ge=1, le=500, description="Deliveries one worker sends at once."
    )

    @property
    def private_addresses_allowed(self) -> bool:
        if self.webhooks_allow_private is not None:
            return self.webhooks_allow_private
        return self.environment == "development"


class Settings(DatabaseSettings):
    """Everything ``okr serve`` and the token commands read."""

    # -- read replica --------------------------------------------------------------------
    database_replica_url: str | None = Field(
        default=None,
        description="A streaming replica of the primary for the heavy read models (trees, "
        "unit scores, stats, exports), used only when it has replayed everything the primary "
        "had committed; unset: the primary serves every read.",
        repr=False,  # it holds the password
    )

    # -- HTTP ----------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS), a JSON list; "
        "empty: same-origin only.",
    )

    # -- auth ----------------------------------------------------------------------------
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwt_issuer: str = "okr-dev"
    jwt_audience: str = "okr-api"
    jwt_secret: SecretStr | None = None
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = None
    jwt_org_claim: str = "org"
    jwt_roles_claim: str = "roles"
    jwt_scope_claim: str = "scope"
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_default_ttl_seconds: int = Field(default=3600, ge=60)

    # -- the service's own tokens (API clients, OAuth2 client credentials) -----------------
    service_signing_key_file: Path | None = Field(
        default=None,
        description="PEM EC P-256 private key signing API clients' tokens (ES256). Unset: "
        "in development a key generated once in `data_dir`; in production no client tokens.",
    )
    service_previous_signing_key_file: Path | None = Field(
        default=None,
        description="The key used before a rotation (PEM, private or public): its public "
        "part stays in /.well-known/jwks.json so tokens it signed verify until they expire.",
    )
    service_token_issuer: str = Field(
        default="okr-service",
        description="`iss` of API clients' tokens: never the identity provider's issuer.",
    )
    service_token_ttl_seconds: int = Field(
        default=900, ge=60, le=3600, description="Lifetime of an API client's token."
    )

    # -- GraphQL -------------------------------------------------------------------------
    graphql_max_depth: int = Field(default=10, ge=1)
    graphql_max_aliases: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=10)
    graphql_introspection: bool = True

    # -- API -----------------------------------------------------------------------------
    idempotency_retention_hours: int = Field(default=24, ge=24)
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Larger request bodies get 413, unread."
    )
    metrics_enabled: bool | None = Field(
        default=None,
        description="Serve Prometheus metrics at GET /metrics (no token: keep the port "
        "private or block the path at the proxy). Unset: on, except in production, where "
        "the service listens on every interface (the image): turn it on there on purpose.",
    )

    @property
    def serves_metrics(self) -> bool:
        if self.metrics_enabled is not None:
            return self.metrics_enabled
        return self.environment != "production"

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        # A browser sends "https://app.example.com": a trailing slash or a path would
        # never match, silently.
        wrong = [origin for origin in origins if not _ORIGIN.match(origin)]
        if wrong:
            raise ValueError(f"not an origin (scheme://host[:port], or *): {wrong}")
        return origins

    @model_validator(mode="after")
    def _one_kind_of_key(self) -> Settings:
        algorithms = set(self.jwt_algorithms)
        unknown = algorithms - HMAC_ALGORITHMS - ASYMMETRIC_ALGORITHMS
        if unknown or not algorithms:
            raise ValueError(f"OKR_JWT_ALGORITHMS: unsupported {sorted(unknown) or 'empty'}")
        # Mixing HS and RS/ES is how algorithm-confusion attacks work: refuse the setting.
        if algorithms & HMAC_ALGORITHMS and algorithms & ASYMMETRIC_ALGORITHMS:
            raise ValueError("OKR_JWT_ALGORITHMS must not mix HS* with RS*/ES*/PS*/EdDSA")
        if self.uses_hmac and (self.jwt_public_key_file or self.jwt_jwks_url):
            raise ValueError("a public key or JWKS URL needs asymmetric OKR_JWT_ALGORITHMS")
        if not self.uses_hmac and not (self.jwt_public_key_file or self.jwt_jwks_url):
            raise ValueError("asymmetric algorithms need OKR_JWT_PUBLIC_KEY_FILE or _JWKS_URL")
        if self.service_token_issuer == self.jwt_issuer:
            raise ValueError("OKR_SERVICE_TOKEN_ISSUER must differ from OKR_JWT_ISSUER")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("OKR_JWT_SECRET must be at least 32 characters")
        if self.environment == "production" and self.uses_hmac and self.jwt_secret is None:
            raise ValueError(
                "production needs OKR_JWT_SECRET, or OKR_JWT_PUBLIC_KEY_FILE / "
                "OKR_JWT_JWKS_URL with asymmetric algorithms: a generated key would "
                "differ between replicas"
            )
        return self

    @property
    def uses_hmac(self) -> bool:
        return bool(set(self.jwt_algorithms) & HMAC_ALGORITHMS)

    @cached_property
    def hmac_secret(self) -> str:
        """The HS secret: ``OKR_JWT_SECRET``, else a development key kept in ``data_dir``.

        The generated key lets `make run` and `okr token` agree with no setup; production
        sets OKR_JWT_SECRET or, better, an identity provider's public keys.
        """
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        key_file = self.data_dir / "dev-jwt-secret"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


class SettingsError(ValueError):
    """A setting is missing or wrong. The message names the variable and the rule, never
    the value: pydantic's own message quotes the input, and the input may be a secret."""


_SettingsT = TypeVar("_SettingsT", bound=DatabaseSettings)


def load_settings(kind: type[_SettingsT]) -> _SettingsT:
    """``kind`` read from the environment; raises ``SettingsError`` with a safe message."""
    try:
        return kind()
    except ValidationError as error:
        raise SettingsError(_describe(kind, error)) from None
    except ValueError as error:  # pydantic-settings' "error parsing value": no value in it
        raise SettingsError(str(error)) from None


def _describe(kind: type[DatabaseSettings], error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False, include_input=False, include_context=False):
        message = problem["msg"].removeprefix("Value error, ")
        location = problem["loc"]
        if location:  # a field; the model's own rules name their variables themselves
            message = f"{_variable(kind, str(location[0]))}: {message}"
        problems.append(message)
    return "; ".join(problems)


def _variable(kind: type[DatabaseSettings], field: str) -> str:
    """The environment variable a field is read from (``OKR_PORT``); a field read through
    an alias is reported by the alias already (``DATABASE_URL``)."""
    return f"OKR_{field.upper()}" if field in kind.model_fields else field
