"""``OKR_DATABASE_REPLICA_URL``: the heavy read models on a real streaming replica.

A primary and a ``pg_basebackup -R`` standby of it (tests/replica.py), the app built on both.
The replica logs every statement, so each test can tell which server ran a read: a tree read
is served there once it has replayed everything, goes to the primary (and sees the caller's
write) while replay is paused, and still answers from the primary when the replica is down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from service.runtime.app import build_app
from tests.api import harness
from tests.api.harness import Tenant, new_tenant
from tests.api.okr_harness import active_cycle, objective
from tests.replica import StreamingPair, start_pair

# Every read of OKR rows names this table; the replica's position check does not.
READ_OF_OKRS = "objectives"
# WAL the primary writes on its own (a checkpoint, a snapshot record) between the wait for
# the replica and the read sends that read to the primary, rightly: try a few times.
ATTEMPTS = 20


@pytest.fixture(scope="module")
def pair() -> Iterator[StreamingPair]:
    started = start_pair()
    yield started
    started.stop()


@pytest.fixture(scope="module")
async def replica_app(pair: StreamingPair) -> AsyncIterator[FastAPI]:
    settings = harness.test_settings(database_replica_url=pair.replica_url)
    application = build_app(settings, pair.primary_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def tenant(replica_app: FastAPI) -> Tenant:
    return await new_tenant(replica_app, replica_app.state.settings, "Acme")


async def _cycle_with_objective(admin: httpx.AsyncClient) -> tuple[str, str]:
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    goal = await objective(admin, cycle_id=cycle["id"], title="Grow")
    return cycle["id"], goal["id"]


@pytest.mark.parametrize("read", ["alignment-tree", "unit-scores", "stats"])
async def test_a_heavy_read_is_served_by_the_replica_once_it_has_replayed_everything(
    pair: StreamingPair, tenant: Tenant, read: str
) -> None:
    async with tenant.admin() as admin:
        cycle_id, goal_id = await _cycle_with_objective(admin)
        for _ in range(ATTEMPTS):
            await pair.wait_caught_up()
            offset = pair.log_size()
            response = await admin.get(f"/v1/cycles/{cycle_id}/{read}")
            assert response.status_code == 200, response.text
            if READ_OF_OKRS in pair.log_since(offset):
                break
        else:
            pytest.fail(f"no {read} read ran on the replica in {ATTEMPTS} attempts")
    if read == "alignment-tree":
        assert goal_id in response.text


async def test_with_replay_paused_a_read_after_a_write_goes_to_the_primary_and_sees_it(
    pair: StreamingPair, tenant: Tenant
) -> None:
    async with tenant.admin() as admin:
        cycle_id, _ = await _cycle_with_objective(admin)
        await pair.wait_caught_up()
        await pair.pause_replay()
        try:
            written = await objective(admin, cycle_id=cycle_id, title="Written just now")
            offset = pair.log_size()
            tree = await admin.get(f"/v1/cycles/{cycle_id}/alignment-tree")
            on_replica = pair.log_since(offset)
        finally:
            await pair.resume_replay()
    assert tree.status_code == 200, tree.text
    assert written["id"] in tree.text
    # The replica was asked how far it had replayed, and ran nothing else.
    assert "pg_last_wal_replay_lsn" in on_replica
    assert READ_OF_OKRS not in on_replica


async def test_with_the_replica_down_a_tree_read_answers_from_the_primary(
    pair: StreamingPair, tenant: Tenant
) -> None:
    async with tenant.admin() as admin:
        cycle_id, goal_id = await _cycle_with_objective(admin)
        await pair.wait_caught_up()
        pair.stop_replica()
        tree = await admin.get(f"/v1/cycles/{cycle_id}/alignment-tree")
    assert tree.status_code == 200, tree.text
    assert goal_id in tree.text
