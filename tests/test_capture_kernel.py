"""Interactive capture in real kernels, driven through jupyter_client like JupyterLab drives them:
each execute request carries ``metadata={"cellId": ...}``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from jupyter_client import KernelManager

from jupyter_lifecycle.capture.record import validate
from jupyter_lifecycle.capture.store import RunStore

from conftest import write_notebook

pytestmark = pytest.mark.e2e


class Kernel:
    """A real ipykernel; ``run`` sends one cell (with a cell id, like JupyterLab)."""

    def __init__(self, cwd: Path, env: dict, extra_arguments=()):
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env={**os.environ, **env}, cwd=str(cwd),
                             extra_arguments=list(extra_arguments))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, cell_id: str | None = None, timeout: float = 60) -> dict:
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        msg = self.kc.session.msg("execute_request", content,
                                  metadata={"cellId": cell_id} if cell_id else {})
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        out = {"stdout": "", "stderr": "", "error": None}
        while True:
            reply = self.kc.get_iopub_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            kind, body = reply["msg_type"], reply["content"]
            if kind == "stream":
                out[body["name"]] += body["text"]
            elif kind == "error":
                out["error"] = f"{body['ename']}: {body['evalue']}"
            elif kind == "status" and body["execution_state"] == "idle":
                break
        while self.kc.get_shell_msg(timeout=timeout)["parent_header"].get("msg_id") != msg_id:
            pass
        return out

    def finish(self) -> dict:
        out = self.run("import json as _j; from jupyter_lifecycle import finish_run as _f; "
                       "print(_j.dumps(_f()))")
        assert out["error"] is None, out
        return json.loads(out["stdout"].strip().splitlines()[-1])

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


@pytest.fixture
def kernels():
    started = []

    def start(cwd, env, extra_arguments=()):
        kernel = Kernel(cwd, env, extra_arguments)
        started.append(kernel)
        return kernel

    yield start
    for kernel in started:
        if kernel.km.has_kernel:
            kernel.km.shutdown_kernel(now=True)


CELLS = [
    ("import numpy as np", ["lifecycle:setup"]),
    ("alpha = 0.5\nname = 'run'\ndata_path = 'data.csv'", ["parameters"]),
    ("rows = open('data.csv').read().splitlines()", ["lifecycle:ingest"]),
    ("weights = np.arange(len(rows)) * alpha", ["lifecycle:train"]),
    ("metrics = {'total': float(weights.sum()), 'n': len(rows), 'model': name, 'bad': [1]}",
     ["lifecycle:evaluate"]),
    ("with open('model.txt', 'w') as f:\n    f.write(str(weights.tolist()))", ["lifecycle:deploy"]),
]


def _project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data.csv").write_text("a\n1\n2\n")
    nb = write_notebook(tmp_path / "analysis.ipynb", CELLS)
    sources = {c["id"]: "".join(c["source"]) for c in json.loads(nb.read_text())["cells"]}
    return nb, sources


def test_interactive_run_is_recorded_with_stages_params_metrics_and_files(tmp_path, kernels):
    nb, sources = _project(tmp_path)
    store = tmp_path / "runs.sqlite"
    kernel = kernels(tmp_path, {"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb),
                                "JUPYTER_LIFECYCLE_STORE": str(store),
                                "JUPYTER_LIFECYCLE_BOUNDARIES": json.dumps(
                                    {"train": ["weights", "nothing"], "ingest": ["rows"]})})
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    for cell_id in ("c0", "c1", "c2"):
        assert kernel.run(sources[cell_id], cell_id)["error"] is None
    assert "NameError" in kernel.run("weights = np.arange(len(rowz))", "c3")["error"]
    for cell_id in ("c3", "c4", "c5"):  # c3 fixed and re-run: the failure is cleared
        assert kernel.run(sources[cell_id], cell_id)["error"] is None
    assert kernel.run(sources["c3"], "c3")["error"] is None  # out of order: after c5
    assert kernel.run("from jupyter_lifecycle import log_metric, track_data\n"
                      "log_metric('extra', 2)\ntrack_data('data.csv')")["error"] is None

    # interactive sessions are flushed (as `running`) every few seconds without finish_run()
    deadline = time.time() + 15
    while time.time() < deadline:
        if store.exists() and RunStore(store).list():
            break
        time.sleep(0.3)
    running = RunStore(store).list()
    assert running and running[0]["status"] == "running"

    record = kernel.finish()
    assert validate(record) == []
    assert record["run_id"] == running[0]["run_id"]
    assert record["kind"] == "interactive" and record["status"] == "completed"
    assert record["failure"] is None
    assert record["notebook"]["path"] == str(nb) and len(record["notebook"]["sha256"]) == 64
    assert record["params"] == {"alpha": 0.5, "name": "run", "data_path": "data.csv"}
    assert record["metrics"] == {"total": 1.5, "n": 3, "model": "run", "extra": 2}
    cells = record["cells"]
    assert [(c["cell_id"], c["stage"]) for c in cells[:9]] == [
        ("c0", "setup"), ("c1", "parameters"), ("c2", "ingest"), ("c3", "train"),
        ("c3", "train"), ("c4", "evaluate"), ("c5", "deploy"), ("c3", "train"), (None, None)]
    assert cells[3]["status"] == "error" and cells[3]["error"]["name"] == "NameError"
    assert [c["order"] for c in cells] == list(range(1, len(cells) + 1))
    assert all(c["execution_count"] for c in cells)
    assert cells[8]["source_sha256"] and any("without a cell id" in n for n in record["notes"])
    assert set(record["stages"]) == {"setup", "parameters", "ingest", "train", "evaluate",
                                     "deploy"}
    assert record["stages"]["train"]["cells"] == 3
    assert record["out_of_order"]["detected"] is True
    assert record["out_of_order"]["cells"] == [{"cell_id": "c3", "index": 3, "order": 8,
                                                "after_index": 5}]
    assert set(record["fingerprints"]) == {"train", "ingest"}
    assert len(record["fingerprints"]["train"]["weights"]) == 64
    assert record["fingerprints"]["train"]["nothing"] is None
    assert [(d["path"], d["source"]) for d in record["data"]] == [("data.csv", "ingest")]
    assert [a["path"] for a in record["artifacts"]] == ["model.txt"]
    import hashlib

    assert record["artifacts"][0]["sha256"] == hashlib.sha256(
        (tmp_path / "model.txt").read_bytes()).hexdigest()
    assert "numpy" in record["environment"]["packages"]
    assert any("not float/int/str" in n and "bad" in n for n in record["notes"])
    assert RunStore(store).get(record["run_id"][:8]) == record

    # the next cell starts a new run; a graceful shutdown writes it (atexit)
    assert kernel.run(sources["c0"], "c0")["error"] is None
    kernel.shutdown()
    runs = RunStore(store).list()
    assert len(runs) == 2 and runs[0]["run_id"] != record["run_id"]
    assert runs[0]["status"] == "completed" and runs[0]["cells"][0]["cell_id"] == "c0"


def test_a_failing_hook_warns_once_disables_itself_and_cells_keep_running(tmp_path, kernels):
    nb, sources = _project(tmp_path)
    kernel = kernels(tmp_path, {"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb),
                                "JUPYTER_LIFECYCLE_STORE": str(tmp_path / "runs.sqlite")})
    assert kernel.run("%load_ext jupyter_lifecycle.capture")["error"] is None
    assert kernel.run(sources["c0"], "c0")["error"] is None
    broken = kernel.run(
        "class Boom(dict):\n    def get(self, *a):\n        raise RuntimeError('injected')\n"
        "get_ipython()._jupyter_lifecycle_recorder._special = Boom()", "c1")
    assert broken["error"] is None
    assert broken["stderr"].count("capture stopped after an internal error") == 1
    assert "RuntimeError: injected" in broken["stderr"]
    later = [kernel.run(f"print({i} * 2)", f"x{i}") for i in range(3)]
    assert [o["stdout"] for o in later] == ["0\n", "2\n", "4\n"]
    assert all(o["error"] is None and "capture" not in o["stderr"] for o in later)
    record = kernel.finish()
    assert [c["cell_id"] for c in record["cells"]] == ["c0", "c1"]  # nothing after the failure
    assert any("capture stopped" in n for n in record["notes"])


def test_an_unwritable_store_leaves_the_run_going_and_says_so(tmp_path, kernels):
    nb, sources = _project(tmp_path)
    (tmp_path / "blocker").write_text("a regular file")
    kernel = kernels(tmp_path, {"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb), "JUPYTER_LIFECYCLE_STORE":
                                str(tmp_path / "blocker" / "runs.sqlite")})
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    for cell_id in ("c0", "c1", "c2"):
        assert kernel.run(sources[cell_id], cell_id)["error"] is None
    out = kernel.run("import json; from jupyter_lifecycle import finish_run; "
                     "r = finish_run(); print(json.dumps(r))")
    assert out["error"] is None
    record = json.loads(out["stdout"].strip())
    assert record["status"] == "completed"
    assert [c["cell_id"] for c in record["cells"]] == ["c0", "c1", "c2", None]  # + this cell
    assert "cannot open the run store" in record["store_error"]
    assert "could not be written to the run store" in out["stderr"]
    assert kernel.run("print('still here')")["stdout"] == "still here\n"


def test_kernelspec_ext_argument_loads_capture_and_exit_writes_the_record(tmp_path, kernels):
    store = tmp_path / "runs.sqlite"
    kernel = kernels(tmp_path, {"JUPYTER_LIFECYCLE_STORE": str(store),
                                "JUPYTER_LIFECYCLE_KIND": "interactive",
                                "JUPYTER_LIFECYCLE_RUN_ID": "feedc0de" * 4},
                     extra_arguments=["--ext=jupyter_lifecycle"])
    assert kernel.run("x = 41")["error"] is None  # nbclient-style: no cell id
    assert kernel.run("x += 1")["error"] is None
    kernel.shutdown()
    record = RunStore(store).get("feedc0de")
    assert record["status"] == "completed" and record["notebook"]["path"] is None
    assert [(c["cell_id"], c["stage"]) for c in record["cells"]] == [(None, None), (None, None)]
    assert any("notebook is unknown" in n for n in record["notes"])


def test_a_run_starts_at_its_first_cell_and_hashes_the_code_that_ran(tmp_path, kernels):
    nb, sources = _project(tmp_path)
    store = tmp_path / "runs.sqlite"
    kernel = kernels(tmp_path, {"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb),
                                "JUPYTER_LIFECYCLE_STORE": str(store)})
    assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
    from datetime import datetime

    def one_run(second_cell: str) -> dict:
        before = datetime.now().astimezone()
        assert kernel.run(sources["c0"], "c0")["error"] is None
        assert kernel.run(second_cell, "c1")["error"] is None
        record = kernel.finish()
        assert datetime.fromisoformat(record["started"]) >= before  # not the kernel's start
        assert record["duration_s"] <= (datetime.now().astimezone() - before).total_seconds()
        return record

    first, again = one_run(sources["c1"]), one_run(sources["c1"])
    edited = one_run(sources["c1"].replace("0.5", "0.25"))  # an unsaved edit in the cell
    assert len({first["run_id"], again["run_id"], edited["run_id"]}) == 3
    assert first["notebook"]["code_sha256"] == again["notebook"]["code_sha256"]
    assert edited["notebook"]["code_sha256"] != first["notebook"]["code_sha256"]
    assert edited["notebook"]["sha256"] == first["notebook"]["sha256"]  # the file did not change
    assert edited["params"] == {**first["params"], "alpha": 0.25}
    from jupyter_lifecycle.run.compare import compare

    rows = {r["key"]: r for r in compare(first, edited)["sections"]["run"]}
    assert rows["code sha256"]["same"] is False and rows["notebook sha256"]["same"] is True
