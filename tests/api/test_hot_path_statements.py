"""The reads every OKR screen makes, and the check-in, in few round trips (issue 16).

GET one objective: one statement, the objective with its cycle, KRs and their latest
check-ins, which also confirms the organization the process keeps (or brings it when it
changed). A page of objectives: the same, one statement. A check-in: the KR with its
objective and cycle, the check-in (which also moves its KR), the objective's
``updated_at``, the audit event. Reads run without a transaction (no BEGIN and ROLLBACK
round trips); writes keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import event

from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post
from tests.api.test_rest_okr_counts import sql_statements


@contextmanager
def in_transaction(app: FastAPI) -> Iterator[list[bool]]:
    """Whether Postgres had a transaction block open after each statement the app sent
    while the block runs (asyncpg's own flag: what the server was sent, not SQLAlchemy's
    bookkeeping)."""
    engine = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)._engine
    seen: list[bool] = []

    def record(conn: Any, *_: Any) -> None:
        seen.append(conn.connection.driver_connection.is_in_transaction())

    event.listen(engine.sync_engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", record)


async def _objective_with_two_krs(acme: Tenant) -> tuple[dict[str, Any], list[str]]:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        made = await objective(
            admin,
            cycle_id=cycle["id"],
            title="Grow",
            owner={"kind": "member", "id": str(acme.admin_id)},
        )
        krs = [
            await key_result(
                admin, made["id"], title=f"KR {i}", target="10", owner_id=str(acme.admin_id)
            )
            for i in range(2)
        ]
        for kr in krs:
            await check_in(admin, kr["id"], value="3")
        await check_in(admin, krs[0]["id"], value="4")
    return made, [kr["id"] for kr in krs]


async def test_one_objective_is_one_statement_and_no_transaction(acme: Tenant) -> None:
    made, kr_ids = await _objective_with_two_krs(acme)
    async with acme.admin() as admin:
        await get(admin, "/v1/organization")  # the caller's identity check, cached after
        with sql_statements(acme.app) as seen, in_transaction(acme.app) as open_after:
            body = await get(admin, f"/v1/objectives/{made['id']}")
    assert len(seen) == 1, seen
    assert open_after == [False]
    assert [kr["current"] for kr in body["key_results"]] == ["4", "3"]
    assert [kr["id"] for kr in body["key_results"]] == kr_ids


async def test_one_objective_of_a_unit_with_a_curve_is_one_statement(acme: Tenant) -> None:
    # Its KRs are judged by the unit's default pacing curve (issue 18), which comes with
    # the objective's row: no read of the units.
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        sales = await post(
            admin,
            "/v1/units",
            {"kind": "company", "name": "Sales", "pacing": {"curve": "back_loaded"}},
        )
        made = await objective(
            admin, cycle_id=cycle["id"], title="Sell", owner={"kind": "unit", "id": sales["id"]}
        )
        await key_result(
            admin, made["id"], title="Bookings", target="10", owner_id=str(acme.admin_id)
        )
        await get(admin, "/v1/organization")
        with sql_statements(acme.app) as seen:
            body = await get(admin, f"/v1/objectives/{made['id']}")
            page = await get(admin, f"/v1/objectives?cycle_id={cycle['id']}")
    assert len(seen) == 2, seen
    assert body["key_results"][0]["pacing"]["source"] == "unit"
    assert page["items"][0]["key_results"][0]["pacing"]["curve"] == "back_loaded"


async def test_a_page_of_objectives_is_one_statement_and_no_transaction(acme: Tenant) -> None:
    made, _ = await _objective_with_two_krs(acme)
    async with acme.admin() as admin:
        await get(admin, "/v1/organization")
        with sql_statements(acme.app) as seen, in_transaction(acme.app) as open_after:
            page = await get(admin, f"/v1/objectives?cycle_id={made['cycle_id']}")
    assert len(seen) == 1, seen
    assert open_after == [False]
    assert [item["id"] for item in page["items"]] == [made["id"]]


async def test_a_check_in_is_four_statements_in_one_transaction(acme: Tenant) -> None:
    _, kr_ids = await _objective_with_two_krs(acme)
    async with acme.admin() as admin:
        await get(admin, "/v1/organization")
        with sql_statements(acme.app) as seen, in_transaction(acme.app) as open_after:
            await check_in(admin, kr_ids[1], value="5")
        read = await get(admin, f"/v1/key-results/{kr_ids[1]}")
    # The KR with its objective and cycle; the check-in with its KR's latest and updated_at;
    # the objective's updated_at (up through roll-ups); the audit event.
    assert len(seen) == 4, seen
    assert open_after == [True] * 4
    assert read["current"] == "5"
