"""Optimistic concurrency: a write that names a version must name the current one."""

from __future__ import annotations

from domain.errors import StaleVersion


def ensure_version(current: int, expected: int | None) -> None:
    """Raise StaleVersion when ``expected`` (from ``If-Match``) is given and not current."""
    if expected is not None and expected != current:
        raise StaleVersion(
            f"the resource is at version {current}, not {expected}: reload and retry",
            extra={"current_version": current},
        )
