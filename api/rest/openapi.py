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
* an outage (503) says when to retry in ``Retry-After`` (problems.py, outage.py);
* a GET of a resource with an ``ETag`` answers a current ``If-None-Match`` with 304
  (``ResourceResponse`` in http.py);
* every operation refuses an unknown query parameter with 422 (query_parameters.py);
* every JSON body, asked or answered, has an example derived from its schema (examples.py),
  so documentation tools show values shaped like the API's instead of placeholders;
* the ``webhooks`` section shows what receivers get, per event type (api/webhooks/openapi.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.rest.examples import example_of
from api.rest.problems import PROBLEM_JSON, error_description
from api.webhooks.openapi import webhooks_section

_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options", "trace"})
_SCHEMAS = "#/components/schemas/"
_HEADERS = "#/components/headers/"
_JSON = "application/json"
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
        "description": "The version of this representation: send it back in `If-Match` to "
        "change the resource, or in `If-None-Match` to get 304 while it has not changed.",
        "schema": {"type": "string"},
        "example": '"3-5f1b2c8a9d0e4f17"',
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


IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` you last read: while it is current the answer is 304 with no "
    "body, so a client polls without downloading the same resource again.",
    "schema": {"type": "string"},
    "example": '"3-5f1b2c8a9d0e4f17"',
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
                _refuses_unknown_query_parameters(operation)
                if method == "get":
                    _document_conditional_get(operation, schemas)
                _document_operation(operation, schemas)
                _give_examples(operation, schemas)
    for name in _FASTAPI_VALIDATION:  # in this order: the first refers to the second
        if _SCHEMAS + name not in set(_refs(spec)):
            schemas.pop(name, None)
    webhooks = webhooks_section(schemas)
    if webhooks:
        spec["webhooks"] = webhooks
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
    ref = response.get("content", {}).get(_JSON, {}).get("schema", {}).get("$ref")
    if not isinstance(ref, str) or not ref.startswith(_SCHEMAS):
        return False
    return "version" in schemas.get(ref.removeprefix(_SCHEMAS), {}).get("properties", {})


def _header(headers: dict[str, Any], name: str) -> None:
    headers[name] = {"$ref": _HEADERS + name}


def _refuses_unknown_query_parameters(operation: dict[str, Any]) -> None:
    # FastAPI documents 422 only where a route declares parameters or a body; an unknown
    # query parameter gets 422 everywhere.
    operation.setdefault("responses", {}).setdefault("422", {"description": error_description(422)})


def _document_conditional_get(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    ok = operation.get("responses", {}).get("200")
    if ok is None or not _is_versioned(ok, schemas):
        return
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name") == "If-None-Match" for p in parameters):
        parameters.append(copy.deepcopy(IF_NONE_MATCH))
    # No body, so _document_operation cannot tell it is versioned: the ETag is named here.
    operation["responses"]["304"] = {
        "description": "Not modified: the `ETag` in `If-None-Match` is current; no body.",
        "headers": {"ETag": {"$ref": _HEADERS + "ETag"}},
    }


def _give_examples(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An example for the JSON request body and every JSON 2xx answer lacking one."""
    bodies = [operation.get("requestBody", {}).get("content", {}).get(_JSON)]
    bodies += [
        response.get("content", {}).get(_JSON)
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
    ]
    for body in bodies:
        if body and "schema" in body and "example" not in body and "examples" not in body:
            body["example"] = example_of(body["schema"], schemas)
