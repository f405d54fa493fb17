"""Request ids (``X-Request-ID`` in and out), the trace a request belongs to (W3C
``traceparent``), one structured access-log line per request, and its metrics.

A pure ASGI middleware (not BaseHTTPMiddleware) so the structlog context variables it
binds are seen by the endpoint, which runs in the same task; and what the endpoint binds
(``org_id``, ``graphql_operation``) reaches the access-log line written here at the end.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import HttpMetrics
from api.trace_context import trace_of
from service.metrics import sql_statements

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = structlog.get_logger("okr.access")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        # Echo a caller's id only when it is safe to log and to send back.
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        # Every line of the request carries the trace: the caller's, or one started here.
        structlog.contextvars.bind_contextvars(
            request_id=request_id, **trace_of(scope["headers"]).log_fields()
        )
        started = time.perf_counter()
        status = 500
        statements = [0]
        counter_token = sql_statements.set(statements)
        if self.metrics is not None:
            self.metrics.request_started()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            template: str | None = getattr(scope.get("route"), "path", None)
            log.info(
                "request",
                method=scope["method"],
                route=template or scope["path"],
                status=status,
                duration_ms=round(seconds * 1000, 2),
                sql=statements[0],
            )
            if self.metrics is not None:
                self.metrics.request_finished(
                    method=scope["method"],
                    route=template,
                    status=status,
                    seconds=seconds,
                    sql=statements[0],
                )
            sql_statements.reset(counter_token)
            structlog.contextvars.clear_contextvars()
