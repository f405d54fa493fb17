"""What every mutation shares: which node an update input names, and how a use case runs.

An update input is the capability's ``Patch`` shape plus the node's ``id`` and REST's
``If-Match`` as ``expectedVersion``::

    @strawberry.pydantic.input(description="...")
    class UpdateCycleInput(CyclePatch, NodeId):
        expected_version: int | None = None

pydantic orders fields from the last base to the class itself, so ``id`` comes first and
``expectedVersion`` last, as in every other update input of the schema.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar
from uuid import UUID

from pydantic import BaseModel

from api.graphql.context import Info
from service.auth import Principal
from service.context import Deps

P = ParamSpec("P")
R = TypeVar("R")


class NodeId(BaseModel):
    id: UUID


async def write(
    info: Info,
    use_case: Callable[Concatenate[Deps, Principal, P], Awaitable[R]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """Run a writing use case as the caller, then drop what the request's DataLoaders
    cached: the payload (and any later field of the same request) reads the new state."""
    ctx = info.context
    result = await use_case(ctx.deps, ctx.principal, *args, **kwargs)
    ctx.forget_loaded()
    return result
