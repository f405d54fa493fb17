"""Dependency aliases shared by the routers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator

from api.deps import CurrentPrincipal, app_state
from api.rest.http import page_params
from service.context import Deps
from service.pagination import PageRequest


# Dependencies are ``async def`` even when they await nothing: FastAPI runs a plain ``def``
# one in the thread pool, a hop that cost more than the dependency on every request.
async def _deps(request: Request) -> Deps:
    return app_state(request).services.deps


UseCaseDeps = Annotated[Deps, Depends(_deps)]
PageDep = Annotated[PageRequest, Depends(page_params)]

AS_OF_HELP = (
    "Read the figures as they stood then: a date (the end of that day in the organization's "
    "time zone) or an instant (ISO 8601; UTC without an offset). Not in the future "
    "(422 `as_of_in_future`)."
)


def _as_of(value: object) -> object:
    """A plain date stays a date (the end of that day), anything longer is an instant."""
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    return value


AsOfParam = Annotated[
    datetime | date | None,
    BeforeValidator(_as_of),
    Query(description=AS_OF_HELP, examples=["2026-02-14", "2026-02-14T09:30:00Z"]),
]

__all__ = ["AsOfParam", "CurrentPrincipal", "PageDep", "UseCaseDeps"]
