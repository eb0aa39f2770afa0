"""Capture's building blocks, in process: schema, layout, files, environment, git, config."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.capture import _config, environment, gitinfo, record
from jupyter_lifecycle.capture.files import (FileHasher, assigned_names, jsonable,
                                             path_candidates, plain_metrics)
from jupyter_lifecycle.capture.layout import build_layout, read_layout

from conftest import SAMPLES, make_notebook, write_notebook


# -- import discipline --------------------------------------------------------------------------
def test_capture_imports_nothing_heavy_and_nothing_else_of_ours():
    code = ("import sys, jupyter_lifecycle.capture.recorder, jupyter_lifecycle.capture.store\n"
            "import jupyter_lifecycle.capture.environment, jupyter_lifecycle.capture.gitinfo\n"
            "mods = sorted(m for m in sys.modules if m.startswith('jupyter_lifecycle'))\n"
            "heavy = [m for m in ('nbformat', 'libcst', 'numpy', 'pandas', 'papermill', 'rich', "
            "'click', 'IPython') if m in sys.modules]\n"
            "print(mods); print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    mods, heavy = out.stdout.splitlines()
    assert all(m == "jupyter_lifecycle" or m.startswith("jupyter_lifecycle.capture")
               for m in eval(mods)), mods
    assert eval(heavy) == []


def test_import_jupyter_lifecycle_stays_cheap_and_exports_lazily():
    code = ("import sys, jupyter_lifecycle as j\n"
            "print(sorted(m for m in sys.modules if m.startswith('jupyter_lifecycle')))\n"
            "print(callable(j.log_metric), callable(j.finish_run), callable(j.track_data), "
            "callable(j.log_param), callable(j.load_ipython_extension))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()
    assert eval(first) == ["jupyter_lifecycle"]
    assert second == "True True True True True"


# -- schema -------------------------------------------------------------------------------------
def test_validator_reports_missing_keys_and_wrong_types():
    assert record.validate({})  # everything missing
    problems = record.validate({"schema_version": 1, "run_id": 3})
    assert any("run_id: expected string" in p for p in problems)
    assert any("missing key 'notebook'" in p for p in problems)
    assert record.SCHEMA["properties"]["schema_version"]["enum"] == [record.SCHEMA_VERSION]
    json.dumps(record.SCHEMA)  # the schema itself is JSON


# -- layout ---------------------------------------------------------------------------------------
def test_layout_effective_stages_parameters_and_last_cells(tmp_path):
    nb = make_notebook([
        "import os",                                    # c0: setup (before any tag)
        ("x = 1", ["parameters"]),                      # c1: parameters
        ("# Load", ["lifecycle:ingest"], "markdown"),   # c2: a tagged heading tags its section
        "df = 1",                                       # c3: ingest (inherited from markdown)
        ("m = 2", ["lifecycle:fit"]),                   # c4: train (alias)
        "",                                             # c5: empty: never the last cell
        ("n = 3", ["injected-parameters"]),             # c6: parameters
    ])
    layout = build_layout(nb["cells"])
    stages = {cid: place.stage for cid, place in layout.cells.items()}
    assert stages == {"c0": "setup", "c1": "parameters", "c3": "ingest", "c4": "train",
                      "c5": "train", "c6": "parameters"}
    assert layout.last_of_stage == {"setup": "c0", "parameters": "c6", "ingest": "c3",
                                    "train": "c4"}
    assert layout.cells["c3"].index == 3


def test_layout_reads_sample_and_project_aliases(tmp_path):
    layout = read_layout(str(SAMPLES / "iris_classification.ipynb"))
    assert layout.cells["train-importances"].stage == "train"
    assert layout.last_of_stage["evaluate"] == "evaluate-metrics"
    (tmp_path / "pyproject.toml").write_text('[tool.nb2pipe]\naliases = { learn = "train" }\n')
    path = write_notebook(tmp_path / "a.ipynb", [("y = 1", ["lifecycle:learn"])])
    assert read_layout(str(path)).cells["c0"].stage == "train"
    assert read_layout(str(tmp_path / "missing.ipynb")) is None


# -- files and values -----------------------------------------------------------------------------
def test_assigned_names_and_path_candidates(tmp_path):
    assert assigned_names("a = 1\nb: int = 2\nc, (d, e) = 1, (2, 3)\nf += 1\nprint(a)") == [
        "a", "b", "c", "d", "e", "f"]
    assert assigned_names("not python (") == []
    found = path_candidates("df = read('data.csv')\nsave(model_path)\nx = other",
                            {"model_path": tmp_path / "m.bin", "other": 3})
    assert found == ["data.csv", str(tmp_path / "m.bin")]


def test_jsonable_and_plain_metrics():
    import numpy as np

    assert jsonable({"a": (1, 2.5, "s", None), "p": Path("x/y")}) == {
        "a": [1, 2.5, "s", None], "p": "x/y"}
    assert jsonable(np.float64(0.5)) == 0.5 and jsonable(np.int64(3)) == 3
    assert jsonable(object()).startswith("<object object")
    kept, skipped = plain_metrics({"acc": np.float64(0.9), "n": 3, "name": "rf",
                                   "cm": [[1, 2]], "arr": np.zeros(2)})
    assert kept == {"acc": 0.9, "n": 3, "name": "rf"} and skipped == ["cm", "arr"]


def test_file_hasher(tmp_path):
    path = tmp_path / "d.bin"
    path.write_bytes(b"abc")
    entry = FileHasher().entry(str(path), shown="d.bin", source="ingest", cell_id="c")
    assert entry["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert entry["size"] == 3 and entry["path"] == "d.bin"
    assert FileHasher().entry(str(tmp_path / "nope"), shown="", source="", cell_id=None) is None


# -- environment ----------------------------------------------------------------------------------
def test_packages_match_importlib_metadata():
    import sklearn  # noqa: F401
    import yaml  # noqa: F401

    environment.refresh()
    pins, unmapped = environment.packages({"sklearn", "yaml", "numpy", "jupyter_lifecycle",
                                           "dateutil"})
    for dist in ("scikit-learn", "pyyaml", "numpy", "jupyter-lifecycle", "python-dateutil"):
        assert pins[dist] == importlib.metadata.version(dist), dist
    assert unmapped == []


def test_run_modules_are_third_party_and_new():
    baseline = frozenset(m.partition(".")[0] for m in sys.modules) - {"yaml"}
    import yaml  # noqa: F401

    found = environment.run_modules(baseline, ["import json\nfrom sklearn import svm\n"])
    assert "yaml" in found and "json" not in found
    assert ("sklearn" in found) == ("sklearn" in sys.modules)


def test_environment_capture_warm_gives_the_cold_record():
    """The second capture reads the cached distribution scan (its time: benchmarks/unit_bench.py)."""
    import sklearn  # noqa: F401

    cold = environment.environment({"sklearn", "numpy", "pandas"})
    warm = environment.environment({"sklearn", "numpy", "pandas"})
    assert warm == cold
    assert warm["python"] == ".".join(map(str, sys.version_info[:3]))


# -- git ------------------------------------------------------------------------------------------
def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                            GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t"))


def test_git_info_clean_dirty_and_not_a_repo(tmp_path):
    assert gitinfo.git_info(tmp_path) is None
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "a.txt").write_text("1\n")
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "commit", "-q", "-m", "one")
    clean = gitinfo.git_info(tmp_path)
    assert clean["branch"] == "main" and len(clean["commit"]) == 40
    assert clean["dirty"] is False and clean["diff_sha256"] is None
    (tmp_path / "a.txt").write_text("2\n")
    dirty = gitinfo.git_info(tmp_path / "a.txt")
    assert dirty["dirty"] is True and len(dirty["diff_sha256"]) == 64
    assert dirty["commit"] == clean["commit"]


# -- configuration --------------------------------------------------------------------------------
def test_config_from_env_root_and_problems(tmp_path):
    project = tmp_path / "proj"
    (project / "notebooks").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    nb = project / "notebooks" / "a.ipynb"
    nb.write_text("{}")
    config = _config.from_env({"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb),
                               "JUPYTER_LIFECYCLE_KIND": "batch",
                               "JUPYTER_LIFECYCLE_BOUNDARIES": "{not json"})
    assert config.root == str(project)
    assert config.store == str(project / ".lifecycle" / "runs.sqlite")
    assert config.kind == "interactive" and len(config.notes) == 2
    by_session = _config.from_env({}, user_ns={"__session__": "a.ipynb"},
                                  cwd=str(project / "notebooks"))
    assert by_session.notebook == str(nb)
    alone = tmp_path / "alone"
    alone.mkdir()
    root = _config.find_root(alone / "x.ipynb")  # no marker here: the folder itself, unless an
    assert root == alone or (  # ancestor of the temporary folder happens to hold a marker
        root in alone.parents and any((root / m).exists() for m in _config.ROOT_MARKERS))
    assert _config.from_env({"JUPYTER_LIFECYCLE_STORE": "s.sqlite"}, cwd=str(alone)).store \
        == os.path.abspath("s.sqlite")


# -- runs without IPython (scripts, generated pipelines) --------------------------------------
def test_pipeline_runs_record_stages_metrics_params_and_failures(tmp_path):
    from jupyter_lifecycle import capture
    from jupyter_lifecycle.capture.store import RunStore

    store = tmp_path / "runs.sqlite"
    data = tmp_path / "in.csv"
    data.write_text("x\n1\n")
    run_id = capture.start_run(store=store, params={"alpha": 0.1},
                               boundaries={"train": ["model"]})
    with capture.stage("train"):
        capture.log_fingerprints("train", {"model": [1, 2, 3]})
    capture.log_metric("acc", 0.75)
    capture.log_param("beta", (1, 2))
    capture.track_data(data)
    with pytest.raises(ValueError):
        with capture.stage("evaluate"):
            raise ValueError("bad split")
    record = capture.finish_run()
    assert record["run_id"] == run_id and record["kind"] == "pipeline"
    assert record["status"] == "failed"
    assert record["failure"] == {"cell_id": None, "index": None, "stage": "evaluate",
                                 "error": {"name": "ValueError", "message": "bad split"}}
    assert list(record["stages"]) == ["train", "evaluate"]
    assert record["params"] == {"alpha": 0.1, "beta": [1, 2]}
    assert record["metrics"] == {"acc": 0.75}
    assert record["data"][0]["source"] == "track_data" and record["data"][0]["size"] == 4
    assert len(record["fingerprints"]["train"]["model"]) == 64
    assert RunStore(store).get(run_id)["status"] == "failed"
    assert capture.finish_run() == record  # idempotent


def test_capture_aliases_match_the_stage_table():
    """capture repeats the default aliases (it may not import stages.py): keep them in step."""
    from jupyter_lifecycle.capture.layout import DEFAULT_ALIASES
    from jupyter_lifecycle.stages import DEFAULT_STAGES

    assert DEFAULT_ALIASES == {alias: s.name for s in DEFAULT_STAGES for alias in s.aliases}
