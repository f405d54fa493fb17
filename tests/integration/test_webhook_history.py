"""The delivery log keeps every attempt (through the real worker and a receiver on
127.0.0.1), and its retention forgets only what is older than 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from service import webhooks
from service.context import Deps
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, objective, post
from tests.integration.test_webhooks import acme, app, eventually, receiver, running_worker

__all__ = ["acme", "app"]  # fixtures shared with test_webhooks

_GRAPH = """query($id: UUID!) {
  webhookEndpoint(id: $id) { deliveries { status attemptLog { number responseStatus } } }
}"""


async def _objectives(tenant: Tenant, count: int) -> None:
    async with tenant.admin() as admin:
        cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-03-31")
        for n in range(count):
            await objective(admin, title=f"Grow {n}", cycle_id=cycle["id"])


async def _delivered(
    database_url: str, tenant: Tenant, fail_first: int, count: int, answer: bytes | None = None
) -> Any:
    """An endpoint that got ``count`` objective.created deliveries, its first ``fail_first``
    requests answered 503 (with ``answer`` as the body when given)."""
    with receiver(fail_first=fail_first, failing_answer=answer) as hook:
        async with tenant.admin() as admin:
            endpoint = await post(
                admin,
                "/v1/webhook-endpoints",
                {"url": hook.url, "event_types": ["objective.created"]},
            )
        async with running_worker(database_url, allow_private=True):
            await _objectives(tenant, count)
            await eventually(lambda: len(hook.received) >= fail_first + count)
    return endpoint


async def test_two_failed_attempts_then_a_success_are_three_attempts_in_order(
    database_url: str, acme: Tenant
) -> None:
    endpoint = await _delivered(database_url, acme, fail_first=2, count=1)
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    async with acme.admin() as admin:
        (delivery,) = (await get(admin, f"{path}/deliveries"))["items"]
        shown = await get(admin, f"{path}/deliveries/{delivery['id']}")
        graph = await admin.post(
            "/graphql", json={"query": _GRAPH, "variables": {"id": endpoint["id"]}}
        )
    assert shown["status"] == "succeeded"
    log = shown["attempt_log"]
    assert [a["number"] for a in log] == [1, 2, 3]
    assert [a["response_status"] for a in log] == [503, 503, 204]
    assert [a["error"] for a in log] == ["HTTP 503", "HTTP 503", None]
    assert [a["response_excerpt"] for a in log] == ["busy, try later", "busy, try later", None]
    assert log[0]["attempted_at"] <= log[1]["attempted_at"] <= log[2]["attempted_at"]
    assert all(a["duration_ms"] >= 0 for a in log)
    assert endpoint["secret"] not in str(shown)
    # GraphQL lists the same attempts under the endpoint's deliveries.
    (node,) = graph.json()["data"]["webhookEndpoint"]["deliveries"]
    assert node["status"] == "SUCCEEDED"
    assert [a["responseStatus"] for a in node["attemptLog"]] == [503, 503, 204]


async def test_an_answer_with_nul_bytes_is_kept_without_them(
    database_url: str, acme: Tenant
) -> None:
    # Postgres text refuses NUL: an excerpt kept as it came failed the attempt's insert,
    # and the delivery went again every minute with no attempt recorded.
    endpoint = await _delivered(database_url, acme, fail_first=1, count=1, answer=b"bad\x00news")
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    async with acme.admin() as admin:
        (delivery,) = (await get(admin, f"{path}/deliveries"))["items"]
        shown = await get(admin, f"{path}/deliveries/{delivery['id']}")
    assert [a["response_excerpt"] for a in shown["attempt_log"]] == ["badnews", None]


async def test_the_retention_forgets_only_deliveries_and_attempts_older_than_30_days(
    database_url: str, acme: Tenant
) -> None:
    endpoint = await _delivered(database_url, acme, fail_first=0, count=2)
    engine = create_engine(database_url, pool_size=2, statement_cache_size=0)
    try:
        async with engine.begin() as conn:
            ids = [
                row.id
                for row in await conn.execute(
                    text("SELECT id FROM webhook_deliveries ORDER BY created_at, id")
                )
            ]
            old, kept = ids
            # One delivery (and its attempt) made 31 days ago; the other today.
            ago = datetime.now(UTC) - timedelta(days=31)
            await conn.execute(
                text("UPDATE webhook_deliveries SET created_at = :at WHERE id = :id"),
                {"at": ago, "id": old},
            )
            await conn.execute(
                text(
                    "UPDATE webhook_delivery_attempts SET attempted_at = :at"
                    " WHERE delivery_id = :id"
                ),
                {"at": ago, "id": old},
            )
        deps = Deps(uow=PostgresUnitOfWorkFactory(engine))
        gone = await webhooks.delete_expired_deliveries(deps, batch=1)
        async with engine.connect() as conn:
            left = [r.id for r in await conn.execute(text("SELECT id FROM webhook_deliveries"))]
            attempts = [
                r.delivery_id
                for r in await conn.execute(
                    text("SELECT delivery_id FROM webhook_delivery_attempts")
                )
            ]
    finally:
        await engine.dispose()
    assert gone == 1  # the old delivery; its attempt went with it
    assert left == [kept]
    assert attempts == [kept]
    async with acme.admin() as admin:
        listed = await get(admin, f"/v1/webhook-endpoints/{endpoint['id']}/deliveries")
    assert [d["id"] for d in listed["items"]] == [str(kept)]
