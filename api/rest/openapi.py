"""The OpenAPI document as client generators need it, without hand edits on their side.

FastAPI describes every response under the route's media type (``application/json``) and
adds its own 422 (``HTTPValidationError``), although every error leaves as
``application/problem+json`` with a ``Problem`` body; and it has no way to declare response
headers that a shared helper sends. Declaring both on each of ~100 routes would repeat the
same facts everywhere and drift, so one pass over the generated schema states them once,
from the same rules the code follows:

* every 4xx/5xx answer is a ``Problem`` under ``application/problem+json`` (problems.py);
* every answer carries ``X-Request-ID`` (api/middleware.py);
* a resource with a ``version`` comes with its ``ETag`` (``resource_response`` in http.py);
* a 201 names the new resource in ``Location``;
* an operation taking ``Idempotency-Key`` marks a replay with ``Idempotent-Replayed`` and
  answers a key still in flight with 409 and ``Retry-After`` (idempotency.py);
* an outage (503) says when to retry in ``Retry-After`` (problems.py, outage.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.rest.problems import PROBLEM_JSON, error_description

_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options", "trace"})
_SCHEMAS = "#/components/schemas/"
_HEADERS = "#/components/headers/"
# FastAPI's own 422 body; unused once every 422 is a Problem.
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The id of this request (yours if you sent a valid one); quote it "
        "when reporting a problem.",
        "schema": {"type": "string"},
        "example": "0b5d8c3f2a4e4f0c9d1e7a6b5c4d3e2f",
    },
    "ETag": {
        "description": "The version of the resource; send it back in `If-Match` to change it.",
        "schema": {"type": "string"},
        "example": '"3"',
    },
    "Location": {
        "description": "The path of the resource just created.",
        "schema": {"type": "string"},
        "example": "/v1/objectives/01964f5e-7c1a-7b3e-9a4d-2f6c8b1e0d57",
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with "
        "the same `Idempotency-Key`; nothing was done again.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
        "example": 5,
    },
}


def operation_id(route: APIRoute) -> str:
    """``listObjectives`` for ``list_objectives``: stable as long as the function keeps its
    name, readable in a generated client (FastAPI's default appends path and method)."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def install_openapi(app: FastAPI) -> None:
    """Replaces ``app.openapi`` by FastAPI's schema, post-processed once and cached."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = for_generators(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def for_generators(spec: dict[str, Any]) -> dict[str, Any]:
    components = spec.setdefault("components", {})
    components.setdefault("headers", {}).update(HEADERS)
    schemas: dict[str, Any] = components.get("schemas", {})
    for item in spec.get("paths", {}).values():
        for method, operation in item.items():
            if method in _METHODS:
                _document_operation(operation, schemas)
    for name in _FASTAPI_VALIDATION:  # in this order: the first refers to the second
        if _SCHEMAS + name not in set(_refs(spec)):
            schemas.pop(name, None)
    return spec


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _document_operation(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    idempotent = any(
        p.get("in") == "header" and p.get("name") == "Idempotency-Key"
        for p in operation.get("parameters", [])
    )
    for status, response in operation.get("responses", {}).items():
        headers = response.setdefault("headers", {})
        _header(headers, "X-Request-ID")
        if status.startswith(("4", "5")):
            _as_problem(status, response)
            # The 503s of error_responses are outages, sent with Retry-After; /readyz's
            # own "not ready" 503 is a probe's answer and has none.
            outage = status == "503" and response.get("description") == error_description(503)
            if outage or (status == "409" and idempotent):
                _header(headers, "Retry-After")
            continue
        if status == "201":
            _header(headers, "Location")
        if idempotent and status.startswith("2"):
            _header(headers, "Idempotent-Replayed")
        if _is_versioned(response, schemas):
            _header(headers, "ETag")


def _as_problem(status: str, response: dict[str, Any]) -> None:
    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": _SCHEMAS + "Problem"}}}
    if response.get("description") == "Validation Error":  # FastAPI's own 422
        response["description"] = error_description(int(status))


def _is_versioned(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if not isinstance(ref, str) or not ref.startswith(_SCHEMAS):
        return False
    return "version" in schemas.get(ref.removeprefix(_SCHEMAS), {}).get("properties", {})


def _header(headers: dict[str, Any], name: str) -> None:
    headers[name] = {"$ref": _HEADERS + name}
