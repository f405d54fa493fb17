"""What the inbound adapters are configured with, built by the composition root.

The adapters read these plain values, never the process settings: ``service/runtime`` reads
the environment and hands them over, so nothing here knows where a value came from.
No defaults here: they live once, in the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class TokenConfig:
    """How a bearer token is verified. Exactly one key source is set: ``hmac_secret`` for
    HS* algorithms, else a PEM ``public_key_file`` or a ``jwks_url`` (the settings refuse
    any other combination)."""

    algorithms: tuple[str, ...]
    issuer: str
    audience: str
    leeway_seconds: int
    org_claim: str
    roles_claim: str
    scope_claim: str
    hmac_secret: str | None = field(default=None, repr=False)
    public_key_file: Path | None = None
    jwks_url: str | None = None
    # The service's own client tokens (OAuth2 client credentials); None: not issued.
    service: ServiceTokenConfig | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceTokenConfig:
    """The tokens the service issues to API clients (api/oauth): ES256 JWTs with their own
    issuer, signed with ``signing_key_pem`` (a PEM EC P-256 private key). The public parts of
    ``previous_key_pems`` stay published and trusted, so tokens signed before a key rotation
    verify until they expire."""

    issuer: str
    audience: str
    ttl_seconds: int
    signing_key_pem: bytes = field(repr=False)
    previous_key_pems: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True, kw_only=True)
class GraphQLConfig:
    """Limits on one GraphQL document, and whether the schema may be explored."""

    max_depth: int
    max_aliases: int
    max_tokens: int
    introspection: bool


@dataclass(frozen=True, kw_only=True)
class ApiConfig:
    tokens: TokenConfig
    graphql: GraphQLConfig
    # Browser origins granted by CORS; empty: same-origin only.
    cors_origins: tuple[str, ...]
    # Larger request bodies get 413, unread.
    max_body_bytes: int
