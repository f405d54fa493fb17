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
    """One row of the summary: a target of issue 16 (``passes`` set) or a reported figure."""

    label: str
    measured: float | None
    shown: Callable[[float], str]
    target: str
    passes: Callable[[float], bool] | None  # None: reported only
    failed_requests: int = 0  # in the runs it is measured from: a failure, whatever the ratio


def _times(x: float) -> str:
    return f"{x:.2f}x"


def _ms(x: float) -> str:
    return f"{x:.1f} ms"


def _megabytes(x: float) -> str:
    return f"{x:.1f} MB"


def _statements(x: float) -> str:
    return f"{x:.1f}"


def targets(figures: Mapping[str, float | None]) -> list[Check]:
    """The targets of issue 16, each a ratio measured side by side in this run."""

    def ratio(label: str, a: str, b: str, target: str, passes: Callable[[float], bool]) -> Check:
        """``a`` / ``b``, figure names ``<run>_p50`` or ``<run>_rps``."""
        x, y = figures.get(a), figures.get(b)
        failed = sum(int(figures.get(f"{k.rsplit('_', 1)[0]}_errors") or 0) for k in (a, b))
        measured = x / y if x is not None and y else None
        return Check(label, measured, _times, target, passes, failed)

    return [
        ratio(
            "GET objective c=32: API rps / bare rps",
            "objective_c32_rps",
            "bare_c32_rps",
            ">= 0.5x (aim 0.7x)",
            lambda x: x >= 0.5,
        ),
        ratio(
            "page of 50 c=32: page rps / bare one-row rps",
            "list_c32_rps",
            "bare_c32_rps",
            ">= 0.15x",
            lambda x: x >= 0.15,
        ),
        ratio(
            "page of 50 c=1: page p50 / objective p50",
            "list_c1_p50",
            "objective_c1_p50",
            "<= 4x",
            lambda x: x <= 4,
        ),
        ratio(
            "REST tree 10k p50 / json_agg baseline p50",
            "tree_rest_p50",
            "tree_json_agg_p50",
            "<= 1.5x",
            lambda x: x <= 1.5,
        ),
        ratio(
            "unit scores 10k p50 / json_agg baseline p50",
            "unit_scores_p50",
            "tree_json_agg_p50",
            "<= 1.5x",
            lambda x: x <= 1.5,
        ),
        ratio(
            "GraphQL tree 1,125 p50 / REST tree 1,125 p50",
            "tree_1k_graphql_p50",
            "tree_1k_rest_p50",
            "<= 1.2x",
            lambda x: x <= 1.2,
        ),
        ratio(
            "POST check-in c=32: API rps / bare rps",
            "check_in_c32_rps",
            "bare_check_in_c32_rps",
            ">= 0.5x",
            lambda x: x >= 0.5,
        ),
        Check(
            "API server peak RSS under the bench",
            figures.get("api_peak_rss_mb"),
            _megabytes,
            "< 200 MB",
            lambda x: x < 200,
        ),
    ]


def reported(figures: Mapping[str, float | None]) -> list[Check]:
    """Figures printed next to the targets, without a verdict."""

    def ratio(a: str, b: str) -> float | None:
        x, y = figures.get(a), figures.get(b)
        return x / y if x is not None and y else None

    def ms(label: str, key: str) -> Check:
        return Check(label, figures.get(key), _ms, "", None)

    def sql(label: str, key: str) -> Check:
        return Check(label, figures.get(key), _statements, "", None)

    return [
        ms("GET objective c=1 p50", "objective_c1_p50"),
        ms("bare GET objective c=1 p50", "bare_c1_p50"),
        Check(
            "GET objective c=1: API p50 / bare p50",
            ratio("objective_c1_p50", "bare_c1_p50"),
            _times,
            "",
            None,
        ),
        ms("GET objective c=1 server p50", "objective_c1_srv_p50"),
        sql("GET objective sql/req", "objective_c1_sql"),
        ms("page of 50 c=1 p50", "list_c1_p50"),
        ms("page of 50 c=1 server p50", "list_c1_srv_p50"),
        sql("page of 50 sql/req", "list_c1_sql"),
        ms("REST tree 10k p50", "tree_rest_p50"),
        ms("json_agg baseline p50", "tree_json_agg_p50"),
        ms("unit scores 10k p50", "unit_scores_p50"),
        Check(
            "GraphQL tree 10k p50 / REST tree 10k p50",
            ratio("tree_graphql_p50", "tree_rest_p50"),
            _times,
            "",
            None,
        ),
        ms("POST check-in c=1 p50", "check_in_c1_p50"),
        ms("POST check-in c=1 server p50", "check_in_c1_srv_p50"),
        sql("POST check-in sql/req", "check_in_c1_sql"),
        ms("bare POST check-in c=1 p50", "bare_check_in_c1_p50"),
        Check("bare app peak RSS", figures.get("bare_peak_rss_mb"), _megabytes, "", None),
    ]


def _row(check: Check) -> tuple[str, bool | None]:
    """The printed row, and whether the target is met (None: reported only)."""
    met: bool | None = None
    if check.passes is None:
        shown = check.shown(check.measured) if check.measured is not None else "n/a"
        verdict = "reported"
    elif check.measured is None:
        shown, verdict, met = "n/a", "FAIL (not measured)", False
    else:
        shown = check.shown(check.measured)
        met = check.passes(check.measured) and not check.failed_requests
        verdict = "PASS" if met else "FAIL"
        if check.failed_requests:
            verdict += f" ({check.failed_requests} failed requests)"
    return f"{check.label:<46} {shown:>12}  {check.target:<19} {verdict}", met


def _smoke_check(smoked: bool) -> Check:
    return Check(
        "REST smoke through PgBouncer (5 steps)",
        1.0 if smoked else 0.0,
        lambda x: "all 2xx" if x else "not 2xx",
        "all 2xx",
        lambda x: x == 1.0,
    )


def summary(figures: Mapping[str, float | None], path: str, smoked: bool | None = None) -> None:
    """Every target with its verdict (and the PgBouncer smoke's, when it ran), the reported
    figures, then ``N of M targets met`` as the last line."""
    section(f"summary ({path})")
    print(f"{'target (issue 16)':<46} {'measured':>12}  {'target':<19} verdict")
    results = []
    smoke = [] if smoked is None else [_smoke_check(smoked)]
    for check in [*targets(figures), *smoke]:
        line, met = _row(check)
        results.append(bool(met))
        print(line)
    print(f"\n{'reported':<46} {'measured':>12}")
    for check in reported(figures):
        print(_row(check)[0])
    print(f"\n{sum(results)} of {len(results)} targets met")
