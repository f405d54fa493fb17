"""`make bench`: seed an organization in bulk, serve the API in its own process, drive it
over HTTP, measure the baselines, print the figures against the targets of issue 16 and
``N of M targets met``.

Uses DATABASE_URL when set (a new organization is added to it each run), else an
embedded Postgres in a temporary folder removed at the end.

``--pgbouncer`` (`make bench-pgbouncer`): migrations and the seed go straight to Postgres;
then PgBouncer (transaction pool mode) is started in front of it, and the API (with
``OKR_DB_STATEMENT_CACHE_SIZE=0``), the bare app and the asyncpg baseline all go through
it: a REST smoke first, then the bench.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.runtime.migrate import upgrade
from service.runtime.settings import Settings
from service.runtime.tokens import mint_token
from tests.bench import report
from tests.bench.baseline import JSON_AGG, tree_baselines
from tests.bench.client import Connection, Reply
from tests.bench.load import Call, Check, Endpoint, Result, Skipped, drive, graphql_failure
from tests.bench.pgbouncer import pgbouncer
from tests.bench.seed import Seeded, seed
from tests.bench.servers import Server, api_server, bare_server
from tests.bench.smoke import rest_smoke

API_PORT = 8765
BARE_PORT = 8766

TREE_QUERY = (
    "query($c: UUID!, $r: UUID) { alignmentTree(cycleId: $c, rootId: $r) { count "
    "nodes { id parentId depth link title level progress grade trackStatus } } }"
)

Figures = dict[str, float | None]
# Check-ins at c=32 start this far into the rotation of KRs: not the ones c=1 just wrote to.
CHECK_IN_C32_OFFSET = 7_777


@dataclass(frozen=True)
class Route:
    """How the measured processes (API, bare app, asyncpg baseline) reach Postgres."""

    url: str
    statement_cache_size: int | None  # None: the default of each process
    label: str  # printed with each section and the summary


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

    def check_in(offset: int) -> Call:
        async def call(c: Connection, i: int) -> Reply:
            key_result_id, target = targets[(i * 104729 + offset) % len(targets)]
            return await c.post_json(
                f"/v1/key-results/{key_result_id}/check-ins", {"value": target, "note": "bench"}
            )

        return call

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
            Endpoint(f"GET {tree}", full_tree, 20, 1, warmup=2, budget_s=20, describe=tree_10k),
        ),
        Planned(
            "tree_1k_rest",
            Endpoint(f"GET {tree}?root_id=", sub_tree, 50, 1, warmup=3, describe=tree_1k),
        ),
        Planned(
            "unit_scores", Endpoint(f"GET {scores}", unit_scores, 30, 1, warmup=3, budget_s=20)
        ),
        Planned("check_in_c1", Endpoint(f"POST {check_ins}", check_in(0), 500, 1, warmup=10)),
        Planned(
            "check_in_c32",
            Endpoint(
                f"POST {check_ins}",
                check_in(CHECK_IN_C32_OFFSET),
                2000,
                32,
                warmup=10,
                budget_s=12,
            ),
        ),
        Planned(
            "tree_graphql",
            Endpoint(
                "POST /graphql alignmentTree (full)",
                graphql(None),
                20,
                1,
                warmup=2,
                budget_s=20,
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
        figures[f"{key}_errors"] = outcome.errors
        if outcome.server is not None:
            figures[f"{key}_sql"] = outcome.server.sql_mean
            figures[f"{key}_srv_p50"] = outcome.server.server_p50_ms


async def drive_all(
    server: Server, planned: list[Planned], headers: dict[str, str], figures: Figures
) -> None:
    for p in planned:
        record(figures, p.key, await drive(p.endpoint, server, headers))


def smoke(server: Server, s: Seeded, headers: dict[str, str], route: Route) -> bool:
    report.section(f"REST smoke ({route.label})")
    steps = asyncio.run(rest_smoke(server, s, headers))
    for step in steps:
        verdict = "PASS" if step.passed else "FAIL"
        print(f"{step.name:<46} {step.status or '-':>5}  {verdict}")
        if step.problem:
            print(f"    {step.problem}")
    passed = len(steps) == 5 and all(step.passed for step in steps)
    print(f"REST smoke: {'PASS' if passed else 'FAIL'}")
    if not passed and server.log is not None:
        print(f"--- the API's log (tail) ---\n{server.log.tail(8)}")
    return passed


def bench_api(
    route: Route, settings: Settings, s: Seeded, data_dir: Path, figures: Figures
) -> bool | None:
    """Measure the API; the smoke's verdict when the route asks for one (PgBouncer)."""
    report.section(f"API (python -m service.runtime.cli serve, 1 worker; {route.label})")
    token = mint_token(
        settings, organization_id=s.organization_id, member_id=s.admin_id, roles=["admin"]
    )
    headers = {"Authorization": f"Bearer {token}"}
    log = data_dir / "api-stderr.jsonl"
    smoked: bool | None = None
    with api_server(
        route.url,
        settings.hmac_secret,
        data_dir,
        API_PORT,
        log,
        statement_cache_size=route.statement_cache_size,
    ) as server:
        if route.statement_cache_size == 0:
            smoked = smoke(server, s, headers, route)
            report.section(f"API over HTTP from this process ({route.label})")
        report.header(legend=True)
        asyncio.run(drive_all(server, api_plan(s), headers, figures))
        peak = server.peak_rss_kb()
    figures["api_peak_rss_mb"] = peak / 1024 if peak is not None else None
    print(f"API server peak RSS (VmHWM) at the end: {(peak or 0) / 1024:.1f} MB")
    return smoked


