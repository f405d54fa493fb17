"""API clients: machine identities for integrations (OAuth2 client credentials, issue 19).

Admins register, read, rotate and revoke clients; every change is audited (never a secret).
The secret (``okrcs_`` + 32 random bytes, URL-safe base64) is shown once, at creation and at
rotation, and stored as an argon2 hash (pwdlib). A rotation keeps the previous secret working
for :data:`domain.api_clients.SECRET_ROTATION_OVERLAP`.

The token endpoint (api/oauth) calls :func:`authenticate`: it finds the client by its id
alone (the client id is the client's UUID), checks the secret and the client's state, and
records ``last_used_at``: one write per token issued, none per API request (tokens are
short-lived, so the last issuance is within a token's lifetime of the last use).

Revocation reaches tokens already issued through :class:`ClientStatusCache`: each process
asks the database about a client at most once per :data:`STATUS_CACHE_SECONDS`, so a revoked
or expired client's tokens stop working within that bound (and always at their own ``exp``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from pwdlib import PasswordHash

from domain.api_clients import (
    SECRET_ROTATION_OVERLAP,
    ApiClient,
    InvalidClient,
    InvalidScopeRequest,
)
from domain.errors import FieldError, NotFound, RuleViolation
from domain.limits import API_CLIENT_NAME_MAX_LENGTH
from service import audit
from service.auth import Principal, Scope, ensure_admin
from service.context import Deps
from service.ports import UnitOfWork

SECRET_PREFIX: Final = "okrcs_"  # noqa: S105 - a prefix, not a secret
SECRET_HINT_LENGTH: Final = len(SECRET_PREFIX) + 4
MAX_CLIENTS: Final = 100  # per organization
STATUS_CACHE_SECONDS: Final = 30

# argon2id with pwdlib's recommended parameters. The secrets are random (192+ bits), so the
# slow hash guards a leaked table, not a guessable password.
_HASHER: Final = PasswordHash.recommended()
# Checked against when the client id is unknown, so an unknown id costs what a wrong secret
# costs (no timing oracle for which client ids exist).
_DUMMY_HASH: Final = _HASHER.hash("okrcs_not-a-client")


@dataclass(frozen=True)
class NewApiClient:
    name: str
    scopes: Sequence[str]
    unit_id: UUID | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ClientWithSecret:
    client: ApiClient
    secret: str


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _invalid(field: str, message: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(
        f"{field} {message}", code="validation_failed", errors=[FieldError(field, message, code)]
    )


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise _invalid("name", "must not be blank", "blank")
    if len(name) > API_CLIENT_NAME_MAX_LENGTH:
        raise _invalid(
            "name", f"is longer than {API_CLIENT_NAME_MAX_LENGTH} characters", "too_long"
        )
    return name


def _checked_scopes(scopes: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(scopes)
    if not chosen:
        raise _invalid("scopes", "must name at least one scope", "blank")
    unknown = sorted(chosen - Scope.ALL)
    if unknown:
        raise _invalid("scopes", f"names unknown scopes {unknown}", "unknown_scope")
    return chosen


def _audited(client: ApiClient) -> dict[str, object]:
    """The client as the audit trail keeps it: never a secret or its hash."""
    return {
        "name": client.name,
        "scopes": sorted(client.scopes),
        "unit_id": client.unit_id,
        "expires_at": client.expires_at,
        "secret_hint": client.secret_hint,
        "revoked_at": client.revoked_at,
    }


async def _audit(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    action: str,
    before: ApiClient | None,
    after: ApiClient,
) -> None:
    await audit.record(
        uow.audit,
        deps,
        principal,
        action=action,
        resource_type="api_client",
        resource_id=after.id,
        before=_audited(before) if before else None,
        after=_audited(after),
    )


def _found(client: ApiClient | None) -> ApiClient:
    if client is None:
        raise NotFound("no such API client", code="not_found")
    return client


async def _hashed(secret: str) -> str:
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    return await asyncio.to_thread(_HASHER.hash, secret)


async def create_client(deps: Deps, principal: Principal, new: NewApiClient) -> ClientWithSecret:
    ensure_admin(principal)
    now = deps.clock.now()
    name, scopes = _checked_name(new.name), _checked_scopes(new.scopes)
    if new.expires_at is not None and new.expires_at <= now:
        raise _invalid("expires_at", "must be in the future", "in_the_past")
    if new.unit_id is not None and Scope.SCIM in scopes:
        # SCIM keeps the whole directory (users, groups, managers across units): a client
        # limited to a subtree could not use it without reaching outside that subtree.
        raise _invalid("scopes", "scim is for clients of the whole organization", "unit_scoped")
    secret = new_secret()
    client = ApiClient(
        organization_id=principal.organization_id,
        id=deps.new_id(),
        name=name,
        scopes=scopes,
        unit_id=new.unit_id,
        expires_at=new.expires_at,
        secret_hash=await _hashed(secret),
        secret_hint=secret[:SECRET_HINT_LENGTH],
        previous_secret_hash=None,
        previous_secret_expires_at=None,
        created_at=now,
        updated_at=now,
        revoked_at=None,
        last_used_at=None,
    )
    async with deps.uow() as uow:
        if new.unit_id is not None and (
            await uow.units.get(principal.organization_id, new.unit_id) is None
        ):
            raise _invalid("unit_id", "names no unit of this organization", "not_found")
        if len(await uow.api_clients.list(principal.organization_id)) >= MAX_CLIENTS:
            raise RuleViolation(
                f"an organization has at most {MAX_CLIENTS} API clients",
                code="too_many_api_clients",
            )
        await uow.api_clients.add(client)
        await _audit(uow, deps, principal, "api_client.created", None, client)
        await uow.commit()
    return ClientWithSecret(client, secret)


async def list_clients(deps: Deps, principal: Principal) -> Sequence[ApiClient]:
    ensure_admin(principal)
    async with deps.read() as uow:
        return await uow.api_clients.list(principal.organization_id)


async def get_client(deps: Deps, principal: Principal, client_id: UUID) -> ApiClient:
    ensure_admin(principal)
    async with deps.read() as uow:
        return _found(await uow.api_clients.get(principal.organization_id, client_id))


async def rotate_secret(deps: Deps, principal: Principal, client_id: UUID) -> ClientWithSecret:
    """A new secret, shown once; the old one keeps working for the rotation overlap."""
    ensure_admin(principal)
    now = deps.clock.now()
    secret = new_secret()
    secret_hash = await _hashed(secret)
    async with deps.uow() as uow:
        before = _found(await uow.api_clients.get(principal.organization_id, client_id))
        if before.revoked_at is not None:
            raise RuleViolation("a revoked API client cannot be rotated", code="api_client_revoked")
        after = replace(
            before,
            secret_hash=secret_hash,
            secret_hint=secret[:SECRET_HINT_LENGTH],
            previous_secret_hash=before.secret_hash,
            previous_secret_expires_at=now + SECRET_ROTATION_OVERLAP,
            updated_at=now,
        )
        await uow.api_clients.update(after)
        await _audit(uow, deps, principal, "api_client.secret_rotated", before, after)
        await uow.commit()
    return ClientWithSecret(after, secret)


async def revoke_client(deps: Deps, principal: Principal, client_id: UUID) -> ApiClient:
    """Revoke for good: no new tokens at once, issued ones stop within the status bound.
    Revoking a revoked client changes nothing (and audits nothing)."""
    ensure_admin(principal)
    now = deps.clock.now()
    async with deps.uow() as uow:
        before = _found(await uow.api_clients.get(principal.organization_id, client_id))
        if before.revoked_at is not None:
            return before
        after = replace(
            before,
            revoked_at=now,
            previous_secret_hash=None,
            previous_secret_expires_at=None,
            updated_at=now,
        )
        await uow.api_clients.update(after)
        await _audit(uow, deps, principal, "api_client.revoked", before, after)
        await uow.commit()
    return after


# -- the token endpoint's side ----------------------------------------------------------------


def _parsed_id(client_id: str) -> UUID | None:
    try:
        return UUID(client_id)
    except ValueError:
        return None


async def authenticate(deps: Deps, client_id: str, secret: str) -> ApiClient:
    """The usable client these credentials name; records its use. Raises InvalidClient."""
    parsed = _parsed_id(client_id)
    async with deps.read() as uow:
        client = await uow.api_clients.find(parsed) if parsed is not None else None
    now = deps.clock.now()
    hashes = client.secret_hashes(now) if client is not None else ()
    # Always two hashes (padded with the dummy): an unknown client, a known one and one in
    # its rotation overlap take the same time.
    hashes = (*hashes, *(_DUMMY_HASH,) * (2 - len(hashes)))
    verified = asyncio.get_running_loop().run_in_executor(_VERIFIERS, _matches, secret, hashes)
    if not await verified or client is None:
        raise InvalidClient("the client id or secret is wrong")
    if not client.is_usable(now):
        raise InvalidClient("the client is revoked or expired")
    async with deps.uow() as uow:
        await uow.api_clients.mark_used(client.organization_id, client.id, now)
        await uow.commit()
    return client


# argon2 costs tens of milliseconds and 64 MiB per check, for any caller of /oauth/token:
# checks take turns on two threads of their own, so a flood of made-up credentials queues
# there instead of filling the default thread pool (and both cores) other requests use.
_VERIFIERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="okr-client-secret")


def _matches(secret: str, hashes: Sequence[str]) -> bool:
    # Each hash is checked (no early exit), so the overlap costs the same whichever matches.
    results = [_HASHER.verify(secret, hashed) for hashed in hashes]
    return any(results)


def granted_scopes(client: ApiClient, requested: Sequence[str] | None) -> frozenset[str]:
    """The scopes of a token: the requested ones, each granted to the client; none
    requested: all the client's (RFC 6749 section 3.3 lets the server pick a default)."""
    if not requested:
        return client.scopes
    wanted = frozenset(requested)
    refused = sorted(wanted - client.scopes)
    if refused:
        raise InvalidScopeRequest(f"scopes not granted to this client: {' '.join(refused)}")
    return wanted


# -- issued tokens: is their client still usable? ---------------------------------------------


@dataclass
class _Status:
    usable: bool
    checked_at: datetime


class ClientStatusCache:
    """Whether a client is still usable, asked of the database at most once per client and
    :data:`STATUS_CACHE_SECONDS` in a process: a revoked or expired client's tokens stop
    working within that bound. Bounded in size (old entries are dropped)."""

    def __init__(self, ttl: timedelta = timedelta(seconds=STATUS_CACHE_SECONDS)) -> None:
        self._ttl = ttl
        self._entries: dict[UUID, _Status] = {}
        self._max_entries = 10_000

    async def usable(self, deps: Deps, organization_id: UUID, client_id: UUID) -> bool:
        now = deps.clock.now()
        cached = self._entries.get(client_id)
        if cached is not None and timedelta(0) <= now - cached.checked_at < self._ttl:
            return cached.usable
        async with deps.read() as uow:
            client = await uow.api_clients.find(client_id)
        usable = (
            client is not None
            and client.organization_id == organization_id
            and client.is_usable(now)
        )
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[client_id] = _Status(usable, now)
        return usable
