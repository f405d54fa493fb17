"""`make bench`: seed an organization, serve the API in its own process, drive it over HTTP.

Prints, per endpoint: requests, concurrency, p50/p95/p99 latency, requests per second.
Not part of `make test`: speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from service.context import Deps
from service.members import NewMember, create_member
from service.organizations import NewOrganization, create_organization
from service.settings import Settings
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from service.tokens import mint_token

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
MEMBERS = 2000


async def seed(url: str, settings: Settings) -> tuple[str, list[str]]:
    engine = create_engine(url, pool_size=4, statement_cache_size=100)
    deps = Deps(uow=PostgresUnitOfWorkFactory(engine))
    org, admin = await create_organization(
        deps, NewOrganization(name="Bench", admin_email="admin@bench.example")
    )
    token = mint_token(settings, organization_id=org.id, member_id=admin.id, roles=["admin"])
    from service.auth import Principal

    principal = Principal(
        organization_id=org.id, subject=str(admin.id), member_id=admin.id, roles=admin.roles
    )
    ids = [str(admin.id)]
    manager = admin.id
    for i in range(MEMBERS):
        member = await create_member(
            deps,
            principal,
            NewMember(name=f"Member {i}", email=f"m{i}@bench.example", manager_id=manager),
        )
        ids.append(str(member.id))
        if i % 10 == 0:
            manager = member.id
    await engine.dispose()
    return token, ids


async def drive(
    name: str,
    requests: int,
    concurrency: int,
    call: Callable[[httpx.AsyncClient, int], Awaitable[int]],
) -> None:
    latencies: list[float] = []
    queue = iter(range(requests))
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:

        async def worker() -> None:
            for i in queue:
                started = time.perf_counter()
                status = await call(client, i)
                latencies.append((time.perf_counter() - started) * 1000)
                assert status < 400, f"{name}: HTTP {status}"

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<34} n={requests:<5} c={concurrency:<3} p50={q[49]:7.2f}ms "
        f"p95={q[94]:7.2f}ms p99={q[98]:7.2f}ms rps={requests / elapsed:8.1f}"
    )


def wait_ready() -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{BASE}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the API did not become ready")


def main() -> None:
    from service.embedded import embedded_database

    data_dir = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    os.chmod(data_dir, 0o755)  # noqa: S103 - the embedded server runs as its own user when root
    settings = Settings(data_dir=data_dir, jwt_secret="bench-" + "s" * 40)
    external = os.environ.get("DATABASE_URL")
    try:
        with embedded_database(data_dir / "pgdata") as embedded_url:
            url = external or embedded_url
            from service.migrate import upgrade

            upgrade(url)
            started = time.perf_counter()
            token, ids = asyncio.run(seed(url, settings))
            print(f"seeded {len(ids)} members in {time.perf_counter() - started:.1f}s")
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "OKR_JWT_SECRET": settings.hmac_secret,
                "OKR_LOG_LEVEL": "warning",
            }
            server = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--port", str(PORT)],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            try:
                wait_ready()
                headers = {"Authorization": f"Bearer {token}"}

                async def run_all() -> None:
                    async def one(c: httpx.AsyncClient, i: int) -> int:
                        r = await c.get(f"/v1/members/{ids[i % len(ids)]}", headers=headers)
                        return r.status_code

                    async def page(c: httpx.AsyncClient, i: int) -> int:
                        r = await c.get("/v1/members?limit=50", headers=headers)
                        return r.status_code

                    async def health(c: httpx.AsyncClient, i: int) -> int:
                        return (await c.get("/healthz")).status_code

                    await drive("GET /healthz (no DB)", 2000, 1, health)
                    await drive("GET /v1/members/{id}", 2000, 1, one)
                    await drive("GET /v1/members/{id}", 4000, 32, one)
                    await drive("GET /v1/members?limit=50", 1000, 1, page)
                    await drive("GET /v1/members?limit=50", 2000, 32, page)

                asyncio.run(run_all())
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
