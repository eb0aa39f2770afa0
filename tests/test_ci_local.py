"""`nb2pipe ci`: the generated workflow's steps run here, in order, for every matrix entry — a
failing validate gate fails its entry by name while the others pass — and bad input exits 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.ci.expressions import ExpressionError, Status, condition, substitute
from jupyter_lifecycle.cli import main

from conftest import SAMPLES

MESSY = Path(__file__).parent / "notebooks" / "messy"


@pytest.fixture(scope="module")
def module_env() -> dict[str, str]:
    """This interpreter's tools first on PATH (like conftest's venv_env, for a module fixture)."""
    return {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                    os.environ.get("PATH", "")])}


def nb2pipe_ci(folder: Path, venv_env: dict) -> subprocess.CompletedProcess:
    env = {**venv_env, "COLUMNS": "80"}
    env.pop("JUPYTER_LIFECYCLE_STORE", None)
    return subprocess.run([sys.executable, "-m", "jupyter_lifecycle.cli", "ci", str(folder)],
                          capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def iris_ci(tmp_path_factory, module_env):
    """The iris sample with two more entries: a small forest (passes) and a one-split stump,
    whose accuracy fails the notebook's validate gate; run through `nb2pipe ci` once."""
    root = tmp_path_factory.mktemp("ci")
    matrix = root / "matrix.yaml"
    matrix.write_text("matrix:\n"
                      "  - name: small-forest\n    params: {n_estimators: 5}\n"
                      "  - name: stump\n    params: {n_estimators: 1, max_depth: 1}\n"
                      "metrics:\n  accuracy: {min: 0.8}\n  log_loss: {max: 0.6}\n")
    result = convert(SAMPLES / "iris_classification.ipynb", root / "pkg", package="iris_local_ci",
                     ci_matrix=matrix)
    assert result.written and not result.errors
    return result.out_dir, nb2pipe_ci(result.out_dir, module_env)


def table_rows(stdout: str) -> dict[str, str]:
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 4 and cells[1] in ("passed", "failed"):
            rows[cells[0]] = cells[1]
    return rows


@pytest.mark.e2e
def test_a_failing_gate_fails_its_entry_by_name_and_the_others_pass(iris_ci):
    out, done = iris_ci
    assert done.returncode == 1, done.stdout + done.stderr
    assert table_rows(done.stdout) == {"default": "passed", "small-forest": "passed", "stump": "failed"}
    assert "stump: failed at step “Rerun run.ipynb with papermill”: validate gate failed: " \
           "accuracy below 0.85" in " ".join(done.stdout.split())
    assert "default: failed" not in done.stdout and "small-forest: failed" not in done.stdout


@pytest.mark.e2e
def test_every_step_ran_in_order_for_every_entry(iris_ci):
    out, done = iris_ci
    for entry in ("default", "small-forest", "stump"):
        logs = sorted(p.name for p in (out / ".nb2pipe-ci" / "logs" / entry).glob("*.log"))
        assert [name[:2] for name in logs] == ["02", "03", "04", "05"], logs  # run: steps by index
    tests_log = next((out / ".nb2pipe-ci" / "logs" / "default").glob("03-*.log")).read_text()
    assert " passed" in tests_log and "failed" not in tests_log


@pytest.mark.e2e
def test_the_summary_shows_metrics_and_fits_80_columns(iris_ci):
    out, done = iris_ci
    assert "accuracy" in done.stdout and "CI summary" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    shown = "".join(done.stdout.split())  # a long path may fold over lines
    assert "artifacts:" + str(out / ".nb2pipe-ci" / "artifacts") in shown


