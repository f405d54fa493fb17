"""What the bench prints: one line per measured endpoint, and the summary against the
targets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tests.bench.baseline import QueryTimes
from tests.bench.load import Result, Skipped
from tests.bench.seed import Seeded


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 86 - len(title)), flush=True)


def seeded(s: Seeded) -> None:
    section("seed")
    counts = ", ".join(f"{table} {n:,}" for table, n in s.counts.items())
    print(f"seeded in {s.seconds:.1f}s (COPY): {counts}")
    print(
        f"year tree: {s.tree_size:,} objectives, {s.roots} roots, {s.private} private, "
        f"{s.roll_up} roll-up without KRs; department root {s.department_root_id} holds "
        f"{s.department_root_size:,} objectives"
    )


def _mb(kb: int | None) -> str:
    return f"{kb / 1024:7.1f}MB" if kb is not None else "      n/a"


HEADER = (
    f"{'endpoint':<46} {'n':>5} {'c':>3} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'rps':>8} {'sql/req (max)':>14} {'srv p50':>8} {'peak RSS':>9} {'cli CPU':>7}"
)
LEGEND = (
    "latencies measured by this process over keep-alive HTTP/1.1; sql/req and srv p50 from "
    "the API's access log;\npeak RSS = the server's VmHWM after the run; cli CPU = this "
    "process's CPU while driving (100% = one core)"
)


def header(legend: bool = False) -> None:
    if legend:
        print(LEGEND)
    print(HEADER)


def outcome(outcome: Result | Skipped) -> None:
    if isinstance(outcome, Skipped):
        print(f"SKIPPED {outcome.name}: {outcome.reason}", flush=True)
        return
    r = outcome
    sql = f"{r.server.sql_mean:7.1f} ({r.server.sql_max:>4})" if r.server is not None else "n/a"
    server_p50 = f"{r.server.server_p50_ms:8.2f}" if r.server is not None else "n/a"
    print(
        f"{r.name:<46} {r.requests:>5} {r.concurrency:>3} {r.p50_ms:8.2f} {r.p95_ms:8.2f} "
        f"{r.p99_ms:8.2f} {r.rps:8.1f} {sql:>14} {server_p50:>8} {_mb(r.peak_rss_kb):>9} "
        f"{r.client_cpu:7.0%}",
        flush=True,
    )
    if r.note:
        print(f"    {r.note}")
    if r.requests < r.planned:
        print(f"    {r.requests} of {r.planned} requests: stopped at the {r.budget_s:.0f}s budget")
    if r.server is not None and r.server.count != r.requests:
        print(f"    access log: {r.server.count} request lines for {r.requests} requests")
    if r.errors:
        print(f"    {r.errors} failed requests, first: {r.first_error}")


def query_header() -> None:
    print(f"{'statement':<46} {'runs':>5} {'':>3} {'p50 ms':>8} {'p95 ms':>8}")


def query_times(q: QueryTimes) -> None:
    print(
        f"{q.name:<46} {q.runs:>5} {1:>3} {q.p50_ms:8.2f} {q.p95_ms:8.2f} "
        f"{'':>8} {'':>8}  rows {q.rows:,} ({q.objectives:,} objectives)",
        flush=True,
    )


def ratio_line(label: str, numerator: float | None, denominator: float | None, target: str) -> None:
    if numerator is None or denominator is None or denominator == 0:
        print(f"{label} = n/a ({target})")
    else:
        print(f"{label} = {numerator / denominator:.2f}x ({target})")


# -- the summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    label: str
    measured: float | None
    shown: Callable[[float], str]
    target: str
    passes: Callable[[float], bool] | None  # None: reported only


def _times(x: float) -> str:
    return f"{x:.2f}x"


def _ms(x: float) -> str:
    return f"{x:.1f} ms"


def checks(figures: Mapping[str, float | None]) -> list[Check]:
    def ratio(a: str, b: str) -> float | None:
        x, y = figures.get(a), figures.get(b)
        return x / y if x is not None and y else None

    return [
        Check(
            "REST tree 10k p50 / asyncpg baseline p50",
            ratio("tree_rest_p50", "tree_asyncpg_p50"),
            _times,
            "<= 3x",
            lambda x: x <= 3,
        ),
        Check(
            "REST tree 10k p50", figures.get("tree_rest_p50"), _ms, "< 500 ms", lambda x: x < 500
        ),
        Check(
            "GET /v1/objectives/{id} c=1 p50",
            figures.get("objective_c1_p50"),
            _ms,
            "< 5 ms",
            lambda x: x < 5,
        ),
        Check(
            "GET objective c=32: API rps / bare rps",
            ratio("objective_c32_rps", "bare_c32_rps"),
            _times,
            ">= 0.5x",
            lambda x: x >= 0.5,
        ),
        Check(
            "POST check-in c=1 p50",
            figures.get("check_in_c1_p50"),
            _ms,
            "< 15 ms",
            lambda x: x < 15,
        ),
        Check(
            "GraphQL 1k tree p50 / REST 1k tree p50",
            ratio("tree_1k_graphql_p50", "tree_1k_rest_p50"),
            _times,
            "<= 1.5x",
            lambda x: x <= 1.5,
        ),
        Check(
            "GraphQL 10k tree p50 / REST 10k tree p50",
            ratio("tree_graphql_p50", "tree_rest_p50"),
            _times,
            "(reported)",
            None,
        ),
    ]


def summary(figures: Mapping[str, float | None]) -> None:
    section("summary")
    print(f"{'figure':<44} {'measured':>12}  {'target':<12} verdict")
    for check in checks(figures):
        if check.measured is None:
            shown, verdict = "n/a", "SKIPPED"
        else:
            shown = check.shown(check.measured)
            if check.passes is None:
                verdict = "-"
            else:
                verdict = "PASS" if check.passes(check.measured) else "FAIL"
        print(f"{check.label:<44} {shown:>12}  {check.target:<12} {verdict}")
