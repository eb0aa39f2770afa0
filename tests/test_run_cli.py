"""``nb2pipe run`` and ``nb2pipe runs``: real kernels through papermill, isolated stores."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jupyter_lifecycle.capture.record import validate
from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.notebook import read_notebook
from jupyter_lifecycle.notebook.outputs import recorded_metrics

from conftest import SAMPLES, write_notebook

pytestmark = pytest.mark.e2e
NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
DEFAULT_METRICS = json.loads((SAMPLES / "executed" / "metrics.json").read_text())
SMALL = [
    ("import json", ["lifecycle:setup"]),
    ("alpha = 1.0\nlabel = 'a'\nsizes = [1, 2]", ["parameters"]),
    ("values = [alpha * i for i in range(5)]", ["lifecycle:train"]),
    ("metrics = {'total': sum(values), 'label': label}\nmetrics", ["lifecycle:evaluate"]),
]


def nb2pipe(*args, cwd, env=None, timeout=180):
    return subprocess.run([NB2PIPE, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                            GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t"))


def test_iris_run_records_everything_and_embeds_the_record(tmp_path, env):
    project = tmp_path / "project"
    project.mkdir()
    notebook = project / "iris.ipynb"
    shutil.copy(SAMPLES / "iris_classification.ipynb", notebook)
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "iris.ipynb")
    _git(project, "commit", "-q", "-m", "iris")
    done = nb2pipe("run", "iris.ipynb", "-p", "n_estimators", "10", "--json", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert validate(record) == []
    assert record["kind"] == "papermill" and record["status"] == "completed"
    assert record["notebook"]["sha256"] == hashlib.sha256(notebook.read_bytes()).hexdigest()
    assert record["params"] == {"test_size": 0.3, "n_estimators": 10, "max_depth": 3,
                                "random_state": 42, "model_path": "iris_model.joblib"}

    output = Path(record["output"])
    assert output == project / ".lifecycle" / "outputs" / f"{record['run_id']}.ipynb"
    displayed = recorded_metrics(read_notebook(output))
    assert record["metrics"] == displayed
    assert displayed != DEFAULT_METRICS["iris_classification"]  # the parameter took effect

    executed = nbformat.read(output, as_version=4)
    code_ids = [c.id for c in executed.cells if c.cell_type == "code"]
    assert [c["cell_id"] for c in record["cells"]] == code_ids  # every cell, in order, by id
    assert all(c["stage"] and c["status"] == "ok" for c in record["cells"])
    injected = [c for c in record["cells"] if c["cell_id"] not in
                {c.id for c in nbformat.read(notebook, as_version=4).cells}]
    assert len(injected) == 1 and injected[0]["stage"] == "parameters"
    # indices are positions in the notebook the user has; papermill's cell has none
    positions = {c.id: i for i, c in enumerate(nbformat.read(notebook, as_version=4).cells)}
    assert [c["index"] for c in record["cells"]] == [positions.get(c["cell_id"])
                                                     for c in record["cells"]]
    assert injected[0]["index"] is None
    assert list(record["stages"]) == ["setup", "parameters", "ingest", "explore", "prepare",
                                      "train", "evaluate", "validate", "deploy", "skip", "test"]
    assert record["stages"]["train"]["cells"] == 2
    assert record["out_of_order"] == {"detected": False, "cells": []}
    assert record["environment"]["packages"]["scikit-learn"] == \
        importlib.metadata.version("scikit-learn")
    assert record["git"]["branch"] == "main" and record["git"]["dirty"] is False
    model = project / "iris_model.joblib"
    assert record["artifacts"] == [{
        "path": "iris_model.joblib", "sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "size": model.stat().st_size, "source": "deploy", "cell_id": "deploy-save"}]
    assert record["failure"] is None and record["store_error"] is None

    assert executed.metadata["lifecycle"]["run"] == record
    assert RunStore(env["JUPYTER_LIFECYCLE_STORE"]).get(record["run_id"]) == record


def test_a_failing_notebook_is_recorded_as_failed_and_exits_1(tmp_path, env):
    write_notebook(tmp_path / "bad.ipynb", [
        ("x = 1", ["lifecycle:setup"]),
        ("assert x == 2, 'x should be 2'", ["lifecycle:validate"]),
        ("y = 3", ["lifecycle:deploy"]),
    ])
    done = nb2pipe("run", "bad.ipynb", cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stderr
    assert "failed:" in done.stderr and "id c1" in done.stderr and "stage validate" in done.stderr
    assert "AssertionError: x should be 2" in done.stderr
    [record] = RunStore(env["JUPYTER_LIFECYCLE_STORE"]).list()
    assert record["status"] == "failed"
    assert record["failure"] == {"cell_id": "c1", "index": 1, "stage": "validate",
                                 "error": {"name": "AssertionError", "message": "x should be 2"}}
    assert [c["cell_id"] for c in record["cells"]] == ["c0", "c1"]
    executed = nbformat.read(record["output"], as_version=4)
    assert executed.metadata["lifecycle"]["run"]["status"] == "failed"


def test_a_kernel_that_dies_still_leaves_a_failed_record(tmp_path, env):
    write_notebook(tmp_path / "die.ipynb", [
        ("x = 1", ["lifecycle:setup"]),
        ("import os\nos._exit(3)", ["lifecycle:train"]),
    ])
    done = nb2pipe("run", "die.ipynb", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "DeadKernelError" in done.stderr and "id c1, stage train" in done.stderr
    [record] = RunStore(env["JUPYTER_LIFECYCLE_STORE"]).list()
    assert validate(record) == []
    assert record["status"] == "failed" and record["failure"]["cell_id"] == "c1"
    assert any("did not return a record" in note for note in record["notes"])


def test_bad_input_exits_2_with_one_clear_message(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    write_notebook(tmp_path / "plain.ipynb", ["x = 1"])
    (tmp_path / "broken.yaml").write_text("alpha: [1,\n")
    (tmp_path / "not.ipynb").write_text("{not json")
    cases = {
        ("missing.ipynb",): "no such file",
        ("not.ipynb",): "invalid JSON",
        ("small.ipynb", "-p", "beta", "1"): "'beta' is not a parameter of small.ipynb "
                                            "(parameters: alpha, label, sizes)",
        ("small.ipynb", "-p", "alpha", "many"): "parameter 'alpha' expects float",
        ("small.ipynb", "-p", "sizes", "3"): "parameter 'sizes' expects list",
        ("small.ipynb", "-f", "broken.yaml"): "is not valid YAML",
        ("plain.ipynb", "-p", "x", "2"): "has no cell tagged 'parameters'",
        ("small.ipynb", "-o", "small.ipynb"): "would overwrite the input notebook",
    }
    for args, message in cases.items():
        done = nb2pipe("run", *args, cwd=tmp_path, env=env, timeout=60)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert done.stderr.count("error:") == 1
    assert not Path(env["JUPYTER_LIFECYCLE_STORE"]).exists()


def test_unwritable_store_leaves_the_run_going_and_says_so(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    (tmp_path / "blocker").write_text("a regular file")
    done = nb2pipe("run", "small.ipynb", "-o", "out.ipynb", "--store", "blocker/runs.sqlite",
                   cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "could not be written to the run store" in done.stderr
    record = nbformat.read(tmp_path / "out.ipynb", as_version=4).metadata["lifecycle"]["run"]
    assert record["status"] == "completed" and "cannot open the run store" in record["store_error"]
    assert record["metrics"] == {"total": 10.0, "label": "a"}


def test_params_file_then_p_and_fingerprints(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    (tmp_path / "p.yaml").write_text("alpha: 3\nlabel: from-file\nsizes: [5]\n")
    done = nb2pipe("run", "small.ipynb", "-f", "p.yaml", "-p", "label", "7", "--fingerprint",
                   "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["params"] == {"alpha": 3.0, "label": "7", "sizes": [5]}
    assert record["metrics"] == {"total": 30.0, "label": "7"}
    assert set(record["fingerprints"]) == {"train", "evaluate"}  # stages with outputs
    assert len(record["fingerprints"]["train"]["values"]) == 64
    assert len(record["fingerprints"]["evaluate"]["metrics"]) == 64


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two `nb2pipe run` processes started at once on one store."""
    folder = tmp_path_factory.mktemp("concurrent")
    write_notebook(folder / "small.ipynb", SMALL)
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")]),
           "JUPYTER_LIFECYCLE_STORE": str(folder / "runs.sqlite"), "COLUMNS": "200"}
    procs = [subprocess.Popen([NB2PIPE, "run", "small.ipynb", "-p", "alpha", str(alpha),
                               "--json"], cwd=folder, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for alpha in (1, 2)]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    records = [json.loads(out) for out, _ in results]
    return folder, env, records


def test_two_concurrent_runs_both_land_in_the_store(two_runs):
    folder, env, records = two_runs
    stored = RunStore(folder / "runs.sqlite").list()
    assert {r["run_id"] for r in stored} == {r["run_id"] for r in records}
    assert sorted(r["params"]["alpha"] for r in stored) == [1.0, 2.0]
    # the same code with other parameter values: the code hash leaves papermill's cell out
    assert records[0]["notebook"]["code_sha256"] == records[1]["notebook"]["code_sha256"]
    assert all(r["status"] == "completed" for r in stored)


def test_runs_list_show_compare(two_runs):
    folder, env, (a, b) = two_runs
    listed = nb2pipe("runs", "list", "--json", cwd=folder, env=env)
    assert listed.returncode == 0
    assert {r["run_id"] for r in json.loads(listed.stdout)} == {a["run_id"], b["run_id"]}
    table = nb2pipe("runs", "list", "small.ipynb", cwd=folder, env=env).stdout
    assert a["run_id"][:8] in table and "total=" in table and "completed" in table
    assert json.loads(nb2pipe("runs", "list", "other.ipynb", "--json", cwd=folder,
                              env=env).stdout) == []

    shown = nb2pipe("runs", "show", a["run_id"][:10], "--json", cwd=folder, env=env)
    assert json.loads(shown.stdout) == RunStore(folder / "runs.sqlite").get(a["run_id"])
    text = nb2pipe("runs", "show", a["run_id"][:10], cwd=folder, env=env).stdout
    assert a["run_id"][:8] in text and "cells (execution order)" in text and "alpha" in text

    compared = json.loads(nb2pipe("runs", "compare", a["run_id"][:8], b["run_id"][:8], "--json",
                                  cwd=folder, env=env).stdout)
    params = {r["key"]: r for r in compared["sections"]["params"]}
    assert params["alpha"]["same"] is False and params["label"]["same"] is True
    assert {r["key"] for r in compared["sections"]["metrics"] if not r["same"]} == {"total"}
    assert compared["differences"]["environment"] == 0
    assert {r["key"] for r in compared["sections"]["stages"]} == {"setup", "parameters", "train",
                                                                  "evaluate"}
    text = nb2pipe("runs", "compare", a["run_id"][:8], b["run_id"][:8], cwd=folder, env=env)
    assert text.returncode == 0 and "params (1 differs)" in text.stdout

    missing = nb2pipe("runs", "show", "zzzz", cwd=folder, env=env)
    assert missing.returncode == 2 and "no run 'zzzz'" in missing.stderr


def test_runs_commands_read_a_newer_record_with_a_clear_message(tmp_path, env):
    store = RunStore(tmp_path / "runs.sqlite")
    store.save({"schema_version": 1, "run_id": "1" * 32, "notebook": {"path": "/x.ipynb"},
                "kind": "papermill", "status": "completed", "started": "2026", "ended": None,
                "duration_s": 1.0, "metrics": {"m": 1}})
    conn = sqlite3.connect(store.path)
    conn.execute("INSERT INTO runs VALUES (?, 2, '/x.ipynb', 'papermill', 'completed', '2027', "
                 "NULL, 1.0, ?)", ("2" * 32, json.dumps({"schema_version": 2, "run_id": "2" * 32})))
    conn.commit()
    conn.close()
    shown = nb2pipe("runs", "show", "2222", "--store", store.path, cwd=tmp_path, env=env)
    assert shown.returncode == 2
    assert (f"run {'2' * 32} was written by a newer jupyter_lifecycle (schema v2); "
            "upgrade to read it") in " ".join(shown.stderr.split())
    listed = nb2pipe("runs", "list", "--store", store.path, cwd=tmp_path, env=env)
    assert listed.returncode == 0 and "upgrade to read it" in listed.stdout
    assert "1111111" in listed.stdout
    empty = nb2pipe("runs", "list", "--store", tmp_path / "none.sqlite", cwd=tmp_path, env=env)
    assert empty.returncode == 0 and "no runs yet" in empty.stdout
