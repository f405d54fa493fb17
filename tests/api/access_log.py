"""What the service logs during a test, read from the standard library's records.

Not ``structlog.testing.capture_logs``: a logger cached on its first use keeps the processor
list configured then, and a test that configures logging again (tests/api/test_logging.py)
leaves it out of a later capture. Every structlog line ends as a standard-library record
(``configure_logging``), so a handler on the root logger sees them all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog


@dataclass
class Captured:
    """Each record's logger, its structlog event (None for a plain stdlib line), and the
    structlog context variables bound where it was written."""

    records: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = field(default_factory=list)

    def access_lines(self) -> list[dict[str, Any]]:
        return [event for name, event, _ in self.records if name == "okr.access" and event]


class _Handler(logging.Handler):
    def __init__(self, into: Captured) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        event = dict(record.msg) if isinstance(record.msg, dict) else None
        context = structlog.contextvars.get_contextvars()
        self.into.records.append((record.name, event, context))


@contextmanager
def captured_logs() -> Iterator[Captured]:
    captured = Captured()
    handler = _Handler(captured)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
