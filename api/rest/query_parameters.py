"""Query parameters that are not part of an operation are refused, like unknown body fields.

A misspelt filter (``?cycle=<id>`` for ``cycle_id``) would otherwise be ignored silently and
answer with every objective: the client would never learn its filter did nothing.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from domain.errors import FieldError, RuleViolation

# Routes whose query string is not ours to police: GraphQL reads its own (GET ?query=...).
_OWN_QUERY_STRING = frozenset({"/graphql"})


def _declared(request: Request, route: APIRoute) -> frozenset[str]:
    """The query parameters the route and its dependencies declare (by their wire name),
    worked out once per route and kept with the app: a route lives as long as its app, so
    its id cannot be reused by another route while the entry is kept."""
    known: dict[int, frozenset[str]] = request.app.state.__dict__.setdefault(
        "declared_query_parameters", {}
    )
    declared = known.get(id(route))
    if declared is None:
        declared = known[id(route)] = frozenset(_query_names(route.dependant))
    return declared


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def refuse_unknown_query_parameters(request: Request) -> None:
    """422 ``validation_failed`` naming each query parameter the operation does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.path in _OWN_QUERY_STRING:
        return
    declared = _declared(request, route)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in declared]
    if unknown:
        raise RuleViolation(
            "unknown query parameter: " + ", ".join(unknown),
            code="validation_failed",
            errors=[
                FieldError(name, "is not a query parameter of this operation", "unknown_field")
                for name in unknown
            ],
        )
