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
    nb = parse([("a = 1", ["lifecycle:fit"]), ("alpha = 0.5", ["parameters"]), "b = 2",
                ("c = 3", ["lifecycle:eda"])])
    assert nb.cells[0].stage == "train" and nb.cells[3].stage == "explore"
    assert nb.cells[1].is_parameters
    assert nb.cells[2].stage == "train"
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


# Valid JSON, invalid notebook: each found by fuzzing to crash the reader with a traceback.
# (what to change in a good notebook, the field the message must name, the cell it must name)
def _set(*keys_value):
    *keys, value = keys_value

    def change(raw):
        target = raw
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


MALFORMED = {
    "nbformat_minor null": (_set("nbformat_minor", None), "nbformat_minor", None),
    "nbformat_minor string": (_set("nbformat_minor", "5"), "nbformat_minor", None),
    "kernelspec null": (_set("metadata", "kernelspec", None), "metadata.kernelspec", None),
    "kernelspec string": (_set("metadata", "kernelspec", "python3"), "metadata.kernelspec", None),
    "kernelspec name a list": (_set("metadata", "kernelspec", "name", ["p"]), "kernelspec.name", None),
    "language_info a list": (_set("metadata", "language_info", [1]), "metadata.language_info", None),
    "language_info a string": (_set("metadata", "language_info", "python"), "language_info", None),
    "cell id a list": (_set("cells", 1, "id", ["a"]), "'id'", 1),
    "cell id an object": (_set("cells", 1, "id", {"a": 1}), "'id'", 1),
    "cell id an integer": (_set("cells", 1, "id", 7), "'id'", 1),
    "execution_count a string": (_set("cells", 1, "execution_count", "2"), "execution_count", 1),
    "execution_count a float": (_set("cells", 1, "execution_count", 2.5), "execution_count", 1),
    "execution_count a boolean": (_set("cells", 1, "execution_count", True), "execution_count", 1),
    "outputs [5]": (_set("cells", 1, "outputs", [5]), "output 0", 1),
    "outputs an object": (_set("cells", 1, "outputs", {}), "outputs", 1),
    "output data a list": (_set("cells", 1, "outputs", [
        {"output_type": "execute_result", "data": [], "metadata": {}, "execution_count": 1}]),
        "data", 1),
    "application/json not JSON": (_set("cells", 1, "outputs", [
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"application/json": "{not json"}}]), "application/json", 1),
    "text/plain a number": (_set("cells", 1, "outputs", [
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/plain": 5}}]), "text/plain", 1),
    "tags of numbers": (_set("cells", 0, "metadata", "tags", [1, None]), "tags", 0),
    "metadata a list": (_set("metadata", []), "'metadata'", None),
    "cell not an object": (_set("cells", 1, "x = 1"), "object", 1),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_structure_is_one_message_naming_notebook_cell_and_field(name):
    change, field, cell = MALFORMED[name]
    raw = json.loads(json.dumps(make_notebook(["x = 1", "y = x"])))
    change(raw)
    with pytest.raises(NotebookError) as err:
        parse_notebook(json.dumps(raw), "odd.ipynb")
    message = str(err.value)
    assert message.startswith("odd.ipynb") and field in message, message
    assert err.value.location.cell_index == cell


def test_a_markdown_cell_may_carry_junk_the_reader_never_uses():
    raw = json.loads(json.dumps(make_notebook([("# Title", [], "markdown"), "x = 1"])))
    raw["cells"][0]["execution_count"] = "n/a"
    nb = parse_notebook(json.dumps(raw), "nb.ipynb")
    assert nb.cells[0].execution_count is None and nb.cells[1].source == "x = 1"


def test_json_outputs_stored_as_strings_still_read():
    raw = json.loads(json.dumps(make_notebook(["metrics = {'a': 1}\nmetrics"])))
    raw["cells"][0]["outputs"] = [{"output_type": "execute_result", "execution_count": 1,
                                   "metadata": {}, "data": {"application/json": '{"a": 1}'}}]
    from jupyter_lifecycle.notebook.outputs import recorded_metrics

    assert recorded_metrics(parse_notebook(json.dumps(raw), "nb.ipynb")) == {"a": 1}


@pytest.mark.parametrize("depth", [70, 900, 1000, 100_000])
def test_deep_nesting_is_refused_quickly_without_recursion_error(depth):
    text = json.dumps(make_notebook(["x = 1"]))
    deep = text[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(NotebookError, match="nested more than 64 levels"):
        parse_notebook(deep, "deep.ipynb")
    raw = json.loads(text)
    raw["cells"][0]["metadata"]["x"] = json.loads("[" * 80 + "]" * 80)
    with pytest.raises(NotebookError, match="nested") as err:
        parse_notebook(json.dumps(raw), "deep.ipynb")
    assert err.value.location.cell_index == 0


def test_application_json_string_nested_deeply_is_refused():
    raw = json.loads(json.dumps(make_notebook(["m"])))
    raw["cells"][0]["outputs"] = [{"output_type": "execute_result", "execution_count": 1,
                                   "metadata": {}, "data": {"application/json": "[" * 5000 + "]" * 5000}}]
    with pytest.raises(NotebookError, match="nested"):
        parse_notebook(json.dumps(raw), "deep.ipynb")


def test_oversized_notebooks_and_cells_are_refused(tmp_path):
    from jupyter_lifecycle.notebook.structure import MAX_NOTEBOOK_BYTES, MAX_SOURCE_CHARS

    huge = tmp_path / "huge.ipynb"
    with huge.open("wb") as f:  # sparse: the size is real, the disk stays empty
        f.truncate(MAX_NOTEBOOK_BYTES + 1)
    with pytest.raises(NotebookError, match="MiB are refused") as err:
        read_notebook(huge)
    assert "huge.ipynb" in str(err.value)
    big_cell = tmp_path / "big.ipynb"
    write_notebook(big_cell, ["x = 1", "y = '" + "a" * MAX_SOURCE_CHARS + "'"])
    with pytest.raises(NotebookError, match="characters long") as err:
        read_notebook(big_cell)
    assert err.value.location.cell_index == 1


def test_lone_surrogates_and_huge_integers_are_refused():
    text = json.dumps(make_notebook(["x = 1"]))
    with pytest.raises(NotebookError, match="surrogate"):
        parse_notebook(text.replace('"x = 1"', '"x = \'\\ud800\'"'), "s.ipynb")
    assert parse_notebook(text.replace('"x = 1"', '"x = \'\\ud83d\\ude00\'"'), "s.ipynb")
    with pytest.raises(NotebookError, match="not valid JSON"):
        parse_notebook(text[:-1] + ', "n": ' + "9" * 5000 + "}", "n.ipynb")


def test_ids_that_are_not_nbformat_ids_fall_back_to_the_index_with_a_warning():
    raw = json.loads(json.dumps(make_notebook(["x = 1", "y = 2", "z = 3", "w = 4"])))
    raw["cells"][0]["id"] = "cell-3"
    raw["cells"][1]["id"] = "x\nimport os"  # would break out of a provenance comment
    raw["cells"][2]["id"] = "cell-3"
    raw["cells"][3]["id"] = "cell-3"
    nb = parse_notebook(json.dumps(raw), "nb.ipynb")
    assert [c.id for c in nb.cells] == ["cell-3", "cell-1", "cell-2", "cell-3-1"]
    assert [d.code for d in nb.diagnostics] == ["invalid-cell-id", "duplicate-cell-id",
                                                "duplicate-cell-id"]
