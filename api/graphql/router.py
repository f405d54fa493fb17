"""The /graphql endpoint: POST runs operations (with a bearer token); GET serves GraphiQL.

Queries over GET are refused, so GET never runs a resolver and the IDE page needs no token;
GraphiQL is served only while introspection is on, with its assets from the service itself
(ide.py), so it works offline. Subscriptions are not offered.

A request that is not a GraphQL operation at all (unparsable JSON, JSON nested past what the
parser follows, a batched array, a missing query) is a 400 with the GraphQL error shape, not
Strawberry's text/plain: ``{"errors": [{"message": ..., "extensions": {"code": "bad_request"}}]}``.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET

from api.config import GraphQLConfig
from api.graphql.context import GraphQLContext, graphql_context
from api.graphql.ide import offline_page
from api.graphql.schema import build_schema

_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


class OkrGraphQLRouter(GraphQLRouter[GraphQLContext, None]):
    @property
    def graphql_ide_html(self) -> str:
        return offline_page(super().graphql_ide_html)

    def encode_json(self, data: object) -> str | bytes:
        # orjson: a tree of 1,125 nodes took the standard library 4 ms to print (UTF-8 as
        # is, where json.dumps escapes every non-ASCII character: the same JSON).
        try:
            return orjson.dumps(data)
        except TypeError:  # a value orjson does not print (none is expected): as before
            return super().encode_json(data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            return super().decode_json(data)
        except RecursionError as error:
            # The JSON parser recurses per level: ten thousand ``[`` would be a 500.
            raise HTTPException(400, "the request body is nested too deeply") from error

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as error:
            code = _CODES.get(error.status_code, "http_error")
            return JSONResponse(
                {"errors": [{"message": error.reason, "extensions": {"code": code}}]},
                status_code=error.status_code,
            )


def create_graphql_router(config: GraphQLConfig) -> GraphQLRouter[GraphQLContext, None]:
    """The router; its ``schema`` is what ``app.state.graphql_schema`` exports as SDL."""
    return OkrGraphQLRouter(
        build_schema(config),
        prefix="/graphql",
        context_getter=graphql_context,
        graphql_ide="graphiql" if config.introspection else None,
        allow_queries_via_get=False,
        subscription_protocols=(),
        # The contract of /graphql is the SDL (openapi/schema.graphql), not OpenAPI.
        include_in_schema=False,
    )
