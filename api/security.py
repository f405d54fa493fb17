"""Bearer tokens (JWT, verified with PyJWT) -> Principal.

Algorithms are pinned by the configuration (api/config.py) and never taken from the token;
HS and RS/ES are never mixed (the settings refuse it); ``iss``, ``aud``, ``exp``, ``sub`` and
the organization claim are required. Keys come from a secret, a PEM public key, or a JWKS URL
(by ``kid``, so an identity provider can rotate keys without a restart).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple
from uuid import UUID

import jwt
from cachetools import TLRUCache
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from jwt import PyJWKClient

from api.config import TokenConfig
from api.oauth.keys import ALGORITHM as SERVICE_ALGORITHM
from api.oauth.keys import ServiceKeys
from domain.limits import PRINCIPAL_SUBJECT_MAX_LENGTH
from domain.members import Role
from service.auth import Principal


class Unauthenticated(Exception):
    """No usable bearer token. Always answered 401 with ``WWW-Authenticate: Bearer``."""

    def __init__(self, detail: str, *, code: str = "invalid_token") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class KeysUnavailable(Exception):
    """The JWKS cannot be fetched: answered 503 so clients retry instead of re-login."""


class TokenVerifier:
    def __init__(
        self,
        config: TokenConfig,
        *,
        jwks_cache_seconds: float = 300,
        jwks_refresh_cooldown_seconds: float = 30,
        jwks_timeout_seconds: float = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._algorithms = list(config.algorithms)
        self._static_key: Any = None
        self._jwks: PyJWKClient | None = None
        if config.hmac_secret is not None:
            self._static_key = config.hmac_secret
        elif config.jwks_url:
            # The key *set* is cached for ``jwks_cache_seconds``; single keys are not cached
            # apart from it (an LRU of keys would keep trusting a key the identity provider
            # has withdrawn). An unknown ``kid`` refetches at most once per cooldown, so
            # tokens with made-up kids cannot hammer the identity provider.
            self._jwks = PyJWKClient(
                config.jwks_url,
                cache_keys=False,
                lifespan=jwks_cache_seconds,
                cooldown_duration=jwks_refresh_cooldown_seconds,
                timeout=jwks_timeout_seconds,
            )
        elif config.public_key_file:
            self._static_key = _load_public_key(config.public_key_file)
            fitting = [a for a in self._algorithms if _key_fits(a, self._static_key)]
            if not fitting:
                raise ValueError(
                    f"OKR_JWT_PUBLIC_KEY_FILE ({config.public_key_file}) holds a key "
                    f"that fits none of OKR_JWT_ALGORITHMS {self._algorithms}"
                )
            self._algorithms = fitting
        self._required = ["exp", "iss", "aud", "sub", config.org_claim]
        # Never trusted longer than the key set it was checked with is kept.
        trusted = VERIFIED_TOKEN_SECONDS
        if self._jwks is not None:
            trusted = min(trusted, jwks_cache_seconds)
        self._verified = verified_tokens(clock, seconds=trusted)
        self.service_keys = ServiceKeys(config.service) if config.service else None

    async def _key_for(self, token: str) -> Any:
        if self._jwks is None:
            return self._static_key
        try:
            # PyJWKClient fetches over blocking HTTP (then caches): keep it off the event loop.
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError):
            # The identity provider is down or serves no usable keys: not the caller's fault.
            raise KeysUnavailable("the identity provider's keys cannot be fetched") from None
        except jwt.PyJWKClientError as error:
            raise Unauthenticated(f"no signing key for this token: {error}") from None
        # A JWKS often mixes key types (RSA and EC, several curves): a token naming an
        # allowed algorithm with the kid of a key of another type is refused here, as
        # PyJWT would raise a non-token error (TypeError, InvalidKeyError) for it.
        algorithm = jwt.get_unverified_header(token).get("alg")
        if algorithm in self._algorithms and not _key_fits(algorithm, signing_key.key):
            raise Unauthenticated("the token's key does not fit its algorithm")
        return signing_key.key

    async def verify(self, token: str) -> Principal:
        """The caller of a member token (the identity provider's) or of a client token (the
        service's own, told apart by its issuer): each verifier takes only its own kind.

        A token verified before is taken from a per-process cache until it expires or for
        ``VERIFIED_TOKEN_SECONDS``, whichever comes first: checking a signature and its
        claims again was a sixth of a single objective's read. With a JWKS, an entry lasts
        no longer than the key set is cached: a token signed by a key the identity provider
        has withdrawn is trusted at most that long after the key set that dropped it was
        fetched (before the cache: until that fetch). An API client's revocation is checked
        after this (api/deps.py), on every request as before."""
        cached = self._verified.get(token)
        if cached is not None:
            return cached.principal
        verified = await self._verify(token)
        self._verified[token] = verified
        return verified.principal

    async def _verify(self, token: str) -> VerifiedToken:
        if self.service_keys is not None and _issuer(token) == self.service_keys.config.issuer:
            return self._verify_client_token(token, self.service_keys)
        c = self._config
        try:
            key = await self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=c.audience,
                issuer=c.issuer,
                leeway=c.leeway_seconds,
                options={"require": self._required},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired", code="token_expired") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the token is not valid: {error}") from None
        if claims.get(TOKEN_USE_CLAIM) == CLIENT_TOKEN_USE:
            # A member token's issuer saying "client" is no client token: refused, never
            # read as a service token with its scopes.
            raise Unauthenticated("a client token must come from this service's token endpoint")
        return VerifiedToken(principal_from_claims(claims, c), self._expiry(claims))

    def _expiry(self, claims: Mapping[str, Any]) -> float:
        """When PyJWT would first call the verified ``claims`` expired (``exp`` + leeway)."""
        return float(claims["exp"]) + self._config.leeway_seconds

    def _verify_client_token(self, token: str, keys: ServiceKeys) -> VerifiedToken:
        """An API client's token: signed by one of the service's keys (by ``kid``), marked
        ``token_use: client``. Roles in it are ignored: a client is a service Principal."""
        service = keys.config
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = keys.public_key(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthenticated("no signing key of this service has the token's kid")
            claims = jwt.decode(
                token,
                key,
                algorithms=[SERVICE_ALGORITHM],
                audience=service.audience,
                issuer=service.issuer,
                leeway=self._config.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "org", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired", code="token_expired") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the token is not valid: {error}") from None
        if claims.get(TOKEN_USE_CLAIM) != CLIENT_TOKEN_USE:
            raise Unauthenticated("a token of this service's issuer must be a client token")
        subject = str(claims["sub"])
        if not subject.startswith(CLIENT_SUBJECT_PREFIX):
            raise Unauthenticated("a client token's subject must be client:<client_id>")
        client_id = _uuid(subject.removeprefix(CLIENT_SUBJECT_PREFIX), "sub")
        unit = claims.get("unit")
        principal = Principal(
            organization_id=_uuid_claim(claims, "org"),
            subject=subject,
            scopes=frozenset(_string_list(claims.get("scope"))),
            client_id=client_id,
            unit_scope=_uuid(str(unit), "unit") if unit is not None else None,
        )
        return VerifiedToken(principal, self._expiry(claims))


# How long a verified token is taken on trust (see TokenVerifier.verify), and how many.
VERIFIED_TOKEN_SECONDS: Final = 60.0
VERIFIED_TOKENS_KEPT: Final = 4096


class VerifiedToken(NamedTuple):
    principal: Principal
    expires_at: float  # epoch seconds


def verified_tokens(
    clock: Callable[[], float] = time.time, *, seconds: float = VERIFIED_TOKEN_SECONDS
) -> TLRUCache[str, VerifiedToken]:
    """The cache of verified tokens: each kept until its expiry or for ``seconds``,
    whichever is first; the least recently used go past ``VERIFIED_TOKENS_KEPT``."""

    def until(_token: str, verified: VerifiedToken, now: float) -> float:
        return min(now + seconds, verified.expires_at)

    return TLRUCache(maxsize=VERIFIED_TOKENS_KEPT, ttu=until, timer=clock)


# Client tokens (api/oauth) say what they are in ``token_use``; their subject names the client.
TOKEN_USE_CLAIM = "token_use"  # noqa: S105 - a claim name
CLIENT_TOKEN_USE = "client"  # noqa: S105 - a claim value
CLIENT_SUBJECT_PREFIX = "client:"


def _issuer(token: str) -> object:
    """The token's ``iss``, unverified: only to pick the verifier that then checks it."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError as error:
        raise Unauthenticated(f"the token is not valid: {error}") from None


def _uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Unauthenticated(f"the {name!r} claim is not a UUID") from None


def _load_public_key(path: Path) -> PublicKeyTypes:
    """The PEM public key at ``path``; a private key or anything else is refused at startup."""
    try:
        return serialization.load_pem_public_key(path.read_bytes())
    except ValueError:
        raise ValueError(
            f"OKR_JWT_PUBLIC_KEY_FILE ({path}) must hold a PEM public key "
            "('-----BEGIN PUBLIC KEY-----'), never a private key"
        ) from None


def _key_fits(algorithm: str, key: Any) -> bool:
    """Whether ``key`` (a key object) is of the family, and curve, that ``algorithm`` needs."""
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(key)
    except (jwt.InvalidKeyError, TypeError, ValueError, NotImplementedError):
        return False
    return True


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


def principal_from_claims(claims: Mapping[str, Any], config: TokenConfig) -> Principal:
    """Member tokens carry ``sub`` = member id and roles; service tokens carry scopes."""
    org_id = _uuid_claim(claims, config.org_claim)
    scopes = frozenset(_string_list(claims.get(config.scope_claim)))
    subject = str(claims["sub"])
    if scopes:
        service = f"service:{subject}"
        # The subject is stored as the author of what the token does (audit actor, check-in
        # author, idempotency caller): one too long to store is refused here, not half-way.
        if len(service) > PRINCIPAL_SUBJECT_MAX_LENGTH:
            raise Unauthenticated(
                f"the 'sub' claim is too long: at most "
                f"{PRINCIPAL_SUBJECT_MAX_LENGTH - len('service:')} characters"
            )
        return Principal(organization_id=org_id, subject=service, scopes=scopes)
    known = {r.value for r in Role}
    roles = frozenset(Role(r) for r in _string_list(claims.get(config.roles_claim)) if r in known)
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
