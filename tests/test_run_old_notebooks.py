"""``nb2pipe run`` on notebooks without cell ids (nbformat 4.4 and older, as older Jupyter wrote
them): the record names each cell by the id the reader gives it (``cell-<index>``), the same in
every run, so per-stage timings, fingerprints and ``runs show`` refer to the user's cells."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_faithful_more import _old_notebook

pytestmark = pytest.mark.e2e
NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")

def _run(*args, cwd, env):
    return subprocess.run([NB2PIPE, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_run_of_a_notebook_without_cell_ids_names_the_readers_cells(tmp_path, env):
    nb = _old_notebook(tmp_path / "old.ipynb", [
        ("scale = 2", ["parameters"]),
        ("xs = [1, 2, 3]", ["lifecycle:ingest"]),
        ("total = scale * sum(xs)", ["lifecycle:train"]),
        ("metrics = {'total': total}", ["lifecycle:evaluate"]),
    ])
    before = nb.read_bytes()
    records = []
    for scale in ("3", "4"):
        done = _run("run", nb.name, "-p", "scale", scale, "--fingerprint", "--json",
                    cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        records.append(json.loads(done.stdout))
    first, second = records
    assert first["metrics"] == {"total": 18} and second["metrics"] == {"total": 24}

    def placed(record):  # the 4 cells of the notebook and papermill's injected parameters
        assert len(record["cells"]) == 5, record["cells"]
        return [(c["cell_id"], c["stage"]) for c in record["cells"]
                if str(c["cell_id"]).startswith("cell-")]

    assert placed(first) == [("cell-0", "parameters"), ("cell-1", "ingest"),
                             ("cell-2", "train"), ("cell-3", "evaluate")], first["cells"]
    assert placed(second) == placed(first)
    assert {s: v["cells"] for s, v in first["stages"].items()} == {
        "parameters": 2, "ingest": 1, "train": 1, "evaluate": 1}  # + papermill's injected cell
    assert set(first["fingerprints"]) == {"ingest", "train", "evaluate"}, first["fingerprints"]
    assert first["fingerprints"]["ingest"]["xs"] == second["fingerprints"]["ingest"]["xs"]
    assert first["fingerprints"]["train"]["total"] != second["fingerprints"]["train"]["total"]
    assert nb.read_bytes() == before  # the user's notebook is left alone
    output = json.loads(Path(first["output"]).read_text(encoding="utf-8"))
    assert output["metadata"]["papermill"]["input_path"] == str(nb)
    shown = _run("runs", "show", first["run_id"][:8], cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "cell-2" in shown.stdout and "train" in shown.stdout


def test_a_kernel_dying_in_a_notebook_without_cell_ids_is_placed_at_its_stage(tmp_path, env):
    nb = _old_notebook(tmp_path / "die.ipynb", [("x = 1", ["lifecycle:setup"]),
                                                ("import os\nos._exit(3)", ["lifecycle:train"])])
    done = _run("run", nb.name, cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "cell 1 (id cell-1, stage train)" in done.stderr, done.stderr
