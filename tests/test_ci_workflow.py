"""The GitHub workflow `nb2pipe convert` writes: valid against GitHub's workflow schema, built from
the [tool.nb2pipe.ci] matrix, refused with a clear message for a bad --ci-matrix file, left out
with --no-ci; and the generated ci_check.py judging executed notebooks."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.ci.config import CiConfigError, parse_config, read_config_file
from jupyter_lifecycle.cli import main

from conftest import SAMPLES
from test_dead_values import ruff_findings
from test_faithful import undefined_names, unused_imports

PACKAGE = "iris_workflow"
MATRIX = {"matrix": [{"name": "small-forest", "params": {"n_estimators": 5}},
                     {"name": "shallow", "params": {"max_depth": 2, "model_path": "it's.joblib"}}],
          "metrics": {"accuracy": {"min": 0.8}, "log_loss": {"max": 0.6},
                      "f1_macro": {"equals": 0.9, "tolerance": 0.1}}}


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow")
    matrix = root / "matrix.json"
    matrix.write_text(json.dumps(MATRIX), encoding="utf-8")
    result = convert(SAMPLES / "iris_classification.ipynb", root / "pkg", package=PACKAGE,
                     ci_matrix=matrix)
    assert result.written and not result.errors
    return result.out_dir


def workflow_of(out: Path) -> dict:
    return yaml.safe_load((out / ".github" / "workflows" / f"{PACKAGE}.yml").read_text())


def test_the_workflow_validates_against_githubs_workflow_schema(converted):
    path = converted / ".github" / "workflows" / f"{PACKAGE}.yml"
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_workflow(converted, tmp_path):
    data = workflow_of(converted)
    del data["jobs"]["pipeline"]["runs-on"]
    data["jobs"]["pipeline"]["steps"][0]["uses"] = 3
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(data))
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(broken)], capture_output=True, text=True)
    assert done.returncode != 0


def test_the_workflow_has_the_steps_in_order_and_the_matrix(converted):
    job = workflow_of(converted)["jobs"]["pipeline"]
    include = job["strategy"]["matrix"]["include"]
    assert [e["name"] for e in include] == ["default", "small-forest", "shallow"]
    assert [json.loads(e["params"]) for e in include] == [
        {}, {"n_estimators": 5}, {"max_depth": 2, "model_path": "it's.joblib"}]
    steps = job["steps"]
    assert [s.get("uses", "").split("@")[0] for s in steps if "uses" in s] == [
        "actions/checkout", "actions/setup-python", "actions/upload-artifact"]
    assert steps[1]["with"]["python-version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    scripts = [s.get("run", "") for s in steps]
    order = ["requirements.lock", "pytest", "papermill", "ci_check.py"]
    positions = [next(i for i, text in enumerate(scripts) if word in text) for word in order]
    assert positions == sorted(positions)
    assert "$CI_PARAMS" in scripts[positions[2]]  # parameters via env, never pasted into the shell
    assert steps[-1]["if"] == "always()" and "matrix.name" in steps[-1]["with"]["name"]
    text = (converted / ".github" / "workflows" / f"{PACKAGE}.yml").read_text()
    assert "/tmp" not in text and str(Path.home()) not in text


def test_pyproject_keeps_the_matrix_and_a_regeneration_without_the_file_keeps_it(converted):
    table = tomllib.loads((converted / "pyproject.toml").read_text())["tool"]["nb2pipe"]["ci"]
    assert parse_config(table, "pyproject") == parse_config(MATRIX, "pyproject")
    before = (converted / ".github" / "workflows" / f"{PACKAGE}.yml").read_text()
    again = convert(SAMPLES / "iris_classification.ipynb", converted, package=PACKAGE, force=True)
    assert again.written and not again.plan.update and not again.plan.create
    assert (converted / ".github" / "workflows" / f"{PACKAGE}.yml").read_text() == before


def test_no_ci_writes_no_workflow(tmp_path):
    out = tmp_path / "plain"
    done = CliRunner().invoke(main, ["convert", str(SAMPLES / "iris_classification.ipynb"),
                                     "-o", str(out), "--name", "iris_plain", "--no-ci"])
    assert done.exit_code == 0, done.output
    assert (out / "pyproject.toml").is_file()
    assert not (out / ".github").exists() and not (out / "ci_check.py").exists()


@pytest.mark.parametrize("name, text, field", [
    ("m.yaml", "matrix:\n  - name: big\n    params: {n_trees: 5}\n", "matrix[0].params.n_trees"),
    ("m.json", '{"metrics": {"accuracy": {"min": "high"}}}', "metrics.accuracy.min"),
    ("m.toml", '[[matrix]]\nname = "default"\n', "matrix[0].name"),
    ("m.yaml", "matrix: [\n", "not valid YAML"),
    ("m.json", '{"matrix": [], "tolerance": 1}', "unknown field 'tolerance'"),
])
def test_a_bad_ci_matrix_file_is_refused_naming_the_file_and_field(tmp_path, name, text, field):
    bad = tmp_path / name
    bad.write_text(text)
    out = tmp_path / "never"
    done = CliRunner().invoke(main, ["convert", str(SAMPLES / "iris_classification.ipynb"),
                                     "-o", str(out), "--name", "iris_bad", "--ci-matrix", str(bad)])
    assert done.exit_code == 2, done.output
    assert str(bad) in done.output and field in done.output
    assert not out.exists()


PROJECT_CI = """[tool.nb2pipe.ci]
metrics = { accuracy = { min = 0.7 } }