def bench_asyncpg_tree(route: Route, s: Seeded, figures: Figures) -> None:
    report.section(
        f"baseline: the year tree straight from Postgres (asyncpg, one statement; {route.label})"
    )
    times = asyncio.run(
        tree_baselines(
            route.url,
            s.organization_id,
            s.year_id,
            statement_cache_size=100 if route.statement_cache_size is None else 0,
        )
    )
    report.query_header()
    for t in times:
        report.query_times(t)
    figures["tree_json_agg_p50"] = next(t.p50_ms for t in times if t.name == JSON_AGG)


def bench_bare_app(route: Route, s: Seeded, data_dir: Path, figures: Figures) -> None:
    report.section(f"baseline: bare Starlette + asyncpg app (uvicorn, 1 worker; {route.label})")
    ids, targets = s.objective_ids, s.check_in_targets

    async def objective(c: Connection, i: int) -> Reply:
        return await c.get(f"/objectives/{ids[i * 7919 % len(ids)]}")

    def check_in(offset: int) -> Call:
        async def call(c: Connection, i: int) -> Reply:
            key_result_id, target = targets[(i * 104729 + offset) % len(targets)]
            return await c.post_json(
                f"/key-results/{key_result_id}/check-ins", {"value": target, "note": "bench"}
            )

        return call

    one, check_ins = "bare GET /objectives/{id}", "bare POST /key-results/{id}/check-ins"
    planned = [
        Planned("bare_c1", Endpoint(one, objective, 1000, 1, warmup=20)),
        Planned("bare_c32", Endpoint(one, objective, 3000, 32, warmup=20)),
        Planned("bare_check_in_c1", Endpoint(check_ins, check_in(3_333), 500, 1, warmup=10)),
        Planned(
            "bare_check_in_c32",
            Endpoint(check_ins, check_in(5_555), 3000, 32, warmup=10, budget_s=10),
        ),
    ]
    with bare_server(
        route.url,
        s.organization_id,
        BARE_PORT,
        data_dir / "bare-stderr.log",
        statement_cache_size=route.statement_cache_size,
    ) as server:
        report.header()
        asyncio.run(drive_all(server, planned, {}, figures))
        peak = server.peak_rss_kb()
    figures["bare_peak_rss_mb"] = peak / 1024 if peak is not None else None


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


def route_for(url: str, data_dir: Path, through_pgbouncer: bool, stack: ExitStack) -> Route:
    """Postgres directly, or PgBouncer in front of it (stopped when ``stack`` closes)."""
    if not through_pgbouncer:
        return Route(url, None, "direct to Postgres")
    bouncer = stack.enter_context(pgbouncer(url, data_dir / "pgbouncer"))
    label = f"through {bouncer.version}, pool_mode=transaction, {bouncer.url}"
    print(
        f"\nmeasured path: API (OKR_DB_STATEMENT_CACHE_SIZE=0), bare app and asyncpg baseline "
        f"through PgBouncer at {bouncer.url} -> Postgres; migrations and seed went direct"
    )
    return Route(bouncer.url, 0, label)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="measure through PgBouncer in transaction mode (Debian's pgbouncer)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    began = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    os.chmod(data_dir, 0o755)  # noqa: S103 - the embedded server runs as its own user when root
    settings = Settings(data_dir=data_dir, jwt_secret="bench-" + "s" * 40)
    figures: Figures = {}
    try:
        with database(data_dir) as url, ExitStack() as stack:
            upgrade(url)
            where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded Postgres"
            print(f"{where} migrated in {time.perf_counter() - began:.1f}s")
            seeded = asyncio.run(seed(url))
            report.seeded(seeded)
            route = route_for(url, data_dir, args.pgbouncer, stack)
            smoked = bench_api(route, settings, seeded, data_dir, figures)
            bench_asyncpg_tree(route, seeded, figures)
            bench_bare_app(route, seeded, data_dir, figures)
        print(f"\nbench wall time {time.perf_counter() - began:.0f}s")
        report.summary(figures, route.label, smoked)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
