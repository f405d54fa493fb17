"""Per-request counters the access log reports (SQL statements per request).

The storage adapter counts into :data:`sql_statements` when a request has set it; the
inbound adapter sets it and logs the figure, so "statements per request" is visible in
production logs and in `make bench` without touching the code between them.
"""

from __future__ import annotations

from contextvars import ContextVar

# A one-item list, so the count survives the greenlet hop of SQLAlchemy's async layer
# (it runs the driver in a copy of the caller's context: a rebound int would be lost).
sql_statements: ContextVar[list[int] | None] = ContextVar("sql_statements", default=None)


def count_sql_statement() -> None:
    counter = sql_statements.get()
    if counter is not None:
        counter[0] += 1
