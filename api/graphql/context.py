"""The GraphQL context, built per request by a FastAPI dependency: caller, use cases, loaders."""

from __future__ import annotations

from typing import TypeAlias

import strawberry
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from api.deps import app_state, authenticate
from api.graphql.loaders import Loaders, create_loaders
from api.security import Unauthenticated
from service.auth import Principal
from service.context import Deps


class GraphQLContext(BaseContext):
    """What resolvers see: the use-case dependencies, the verified caller and its loaders."""

    def __init__(self, deps: Deps, principal: Principal | None) -> None:
        super().__init__()
        self.deps = deps
        self._principal = principal
        self._loaders: Loaders | None = None

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            # Only the GraphiQL page (GET) is served without a token, and GET runs no query.
            raise Unauthenticated("send Authorization: Bearer <token>", code="missing_token")
        return self._principal

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = create_loaders(self.deps, self.principal)
        return self._loaders

    def forget_loaded(self) -> None:
        """Drop what the loaders cached: reads after a write in this request must see it."""
        self._loaders = None


Info: TypeAlias = strawberry.Info[GraphQLContext, None]


async def graphql_context(conn: HTTPConnection) -> GraphQLContext:
    """Verify the bearer token (Unauthenticated -> the REST handler's 401 problem+json).

    GET only serves the GraphiQL page (queries over GET are refused), so it needs no token.
    """
    deps = app_state(conn).services.deps
    if conn.scope["type"] == "http" and conn.scope["method"] == "GET":
        return GraphQLContext(deps, None)
    return GraphQLContext(deps, await authenticate(conn))
