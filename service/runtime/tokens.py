"""Minting development tokens (``okr token``), signed with the configured HS secret."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from service.runtime.settings import Settings


class ExternalKeysOnly(Exception):
    """The server trusts an identity provider's keys: it cannot mint tokens itself."""


def mint_token(
    settings: Settings,
    *,
    organization_id: UUID,
    member_id: UUID | None = None,
    client: str = "okr-cli",
    roles: Iterable[str] = (),
    scopes: Iterable[str] = (),
    ttl: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """A token the server accepts: a member token, or a service token when scopes are given."""
    if not settings.uses_hmac:
        raise ExternalKeysOnly(
            "this server verifies tokens with external keys (OKR_JWT_PUBLIC_KEY_FILE or "
            "OKR_JWT_JWKS_URL): ask your identity provider for a token"
        )
    issued = now or datetime.now(UTC)
    # ``ttl or default`` would turn a zero lifetime into the default hour: refuse it instead.
    lifetime = timedelta(seconds=settings.jwt_default_ttl_seconds) if ttl is None else ttl
    if lifetime <= timedelta(0):
        raise ValueError("a token's lifetime must be positive")
    scope_list = sorted(set(scopes))
    if member_id is not None and scope_list:
        # A member token carries roles, not scopes: dropping the scopes silently would
        # mint a token that does not do what was asked.
        raise ValueError("scopes are for service tokens: give a member or scopes, not both")
    claims: dict[str, object] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "sub": str(member_id) if member_id is not None else client,
        settings.jwt_org_claim: str(organization_id),
    }
    if member_id is None and not scope_list:
        raise ValueError("a token needs a member or at least one scope")
    if scope_list:
        claims[settings.jwt_scope_claim] = " ".join(scope_list)
    else:
        claims[settings.jwt_roles_claim] = sorted(set(roles))
    return jwt.encode(claims, settings.hmac_secret, algorithm=settings.jwt_algorithms[0])
