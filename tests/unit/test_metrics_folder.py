"""Where ``okr serve`` workers share their metrics (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.runtime.cli import _shared_metrics

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def test_one_worker_needs_no_shared_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    with _shared_metrics(1):
        assert VARIABLE not in os.environ


def test_several_workers_share_a_temporary_folder_removed_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    with _shared_metrics(3):
        folder = Path(os.environ[VARIABLE])
        assert folder.is_dir()
    assert not folder.exists()
    assert VARIABLE not in os.environ


def test_the_operators_folder_is_kept_but_a_previous_runs_values_are_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    stale = [folder / "counter_4242.db", folder / "gauge_livesum_4242.db"]
    for path in stale:
        path.write_bytes(b"old")
    (folder / "README").write_text("not ours")
    monkeypatch.setenv(VARIABLE, str(folder))
    with _shared_metrics(2):
        assert os.environ[VARIABLE] == str(folder)
        assert not any(path.exists() for path in stale)
    assert (folder / "README").exists()
    assert os.environ[VARIABLE] == str(folder)
