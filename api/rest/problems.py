"""The one mapping from errors to problem+json (RFC 9457) for REST.

Domain errors keep their stable ``code``; unexpected errors become a bare 500 with the
request id, never a stack trace or SQL; an outage of the database is a 503
``database_unavailable`` with ``Retry-After``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.outage import DATABASE_UNAVAILABLE, OUTAGE_DETAIL, RETRY_AFTER_SECONDS, is_outage
from api.security import KeysUnavailable, Unauthenticated
from domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    RuleViolation,
    StaleVersion,
)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://okr.example/problems/"
MALFORMED_JSON = "malformed_json"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"

_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    StaleVersion: 412,
    RuleViolation: 422,
    Forbidden: 403,
}
_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
READ_ONLY_FIELDS = frozenset({"id", "organization_id", "version", "created_at", "updated_at"})

log = structlog.get_logger("okr.api")


class FieldProblem(BaseModel):
    field: str = Field(examples=["email"])
    message: str = Field(examples=["already used by another member"])
    code: str = Field(examples=["taken"])


class Problem(BaseModel):
    """An RFC 9457 problem. ``code`` is stable and machine-readable (see the README)."""

    type: str = Field(examples=[PROBLEM_BASE + "email_taken"])
    title: str = Field(examples=["Conflict"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["another member of this organization has this email"])
    code: str = Field(examples=["email_taken"])
    request_id: str | None = Field(default=None, examples=["0b5d8c3f2a4e4f0c9d1e7a6b5c4d3e2f"])
    errors: list[FieldProblem] = Field(default_factory=list)


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 422


def request_id_of(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id_of(request),
        "errors": [{"field": e.field, "message": e.message, "code": e.code} for e in errors],
    }
    body.update(extra or {})
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def domain_problem(request: Request, error: DomainError) -> Response:
    return problem_response(
        request,
        status=status_of(error),
        code=error.code,
        detail=error.detail,
        errors=error.errors,
        extra=error.extra,
    )


def _location(loc: Sequence[int | str]) -> str:
    # Drop the "body"/"query"/"header" prefix: clients know where they put the field.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts)


def validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    errors = []
    for item in raw:
        where = _location(item.get("loc", ()))
        kind = item.get("type", "invalid")
        message = item.get("msg", "invalid")
        if kind == "extra_forbidden":
            # Only a resource's own top-level fields can be read-only ones.
            kind = "read_only" if where in READ_ONLY_FIELDS else "unknown_field"
            message = "is read-only" if kind == "read_only" else "is not a field of this resource"
        errors.append(FieldError(where, message, kind))
    return errors


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or ``application/*+json``, parameters ignored: what FastAPI
    parses as JSON."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    main_type, _, subtype = media_type.partition("/")
    return main_type == "application" and (subtype == "json" or subtype.endswith("+json"))


def unreadable_body(request: Request, raw: Sequence[Any]) -> Response | None:
    """A 415 for a body of another media type, a 400 for one that is not JSON; ``None``
    when the body was read and only its fields are wrong (a 422).

    FastAPI reports both as validation errors: a JSON syntax error as ``json_invalid`` at
    ``("body", <character offset>)``, a body of another media type as the raw bytes failing
    the model at ``("body",)``. Neither names a field a client could fix."""
    content_type = request.headers.get("content-type")
    at_body = [item for item in raw if tuple(item.get("loc", ()))[:1] == ("body",)]
    if at_body and content_type and not is_json_media_type(content_type):
        return problem_response(
            request,
            status=415,
            code=UNSUPPORTED_MEDIA_TYPE,
            detail="send the body as application/json",
            headers={"Accept-Post": "application/json"},
        )
    if malformed := [item for item in at_body if item.get("type") == "json_invalid"]:
        reason = (malformed[0].get("ctx") or {}).get("error", "invalid JSON")
        return problem_response(
            request,
            status=400,
            code=MALFORMED_JSON,
            detail=f"the body is not valid JSON: {reason}",
        )
    return None


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the request's path answers, for ``Allow``.

    Asked of the router through ``matches`` (the public routing interface) once per
    method: FastAPI nests included routers, so the app's own route list is not flat."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def bearer_challenge(code: str) -> str:
    """RFC 6750: a bare challenge when no token came, ``invalid_token`` for a bad one."""
    if code == "missing_token":
        return 'Bearer realm="okr"'
    return f'Bearer realm="okr", error="invalid_token", error_description="{code}"'


INTERNAL_ERROR = "internal_error"
_INTERNAL_DETAIL = "something went wrong on our side; quote the request_id when reporting it"


def internal_error(request: Request) -> Response:
    """The bare 500 of an unexpected error: the request id, never a stack trace or SQL."""
    return problem_response(request, status=500, code=INTERNAL_ERROR, detail=_INTERNAL_DETAIL)


class UnexpectedErrors:
    """Answers an error that escaped a route: an outage with 503 ``database_unavailable``,
    anything else with 500 ``internal_error``.

    A middleware inside the CORS and request-id middlewares rather than only the
    ``Exception`` handler: Starlette runs that handler in its outermost middleware, so its
    answer would leave without the CORS grant (a browser app would see an opaque network
    error instead of the problem) and Starlette re-raises afterwards, so the server closes
    the client's keep-alive connection. Errors after the answer has started pass through
    untouched: nothing can be answered any more."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started:
                raise
            request = Request(scope, receive)
            response = _answer_escaped(request, error)
            await response(scope, receive, send)


