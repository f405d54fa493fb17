"""Refusals at the door, before routing or parsing: bodies above the size limit (413) and
query parameters Postgres could not compare with (a NUL character: 422).

A pure ASGI middleware: it sees the request before FastAPI or Strawberry reads a byte of the
body, and wraps ``receive`` so a body that comes without ``Content-Length`` (chunked) is
counted while it streams and refused once it passes the limit, never held in full.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.rest.problems import problem_response
from domain.errors import FieldError

PAYLOAD_TOO_LARGE = "payload_too_large"


class _BodyTooLarge(Exception):
    """Raised from ``receive`` to stop whoever is reading the body."""


def nul_parameters(query_string: bytes) -> list[str]:
    """Names of the query parameters whose name or value holds a NUL character."""
    if b"%00" not in query_string and b"\x00" not in query_string:
        return []  # the common case costs one scan of a short string
    # Decoded as Starlette decodes it, so the check sees what the endpoint would see.
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return list(dict.fromkeys(name for name, value in pairs if "\x00" in name + value))


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if names := nul_parameters(scope.get("query_string", b"")):
            await self._refuse_nul(scope, send, names)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse_size(scope, send)
            return
        await self._counting(scope, receive, send)

    async def _counting(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        too_large = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body is refused, whatever the app makes of the interruption (FastAPI
            # answers 400) is dropped: the client gets the 413 below.
            if not too_large:
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _BodyTooLarge:
            pass
        except Exception:
            if not too_large:
                raise
        if too_large:
            await self._refuse_size(scope, send)

    async def _refuse_size(self, scope: Scope, send: Send) -> None:
        response = problem_response(
            Request(scope),
            status=413,
            code=PAYLOAD_TOO_LARGE,
            detail=f"the request body is larger than {self.max_body_bytes} bytes",
            # The unread rest of the body would be taken for the next request.
            headers={"Connection": "close"},
        )
        await response(scope, _no_receive, send)

    @staticmethod
    async def _refuse_nul(scope: Scope, send: Send, names: list[str]) -> None:
        message = "contains a NUL character, which cannot be stored"
        response = problem_response(
            Request(scope),
            status=422,
            code="validation_failed",
            detail="a query parameter contains a NUL character: see errors",
            errors=[FieldError(name, message, "unstorable_text") for name in names],
        )
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
