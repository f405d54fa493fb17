"""HTTP details shared by the REST routers: ETags, If-Match, pagination parameters."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import Header, Query, Response
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from domain.errors import StaleVersion
from service.pagination import MAX_LIMIT, PageRequest, page_request

# "<version>-<digest of the body>": the version alone would not do for conditional GET (see
# resource_response); If-Match still needs only the version, and plain "<version>" is accepted.
_ETAG = re.compile(r'^(?:W/)?"(\d+)(?:-[0-9a-f]{16})?"$')
# One entity-tag of an If-None-Match list (RFC 9110 8.8.3): optional W/, opaque quoted text.
_ENTITY_TAG = re.compile(r'^(?:W/)?"([^"]*)"$')
_CONDITIONAL_READS = frozenset({"GET", "HEAD"})


def etag(version: int, body: bytes) -> str:
    """The entity-tag of a representation: its version, then a digest of the exact body.

    A body embeds more than its own row (an objective its KRs and scores, a KR its latest
    check-in and the pace expected today), which changes without the version moving; a
    304 decided on the version alone would serve an old score forever.
    """
    return f'"{version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names; ``None`` when absent or ``*``.

    An If-Match that names no version of ours can never match: 412, as RFC 9110 says.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise StaleVersion('If-Match must be an ETag this API returned, such as "3"')
    return int(match.group(1))


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The `ETag` you last read, e.g. `"3"`. A stale one gets 412.',
    ),
]


LimitParam = Annotated[
    int | None,
    Query(description=f"Page size, 1 to {MAX_LIMIT} (default 50).", examples=[50]),
]
CursorParam = Annotated[str | None, Query(description="The `next_cursor` of the previous page.")]


async def page_params(limit: LimitParam = None, cursor: CursorParam = None) -> PageRequest:
    return page_request(limit, cursor)


def none_match(if_none_match: list[str], current: str) -> bool:
    """Whether an ``If-None-Match`` header (its values, possibly several) names ``current``.

    RFC 9110 13.1.2: ``*`` matches any representation; otherwise the weak comparison, so
    ``W/"3"`` matches ``"3"``. Members that are no entity-tag are ignored: a malformed
    header never matches, and the client simply gets the full answer.
    """
    members = [m.strip() for value in if_none_match for m in value.split(",")]
    if members == ["*"]:
        return True
    wanted = _ENTITY_TAG.match(current)
    tags = {m.group(1) for m in map(_ENTITY_TAG.match, members) if m is not None}
    return wanted is not None and wanted.group(1) in tags


class ResourceResponse(Response):
    """A versioned resource that answers a conditional read itself.

    A GET whose ``If-None-Match`` names the current ETag gets 304 with the ETag and no body
    (RFC 9110 15.4.5), so every route returning :func:`resource_response` supports
    conditional GET without knowing it. The request is read from the ASGI scope the response
    is sent on; writes are never answered "not modified".
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        current = self.headers.get("ETag")
        if (
            self.status_code == 200
            and current is not None
            and scope.get("method") in _CONDITIONAL_READS
            and none_match(Headers(scope=scope).getlist("If-None-Match"), current)
        ):
            await Response(status_code=304, headers={"ETag": current})(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def json_response(body: BaseModel) -> Response:
    """``body`` as JSON, serialised once: a route returning its model instead has FastAPI
    validate it again against the response model first (a fifth of a page of objectives'
    time). The route keeps ``response_model`` for the document."""
    return Response(body.model_dump_json().encode(), media_type="application/json")


def resource_response(
    body: BaseModel, *, version: int, status: int = 200, location: str | None = None
) -> Response:
    """A JSON resource with its ``ETag`` (and ``Location`` when just created); a GET with
    the current ETag in ``If-None-Match`` gets 304 instead (:class:`ResourceResponse`)."""
    content = body.model_dump_json().encode()
    headers = {"ETag": etag(version, content)}
    if location is not None:
        headers["Location"] = location
    return ResourceResponse(
        content, status_code=status, media_type="application/json", headers=headers
    )
