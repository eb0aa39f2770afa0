"""The generated test suite: one pipeline run per session, stable test names, a clear failure.

Each case converts a small notebook on disk and runs the generated package's own pytest in a
subprocess; the pipeline's ingest stage appends a line to a log file, so the log counts the runs.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.codegen import tests_module
from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import read_notebook

from conftest import make_notebook

INGEST = 'import os\nwith open(os.environ["RUN_LOG"], "a") as log:\n    log.write("run\\n")\nrows = [[1], [2]]\n'
CELLS = [
    ("n = 2", ["parameters"]),
    (INGEST, ["lifecycle:ingest"]),
    ("first = rows[0]\nsizes = [len(r) for r in rows]", ["lifecycle:prepare"]),
    # Right after prepare in the notebook: ``first`` is [1] here, before train appends to rows[0].
    ("# the first row is as prepared\nassert first == [1]\nassert sizes == [1, 1]", ["lifecycle:test"]),
    ("rows[0].append(5)\nmodel = sum(len(r) for r in rows) * n", ["lifecycle:train"]),
    ("metrics = {'size': model}\nmetrics", ["lifecycle:evaluate"]),
    ("assert metrics['size'] > {bar}, 'too small'", ["lifecycle:validate"]),
    ("assert model == 6", ["lifecycle:test"]),
]


def notebook(tmp_path, bar: int = 0):
    cells = [(source.replace("{bar}", str(bar)), tags) for source, tags in CELLS]
    nb = make_notebook(cells)
    metrics_cell = next(c for c in nb.cells if c.source.startswith("metrics ="))
    metrics_cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "{'size': 6}"},
                                                   execution_count=1)]
    metrics_cell.execution_count = 1
    path = tmp_path / "nb" / "small.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def run_generated_tests(tmp_path, venv_env, bar: int = 0):
    result = convert(notebook(tmp_path, bar), tmp_path / "pkg")
    assert not result.errors, [str(d) for d in result.errors]
    log = tmp_path / "runs.log"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"],
                          cwd=result.out_dir, capture_output=True, text=True, timeout=600,
                          env={**venv_env, "RUN_LOG": str(log)})
    runs = log.read_text().count("run\n") if log.exists() else 0
    return done, runs


def test_the_generated_suite_runs_the_pipeline_once_and_tests_the_cli_in_process(tmp_path, venv_env):
    done, runs = run_generated_tests(tmp_path, venv_env)
    assert done.returncode == 0, done.stdout + done.stderr
    # two cells, package, params, --help, CLI, regression: all pass, and the pipeline ran once
    assert "8 passed in" in done.stdout, done.stdout
    assert "PASSED tests/test_pipeline.py::test_cli_help_lists_every_parameter" in done.stdout
    assert "PASSED tests/test_pipeline.py::test_cli_prints_and_writes_the_results" in done.stdout
    assert runs == 1
    # train appends to rows[0], which is ``first``: the copy kept after prepare still says [1]
    assert "PASSED tests/test_notebook_cells.py::test_the_first_row_is_as_prepared" in done.stdout


def test_a_failing_gate_fails_the_later_tests_by_name_and_keeps_the_earlier(tmp_path, venv_env):
    done, runs = run_generated_tests(tmp_path, venv_env, bar=100)
    assert done.returncode == 1
    assert runs == 1
    assert "PASSED tests/test_notebook_cells.py::test_the_first_row_is_as_prepared" in done.stdout
    assert "FAILED tests/test_pipeline.py::test_metrics_match_the_executed_notebook" in done.stdout
    assert "the pipeline failed in stage 'validate'" in done.stdout
    assert "ValidationFailed: too small" in done.stdout


# -- test names -------------------------------------------------------------------------------------
def names_for(nb) -> list[str]:
    graph = build_graph(nb)
    assert not graph.errors, [str(d) for d in graph.errors]
    return [tests_module.cell_test_name(t) for t in graph.tests]


def tagged(tmp_path, cells, name="names.ipynb", ids=None):
    nb = make_notebook(cells)
    for cell, cell_id in zip(nb.cells, ids or []):
        cell.id = cell_id
    path = tmp_path / name
    nbformat.write(nb, path)
    return read_notebook(path)


TESTS = [
    ("x = 1 + 1", ["lifecycle:ingest"]),
    ("assert x == 2", ["lifecycle:test"]),
    ("# Shapes after the split!\nassert x > 0", ["lifecycle:test"]),
    ("assert x < 3", ["lifecycle:test"]),
]


@pytest.mark.parametrize("ids, expected", [
    (["load", "test-split", "7f3a9c1e", "5b2d8e4f"], ["test_split", "test_shapes_after_the_split", "test_5b2d8e4f"]),
    (["load", "check-totals", "test-7", "test-9"], ["test_check_totals", "test_shapes_after_the_split", "test_9"]),
])
def test_names_come_from_a_chosen_id_else_the_first_comment_else_the_id(tmp_path, ids, expected):
    assert names_for(tagged(tmp_path, TESTS, ids=ids)) == expected


def test_names_stay_when_a_cell_is_inserted_above(tmp_path):
    before = names_for(tagged(tmp_path, TESTS, ids=["load", "a1", "b2", "c3"]))
    inserted = [TESTS[0], ("y = 3", ["lifecycle:prepare"]), *TESTS[1:]]
    after = names_for(tagged(tmp_path, inserted, "inserted.ipynb", ids=["load", "new", "a1", "b2", "c3"]))
    assert before == after == ["test_a1", "test_shapes_after_the_split", "test_c3"]


def test_cells_without_ids_are_named_by_comment_or_source_not_position(tmp_path):
    """A notebook older than nbformat 4.5 has no ids: the reader numbers them ``cell-<index>``."""
    raw = make_notebook(TESTS, minor=4)
    for cell in raw.cells:
        del cell["id"]
    path = tmp_path / "old.ipynb"
    nbformat.write(raw, path)
    names = names_for(read_notebook(path))
    assert names[1] == "test_shapes_after_the_split"
    assert re.fullmatch(r"test_cell_[0-9a-f]{8}", names[0]) and names[0] != "test_cell_1"
    raw.cells.insert(0, nbformat.v4.new_markdown_cell("# Title"))
    nbformat.write(raw, path)
    assert names_for(read_notebook(path)) == names


def test_names_of_one_file_are_unique(tmp_path):
    nb = tagged(tmp_path, [TESTS[0], ("# x check\nassert x", ["lifecycle:test"]),
                           ("# x check\nassert x", ["lifecycle:test"])], "dup.ipynb", ids=["load", "a1", "b2"])
    graph = build_graph(nb)
    text = tests_module.test_cells_file(graph, "dup_pipeline").text
    assert "def test_x_check(" in text and "def test_x_check_2(" in text
