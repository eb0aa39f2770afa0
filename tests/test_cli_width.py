"""The CLI reads well at 80 columns (and 120): no metric name or value, run id prefix or
timestamp cut across lines, no trailing spaces, no line wider than the terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle.cli import main
from jupyter_lifecycle.cli.formatting import ratio, when

from conftest import SAMPLES, write_notebook

NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
METRICS = {"total_weighted_score": "sum(values)", "accuracy_on_the_holdout_set": "0.9123456",
           "f1_macro_average": "0.8812", "log_loss_of_the_model": "0.1742",
           "mean_absolute_percentage_error": "12.5", "label": "label"}
SMALL = [
    ("import json", ["lifecycle:setup"]),
    ("alpha = 1.0\nlabel = 'a'", ["parameters"]),
    ("values = [alpha * i for i in range(5)]", ["lifecycle:train"]),
    ("metrics = {" + ", ".join(f"{k!r}: {v}" for k, v in METRICS.items()) + "}",
     ["lifecycle:evaluate"]),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("width")
    write_notebook(folder / "small.ipynb", SMALL)
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")]),
           "JUPYTER_LIFECYCLE_STORE": str(folder / "runs.sqlite"), "COLUMNS": "80"}
    records, outputs = [], []
    for alpha in (2, 3):
        done = subprocess.run([NB2PIPE, "run", "small.ipynb", "-p", "alpha", str(alpha)],
                              cwd=folder, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    listed = subprocess.run([NB2PIPE, "runs", "list", "--json"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=60)
    records = json.loads(listed.stdout)
    return folder / "runs.sqlite", records, outputs


def render(width: int, *args) -> str:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": str(width)},
                                terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.stdout  # diagnostics (stderr) stay one per line, as grep wants them


def assert_tidy(text: str, width: int, tokens) -> None:
    lines = text.splitlines()
    assert lines, "no output"
    for line in lines:
        assert line == line.rstrip(), f"trailing spaces: {line!r}"
        assert len(line) <= width, f"wider than {width}: {line!r}"
    for token in tokens:
        assert token in text, f"{token!r} is cut or missing:\n{text}"


@pytest.mark.parametrize("width", [80, 120])
def test_runs_list_folds_metrics_into_whole_tokens(store, width):
    path, records, _ = store
    text = render(width, "runs", "list", "--store", str(path))
    tokens = [r["run_id"][:8] for r in records] + [when(r["started"])[5:16] for r in records]
    tokens += [f"{k}=" for k in METRICS] + ["accuracy_on_the_holdout_set=0.9123",
                                            "mean_absolute_percentage_error=12.5"]
    assert_tidy(text, width, tokens)


@pytest.mark.parametrize("width", [80, 120])
def test_runs_compare_keeps_names_values_and_timestamps_whole(store, width):
    path, records, _ = store
    a, b = records
    text = render(width, "runs", "compare", a["run_id"][:8], b["run_id"][:8], "--store", str(path))
    tokens = [a["run_id"][:8], b["run_id"][:8], when(a["started"]), when(b["started"]),
              *METRICS, "0.912346", "0.8812"]
    assert_tidy(text, width, tokens)
    assert not re.search(r"\d\.\d{3,} s\b", text)  # durations rounded


@pytest.mark.parametrize("width", [80, 120])
def test_stages_and_graph_text_fit(width):
    notebook = str(SAMPLES / "iris_classification.ipynb")
    names = ["setup-imports", "explore-describe", "train-importances", "evaluate-metrics"]
    assert_tidy(render(width, "stages", notebook), width, names + ["feature_names"])
    assert_tidy(render(width, "graph", "--format", "text", notebook), width,
                ["model_path=\"iris_model.joblib\"", "random_state=42", "X_train from prepare"])


def test_run_prints_a_tidy_summary_at_80_columns(store):
    _, records, outputs = store
    for output, record in zip(outputs, sorted(records, key=lambda r: r["started"])):
        assert_tidy(output, 80, [record["run_id"][:8], *(f"{k}=" for k in METRICS),
                                 "accuracy_on_the_holdout_set=0.912346"])


def test_no_ratio_for_durations_that_show_as_0_ms():
    assert ratio(0.0001, 0.0004) == "—" and ratio(0.0, 0.0) == "—" and ratio(None, 1) == "—"
    assert ratio(0.010, 0.020) == "2.00×"
    assert ratio(0.0012, 0.0009) == "1.00×"  # 1 ms vs 1 ms as shown
