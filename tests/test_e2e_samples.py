"""End to end, on every sample notebook, with real kernels, papermill and pytest.

convert → the generated package's own tests pass → ``python -m pkg`` prints the notebook's metrics
→ ``papermill run.ipynb -p X v`` gives the same metrics as the original notebook run through
papermill with ``-p X v``, and they differ from the defaults.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys

import nbformat
import papermill
import pytest

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.notebook import read_notebook
from jupyter_lifecycle.notebook.outputs import recorded_metrics

from conftest import SAMPLE_NAMES, SAMPLES

pytestmark = pytest.mark.e2e

# A parameter that changes each sample's metrics, and the value to rerun with.
RERUN = {
    "iris_classification": ("n_estimators", 10),
    "diabetes_regression": ("alpha", 10.0),
    "wine_clustering": ("n_clusters", 4),
    "digits_magics": ("C", 1.0),
    "breast_cancer_pipeline": ("C_values", [0.01, 0.03]),
}
DEFAULT_METRICS = json.loads((SAMPLES / "executed" / "metrics.json").read_text())


def test_every_sample_has_a_rerun_parameter():
    assert set(RERUN) == set(SAMPLE_NAMES)


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-12) if isinstance(a[k], float) else a[k] == b[k]
        for k in a)


def papermill_metrics(notebook, out, cwd, parameters) -> dict:
    papermill.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name="python3",
                               cwd=str(cwd), progress_bar=False, log_output=False)
    metrics = recorded_metrics(read_notebook(out))
    assert metrics is not None, f"{out} shows no metrics"
    return metrics


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Each sample's executed copy converted once into a fresh directory."""
    root = tmp_path_factory.mktemp("samples")
    out = {}
    for name in SAMPLE_NAMES:
        nb = root / f"{name}.ipynb"
        shutil.copy(SAMPLES / "executed" / f"{name}.ipynb", nb)
        result = convert(nb, root / f"{name}_pipeline")
        assert not result.errors, [str(d) for d in result.errors]
        out[name] = result
    return out


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_generated_package_tests_pass(converted, name, venv_env):
    result = converted[name]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=result.out_dir, capture_output=True, text=True, env=venv_env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in done.stdout and "failed" not in done.stdout
    # The regression test exists because the executed notebook shows its metrics.
    assert (result.out_dir / "tests" / "expected_metrics.json").exists()


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_cli_reproduces_the_notebook_metrics(converted, name, venv_env, tmp_path):
    result = converted[name]
    store = tmp_path / "runs.sqlite"
    notebook = result.out_dir.parent / f"{name}.ipynb"
    env = dict(venv_env, PYTHONPATH=str(result.out_dir / "src"), JUPYTER_LIFECYCLE_STORE=str(store))
    done = subprocess.run([sys.executable, "-m", result.package, "--output", str(tmp_path / "r.json"),
                           "--workdir", str(notebook.parent)],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "r.json").read_text())["metrics"]
    assert close(metrics, DEFAULT_METRICS[name])
    # The run was recorded like a notebook run: kind "pipeline", its stages timed, its metrics,
    # and the notebook of the folder it ran in (found there by name, not by the package's path).
    (record,) = RunStore(store).list()
    assert record["kind"] == "pipeline" and record["status"] == "completed"
    assert close(record["metrics"], DEFAULT_METRICS[name])
    assert list(record["stages"]) == [s.name for s in result.graph.stages]
    assert record["notebook"]["path"] == str(notebook)
    assert record["notebook"]["sha256"] == hashlib.sha256(notebook.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_papermill_rerun_matches_the_notebook_with_the_same_parameter(converted, name, tmp_path,
                                                                     monkeypatch):
    result = converted[name]
    param, value = RERUN[name]
    original = papermill_metrics(SAMPLES / f"{name}.ipynb", tmp_path / "original.ipynb", tmp_path,
                                 {param: value})
    rerun_dir = tmp_path / "rerun"
    rerun_dir.mkdir()
    # run.ipynb imports the installed package (here: on the kernel's path), from any folder.
    monkeypatch.setenv("PYTHONPATH", str(result.out_dir / "src"))
    rerun = papermill_metrics(result.out_dir / "run.ipynb", tmp_path / "rerun.ipynb", rerun_dir,
                              {param: value})
    assert close(rerun, original), (rerun, original)
    assert not close(rerun, DEFAULT_METRICS[name]), "the parameter did not change the metrics"


def test_run_notebook_is_papermill_ready(converted):
    nb = nbformat.read(converted["iris_classification"].out_dir / "run.ipynb", as_version=4)
    nbformat.validate(nb)
    (params_cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert "n_estimators = 50" in params_cell.source
    assert "run(" in nb.cells[-1].source
