"""The bench's summary and its PgBouncer configuration, without running the bench."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench import report
from tests.bench.pgbouncer import config_text, upstream_of

ALL_MET: dict[str, float | None] = {
    "objective_c32_rps": 800.0,
    "bare_c32_rps": 1000.0,
    "list_c32_rps": 200.0,
    "list_c1_p50": 12.0,
    "objective_c1_p50": 4.0,
    "tree_rest_p50": 400.0,
    "unit_scores_p50": 300.0,
    "tree_json_agg_p50": 300.0,
    "tree_1k_graphql_p50": 50.0,
    "tree_1k_rest_p50": 45.0,
    "check_in_c32_rps": 600.0,
    "bare_check_in_c32_rps": 1000.0,
    "api_peak_rss_mb": 150.0,
}


def summary_lines(
    capsys: pytest.CaptureFixture[str],
    figures: dict[str, float | None],
    path: str,
    smoked: bool | None = None,
) -> list[str]:
    report.summary(figures, path, smoked)
    return capsys.readouterr().out.strip().splitlines()


def test_every_target_of_issue_16_has_a_verdict_and_the_count_is_the_last_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = summary_lines(capsys, ALL_MET, "direct")
    verdicts = [line for line in lines if line.endswith(" PASS")]
    assert len(verdicts) == 8
    assert lines[-1] == "8 of 8 targets met"


def test_a_missing_figure_or_failed_requests_fail_their_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures: dict[str, float | None] = {**ALL_MET, "bare_check_in_c32_rps": None}
    figures["list_c32_errors"] = 3
    lines = summary_lines(capsys, figures, "direct")
    assert any("POST check-in c=32" in line and "FAIL (not measured)" in line for line in lines)
    assert any("page of 50 c=32" in line and "FAIL (3 failed requests)" in line for line in lines)
    assert lines[-1] == "6 of 8 targets met"


def test_the_pgbouncer_smoke_counts_when_it_ran(capsys: pytest.CaptureFixture[str]) -> None:
    lines = summary_lines(capsys, ALL_MET, "through PgBouncer", False)
    assert any("REST smoke" in line and line.endswith("FAIL") for line in lines)
    assert lines[-1] == "8 of 9 targets met"


def test_pgbouncer_reaches_the_embedded_server_by_its_socket_folder(tmp_path: Path) -> None:
    upstream = upstream_of("postgresql://postgres@/okr?host=/tmp/x/pgdata")
    assert (upstream.host, upstream.port, upstream.user, upstream.database) == (
        "/tmp/x/pgdata",
        5432,
        "postgres",
        "okr",
    )
    ini = config_text(upstream, 6543, tmp_path / "userlist.txt")
    assert "okr = host='/tmp/x/pgdata' port=5432 dbname='okr' user='postgres'" in ini
    assert "pool_mode = transaction" in ini
    assert "listen_addr = 127.0.0.1" in ini


def test_pgbouncer_logs_in_with_the_urls_password() -> None:
    upstream = upstream_of("postgresql://app:s%27cret@db.internal:6000/okr")
    assert (upstream.host, upstream.port, upstream.password) == ("db.internal", 6000, "s'cret")
    assert "password='s\\'cret'" in config_text(upstream, 6543, Path("/u"))
