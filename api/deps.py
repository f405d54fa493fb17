"""What inbound adapters get per request: the services and the verified caller.

Both come from ``app.state``, set once by the composition root (service/runtime/app.py): no
module-level singletons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from api.config import ApiConfig
from api.security import TokenVerifier, Unauthenticated, bearer_token
from service.api_clients import ClientStatusCache
from service.auth import Principal
from service.context import Services
from service.identity import MemberIdentities, NotAnActiveMember, confirm_member


@dataclass(frozen=True)
class AppState:
    services: Services
    config: ApiConfig
    verifier: TokenVerifier
    # Members recently confirmed active: kept for the app's lifetime, shared by all requests.
    identities: MemberIdentities = field(default_factory=MemberIdentities)
    # API clients recently found usable (not revoked nor expired): revocation reaches their
    # issued tokens within service.api_clients.STATUS_CACHE_SECONDS.
    clients: ClientStatusCache = field(default_factory=ClientStatusCache)


def app_state(conn: HTTPConnection) -> AppState:
    state: AppState = conn.app.state.okr
    return state


async def authenticate(conn: HTTPConnection) -> Principal:
    """Verify the bearer token of a request into a Principal (raises Unauthenticated).

    REST and GraphQL both come through here: a member token is honoured only for an active
    member of the token's organization (fail closed), one cached lookup per request.
    """
    token = bearer_token(conn.headers.get("authorization"))
    state = app_state(conn)
    principal = await state.verifier.verify(token)
    try:
        await confirm_member(state.services.deps, principal, state.identities)
    except NotAnActiveMember as error:
        raise Unauthenticated(error.detail, code=error.code) from None
    if principal.client_id is not None and not await state.clients.usable(
        state.services.deps, principal.organization_id, principal.client_id
    ):
        raise Unauthenticated("the API client of this token is revoked or expired")
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