@pytest.mark.e2e
def test_artifacts_hold_the_executed_notebook_the_record_and_the_recorded_run(iris_ci):
    out, _ = iris_ci
    artifacts = out / ".nb2pipe-ci" / "artifacts"
    for entry, status in (("default", "passed"), ("small-forest", "passed"), ("stump", "failed")):
        folder = artifacts / f"iris-local-ci-{entry}"
        record = json.loads((folder / "record.json").read_text())
        assert record["entry"] == entry and record["status"] == status
        assert json.loads((folder / "run.ipynb").read_text())["cells"]
        runs = RunStore(folder / "runs.sqlite").list()
        assert len(runs) == 1 and runs[0]["kind"] == "pipeline"
        assert runs[0]["status"] == ("completed" if status == "passed" else "failed")
    small = json.loads((artifacts / "iris-local-ci-small-forest" / "record.json").read_text())
    assert small["params"] == {"n_estimators": 5} and small["metrics"]["accuracy"] >= 0.8
    assert RunStore(artifacts / "iris-local-ci-stump" / "runs.sqlite").list()[0]["params"]["max_depth"] == 1
    assert (out / ".nb2pipe-ci" / ".gitignore").read_text().splitlines()[-1] == "*"


@pytest.mark.e2e
def test_a_messy_notebook_converts_and_its_ci_is_green(tmp_path, venv_env):
    folder = tmp_path / "messy"
    shutil.copytree(MESSY, folder, ignore=shutil.ignore_patterns("artifacts", "*.ipynb"))
    shutil.copy(MESSY / "kaggle_customer_churn.ipynb", folder)
    result = convert(folder / "kaggle_customer_churn.ipynb", folder / "churn_ci", package="churn_ci")
    assert result.written and not result.errors
    done = nb2pipe_ci(result.out_dir, venv_env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert table_rows(done.stdout) == {"default": "passed"}


# -- bad input: exit 2 ----------------------------------------------------------------------------
def test_no_package_no_workflow_and_bad_workflows_exit_2(tmp_path):
    runner = CliRunner()
    done = runner.invoke(main, ["ci", str(tmp_path / "missing")])
    assert done.exit_code == 2 and "no such folder" in done.output
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    done = runner.invoke(main, ["ci", str(tmp_path)])
    assert done.exit_code == 2 and "no workflow in .github/workflows/" in done.output
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "x.yml").write_text("jobs: [\n")
    done = runner.invoke(main, ["ci", str(tmp_path)])
    assert done.exit_code == 2 and "x.yml: not valid YAML" in " ".join(done.output.split())
    (workflows / "x.yml").write_text("jobs:\n  a:\n    steps:\n      - uses: docker/login@v3\n")
    done = runner.invoke(main, ["ci", str(tmp_path)])
    assert done.exit_code == 2 and "docker/login@v3: no local equivalent" in " ".join(done.output.split())


# -- expressions ----------------------------------------------------------------------------------
CONTEXTS = {"matrix": {"name": "stump"}, "env": {"CI_OUT": "runs/stump"},
            "steps": {"rerun": {"outcome": "failure"}}}


def test_conditions_follow_the_job_status():
    gate = "success() || steps.rerun.outcome == 'failure'"
    assert condition(gate, CONTEXTS, Status(failed=True))
    assert not condition(gate, {**CONTEXTS, "steps": {"rerun": {"outcome": "skipped"}}}, Status(failed=True))
    assert condition("always()", CONTEXTS, Status(failed=True))
    assert not condition(None, CONTEXTS, Status(failed=True))
    assert not condition("matrix.name == 'stump'", CONTEXTS, Status(failed=True))  # implied success()
    assert condition("${{ !cancelled() && matrix.name != 'x' }}", CONTEXTS, Status(failed=True))


def test_substitution_and_unknown_contexts():
    assert substitute("out/${{ matrix.name }}/${{ env.CI_OUT }}", CONTEXTS) == "out/stump/runs/stump"
    with pytest.raises(ExpressionError, match="unknown context 'secrets'"):
        substitute("${{ secrets.TOKEN }}", CONTEXTS)
    with pytest.raises(ExpressionError, match="unsupported function hashFiles"):
        condition("hashFiles('x') != ''", CONTEXTS, Status())
