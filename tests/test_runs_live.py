"""A run still running shows how long it has been running, not the duration of its last flush."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from jupyter_lifecycle.capture.record import SCHEMA_VERSION
from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.cli.formatting import run_duration


def _record(status: str, started: datetime, duration_s: float) -> dict:
    iso = started.isoformat(timespec="milliseconds")
    return {"schema_version": SCHEMA_VERSION, "run_id": uuid.uuid4().hex,
            "notebook": {"path": "/p/a.ipynb", "sha256": None}, "kind": "interactive",
            "status": status, "started": iso, "ended": None if status == "running" else iso,
            "duration_s": duration_s, "params": {}, "metrics": {"acc": 0.5}}


def test_a_running_run_counts_from_its_start_and_a_finished_one_keeps_its_duration():
    started = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    now = started + timedelta(minutes=3, seconds=2)
    assert run_duration(_record("running", started, 2.0), now) == "3m 02s so far"
    assert run_duration(_record("completed", started, 2.0), now) == "2.0 s"
    assert run_duration({**_record("running", started, 2.0), "started": "garbage"}, now) == "2.0 s"
    assert run_duration(_record("running", now + timedelta(seconds=5), 1.0), now) == "1.0 s"


def test_runs_list_and_show_give_a_running_run_its_live_duration(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    two_hours_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    running = _record("running", two_hours_ago, 2.0)  # last flushed 2 s after it started
    store.save(running)
    listed = CliRunner().invoke(main, ["runs", "list", "--store", str(store.path)])
    assert listed.exit_code == 0, listed.output
    assert "120m" in listed.output and "so far" in listed.output and "2.0 s" not in listed.output
    shown = CliRunner().invoke(main, ["runs", "show", running["run_id"][:8], "--store",
                                      str(store.path)])
    assert shown.exit_code == 0, shown.output
    assert "120m" in shown.output and "so far" in shown.output
