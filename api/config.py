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
