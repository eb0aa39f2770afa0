"""Kale's ``pipeline-metrics`` cell: once tagged evaluate (``nb2pipe tag --from kale --write``), the
values it prints are the run's ``metrics`` — in the converted pipeline, in the notebook's
recorded metrics, in ``nb2pipe run``'s record and in ``verify`` — without a change to its code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from conftest import make_notebook, write_notebook

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.autotag.agreement import untagged_text
from jupyter_lifecycle.autotag.dialects import from_dialect
from jupyter_lifecycle.capture.layout import build_layout
from jupyter_lifecycle.capture.printed_metrics import SourceCell, plan_printed_metrics
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.notebook import parse_notebook, read_notebook
from jupyter_lifecycle.notebook.outputs import recorded_metrics

MESSY = Path(__file__).parent / "notebooks" / "messy"
NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
METRICS_TAGS = ["pipeline-metrics", "lifecycle:evaluate"]

KALE = [
    ("import numpy as np\nfrom sklearn.linear_model import LogisticRegression", ["imports"]),
    ("C = 1.0\nn = 60", ["pipeline-parameters"]),
    ("rng = np.random.default_rng(0)\nX = rng.normal(size=(n, 2))\n"
     "y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)", ["block:load_data"]),
    ("model = LogisticRegression(C=C).fit(X, y)", ["block:train", "prev:load_data"]),
    ("accuracy = float(model.score(X, y))\nn_rows = len(y)", ["block:score", "prev:train"]),
    ("print(accuracy)\nprint(n_rows)", ["pipeline-metrics"]),
    ('print("would serve", type(model).__name__)', ["skip"]),
]


def cells(*specs):
    """SourceCells from (source, tags, stage) triples."""
    return [SourceCell(i, f"c{i}", source, tuple(tags), stage) for i, (source, tags, stage) in enumerate(specs)]


def nb_of(specs, path: str = "nb.ipynb"):
    return parse_notebook(json.dumps(make_notebook(specs)), path)


# --- the rule ---------------------------------------------------------------------------------

def test_printed_names_attributes_and_constant_subscripts_become_metrics():
    plan = plan_printed_metrics(cells(
        ("acc = 0.9", [], "evaluate"),
        ('print(acc)\nprint(f"f1 {report.f1:.2f}")\nprint("auc", scores["auc"], scores[0])\n'
         "for k in ks:\n    print(k)\nprint(acc)", ["pipeline-metrics"], "evaluate")))
    [found] = plan.cells
    assert [(m.key, m.expression) for m in found.metrics] == [
        ("acc", "acc"), ("report_f1", "report.f1"), ("scores_auc", "scores['auc']"), ("scores_0", "scores[0]")]
    assert found.code.startswith("metrics = {'acc': acc, 'report_f1': report.f1, ")
    assert not found.one_per_line and not found.merges and plan.problems == ()


def test_only_an_evaluate_cell_with_the_kale_tag_records():
    assert plan_printed_metrics(cells(("print(acc)", ["pipeline-metrics"], "setup"))).cells == ()
    assert plan_printed_metrics(cells(("print(acc)", [], "evaluate"))).cells == ()


def test_the_printed_values_join_a_metrics_dict_built_above():
    [found] = plan_printed_metrics(cells(
        ('metrics = {"n": 3}', [], "evaluate"),
        ("print(acc)", ["pipeline-metrics"], "evaluate"))).cells
    assert found.code.split("  #")[0] == "metrics = {**metrics, 'acc': acc}"
    assert found.merges and found.one_per_line


@pytest.mark.parametrize("other, why", [
    ("from sklearn import metrics", "cell 0 (line 1) binds `metrics` by an import"),
    ("model, metrics = main()", "cell 0 (line 1) binds `metrics` by an assignment"),
])
def test_a_metrics_that_is_not_a_dict_is_left_alone_and_said_why(other, why):
    plan = plan_printed_metrics(cells((other, [], "setup"), ("print(acc)", ["pipeline-metrics"], "evaluate")))
    assert plan.cells == ()
    [problem] = plan.problems
    assert (problem.index, problem.cell_id) == (1, "c1") and why in problem.message


def test_a_metrics_dict_bound_again_below_is_refused():
    plan = plan_printed_metrics(cells(("print(acc)", ["pipeline-metrics"], "evaluate"),
                                      ('metrics = {"other": 1}', [], "evaluate")))
    assert plan.cells == () and "again below the pipeline-metrics cell 0" in plan.problems[0].message


def test_a_cell_that_prints_no_name_says_so():
    plan = plan_printed_metrics(cells(('print("done")', ["pipeline-metrics"], "evaluate")))
    assert plan.cells == () and "prints no name" in plan.problems[0].message


# --- the reader, tag --from kale, capture's layout ---------------------------------------------

def test_the_reader_appends_the_binding_line_and_says_what_it_records():
    nb = nb_of([("acc = 0.5", ["lifecycle:evaluate"]), ("print(acc)", METRICS_TAGS)])
    cell = nb.cells[1]
    assert cell.source == ("print(acc)\nmetrics = {'acc': acc}  # Kale pipeline-metrics: the values "
                           "this cell prints\n")
    [info] = [d for d in nb.diagnostics if d.code == "kale-metrics"]
    assert info.severity.value == "info" and (info.location.cell_index, info.location.line) == (1, 2)
    assert "the printed acc become the run's metrics" in info.message
    assert [a.original for a in nb.printed_metrics] == ["print(acc)"]


def test_a_refused_pipeline_metrics_cell_is_a_warning_naming_the_binding():
    nb = nb_of([("from sklearn import metrics", ["lifecycle:setup"]), ("print(acc)", METRICS_TAGS)])
    assert nb.cells[1].source == "print(acc)"
    [warning] = [d for d in nb.diagnostics if d.code == "kale-metrics"]
    assert warning.severity.value == "warning" and "by an import" in warning.message


def test_tag_from_kale_says_what_the_metrics_cell_will_record():
    notes = from_dialect(nb_of(KALE), "kale").notes
    assert "cell 5: Kale pipeline-metrics prints accuracy, n_rows: tagged evaluate, they become the " \
           "run's metrics (`metrics = {'accuracy': accuracy, 'n_rows': n_rows}` runs after the " \
           "cell's code)" in notes


def test_a_retagged_notebook_is_extended_once():
    from jupyter_lifecycle.autotag.propose import auto_tagged

    nb = nb_of([("acc = 0.5", ["lifecycle:evaluate"]), ("print(acc)", METRICS_TAGS), ("x = acc", [])])
    again = auto_tagged(nb)
    assert again.cells[1].source == nb.cells[1].source
    assert len([d for d in again.diagnostics if d.code == "kale-metrics"]) == 1


def test_capture_runs_the_same_line_after_the_cell():
    raw = make_notebook([("acc = 0.5", ["lifecycle:evaluate"]), ("print(acc)", METRICS_TAGS)])
    layout = build_layout(raw.cells)
    nb = nb_of([("acc = 0.5", ["lifecycle:evaluate"]), ("print(acc)", METRICS_TAGS)])
    assert layout.printed_metrics == {"c1": nb.printed_metrics[0].metrics.code}


def test_recorded_metrics_reads_the_printed_values_back():
    nb = nbformat.from_dict(make_notebook([("acc = 0.5", ["lifecycle:evaluate"]),
                                           ("print(acc)\nprint(n)", METRICS_TAGS)]))
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.875\n"),
                           nbformat.v4.new_output("stream", name="stdout", text="60\n")]
    assert recorded_metrics(parse_notebook(nbformat.writes(nb), "nb.ipynb")) == {"acc": 0.875, "n": 60}
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.875\nextra\n")]
    assert recorded_metrics(parse_notebook(nbformat.writes(nb), "nb.ipynb")) is None


# --- end to end ----------------------------------------------------------------------------------

def _executed_kale_notebook(folder: Path) -> Path:
    from nbclient import NotebookClient

    path = write_notebook(folder / "kale_metrics.ipynb", KALE)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(nb, path)
    return path


@pytest.mark.e2e
def test_a_kale_notebooks_printed_metrics_reach_the_pipeline_the_record_and_verify(tmp_path, env, monkeypatch):
    from jupyter_lifecycle.verify import verify

    folder = tmp_path / "project"
    folder.mkdir()
    path = _executed_kale_notebook(folder)
    printed = "".join(nbformat.read(path, as_version=4).cells[5].outputs[0]["text"]).split()
    accuracy = float(printed[0])
    assert 0.5 < accuracy < 1.0  # a value the pipeline could not get by chance
    result = CliRunner().invoke(main, ["tag", "--from", "kale", "--write", str(path)])
    assert result.exit_code == 0, result.output
    nb = read_notebook(path)
    assert nb.cells[5].stage == "evaluate" and nb.cells[5].tags[0] == "pipeline-metrics"
    assert recorded_metrics(nb) == {"accuracy": accuracy, "n_rows": 60}

    converted = convert(path, tmp_path / "out")
    assert converted.errors == [], [str(d) for d in converted.errors]
    out = converted.out_dir
    assert json.loads((out / "tests" / "expected_metrics.json").read_text()) == \
        {"accuracy": accuracy, "n_rows": 60}
    environ = {**env, "PYTHONPATH": str(out / "src")}
    done = subprocess.run([sys.executable, "-c", f"import json, {converted.package} as p; "
                           "print(json.dumps(p.run()['metrics']))"],
                          cwd=folder, env=environ, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"accuracy": accuracy, "n_rows": 60}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
                           cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:]

    run = subprocess.run([NB2PIPE, "run", path.name, "--json"], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["metrics"] == {"accuracy": accuracy, "n_rows": 60}

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", env["JUPYTER_LIFECYCLE_STORE"])
    checked = verify(path)
    assert checked.ok, (checked.reason, checked.comparison.metrics)
    assert {m[0] for m in checked.comparison.metrics} == {"accuracy", "n_rows"}


@pytest.mark.e2e
def test_the_kale_style_messy_notebook_migrates_converts_and_verifies(tmp_path, monkeypatch):
    from jupyter_lifecycle.verify import verify

    source = MESSY / "kale_style_pipeline.ipynb"
    path = tmp_path / source.name
    path.write_text(untagged_text(source.read_text(encoding="utf-8"), "lifecycle:", False), encoding="utf-8")
    assert CliRunner().invoke(main, ["tag", "--from", "kale", "--write", str(path)]).exit_code == 0
    converted = convert(path, tmp_path / "out")
    assert converted.errors == [], [str(d) for d in converted.errors]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
                           cwd=converted.out_dir, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:]
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    checked = verify(path)
    assert checked.ok, (checked.reason, checked.comparison.metrics)


@pytest.mark.e2e
def test_an_interactive_session_records_the_printed_metrics(tmp_path):
    from test_capture_kernel import Kernel

    (tmp_path / "pyproject.toml").write_text("")
    nb = write_notebook(tmp_path / "kale.ipynb", [
        ("acc = 0.75\nn = 4", ["lifecycle:evaluate"]),
        ("print(acc)\nprint(n)", METRICS_TAGS),
        ("print(missing)", METRICS_TAGS)])
    kernel = Kernel(tmp_path, {"JUPYTER_LIFECYCLE_NOTEBOOK": str(nb),
                               "JUPYTER_LIFECYCLE_STORE": str(tmp_path / "runs.sqlite")})
    try:
        assert kernel.run("%load_ext jupyter_lifecycle")["error"] is None
        assert kernel.run("acc = 0.75\nn = 4", "c0")["error"] is None
        assert kernel.run("print(acc)\nprint(n)", "c1")["stdout"] == "0.75\n4\n"
        assert kernel.run("print(sorted(metrics.items()))")["stdout"] == "[('acc', 0.75), ('n', 4)]\n"
        assert "NameError" in kernel.run("print(missing)", "c2")["error"]  # the cell's own error
        record = kernel.finish()
    finally:
        kernel.shutdown()
    assert record["metrics"] == {"acc": 0.75, "n": 4}
