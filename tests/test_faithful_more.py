"""Faithful conversion, more cases found on notebooks in styles the first set lacked (see
tests/notebooks/messy/README.md). Each is the smallest notebook that showed the failure."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_lifecycle.verify import verify


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
