"""The /graphql endpoint: POST runs operations (with a bearer token); GET serves GraphiQL.

Queries over GET are refused, so GET never runs a resolver and the IDE page needs no token;
GraphiQL is served only while introspection is on. Subscriptions are not offered.
"""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from api.graphql.context import GraphQLContext, graphql_context
from api.graphql.schema import build_schema
from service.settings import Settings


def create_graphql_router(settings: Settings) -> GraphQLRouter[GraphQLContext, None]:
    """The router; its ``schema`` is what ``app.state.graphql_schema`` exports as SDL."""
    return GraphQLRouter(
        build_schema(settings),
        prefix="/graphql",
        context_getter=graphql_context,
        graphql_ide="graphiql" if settings.graphql_introspection else None,
        allow_queries_via_get=False,
        subscription_protocols=(),
        # The contract of /graphql is the SDL (openapi/schema.graphql), not OpenAPI.
        include_in_schema=False,
    )
