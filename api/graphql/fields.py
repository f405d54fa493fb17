"""``strawberry.field`` / ``strawberry.mutation`` with a description, typed for mypy.

Called with keyword arguments only, Strawberry's decorators are typed ``Any``; these keep
the resolver's own signature so mypy --strict still checks its body and callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

F = TypeVar("F", bound=Callable[..., Any])


def field(*, description: str) -> Callable[[F], F]:
    decorator: Callable[[F], F] = strawberry.field(description=description)
    return decorator


def mutation(*, description: str) -> Callable[[F], F]:
    decorator: Callable[[F], F] = strawberry.mutation(description=description)
    return decorator
