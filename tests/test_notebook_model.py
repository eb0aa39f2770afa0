import json

import pytest

from jupyter_lifecycle.errors import NotebookError
from jupyter_lifecycle.notebook import parse_notebook, read_notebook
from jupyter_lifecycle.stages import StageConfigError, StageTable, load_stage_table, table_from_config

from conftest import SAMPLES, make_notebook, write_notebook


def parse(cells, **kw):
    return parse_notebook(json.dumps(make_notebook(cells, **kw)), "nb.ipynb")


def test_untagged_cells_inherit_the_stage_above_and_start_as_setup():
    nb = parse(["import os", ("x = 1", ["lifecycle:ingest"]), "y = x", ("z = y", ["lifecycle:train"]), "w = z"])
    assert [c.stage for c in nb.cells] == ["setup", "ingest", "ingest", "train", "train"]
    assert [c.inherited for c in nb.cells] == [True, False, True, False, True]


def test_markdown_cells_can_carry_the_stage_for_the_section_below():
    nb = parse([("## Training", ["lifecycle:train"], "markdown"), "model = 1"])
    assert nb.cells[1].stage == "train"


def test_aliases_map_to_stages_and_parameters_cell_is_transparent():
    nb = parse([("a = 1", ["lifecycle:eda"]), ("alpha = 0.5", ["parameters"]), "b = 2"])
    assert nb.cells[0].stage == "explore"
    assert nb.cells[1].is_parameters
    assert nb.cells[2].stage == "explore"
    assert nb.parameters_cell.index == 1


def test_unknown_stage_tag_is_a_diagnostic_with_cell_location():
    nb = parse(["x = 1", ("y = 2", ["lifecycle:trian"])])
    (diag,) = nb.diagnostics
    assert diag.is_error and diag.code == "unknown-stage"
    assert diag.location.cell_index == 1 and diag.location.cell_id == "c1"
    assert "nb.ipynb, cell 1, id c1" in str(diag)


def test_two_stage_tags_on_one_cell_is_an_error():
    nb = parse([("y = 2", ["lifecycle:train", "lifecycle:evaluate"])])
    assert [d.code for d in nb.diagnostics] == ["several-stages"]


def test_invalid_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [\n  {"cell_type": "code",,}\n]}')
    with pytest.raises(NotebookError) as err:
        read_notebook(path)
    assert "not valid JSON" in str(err.value) and "broken.ipynb" in str(err.value)
    assert err.value.location.line == 2


def test_nbformat_v3_is_refused_with_a_way_out(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}))
    with pytest.raises(NotebookError, match="nbformat v3.*upgrade"):
        read_notebook(path)


def test_non_python_kernel_is_refused(tmp_path):
    path = write_notebook(tmp_path / "r.ipynb", ["x <- 1"], language="R")
    with pytest.raises(NotebookError, match="only Python notebooks"):
        read_notebook(path)


def test_missing_cell_ids_get_stable_ids_from_the_index():
    raw = make_notebook(["x = 1", "y = 2"], minor=4)
    for cell in raw.cells:
        del cell["id"]
    nb = parse_notebook(json.dumps(raw), "nb.ipynb")
    assert [c.id for c in nb.cells] == ["cell-0", "cell-1"]
    assert nb.cell("1").id == "cell-1" and nb.cell("cell-0").index == 0


def test_stage_table_extends_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nb2pipe]\nstages = [{name = "feature_store", after = "prepare", color = "#123456"}]\n'
        'aliases = {fit_model = "train"}\n')
    sub = tmp_path / "notebooks"
    sub.mkdir()
    table = load_stage_table(sub)
    names = table.names
    assert names.index("feature_store") == names.index("prepare") + 1
    assert table.get("fit_model").name == "train"
    assert table["feature_store"].exported


def test_stage_table_rejects_duplicates_and_unknown_anchors():
    with pytest.raises(StageConfigError):
        table_from_config({"stages": [{"name": "x", "after": "nowhere"}]})
    with pytest.raises(StageConfigError):
        table_from_config({"aliases": {"train": "evaluate"}})
    assert StageTable().order("train") < StageTable().order("evaluate")


def test_stage_names_must_be_identifiers():
    with pytest.raises(StageConfigError, match="identifier"):
        table_from_config({"stages": [{"name": "feature-store"}]})


def test_malformed_cells_are_refused_naming_the_cell(tmp_path):
    raw = make_notebook(["x = 1", "y = 2"])
    raw.cells[1]["cell_type"] = "python"
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(raw))
    with pytest.raises(NotebookError, match="cell_type") as err:
        read_notebook(path)
    assert err.value.location.cell_index == 1 and err.value.location.cell_id == "c1"
    raw.cells[1]["cell_type"] = "code"
    raw.cells[0]["source"] = 42
    path.write_text(json.dumps(raw))
    with pytest.raises(NotebookError, match="source"):
        read_notebook(path)


def test_reading_a_notebook_does_not_import_nbformat():
    import subprocess
    import sys

    code = ("import sys; from jupyter_lifecycle.api import load_graph; "
            f"load_graph({str(SAMPLES / 'iris_classification.ipynb')!r}, use_cache=False); "
            "print('nbformat' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
