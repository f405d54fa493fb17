"""What inbound adapters get per request: the services and the verified caller.

Both come from ``app.state``, set once by the composition root (service/app.py): no
module-level singletons.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from starlette.requests import HTTPConnection

from api.security import TokenVerifier, bearer_token
from service.auth import Principal
from service.context import Services
from service.settings import Settings


@dataclass(frozen=True)
class AppState:
    services: Services
    settings: Settings
    verifier: TokenVerifier


def app_state(conn: HTTPConnection) -> AppState:
    state: AppState = conn.app.state.okr
    return state


async def authenticate(conn: HTTPConnection) -> Principal:
    """Verify the bearer token of a request into a Principal (raises Unauthenticated)."""
    token = bearer_token(conn.headers.get("authorization"))
    principal = await app_state(conn).verifier.verify(token)
    structlog.contextvars.bind_contextvars(org_id=str(principal.organization_id))
    return principal
