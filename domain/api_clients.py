"""API clients: machine identities an admin registers for an integration (issue 19).

A client authenticates with its id and a secret (OAuth2 client credentials) and gets short
lived tokens carrying a subset of its scopes. Stdlib only: the secret's hashing and the
token's signing belong to the outer rings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

# After a rotation the previous secret keeps working this long, so an integration can be
# redeployed with the new one without an outage (as webhook secrets, service/webhooks.py).
SECRET_ROTATION_OVERLAP: Final = timedelta(hours=24)


@dataclass(frozen=True)
class ApiClient:
    """A registered client. ``secret_hash`` is an argon2 hash; ``secret_hint`` the first
    characters of the secret, so an admin can tell which one an integration holds."""

    organization_id: UUID
    id: UUID
    name: str
    scopes: frozenset[str]
    # The root of the unit subtree the client is limited to; None: the whole organization.
    unit_id: UUID | None
    expires_at: datetime | None
    secret_hash: str
    secret_hint: str
    previous_secret_hash: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def is_usable(self, now: datetime) -> bool:
        """Neither revoked nor past its expiry."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at

    def secret_hashes(self, now: datetime) -> tuple[str, ...]:
        """The hashes a presented secret may match at ``now``: the current one, and the
        previous one during its rotation overlap."""
        if (
            self.previous_secret_hash is not None
            and self.previous_secret_expires_at is not None
            and now < self.previous_secret_expires_at
        ):
            return (self.secret_hash, self.previous_secret_hash)
        return (self.secret_hash,)


class InvalidClient(Exception):
    """The client id or secret is wrong, or the client is revoked or expired: the token
    endpoint tells these apart for nobody (RFC 6749 ``invalid_client``)."""


class InvalidScopeRequest(Exception):
    """A requested scope is unknown or not granted to the client (``invalid_scope``)."""
