"""`make bench`: seed an organization in bulk, serve the API in its own process, drive it
over HTTP, measure the baselines, print the figures against their targets.

Uses DATABASE_URL when set (a new organization is added to it each run), else an
embedded Postgres in a temporary folder removed at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.runtime.migrate import upgrade
from service.runtime.settings import Settings
from service.runtime.tokens import mint_token
from tests.bench import report
from tests.bench.baseline import tree_baselines
from tests.bench.client import Connection, Reply
from tests.bench.load import Call, Check, Endpoint, Result, Skipped, drive, graphql_failure
from tests.bench.seed import Seeded, seed
from tests.bench.servers import Server, api_server, bare_server

API_PORT = 8765
BARE_PORT = 8766

TREE_QUERY = (
    "query($c: UUID!, $r: UUID) { alignmentTree(cycleId: $c, rootId: $r) { count "
    "nodes { id parentId depth link title level progress grade trackStatus } } }"
)

Figures = dict[str, float | None]


@dataclass(frozen=True)
class Planned:
    key: str  # the figures it feeds: <key>_p50, <key>_rps
    endpoint: Endpoint


def _json(reply: Reply) -> Any:
    try:
        return reply.json()
    except ValueError:
        return None


def count_of(expected: int) -> Check:
    """Describe a REST tree answer: its ``count`` next to the seeded figure."""

    def describe(reply: Reply) -> str:
        body = _json(reply)
        count = body.get("count") if isinstance(body, dict) else None
        roots = body.get("roots") if isinstance(body, dict) else None
        shown = f"{count:,}" if isinstance(count, int) else repr(count)
        top = f", {len(roots)} roots" if isinstance(roots, list) else ""
        return f"count = {shown}{top} (seeded: {expected:,})"

    return describe


def graphql_count_of(expected: int) -> Check:
    def describe(reply: Reply) -> str:
        body = _json(reply)
        tree = (body.get("data") or {}).get("alignmentTree") if isinstance(body, dict) else None
        count = tree.get("count") if isinstance(tree, dict) else None
        nodes = tree.get("nodes") if isinstance(tree, dict) else None
        shown = f"{count:,}" if isinstance(count, int) else repr(count)
        listed = f", {len(nodes):,} nodes" if isinstance(nodes, list) else ""
        return f"count = {shown}{listed} (seeded: {expected:,})"

    return describe


def describe_page(reply: Reply) -> str:
    body = _json(reply)
    items = body.get("items") if isinstance(body, dict) else None
    return f"items per page = {len(items) if isinstance(items, list) else '?'}"


def api_plan(s: Seeded) -> list[Planned]:
    """Every API endpoint measured, in order."""
    ids, targets = s.objective_ids, s.check_in_targets
    root = str(s.department_root_id)
    cycle = s.year_id
    tree, scores = "/v1/cycles/{year}/alignment-tree", "/v1/cycles/{year}/unit-scores"
    check_ins = "/v1/key-results/{id}/check-ins"

    async def health(c: Connection, i: int) -> Reply:
        return await c.get("/healthz")

    async def objective(c: Connection, i: int) -> Reply:
        return await c.get(f"/v1/objectives/{ids[i * 7919 % len(ids)]}")

    async def page(c: Connection, i: int) -> Reply:
        return await c.get("/v1/objectives", {"limit": "50", "cycle_id": str(cycle)})

    async def full_tree(c: Connection, i: int) -> Reply:
        return await c.get(f"/v1/cycles/{cycle}/alignment-tree")

    async def sub_tree(c: Connection, i: int) -> Reply:
        return await c.get(f"/v1/cycles/{cycle}/alignment-tree", {"root_id": root})

    async def unit_scores(c: Connection, i: int) -> Reply:
        return await c.get(f"/v1/cycles/{cycle}/unit-scores")

    async def check_in(c: Connection, i: int) -> Reply:
        key_result_id, target = targets[i * 104729 % len(targets)]
        return await c.post_json(
            f"/v1/key-results/{key_result_id}/check-ins", {"value": target, "note": "bench"}
        )

    def graphql(root_id: str | None) -> Call:
        async def call(c: Connection, i: int) -> Reply:
            variables = {"c": str(cycle), "r": root_id}
            return await c.post_json("/graphql", {"query": TREE_QUERY, "variables": variables})

        return call

    one, page_of_50 = "GET /v1/objectives/{id}", "GET /v1/objectives?limit=50&cycle_id=year"
    tree_10k, tree_1k = count_of(s.tree_size), count_of(s.department_root_size)
    gql_10k, gql_1k = graphql_count_of(s.tree_size), graphql_count_of(s.department_root_size)
    return [
        Planned("health_c1", Endpoint("GET /healthz (no DB)", health, 1000, 1, warmup=20)),
        Planned("objective_c1", Endpoint(one, objective, 1000, 1, warmup=20)),
        Planned("objective_c32", Endpoint(one, objective, 3000, 32, warmup=20)),
        Planned(
            "list_c1",
            Endpoint(page_of_50, page, 200, 1, warmup=2, budget_s=10, describe=describe_page),
        ),
        Planned("list_c32", Endpoint(page_of_50, page, 600, 32, warmup=2, budget_s=10)),
        Planned(
            "tree_rest",
            Endpoint(f"GET {tree}", full_tree, 20, 1, warmup=2, budget_s=30, describe=tree_10k),
        ),
        Planned(
            "tree_1k_rest",
            Endpoint(f"GET {tree}?root_id=", sub_tree, 50, 1, warmup=3, describe=tree_1k),
        ),
        Planned(
            "unit_scores", Endpoint(f"GET {scores}", unit_scores, 30, 1, warmup=3, budget_s=20)
        ),
        Planned("check_in_c1", Endpoint(f"POST {check_ins}", check_in, 500, 1, warmup=10)),
        Planned(
            "tree_graphql",
            Endpoint(
                "POST /graphql alignmentTree (full)",
                graphql(None),
                20,
                1,
                warmup=2,
                budget_s=30,
                failure=graphql_failure,
                describe=gql_10k,
            ),
        ),
        Planned(
            "tree_1k_graphql",
            Endpoint(
                "POST /graphql alignmentTree (rootId)",
                graphql(root),
                50,
                1,
                warmup=3,
                failure=graphql_failure,
                describe=gql_1k,
            ),
        ),
    ]


def record(figures: Figures, key: str, outcome: Result | Skipped) -> None:
    report.outcome(outcome)
    if isinstance(outcome, Result):
        figures[f"{key}_p50"] = outcome.p50_ms
        figures[f"{key}_rps"] = outcome.rps


async def drive_all(
    server: Server, planned: list[Planned], headers: dict[str, str], figures: Figures
) -> None:
    for p in planned:
        record(figures, p.key, await drive(p.endpoint, server, headers))


def bench_api(url: str, settings: Settings, s: Seeded, data_dir: Path, figures: Figures) -> None:
    report.section(
        "API (python -m service.runtime.cli serve, 1 worker) over HTTP from this process"
    )
    token = mint_token(
        settings, organization_id=s.organization_id, member_id=s.admin_id, roles=["admin"]
    )
    headers = {"Authorization": f"Bearer {token}"}
    log = data_dir / "api-stderr.jsonl"
    with api_server(url, settings.hmac_secret, data_dir, API_PORT, log) as server:
        report.header(legend=True)
        asyncio.run(drive_all(server, api_plan(s), headers, figures))
        peak = server.peak_rss_kb()
    print(f"API server peak RSS (VmHWM) at the end: {(peak or 0) / 1024:.1f} MB")
    report.ratio_line(
        "GraphQL/REST tree p50 (10k)",
        figures.get("tree_graphql_p50"),
        figures.get("tree_rest_p50"),
        "reported",
    )
    report.ratio_line(
        "GraphQL/REST tree p50 (1k)",
        figures.get("tree_1k_graphql_p50"),
        figures.get("tree_1k_rest_p50"),
        "target <= 1.5x",
    )


def bench_asyncpg_tree(url: str, s: Seeded, figures: Figures) -> None:
    report.section("baseline: the year tree straight from Postgres (asyncpg, one statement)")
    with_krs, *context = asyncio.run(tree_baselines(url, s.organization_id, s.year_id))
    report.query_header()
    for times in (with_krs, *context):
        report.query_times(times)
    figures["tree_asyncpg_p50"] = with_krs.p50_ms
    rest = figures.get("tree_rest_p50")
    report.ratio_line("REST tree p50 / asyncpg baseline p50", rest, with_krs.p50_ms, "target <= 3x")
    shown = f"{rest:.0f} ms" if rest is not None else "n/a"
    print(f"REST tree p50 = {shown} (target < 500 ms)")


def bench_bare_app(url: str, s: Seeded, data_dir: Path, figures: Figures) -> None:
    report.section("baseline: bare Starlette + asyncpg app (uvicorn, 1 worker)")
    ids = s.objective_ids

    async def objective(c: Connection, i: int) -> Reply:
        return await c.get(f"/objectives/{ids[i * 7919 % len(ids)]}")

    planned = [
        Planned("bare_c1", Endpoint("bare GET /objectives/{id}", objective, 1000, 1, warmup=20)),
        Planned("bare_c32", Endpoint("bare GET /objectives/{id}", objective, 3000, 32, warmup=20)),
    ]
    with bare_server(url, s.organization_id, BARE_PORT, data_dir / "bare-stderr.log") as server:
        report.header()
        asyncio.run(drive_all(server, planned, {}, figures))
    report.ratio_line(
        "API rps / bare rps at c=32",
        figures.get("objective_c32_rps"),
        figures.get("bare_c32_rps"),
        "target >= 0.5",
    )
    report.ratio_line(
        "API p50 / bare p50 at c=1",
        figures.get("objective_c1_p50"),
        figures.get("bare_c1_p50"),
        "reported",
    )


@contextmanager
def database(data_dir: Path) -> Iterator[str]:
    """DATABASE_URL, or an embedded Postgres in ``data_dir`` for the block."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    from service.runtime.embedded import embedded_database

    with embedded_database(data_dir / "pgdata") as url:
        yield url


def main() -> None:
    began = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    os.chmod(data_dir, 0o755)  # noqa: S103 - the embedded server runs as its own user when root
    settings = Settings(data_dir=data_dir, jwt_secret="bench-" + "s" * 40)
    figures: Figures = {}
    try:
        with database(data_dir) as url:
            upgrade(url)
            where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded Postgres"
            print(f"{where} migrated in {time.perf_counter() - began:.1f}s")
            seeded = asyncio.run(seed(url))
            report.seeded(seeded)
            bench_api(url, settings, seeded, data_dir, figures)
            bench_asyncpg_tree(url, seeded, figures)
            bench_bare_app(url, seeded, data_dir, figures)
        report.summary(figures)
        print(f"\nbench wall time {time.perf_counter() - began:.0f}s")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
