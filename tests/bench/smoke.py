"""A short REST smoke over HTTP: create an objective with a KR in the seeded year, check in,
read the objective back, list the year's objectives. Every step must answer 2xx; run before
the bench when the API goes through PgBouncer, where a driver setting that does not fit
transaction pooling fails at once (e.g. a prepared statement missing on another server
connection)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.bench.client import Connection, Reply
from tests.bench.seed import Seeded
from tests.bench.servers import HOST, Server


@dataclass(frozen=True)
class Step:
    name: str
    status: int | None
    problem: str | None  # None: it passed

    @property
    def passed(self) -> bool:
        return self.problem is None


def _body(reply: Reply) -> dict[str, Any]:
    try:
        body = reply.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _step(
    steps: list[Step],
    name: str,
    send: Callable[[], Awaitable[Reply]],
    check: Callable[[dict[str, Any]], str | None] = lambda _: None,
) -> dict[str, Any] | None:
    """Send one request, record its step; its JSON body when it passed."""
    try:
        reply = await send()
    except (OSError, EOFError, ValueError) as error:
        steps.append(Step(name, None, f"{type(error).__name__}: {error}"))
        return None
    if not 200 <= reply.status < 300:
        steps.append(Step(name, reply.status, reply.text[:300]))
        return None
    body = _body(reply)
    problem = check(body)
    steps.append(Step(name, reply.status, problem))
    return body if problem is None else None


async def rest_smoke(server: Server, s: Seeded, headers: dict[str, str]) -> list[Step]:
    """The steps in order; stops at the first that fails (the next ones depend on it)."""
    conn = Connection(HOST, server.port, headers)
    steps: list[Step] = []
    owner = {"kind": "member", "id": str(s.admin_id)}
    try:
        created = await _step(
            steps,
            "POST /v1/objectives",
            lambda: conn.post_json(
                "/v1/objectives",
                {"cycle_id": str(s.year_id), "title": "Smoke through PgBouncer", "owner": owner},
            ),
        )
        if created is None:
            return steps
        objective_id = str(created["id"])
        kr = await _step(
            steps,
            "POST /v1/objectives/{id}/key-results",
            lambda: conn.post_json(
                f"/v1/objectives/{objective_id}/key-results",
                {
                    "title": "Smoke",
                    "owner_id": str(s.admin_id),
                    "metric_kind": "number",
                    "target": "10",
                },
            ),
        )
        if kr is None:
            return steps
        kr_id = str(kr["id"])
        checked = await _step(
            steps,
            "POST /v1/key-results/{id}/check-ins",
            lambda: conn.post_json(f"/v1/key-results/{kr_id}/check-ins", {"value": 4}),
        )
        if checked is None:
            return steps

        def reads_back(body: dict[str, Any]) -> str | None:
            krs = body.get("key_results")
            ids = [k.get("id") for k in krs] if isinstance(krs, list) else []
            text = json.dumps(body)
            if kr_id not in ids:
                return f"the KR is not in the objective: {text[:300]}"
            return None

        if (
            await _step(
                steps,
                "GET /v1/objectives/{id}",
                lambda: conn.get(f"/v1/objectives/{objective_id}"),
                reads_back,
            )
            is None
        ):
            return steps

        def lists_it(body: dict[str, Any]) -> str | None:
            items = body.get("items")
            return None if isinstance(items, list) and items else f"no items: {body}"[:300]

        await _step(
            steps,
            "GET /v1/objectives?cycle_id=year",
            lambda: conn.get("/v1/objectives", {"cycle_id": str(s.year_id), "limit": "5"}),
            lists_it,
        )
    finally:
        await conn.close()
    return steps
