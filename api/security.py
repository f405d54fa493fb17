"""Bearer tokens (JWT, verified with PyJWT) -> Principal.

Algorithms are pinned by settings and never taken from the token; HS and RS/ES are never
mixed (settings refuse it); ``iss``, ``aud``, ``exp``, ``sub`` and the organization claim
are required. Keys come from a secret, a PEM public key, or a JWKS URL (by ``kid``, so an
identity provider can rotate keys without a restart).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import jwt
from jwt import PyJWKClient

from domain.members import Role
from service.auth import Principal
from service.settings import Settings


class Unauthenticated(Exception):
    """No usable bearer token. Always answered 401 with ``WWW-Authenticate: Bearer``."""

    def __init__(self, detail: str, *, code: str = "invalid_token") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._algorithms = list(settings.jwt_algorithms)
        self._static_key: Any = None
        self._jwks: PyJWKClient | None = None
        if settings.uses_hmac:
            self._static_key = settings.hmac_secret
        elif settings.jwt_jwks_url:
            self._jwks = PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300)
        elif settings.jwt_public_key_file:
            self._static_key = settings.jwt_public_key_file.read_text()
        self._required = ["exp", "iss", "aud", "sub", settings.jwt_org_claim]

    async def _key_for(self, token: str) -> Any:
        if self._jwks is None:
            return self._static_key
        try:
            # PyJWKClient fetches over blocking HTTP (then caches): keep it off the event loop.
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientError as error:
            raise Unauthenticated(f"no signing key for this token: {error}") from None
        return signing_key.key

    async def verify(self, token: str) -> Principal:
        s = self._settings
        try:
            claims = jwt.decode(
                token,
                await self._key_for(token),
                algorithms=self._algorithms,
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                leeway=s.jwt_leeway_seconds,
                options={"require": self._required},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired", code="token_expired") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the token is not valid: {error}") from None
        return principal_from_claims(claims, s)


def _uuid_claim(claims: Mapping[str, Any], name: str) -> UUID:
    try:
        return UUID(str(claims[name]))
    except (KeyError, ValueError):
        raise Unauthenticated(f"the {name!r} claim is not a UUID") from None


def _string_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise Unauthenticated("roles and scopes must be strings")


def principal_from_claims(claims: Mapping[str, Any], settings: Settings) -> Principal:
    """Member tokens carry ``sub`` = member id and roles; service tokens carry scopes."""
    org_id = _uuid_claim(claims, settings.jwt_org_claim)
    scopes = frozenset(_string_list(claims.get(settings.jwt_scope_claim)))
    subject = str(claims["sub"])
    if scopes:
        return Principal(organization_id=org_id, subject=f"service:{subject}", scopes=scopes)
    known = {r.value for r in Role}
    roles = frozenset(
        Role(r) for r in _string_list(claims.get(settings.jwt_roles_claim)) if r in known
    )
    return Principal(
        organization_id=org_id,
        subject=subject,
        member_id=_uuid_claim(claims, "sub"),
        roles=roles | {Role.MEMBER},
    )


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        raise Unauthenticated("send Authorization: Bearer <token>", code="missing_token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Bearer <token>'", code="missing_token"
        )
    return token.strip()
