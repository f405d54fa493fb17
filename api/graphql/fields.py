"""``strawberry.field`` / ``strawberry.mutation`` with a description, typed for mypy, and
``present`` for the edges a foreign key guarantees.

Called with keyword arguments only, Strawberry's decorators are typed ``Any``; these keep
the resolver's own signature so mypy --strict still checks its body and callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from domain.errors import NotFound

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def field(*, description: str) -> Callable[[F], F]:
    decorator: Callable[[F], F] = strawberry.field(description=description)
    return decorator


def mutation(*, description: str) -> Callable[[F], F]:
    decorator: Callable[[F], F] = strawberry.mutation(description=description)
    return decorator


def present(found: T | None, what: str) -> T:
    """A row a foreign key guarantees (an owner, a cycle) for a resolver to return; missing
    only if it vanished meanwhile."""
    if found is None:
        raise NotFound(f"{what} not found")
    return found
