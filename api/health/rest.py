"""Probes for load balancers and orchestrators; neither needs a token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.deps import app_state
from api.rest.problems import Problem, problem_response

router = APIRouter(tags=["health"])
# Says so in the schema too: without it, tools assume the document's default security.
NO_TOKEN: dict[str, Any] = {"security": []}


class Health(BaseModel):
    status: str = Field(examples=["ok"])


@router.get(
    "/healthz",
    summary="Is the process alive",
    description="200 while the process serves requests. Does not touch the database.",
    response_model=Health,
    openapi_extra=NO_TOKEN,
)
async def get_liveness() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Is the service ready",
    description="200 when Postgres answers and its schema is at the head migration; 503 "
    "problem+json (`not_ready`) otherwise, e.g. before `okr migrate` ran.",
    response_model=Health,
    responses={503: {"model": Problem, "description": "Not ready"}},
    openapi_extra=NO_TOKEN,
)
async def get_readiness(request: Request) -> Response | Health:
    reason = await app_state(request).services.readiness.check()
    if reason is not None:
        return problem_response(request, status=503, code="not_ready", detail=reason)
    return Health(status="ready")


# Some load balancers probe with HEAD: answer it the same, out of the schema.
for _path, _endpoint in (("/healthz", get_liveness), ("/readyz", get_readiness)):
    router.add_api_route(
        _path, _endpoint, methods=["HEAD"], include_in_schema=False, response_model=None
    )