def _answer_escaped(request: Request, error: Exception) -> Response:
    if is_outage(request, error):
        log.warning("database_unavailable", error_type=type(error).__name__)
        return problem_response(
            request,
            status=503,
            code=DATABASE_UNAVAILABLE,
            detail=OUTAGE_DETAIL,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.exception("unexpected_error", error_type=type(error).__name__)
    return internal_error(request)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        return domain_problem(request, error)

    async def on_unauthenticated(request: Request, error: Exception) -> Response:
        assert isinstance(error, Unauthenticated)
        return problem_response(
            request,
            status=401,
            code=error.code,
            detail=error.detail,
            headers={"WWW-Authenticate": bearer_challenge(error.code)},
        )

    async def on_keys_unavailable(request: Request, error: Exception) -> Response:
        log.warning("jwks_unavailable", error=str(error))
        return problem_response(
            request,
            status=503,
            code="auth_unavailable",
            detail="tokens cannot be verified right now; retry shortly",
            headers={"Retry-After": "5"},
        )

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if unreadable := unreadable_body(request, error.errors()):
            return unreadable
        errors = validation_errors(error.errors())
        return problem_response(
            request,
            status=422,
            code="validation_failed",
            detail="the request is not valid: see errors",
            errors=errors,
        )

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            # The route that answered knows only its own methods; the path may have more.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(
            request,
            status=error.status_code,
            code=code,
            detail=str(error.detail),
            headers=headers,
        )

    async def on_unexpected(request: Request, error: Exception) -> Response:
        # Last resort for an error raised outside UnexpectedErrors (in a middleware): this
        # runs outside the request-id middleware, so the id is echoed here.
        log.exception("unexpected_error", error_type=type(error).__name__)
        response = internal_error(request)
        response.headers["X-Request-ID"] = request_id_of(request) or ""
        return response

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(Unauthenticated, on_unauthenticated)
    app.add_exception_handler(KeysUnavailable, on_keys_unavailable)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_middleware(UnexpectedErrors)


_ERROR_DESCRIPTIONS = {
    401: "Missing, expired or invalid bearer token",
    403: "The caller may not do this",
    404: "No such resource in the caller's organization",
    409: "Conflicts with existing data, or the same Idempotency-Key is in flight",
    412: "If-Match names a stale version",
    422: "Invalid input or a broken rule; nothing changed",
    503: "The database is unavailable: retry after Retry-After seconds",
}


def error_description(status: int) -> str:
    return _ERROR_DESCRIPTIONS.get(status, _TITLES.get(status, "Error"))


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error statuses, all problem+json.

    ``model`` registers the Problem schema; api/rest/openapi.py then moves it from the
    default ``application/json`` to ``application/problem+json``, the media type sent."""
    return {
        s: {"model": Problem, "description": error_description(s), "content": {PROBLEM_JSON: {}}}
        for s in statuses
    }
