"""The floor for one read and one write: a minimal Starlette + asyncpg app.

``GET /objectives/{id}`` reads the same objective row and its KRs, each with its latest
check-in (two statements on one pooled connection), and returns them as JSON: no auth, no
visibility check, no scores, no validation. `make bench` runs it with uvicorn on
127.0.0.1:8766 (one worker) and drives it like ``GET /v1/objectives/{id}``.

``POST /key-results/{id}/check-ins`` inserts one ``check_ins`` row with every column the
API writes, in a transaction (BEGIN, INSERT, COMMIT), and answers 201 with its id: no
auth, no rules, no KR read; the floor for ``POST /v1/key-results/{id}/check-ins``.

Configured by ``BENCH_BARE_DSN`` (a Postgres URL), ``BENCH_BARE_ORG`` (the
organization id) and ``BENCH_BARE_STATEMENT_CACHE_SIZE`` (asyncpg's, 0 behind PgBouncer
in transaction mode, like the API's ``OKR_DB_STATEMENT_CACHE_SIZE``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.bench.seed import asyncpg_dsn, new_id

OBJECTIVE = """
SELECT id, cycle_id, title, description, owner_kind, owner_member_id, owner_unit_id, level,
       status, visibility, roll_up, parent_objective_id, parent_key_result_id,
       source_objective_id, version, created_at, updated_at
FROM objectives
WHERE organization_id = $1 AND id = $2
"""

KEY_RESULTS = """
SELECT k.id, k.objective_id, k.title, k.owner_id, k.metric_kind, k.unit, k.currency,
       k.start_value, k.target_value, k.direction, k.weight, k.due_date, k.confidence,
       k.milestones, k.final_score, k.final_score_reason, k.version, k.created_at,
       k.updated_at, latest.value AS current, latest.created_at AS last_check_in_at
FROM key_results AS k
LEFT JOIN LATERAL (
    SELECT c.value, c.created_at FROM check_ins AS c
    WHERE c.organization_id = k.organization_id AND c.key_result_id = k.id
    ORDER BY c.created_at DESC
    LIMIT 1
) AS latest ON true
WHERE k.organization_id = $1 AND k.objective_id = $2
ORDER BY k.id
"""

INSERT_CHECK_IN = """
INSERT INTO check_ins (organization_id, id, key_result_id, author, value, milestones_done,
                       confidence, note, blockers, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""

AUTHOR = "bench-bare"


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.organization_id = UUID(os.environ["BENCH_BARE_ORG"])
    app.state.pool = await asyncpg.create_pool(
        asyncpg_dsn(os.environ["BENCH_BARE_DSN"]),
        min_size=2,
        max_size=10,
        statement_cache_size=int(os.environ.get("BENCH_BARE_STATEMENT_CACHE_SIZE", "100")),
    )
    try:
        yield
    finally:
        await app.state.pool.close()


async def ready(request: Request) -> Response:
    return PlainTextResponse("ok")


async def get_objective(request: Request) -> Response:
    try:
        objective_id = UUID(request.path_params["objective_id"])
    except ValueError:
        return PlainTextResponse("not an id", status_code=422)
    org: UUID = request.app.state.organization_id
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(OBJECTIVE, org, objective_id)
        if row is None:
            return PlainTextResponse("not found", status_code=404)
        key_results = await conn.fetch(KEY_RESULTS, org, objective_id)
    body: dict[str, Any] = dict(row)
    body["key_results"] = [dict(kr) for kr in key_results]
    return Response(json.dumps(body, default=str), media_type="application/json")


async def post_check_in(request: Request) -> Response:
    try:
        key_result_id = UUID(request.path_params["key_result_id"])
        payload = json.loads(await request.body())
        value = Decimal(str(payload["value"]))
        note = str(payload.get("note", ""))
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return PlainTextResponse("bad check-in", status_code=422)
    org: UUID = request.app.state.organization_id
    check_in_id, now = new_id(), datetime.now(UTC)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            INSERT_CHECK_IN,
            org,
            check_in_id,
            key_result_id,
            AUTHOR,
            value,
            None,
            None,
            note,
            "",
            now,
        )
    body = {"id": str(check_in_id), "key_result_id": str(key_result_id), "created_at": now}
    return Response(json.dumps(body, default=str), status_code=201, media_type="application/json")


app = Starlette(
    routes=[
        Route("/ready", ready),
        Route("/objectives/{objective_id}", get_objective),
        Route("/key-results/{key_result_id}/check-ins", post_check_in, methods=["POST"]),
    ],
    lifespan=lifespan,
)
