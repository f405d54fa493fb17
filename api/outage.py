"""What clients get while the database is down: REST 503 ``database_unavailable`` with
``Retry-After`` (api/rest/problems.py), GraphQL the same ``extensions.code`` and header
(api/graphql/errors.py).

Which errors mean "the database is down" is the storage adapter's knowledge: it comes as
``Services.is_outage``, so this layer imports no driver.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from api.deps import app_state

DATABASE_UNAVAILABLE = "database_unavailable"
OUTAGE_DETAIL = "the database is unavailable right now; retry after Retry-After seconds"
# A restart or failover of Postgres takes seconds: retrying sooner would only add load.
RETRY_AFTER_SECONDS = 5


def is_outage(conn: HTTPConnection, error: BaseException | None) -> bool:
    return error is not None and app_state(conn).services.is_outage(error)
