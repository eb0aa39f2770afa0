"""Faithful conversion, more cases found on notebooks in styles the first set lacked (see
tests/notebooks/messy/README.md). Each is the smallest notebook that showed the failure."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_lifecycle.verify import verify

from test_faithful import run_package


def _old_notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    """An nbformat 4.4 notebook, as older Jupyter wrote them: no cell ids."""
    raw = {"nbformat": 4, "nbformat_minor": 4,
           "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}},
           "cells": [{"cell_type": "code", "metadata": {"tags": tags}, "execution_count": None,
                      "outputs": [], "source": source} for source, tags in cells]}
    path.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    return path


def test_a_notebook_without_cell_ids_is_verified_value_by_value(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = _old_notebook(tmp_path / "old.ipynb", [
        ("xs = [1, 2, 3]", ["lifecycle:ingest"]),
        ("total = sum(xs)", ["lifecycle:train"]),
        ("metrics = {'total': total}", ["lifecycle:evaluate"]),
    ])
    result = verify(nb)
    assert result.notebook_error is None and result.pipeline_error is None
    assert {(v.stage, v.name): v.status for v in result.comparison.values} == {
        ("ingest", "xs"): "match", ("train", "total"): "match", ("evaluate", "metrics"): "match"}
    assert result.ok, result.reason
    assert "id" not in json.loads(nb.read_text())["cells"][0]  # the user's file is left alone


def test_metrics_extended_by_a_later_monitor_cell_are_compared_as_the_notebook_records_them(
        tmp_path, monkeypatch):
    """The notebook's record holds ``metrics`` as the last evaluate cell left it; the pipeline's
    side must be read at the same point, not after a monitor step added a key."""
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = _old_notebook(tmp_path / "mon.ipynb", [
        ("xs = [1.0, 2.0, 4.0]", ["lifecycle:ingest"]),
        ("metrics = {'mean': sum(xs) / len(xs)}", ["lifecycle:evaluate"]),
        ("metrics['spread'] = max(xs) - min(xs)", ["lifecycle:monitor"]),
    ])
    result = verify(nb)
    assert result.comparison.metrics == [("mean", 7 / 3, 7 / 3, "match")]
    assert ("monitor", "metrics", "match") in {(v.stage, v.name, v.status)
                                               for v in result.comparison.values}
    assert result.ok, result.reason


def test_a_default_argument_reading_a_computed_global_is_refused_with_the_fix(tmp_path):
    """``def load(path=DATA)`` where DATA comes from a file read in setup: the default is
    evaluated when the def runs, so no keyword-only argument can stand in for it."""
    from jupyter_lifecycle.api import convert

    nb = _old_notebook(tmp_path / "cfg.ipynb", [
        ("import json\nCONFIG = json.loads('{\"file\": \"a.csv\"}')\nDATA = CONFIG['file']", []),
        ("n = 1\n\ndef load(path=DATA):\n    return path", ["lifecycle:ingest"]),
        ("frame = load()\nmetrics = {'n': len(frame)}", ["lifecycle:evaluate"]),
    ])
    result = convert(nb, tmp_path / "out", package="pkg")
    [error] = result.errors
    assert (error.code, error.location.cell_index, error.location.line) == ("global-read", 1, 3)
    assert "default argument" in error.message and "'DATA'" in error.message
    assert "pass DATA where 'load' is called" in error.message
    assert not result.written and not (tmp_path / "out").exists()


def test_capture_magic_storing_the_output_in_a_name_is_refused_at_its_cell(tmp_path):
    """``%%capture log`` keeps its code when exported, but ``log`` (IPython's captured output)
    would not exist in the package: refused at the magic's line, not at a later reader."""
    from jupyter_lifecycle.api import convert

    nb = _old_notebook(tmp_path / "cap.ipynb", [
        ("xs = [1, 2]", ["lifecycle:ingest"]),
        ("%%capture --no-stderr log\ntotal = sum(xs)\nprint(total)", ["lifecycle:train"]),
        ("metrics = {'lines': len(log.stdout.splitlines())}", ["lifecycle:evaluate"]),
    ])
    result = convert(nb, tmp_path / "out", package="pkg")
    [error] = result.errors
    assert (error.code, error.location.cell_index, error.location.line) == ("magic", 1, 1)
    assert "'log'" in error.message and "%%capture" in error.message
    assert not result.written


def test_capture_magic_without_a_name_keeps_its_code(tmp_path):
    from jupyter_lifecycle.api import convert

    nb = _old_notebook(tmp_path / "cap.ipynb", [
        ("xs = [1, 2]", ["lifecycle:ingest"]),
        ("%%capture --no-stderr\ntotal = sum(xs)\nprint(total)", ["lifecycle:train"]),
        ("metrics = {'total': total}", ["lifecycle:evaluate"]),
    ])
    result = convert(nb, tmp_path / "out", package="pkg")
    assert result.errors == [] and result.written
    assert run_package(tmp_path / "out", "pkg") == {"total": 3}


def test_a_timing_value_handed_on_is_blamed_on_the_clock_not_on_an_estimator(tmp_path, monkeypatch):
    """Model-zoo notebooks time each fit into their results: verify calls the notebook
    nondeterministic and must name the clock reading, not a model line above it."""
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = _old_notebook(tmp_path / "zoo.ipynb", [
        ("import time\nfrom sklearn.neighbors import KNeighborsRegressor", []),
        ("xs = [[1.0], [2.0], [3.0]]\nys = [1.0, 2.0, 3.0]", ["lifecycle:ingest"]),
        ("t0 = time.perf_counter()\nmodel = KNeighborsRegressor(n_neighbors=1).fit(xs, ys)\n"
         "results = [{'r2': model.score(xs, ys), 'seconds': time.perf_counter() - t0}]",
         ["lifecycle:train"]),
        ("metrics = {'r2': results[0]['r2']}", ["lifecycle:evaluate"]),
    ])
    result = verify(nb)
    assert result.comparison.nondeterministic
    assert "clock" in result.reason and "cell 2 line 1: time.perf_counter" in result.reason
    assert "KNeighborsRegressor" not in result.reason and "seed its randomness" not in result.reason


def test_values_bound_in_a_capture_cell_are_fingerprinted_on_the_notebook_side(tmp_path, monkeypatch):
    """``%%capture`` runs its body as a nested cell; the outer cell must still be recorded."""
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = _old_notebook(tmp_path / "cap.ipynb", [
        ("xs = [1, 2]", ["lifecycle:ingest"]),
        ("%%capture\ntotal = sum(xs)\nprint(total)", ["lifecycle:train"]),
        ("metrics = {'total': total}", ["lifecycle:evaluate"]),
    ])
    result = verify(nb)
    assert ("train", "total", "match") in {(v.stage, v.name, v.status)
                                           for v in result.comparison.values}
    assert result.ok, result.reason
