"""The sqlite run store: round trips, prefixes, order, newer schemas, bad paths, concurrency."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid

import pytest

from jupyter_lifecycle.capture.record import SCHEMA_VERSION
from jupyter_lifecycle.capture.store import (AmbiguousRunError, RecordVersionError,
                                             RunNotFoundError, RunStore, StoreError)


def _record(run_id=None, started="2026-01-01T00:00:00.000+00:00", notebook="/p/a.ipynb", **extra):
    return {"schema_version": SCHEMA_VERSION, "run_id": run_id or uuid.uuid4().hex,
            "notebook": {"path": notebook, "sha256": None}, "kind": "papermill",
            "status": "completed", "started": started, "ended": started, "duration_s": 1.0,
            "params": {"b": 1, "a": 2}, "metrics": {"acc": 0.5}, **extra}


def test_round_trip_prefix_order_filter_delete(tmp_path):
    store = RunStore(tmp_path / "sub" / "runs.sqlite")
    assert not store.exists
    with pytest.raises(StoreError):
        store.list()
    first = _record("aaaa1111" + "0" * 24, started="2026-01-01T00:00:00.000+00:00")
    second = _record("aaaa2222" + "0" * 24, started="2026-01-02T00:00:00.000+00:00",
                     notebook="/p/b.ipynb")
    store.save(first)
    store.save(second)
    assert store.get("aaaa1")["run_id"] == first["run_id"]
    assert list(store.get(first["run_id"])["params"]) == ["b", "a"]  # order kept
    with pytest.raises(AmbiguousRunError, match="ambiguous"):
        store.get("aaaa")
    with pytest.raises(RunNotFoundError):
        store.get("ffff")
    assert [r["run_id"] for r in store.list()] == [second["run_id"], first["run_id"]]
    assert [r["run_id"] for r in store.list(notebook="/p/a.ipynb")] == [first["run_id"]]
    assert len(store.list(limit=1)) == 1
    store.save(dict(first, status="failed"))  # the same run saved again replaces it
    assert store.get("aaaa1")["status"] == "failed" and len(store.list()) == 2
    assert store.delete("aaaa2") == second["run_id"]
    assert [r["run_id"] for r in store.list()] == [first["run_id"]]
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    store.save(_record("0123" + "0" * 28))
    newer = _record("4567" + "0" * 28, schema_version=SCHEMA_VERSION + 1, started="2027")
    conn = sqlite3.connect(store.path)
    conn.execute("INSERT INTO runs (run_id, schema_version, notebook, kind, status, started, "
                 "ended, duration_s, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (newer["run_id"], newer["schema_version"], "/p/a.ipynb", "papermill",
                  "completed", "2027", None, 1.0, json.dumps(newer)))
    conn.commit()
    conn.close()
    with pytest.raises(RecordVersionError) as info:
        store.get("4567")
    assert str(info.value) == (f"run {newer['run_id']} was written by a newer jupyter_lifecycle "
                               f"(schema v{SCHEMA_VERSION + 1}); upgrade to read it")
    listed = store.list()
    assert listed[0]["run_id"] == newer["run_id"] and "upgrade" in listed[0]["unreadable"]
    assert listed[1]["run_id"].startswith("0123")


def test_a_store_below_a_regular_file_cannot_be_written(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    store = RunStore(blocker / "runs.sqlite")
    with pytest.raises(StoreError, match="cannot open the run store"):
        store.save(_record())


WRITER = """
import sys, uuid
from jupyter_lifecycle.capture.store import RunStore
store = RunStore(sys.argv[1])
for i in range(int(sys.argv[2])):
    store.save({"schema_version": 1, "run_id": uuid.uuid4().hex, "notebook": {"path": "x"},
                "kind": "pipeline", "status": "completed", "started": str(i), "ended": None,
                "duration_s": 0.0})
"""


def test_concurrent_writers_in_separate_processes(tmp_path):
    path = tmp_path / "runs.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), "40"]) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert len(RunStore(path).list(limit=1000)) == 160
