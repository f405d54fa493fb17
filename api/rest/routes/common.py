"""Dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.deps import CurrentPrincipal, app_state
from api.rest.http import page_params
from service.context import Deps
from service.pagination import PageRequest


def _deps(request: Request) -> Deps:
    return app_state(request).services.deps


UseCaseDeps = Annotated[Deps, Depends(_deps)]
PageDep = Annotated[PageRequest, Depends(page_params)]

__all__ = ["CurrentPrincipal", "PageDep", "UseCaseDeps"]