[[tool.nb2pipe.ci.matrix]]
name = "tiny-forest"
params = { n_estimators = 3 }
"""


def test_the_notebooks_project_pyproject_declares_the_matrix(tmp_path):
    """[tool.nb2pipe.ci] next to [tool.nb2pipe] in the project's own pyproject.toml is read, and
    --ci-matrix still wins over it."""
    import shutil

    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PROJECT_CI, encoding="utf-8")
    notebook = project / "notebooks" / "iris.ipynb"
    shutil.copy(SAMPLES / "iris_classification.ipynb", notebook)
    result = convert(notebook, project / "pkg", package=PACKAGE)
    assert result.written and not result.errors
    include = workflow_of(result.out_dir)["jobs"]["pipeline"]["strategy"]["matrix"]["include"]
    assert [e["name"] for e in include] == ["default", "tiny-forest"]
    kept = tomllib.loads((result.out_dir / "pyproject.toml").read_text())["tool"]["nb2pipe"]["ci"]
    assert kept["metrics"] == {"accuracy": {"min": 0.7}}
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps({"matrix": [{"name": "explicit", "params": {"n_estimators": 4}}]}))
    again = convert(notebook, project / "pkg", package=PACKAGE, ci_matrix=matrix, force=True)
    include = workflow_of(again.out_dir)["jobs"]["pipeline"]["strategy"]["matrix"]["include"]
    assert [e["name"] for e in include] == ["default", "explicit"]


def test_a_bad_table_in_the_projects_pyproject_is_refused_naming_it(tmp_path):
    import shutil

    (tmp_path / "pyproject.toml").write_text(
        '[[tool.nb2pipe.ci.matrix]]\nname = "x"\nparams = { trees = 3 }\n', encoding="utf-8")
    notebook = tmp_path / "iris.ipynb"
    shutil.copy(SAMPLES / "iris_classification.ipynb", notebook)
    done = CliRunner().invoke(main, ["convert", str(notebook), "-o", str(tmp_path / "never"),
                                     "--name", "iris_bad"])
    assert done.exit_code == 2, done.output
    assert "pyproject.toml [tool.nb2pipe.ci]" in done.output and "matrix[0].params.trees" in done.output
    assert not (tmp_path / "never").exists()


def test_metric_bounds_must_make_sense(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("metrics:\n  accuracy: {min: 0.9, max: 0.8}\n")
    with pytest.raises(CiConfigError, match="min 0.9 is above max 0.8"):
        read_config_file(path, ("alpha",))


def test_generated_check_script_is_clean(converted):
    assert undefined_names(converted) == [] and unused_imports(converted) == []
    assert ruff_findings(converted / "ci_check.py") == []


# -- the generated ci_check.py, run as the workflow runs it ---------------------------------------
def executed(tmp_path: Path, outputs: list[dict]) -> Path:
    nb = {"cells": [{"cell_type": "code", "id": "run-pipeline", "metadata": {}, "source": "",
                     "execution_count": 1, "outputs": outputs}],
          "metadata": {"papermill": {"duration": 1.5}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "out" / "run.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


def metrics_output(text: str) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": text}}


def check(converted: Path, notebook: Path) -> tuple[int, dict, str]:
    done = subprocess.run([sys.executable, str(converted / "ci_check.py"), str(notebook),
                           "--entry", "e1", "--params", '{"n_estimators": 5}'],
                          cwd=converted, capture_output=True, text=True)
    return done.returncode, json.loads((notebook.parent / "record.json").read_text()), done.stdout


def test_check_passes_metrics_inside_their_bounds(converted, tmp_path):
    nb = executed(tmp_path, [metrics_output(
        "{'accuracy': np.float64(0.93), 'f1_macro': 0.95, 'log_loss': 0.2}")])
    code, record, out = check(converted, nb)
    assert code == 0, out
    assert record["status"] == "passed" and record["entry"] == "e1"
    assert record["metrics"]["accuracy"] == 0.93 and record["params"] == {"n_estimators": 5}
    assert all(c["ok"] for c in record["checks"]) and len(record["checks"]) == 3


def test_check_fails_a_metric_outside_its_tolerance(converted, tmp_path):
    nb = executed(tmp_path, [metrics_output("{'accuracy': 0.93, 'f1_macro': 0.7, 'log_loss': 0.2}")])
    code, record, out = check(converted, nb)
    assert code == 1
    assert record["failure"] == "metrics" and "f1_macro = 0.7, expected 0.9 ± 0.1" in record["message"]
    assert "FAIL f1_macro" in out


def test_check_names_a_failed_validate_gate(converted, tmp_path):
    nb = executed(tmp_path, [{"output_type": "error", "ename": "ValidationFailed",
                              "evalue": "accuracy below 0.85", "traceback": []}])
    code, record, _ = check(converted, nb)
    assert code == 1
    assert record["failure"] == "validate" and "accuracy below 0.85" in record["message"]
