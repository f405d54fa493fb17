"""What inbound adapters get per request: the services and the verified caller.

Both come from ``app.state``, set once by the composition root (service/app.py): no
module-level singletons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
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


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A JWT from your identity provider; `okr token` mints one for development.",
)


async def rest_principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The REST form of :func:`authenticate`; it also declares the scheme in OpenAPI."""
    return await authenticate(request)


CurrentPrincipal = Annotated[Principal, Depends(rest_principal)]
