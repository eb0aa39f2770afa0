"""Capture cannot hurt the kernel, and bad rows or values cannot break the run store's readers.

Hostile user objects (``__repr__`` raising ``SystemExit``, ``__float__`` / ``__len__`` /
``__fspath__`` / ``__getattribute__`` raising), bad calls of the public functions, a store that
becomes unwritable in the middle of a run, NaN and infinity, and stored rows that are not
records — in real ipykernels (driven like JupyterLab drives them), through the ``nb2pipe`` CLI
in subprocesses, and through the server's runs route.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.capture.record import SCHEMA_VERSION, validate
from jupyter_lifecycle.capture.store import RunStore, StoreError

from conftest import write_notebook
from test_capture_kernel import kernels  # noqa: F401  (the fixture starting real ipykernels)

NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")

HOSTILE = '''\
class Exits:
    def __repr__(self):
        raise SystemExit(3)

class Interrupts:
    def __repr__(self):
        raise KeyboardInterrupt

class BadStr:
    def __str__(self):
        raise ValueError("no str")

class ExitStr:
    def __str__(self):
        raise SystemExit(4)

class BadFloat(float):
    def __float__(self):
        raise RuntimeError("no float")

class BadLen(list):
    def __len__(self):
        raise RuntimeError("no len")

class BadAttr:
    def __getattribute__(self, name):
        raise RuntimeError("no attributes")

class BadPath:
    def __fspath__(self):
        raise RuntimeError("no path")

class ExitPath:
    def __fspath__(self):
        raise SystemExit(5)

class BadItems(dict):
    def items(self):
        raise RuntimeError("no items")
'''


def _strict_loads(text: str):
    """``json.loads`` that refuses NaN and Infinity (what browsers and strict parsers do)."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def _kernel_env(nb: Path, store: Path, **extra) -> dict:
    return {"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb), "JUPYTER_LIFECYCLE_STORE": str(store), **extra}


def _sources(nb: Path) -> dict[str, str]:
    return {c["id"]: "".join(c["source"]) for c in json.loads(nb.read_text())["cells"]}


def _assert_clean(out: dict) -> None:
    assert out["error"] is None, out
    assert "Error in callback" not in out["stdout"] + out["stderr"], out
    assert "capture stopped" not in out["stderr"], out


# -- 11 and 13: hostile values in the hooks ---------------------------------------------------
HOOK_CELLS = [
    (HOSTILE, ["lifecycle:setup"]),
    ("alpha = Exits()\nbeta = Interrupts()\ngamma = BadLen([1])\ndelta = BadAttr()\n"
     "epsilon = 2", ["parameters"]),
    ("source = ExitPath()\nother = BadPath()\nrows = [source, other, 'data.csv']",
     ["lifecycle:ingest"]),
    ("model = BadAttr()\nweights = [1, 2]", ["lifecycle:train"]),
    ("metrics = {'acc': 0.5, 'bad': BadFloat(1.0), 'n': 3}", ["lifecycle:evaluate"]),
    ("print('deployed')", ["lifecycle:deploy"]),
]


@pytest.mark.e2e
def test_hostile_values_are_skipped_with_a_note_and_capture_keeps_recording(tmp_path, kernels):
    (tmp_path / "data.csv").write_text("a\n1\n")
    nb = write_notebook(tmp_path / "hostile.ipynb", HOOK_CELLS)
    sources = _sources(nb)
    kernel = kernels(tmp_path, _kernel_env(nb, tmp_path / "runs.sqlite", JUPYTER_LIFECYCLE_BOUNDARIES=
                                           json.dumps({"train": ["model", "weights"]})))
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    for cell_id in ("c0", "c1", "c2", "c3", "c4", "c5"):
        _assert_clean(kernel.run(sources[cell_id], cell_id))
    # the evaluate cell again, now binding a metrics object that cannot even be inspected
    _assert_clean(kernel.run("metrics = BadAttr()", "c4"))
    alive = kernel.run("print('alive', epsilon)", "after")
    _assert_clean(alive)
    assert alive["stdout"] == "alive 2\n"

    record = kernel.finish()
    assert validate(record) == []
    assert [c["cell_id"] for c in record["cells"]] == [
        "c0", "c1", "c2", "c3", "c4", "c5", "c4", "after", None]
    assert all(c["status"] == "ok" for c in record["cells"])
    assert record["params"] == {"epsilon": 2}
    notes = "\n".join(record["notes"])
    for name, error in (("alpha", "SystemExit"), ("beta", "KeyboardInterrupt"),
                        ("gamma", "RuntimeError: no len"), ("delta", "RuntimeError: no attributes"),
                        ("source", "SystemExit"), ("other", "RuntimeError: no path")):
        assert any(f"'{name}'" in n and error in n for n in record["notes"]), (name, notes)
    assert [d["path"] for d in record["data"]] == ["data.csv"]
    assert record["fingerprints"]["train"]["model"] is None
    assert len(record["fingerprints"]["train"]["weights"]) == 64
    # the second run of the evaluate cell could not be read: no stale metrics are claimed
    assert record["metrics"] == {}
    assert "'bad'" in notes and "RuntimeError: no float" in notes
    assert "metrics" in notes and "no attributes" in notes
    assert "capture stopped" not in notes


def test_a_stage_error_that_cannot_be_printed_propagates_unchanged(tmp_path):
    from jupyter_lifecycle import capture

    class Odd(Exception):
        def __str__(self):
            raise SystemExit(6)

    capture.start_run(store=tmp_path / "runs.sqlite")
    with pytest.raises(Odd):  # the user's own exception, not capture's SystemExit
        with capture.stage("train"):
            raise Odd()
    record = capture.finish_run()
    assert record["failure"]["error"] == {"name": "Odd", "message": "<unprintable>"}
    assert RunStore(tmp_path / "runs.sqlite").get(record["run_id"])["status"] == "failed"


def test_numbers_that_are_not_floats_are_metrics_and_arrays_are_not(tmp_path):
    from decimal import Decimal
    from fractions import Fraction

    import numpy as np

    from jupyter_lifecycle import capture

    capture.start_run(store=tmp_path / "runs.sqlite")
    capture.log_metric("d", Decimal("0.25"))
    capture.log_metric("f", Fraction(1, 4))
    capture.log_metric("np", np.float32(0.5))
    with pytest.warns(RuntimeWarning, match=r"log_metric\('arr'\): a metric must be a number"):
        capture.log_metric("arr", np.zeros(2))
    capture.log_metric("b", b"0.5")
    record = capture.finish_run()
    assert record["metrics"] == {"d": 0.25, "f": 0.25, "np": 0.5}
    assert sum("not recorded" in n for n in record["notes"]) == 2


# -- 12: the public functions never raise for a bad value -------------------------------------
BAD_CALLS = [
    "log_metric(BadStr(), 1.0)", "log_metric(ExitStr(), 1.0)", "log_metric('', 1.0)",
    "log_metric('f', BadFloat(1.0))", "log_metric('e', Exits())", "log_metric('i', Interrupts())",
    "log_metric('l', BadLen([1]))", "log_metric('a', BadAttr())", "log_metric('n', None)",
    "log_metric('list', [1, 2])",
    "log_param(BadStr(), 1)", "log_param(ExitStr(), 1)", "log_param('e', Exits())",
    "log_param('l', BadLen([1]))", "log_param('a', BadAttr())", "log_param('p', BadPath())",
    "track_data(None)", "track_data(3)", "track_data(BadPath())", "track_data(ExitPath())",
    "track_data('')", "track_data(BadAttr())",
    "log_fingerprints('train', None)", "log_fingerprints('train', BadItems(a=1))",
    "log_fingerprints(BadStr(), {'a': 1})",
]


@pytest.mark.e2e
def test_public_functions_warn_once_and_never_raise_for_bad_values(tmp_path, kernels):
    (tmp_path / "good.csv").write_text("x\n")
    nb = write_notebook(tmp_path / "a.ipynb", [("x = 1", [])])
    kernel = kernels(tmp_path, _kernel_env(nb, tmp_path / "runs.sqlite"))
    assert kernel.run(HOSTILE)["error"] is None
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    code = ("import json\nfrom jupyter_lifecycle import log_metric, log_param, track_data\n"
            "from jupyter_lifecycle.capture import log_fingerprints\nraised = []\nfor call in %r:\n    try:\n        eval(call)\n"
            "    except BaseException as exc:\n        raised.append(f'{call}: {exc!r}')\n"
            "print(json.dumps(raised))" % (BAD_CALLS,))
    out = kernel.run(code, "calls")
    assert out["error"] is None, out
    assert json.loads(out["stdout"].strip().splitlines()[-1]) == []
    for function in ("log_metric", "log_param", "track_data", "log_fingerprints"):
        assert out["stderr"].count(f"jupyter_lifecycle: {function}(") == 1, (function, out)
    # a second round warns no more, and good calls still count
    again = kernel.run(code, "calls")
    assert again["error"] is None and "jupyter_lifecycle:" not in again["stderr"], again
    good = kernel.run("from jupyter_lifecycle import log_metric, log_param, track_data\n"
                      "log_metric('acc', 0.75)\nlog_param('alpha', 0.1)\n"
                      "print(track_data('good.csv'))", "good")
    assert good["error"] is None and good["stdout"] == f"{tmp_path / 'good.csv'}\n"
    wrong = kernel.run("log_metric('x')")  # a wrong signature is the caller's TypeError
    assert wrong["error"].startswith("TypeError") and "Error in callback" not in wrong["stdout"]

    record = kernel.finish()
    assert validate(record) == []
    assert record["metrics"] == {"acc": 0.75}
    assert record["params"] == {"alpha": 0.1}
    assert [d["path"] for d in record["data"]] == ["good.csv"]
    assert record["fingerprints"] == {}
    notes = record["notes"]
    assert len(notes) == len(set(notes))  # the second round adds no duplicate notes
    for fragment in ("log_metric('f')", "RuntimeError: no float", "log_metric('list')",
                     "log_param('e')", "SystemExit", "track_data(None)", "log_fingerprints('train')",
                     "no items"):
        assert any(fragment in n for n in notes), (fragment, notes)


# -- 14: a store made unwritable in the middle of a run ----------------------------------------
def _break(folder: Path) -> Path:
    """Move the store's folder aside and put a regular file in its place."""
    aside = folder.with_name(folder.name + "-aside")
    folder.rename(aside)
    folder.write_text("not a folder")
    return aside


def _mend(folder: Path, aside: Path) -> None:
    folder.unlink()
    aside.rename(folder)


def _status(store: Path, run_id: str) -> str:
    return RunStore(store).get(run_id)["status"]


@pytest.mark.e2e
def test_a_run_finished_while_the_store_was_unwritable_is_finalised_later(tmp_path, kernels):
    nb = write_notebook(tmp_path / "a.ipynb", [("x = 1", ["lifecycle:setup"]),
                                               ("y = x + 1", ["lifecycle:train"])])
    folder = tmp_path / "store"
    store = folder / "runs.sqlite"
    kernel = kernels(tmp_path, _kernel_env(nb, store))
    flush = "get_ipython()._jupyter_lifecycle_recorder.flush()"
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    assert kernel.run("x = 1", "c0")["error"] is None
    assert kernel.run(flush)["error"] is None
    first = RunStore(store).list()[0]["run_id"]
    assert _status(store, first) == "running"

    aside = _break(folder)
    broken = kernel.finish()
    assert broken["run_id"] == first and "cannot open the run store" in broken["store_error"]
    _mend(folder, aside)
    # the next successful write (the next run's flush) finalises the first run
    assert kernel.run("y = x + 1", "c1")["error"] is None
    assert kernel.run(flush)["error"] is None
    stored = RunStore(store).get(first)
    assert stored["status"] == "completed" and stored["store_error"] is None
    second = RunStore(store).list()[0]
    assert second["run_id"] != first and second["status"] == "running"

    aside = _break(folder)
    assert "cannot open the run store" in kernel.finish()["store_error"]
    _mend(folder, aside)
    # finish_run() in a later cell (which finishes the run that cell started) writes it too
    later = kernel.finish()
    assert later["run_id"] != second["run_id"] and later["store_error"] is None
    assert _status(store, second["run_id"]) == "completed"
    assert _status(store, later["run_id"]) == "completed"


# -- 15: NaN and infinity ------------------------------------------------------------------------
@pytest.mark.e2e
def test_nan_and_infinity_are_stored_and_returned_as_strict_json(tmp_path, kernels, env):
    nb = write_notebook(tmp_path / "a.ipynb", [
        ("import math", ["lifecycle:setup"]),
        ("rate = float('nan')\nlimit = -math.inf", ["parameters"]),
        ("metrics = {'loss': float('nan'), 'acc': 0.5}", ["lifecycle:evaluate"])])
    sources = _sources(nb)
    store = tmp_path / "runs.sqlite"
    kernel = kernels(tmp_path, _kernel_env(nb, store))
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    for cell_id in ("c0", "c1", "c2"):
        assert kernel.run(sources[cell_id], cell_id)["error"] is None
    out = kernel.run("from jupyter_lifecycle import log_metric, log_param, finish_run\n"
                     "import json\nlog_metric('peak', math.inf)\n"
                     "log_param('grid', [1.0, math.nan])\n"
                     "print(json.dumps(finish_run(), allow_nan=False))")
    assert out["error"] is None, out
    record = _strict_loads(out["stdout"].strip().splitlines()[-1])
    assert validate(record) == []
    assert record["metrics"] == {"loss": "nan", "acc": 0.5, "peak": "inf"}
    assert record["params"] == {"rate": "nan", "limit": "-inf", "grid": [1.0, "nan"]}
    assert sorted(record["nonfinite"]) == ["metrics.loss", "metrics.peak", "params.grid[1]",
                                           "params.limit", "params.rate"]
    assert RunStore(store).get(record["run_id"]) == record
    stored_text = sqlite3.connect(store).execute("SELECT record FROM runs").fetchone()[0]
    assert _strict_loads(stored_text) == record

    listed = subprocess.run([NB2PIPE, "runs", "list", "--json", "--store", str(store)],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    [row] = _strict_loads(listed.stdout)
    assert row["metrics"]["loss"] == "nan" and "metrics.loss" in row["nonfinite"]


def _raw_row(store: RunStore, run_id: str, text: str, version=SCHEMA_VERSION,
             started="2026-01-01T00:00:00.000+00:00") -> None:
    conn = sqlite3.connect(store.path)
    conn.execute("INSERT INTO runs VALUES (?, ?, '/p/a.ipynb', 'papermill', 'completed', ?, "
                 "NULL, 1.0, ?)", (run_id, version, started, text))
    conn.commit()
    conn.close()


def _minimal(run_id: str, **extra) -> dict:
    return {"schema_version": SCHEMA_VERSION, "run_id": run_id, "notebook": {"path": "/p/a.ipynb"},
            "kind": "papermill", "status": "completed", "started": "2026-01-02T00:00:00.000+00:00",
            "ended": None, "duration_s": 1.0, "params": {}, "metrics": {}, **extra}


def test_records_written_with_nan_by_older_versions_are_read_as_strict_json(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    store.save(_minimal("0" * 32))
    old = _minimal("1" * 32, metrics={"loss": float("nan"), "up": float("inf")})
    _raw_row(store, old["run_id"], json.dumps(old))  # json.dumps writes NaN and Infinity
    read = store.get("1111")
    assert read["metrics"] == {"loss": "nan", "up": "inf"}
    assert sorted(read["nonfinite"]) == ["metrics.loss", "metrics.up"]
    for listed in store.list():
        json.dumps(listed, allow_nan=False)
    # saving a record that holds NaN stores strict JSON too (records built elsewhere)
    store.save(_minimal("2" * 32, metrics={"m": float("-inf")}))
    text = sqlite3.connect(store.path).execute(
        "SELECT record FROM runs WHERE run_id = ?", ("2" * 32,)).fetchone()[0]
    assert _strict_loads(text)["metrics"] == {"m": "-inf"}


@pytest.mark.e2e
def test_mlflow_export_logs_nan_and_infinity_as_numbers(tmp_path):
    import math

    from mlflow.tracking import MlflowClient

    from jupyter_lifecycle.store.mlflow_export import export_record

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    record = _minimal("4" * 32, metrics={"loss": "nan", "up": "inf", "label": "nan", "acc": 0.5},
                      nonfinite=["metrics.loss", "metrics.up"])
    mlflow_id, created = export_record(record, uri)
    assert created
    metrics = MlflowClient(uri).get_run(mlflow_id).data.metrics
    assert math.isnan(metrics["loss"]) and metrics["acc"] == 0.5
    assert metrics["up"] >= sys.float_info.max  # MLflow's sqlite store caps infinity
    assert "label" not in metrics  # a string logged as such is not a number


# -- 10: rows that are not records ---------------------------------------------------------------
BAD_ROWS = {
    "a" * 32: "[1, 2]",
    "b" * 32: '"just a string"',
    "c" * 32: "null",
    "d" * 32: "{not json",
    "e" * 32: json.dumps(_minimal("e" * 32, notebook="a.ipynb")),
    "f" * 32: json.dumps(_minimal("f" * 32, metrics=[1, 2])),
}


def _store_with_bad_rows(tmp_path: Path) -> RunStore:
    store = RunStore(tmp_path / "runs.sqlite")
    store.save(_minimal("9" * 32, metrics={"acc": 0.5}))
    for run_id, text in BAD_ROWS.items():
        _raw_row(store, run_id, text)
    _raw_row(store, "8" * 32, json.dumps(_minimal("8" * 32)), version="not a number")
    return store


def test_one_bad_row_is_named_and_hides_no_other_row(tmp_path):
    store = _store_with_bad_rows(tmp_path)
    listed = store.list()
    assert len(listed) == 1 + len(BAD_ROWS) + 1
    good = [r for r in listed if "unreadable" not in r]
    assert [r["run_id"] for r in good] == ["9" * 32]
    for row in listed:
        if "unreadable" in row:
            assert row["unreadable"].startswith(f"run {row['run_id']}: "), row
            assert row["metrics"] == {} and isinstance(row["notebook"], dict)
    by_id = {r["run_id"]: r["unreadable"] for r in listed if "unreadable" in r}
    assert by_id["a" * 32].endswith("the stored record is not a JSON object (it is an array)")
    assert by_id["c" * 32].endswith("not a JSON object (it is null)")
    assert "not valid JSON" in by_id["d" * 32]
    assert by_id["e" * 32].endswith("malformed (its 'notebook' is a string, not an object or null)")
    assert by_id["f" * 32].endswith("malformed (its 'metrics' is an array, not an object)")
    assert "schema version 'not a number' is not an integer" in by_id["8" * 32]
    for run_id in BAD_ROWS:
        with pytest.raises(StoreError, match=f"run {run_id}"):
            store.get(run_id)


@pytest.mark.e2e
def test_runs_list_and_show_with_bad_rows(tmp_path, env):
    store = _store_with_bad_rows(tmp_path)

    def run(*args):
        return subprocess.run([NB2PIPE, "runs", *args, "--store", store.path], cwd=tmp_path,
                              capture_output=True, text=True, env=env, timeout=120)

    table = run("list")
    assert table.returncode == 0 and "Traceback" not in table.stderr, table.stderr
    assert "99999999" in table.stdout and "acc=0.5" in table.stdout
    for run_id in BAD_ROWS:
        assert run_id[:8] in table.stdout
    words = " ".join(table.stdout.split())  # the table may fold a long cell over lines
    assert "the stored record is not a JSON object (it is an array)" in words
    as_json = run("list", "--json")
    assert as_json.returncode == 0, as_json.stderr
    rows = _strict_loads(as_json.stdout)
    assert sorted(r["run_id"] for r in rows if "unreadable" not in r) == ["9" * 32]
    assert len(rows) == len(BAD_ROWS) + 2
    shown = run("show", "aaaaaa")
    assert shown.returncode == 2 and "Traceback" not in shown.stderr
    assert f"run {'a' * 32}" in shown.stderr and "not a JSON object" in shown.stderr


# -- the server's runs route -----------------------------------------------------------------
pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config(jp_server_config):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_lifecycle": True}}}


async def test_the_runs_route_returns_strict_json_for_nan_and_bad_rows(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "a.ipynb", [("x = 1", [])])
    (jp_root_dir / ".lifecycle").mkdir()
    store = RunStore(jp_root_dir / ".lifecycle" / "runs.sqlite")
    nb = str(jp_root_dir / "a.ipynb")
    store.save(dict(_minimal("1" * 32, metrics={"loss": float("nan")}), notebook={"path": nb}))
    old = dict(_minimal("2" * 32, metrics={"up": float("inf")}), notebook={"path": nb})
    conn = sqlite3.connect(store.path)
    conn.execute("INSERT INTO runs VALUES (?, ?, ?, 'papermill', 'completed', ?, NULL, 1.0, ?)",
                 ("2" * 32, SCHEMA_VERSION, nb, "2026-01-03", json.dumps(old)))
    conn.execute("INSERT INTO runs VALUES (?, ?, ?, 'papermill', 'completed', ?, NULL, 1.0, ?)",
                 ("3" * 32, SCHEMA_VERSION, nb, "2026-01-04", "[1]"))
    conn.commit()
    conn.close()
    response = await jp_fetch("jupyter-lifecycle", "runs", params={"path": "a.ipynb"})
    data = _strict_loads(response.body.decode())
    by_id = {r["run_id"]: r for r in data["runs"]}
    assert by_id["1" * 32]["metrics"] == {"loss": "nan"}
    assert by_id["2" * 32]["metrics"] == {"up": "inf"}
    assert "not a JSON object" in by_id["3" * 32]["unreadable"]
    one = await jp_fetch("jupyter-lifecycle", "runs", "2" * 32, params={"path": "a.ipynb"})
    assert _strict_loads(one.body.decode())["nonfinite"] == ["metrics.up"]
