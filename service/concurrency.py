"""Optimistic concurrency: a write that names a version must name the current one, and
one that names none is never refused for a change it did not know about.

- ``If-Match`` (``expected_version``) given: it must be the current version when the use
  case reads the row (:func:`ensure_version`), and the row must not move between that read
  and the write (the repositories' versioned UPDATE raises :class:`ConcurrentChange`):
  otherwise 412 ``stale_version``.
- No ``If-Match``: the client asked for no precondition, so a write that lost the race to
  another (:class:`ConcurrentChange`) runs again from the start, in a fresh unit of work, on
  the fresh row (:func:`retry_lost_updates`): concurrent PATCHes are applied in turn and
  each one's checks see the one before. Only after ``LOST_UPDATE_ATTEMPTS`` lost races in a
  row does it answer 412.

Why retry rather than ``SELECT ... FOR UPDATE``: the versioned UPDATE already detects the
lost update in every repository, so one decorator on each use case covers them all, adds
no statement to the uncontended path, and holds no row lock while the use case reads
(permissions, graph checks) before it writes.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from typing import Final, ParamSpec, TypeVar

from domain.errors import ConcurrentChange, StaleVersion

P = ParamSpec("P")
R = TypeVar("R")

# Enough for a few dozen writers of one row at once: each round of them lets one through.
LOST_UPDATE_ATTEMPTS: Final = 20
# The most a retry waits, times the attempt number: a little jitter so that writers who
# lost together do not collide again in lockstep.
_JITTER_SECONDS: Final = 0.002


def ensure_version(current: int, expected: int | None) -> None:
    """Raise StaleVersion when ``expected`` (from ``If-Match``) is given and not current."""
    if expected is not None and expected != current:
        raise StaleVersion(
            f"the resource is at version {current}, not {expected}: reload and retry",
            extra={"current_version": current},
        )


def retry_lost_updates(use_case: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run ``use_case`` again when it lost a race (:class:`ConcurrentChange`) and was called
    without ``expected_version``; with one, the loss stays a 412.

    For use cases that open their own unit of work and have no effect outside it (a lost
    attempt rolled back everything it did). Hand-written: a loop this small does not need
    a retry library.
    """

    @functools.wraps(use_case)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        attempt = 1
        while True:
            try:
                return await use_case(*args, **kwargs)
            except ConcurrentChange:
                if kwargs.get("expected_version") is not None or attempt >= LOST_UPDATE_ATTEMPTS:
                    raise
            await asyncio.sleep(random.uniform(0, _JITTER_SECONDS * attempt))  # noqa: S311 (jitter, not a secret)
            attempt += 1

    return run
