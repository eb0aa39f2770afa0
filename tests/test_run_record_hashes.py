"""A run record's code hash is the hash of the code that ran (``nb2pipe run``), not of the file:
a saved output or metadata change keeps it, a changed line changes it; ``runs show`` and
``runs compare`` show it. A run still running shows its live duration in ``runs compare`` too."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.cli import main

from conftest import write_notebook
from test_runs_live import _record

NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
CELLS = [
    ("alpha = 1.0", ["parameters"]),
    ("values = [alpha * i for i in range(5)]", ["lifecycle:train"]),
    ("metrics = {'total': sum(values)}", ["lifecycle:evaluate"]),
]


def _run(notebook: Path, env: dict) -> dict:
    done = subprocess.run([NB2PIPE, "run", notebook.name, "--json"], cwd=notebook.parent,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.e2e
def test_the_code_hash_follows_the_code_that_ran_not_the_file(tmp_path, env):
    nb = write_notebook(tmp_path / "small.ipynb", CELLS)
    first = _run(nb, env)
    raw = json.loads(nb.read_text())
    raw["metadata"]["widgets"] = {"state": {}}  # what saving in JupyterLab may add
    raw["cells"][1]["execution_count"] = 7
    nb.write_text(json.dumps(raw, indent=1))
    saved = _run(nb, env)
    raw["cells"][1]["source"] = "values = [alpha * i for i in range(6)]"
    nb.write_text(json.dumps(raw, indent=1))
    edited = _run(nb, env)
    hashes = [r["notebook"]["code_sha256"] for r in (first, saved, edited)]
    assert all(h and len(h) == 64 for h in hashes)
    assert saved["notebook"]["sha256"] != first["notebook"]["sha256"]  # the file changed...
    assert hashes[1] == hashes[0]  # ...the code that ran did not
    assert hashes[2] != hashes[0] and edited["metrics"] == {"total": 15.0}
    store = env["JUPYTER_LIFECYCLE_STORE"]
    shown = CliRunner().invoke(main, ["runs", "show", edited["run_id"][:8], "--store", store])
    assert shown.exit_code == 0, shown.output
    assert "code sha256" in shown.stdout and hashes[2][:12] in shown.stdout
    compared = CliRunner().invoke(main, ["runs", "compare", first["run_id"][:8],
                                         edited["run_id"][:8], "--store", store, "--json"])
    rows = {r["key"]: r for r in json.loads(compared.stdout)["sections"]["run"]}
    assert not rows["code sha256"]["same"]


def test_runs_compare_gives_a_running_run_its_live_duration(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    two_hours_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    running = _record("running", two_hours_ago, 2.0)  # last flushed 2 s after it started
    done = _record("completed", two_hours_ago - timedelta(hours=1), 95.0)
    store.save(running)
    store.save(done)
    result = CliRunner().invoke(main, ["runs", "compare", done["run_id"][:8],
                                       running["run_id"][:8], "--store", str(store.path)],
                                env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "duration" in line]
    assert "1m 35s" in line and "120m" in line and "so far" in line and "2.0 s" not in line
