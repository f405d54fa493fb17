"""HTTP details shared by the REST routers: ETags, If-Match, pagination parameters."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header, Query, Response
from pydantic import BaseModel

from domain.errors import FieldError, RuleViolation, StaleVersion
from service.pagination import MAX_LIMIT, PageRequest, page_request

_ETAG = re.compile(r'^(?:W/)?"(\d+)"$')


def etag(version: int) -> str:
    return f'"{version}"'


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


def page_params(
    limit: Annotated[
        int | None,
        Query(description=f"Page size, 1 to {MAX_LIMIT} (default 50).", examples=[50]),
    ] = None,
    cursor: Annotated[
        str | None, Query(description="The `next_cursor` of the previous page.")
    ] = None,
) -> PageRequest:
    return page_request(limit, cursor)


def sent_fields(body: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body actually sent; ``null`` is refused where it cannot clear."""
    sent = {name: getattr(body, name) for name in body.model_fields_set}
    nulls = sorted(n for n, v in sent.items() if v is None and n not in nullable)
    if nulls:
        raise RuleViolation(
            "these fields cannot be null: " + ", ".join(nulls),
            code="validation_failed",
            errors=[FieldError(n, "cannot be null", "null") for n in nulls],
        )
    return sent


def resource_response(
    body: BaseModel, *, version: int, status: int = 200, location: str | None = None
) -> Response:
    """A JSON resource with its ``ETag`` (and ``Location`` when just created)."""
    headers = {"ETag": etag(version)}
    if location is not None:
        headers["Location"] = location
    return Response(
        body.model_dump_json(), status_code=status, media_type="application/json", headers=headers
    )
