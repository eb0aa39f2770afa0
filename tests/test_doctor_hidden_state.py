"""The doctor's hidden-state replay on notebooks executed out of order on purpose: a real kernel
(nbclient) runs the cells in the order each test chooses, the notebook is saved, then doctored."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from jupyter_lifecycle.cli import main
from jupyter_lifecycle.doctor import diagnose

from conftest import make_notebook

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "store" / "runs.sqlite"))


def executed(tmp_path: Path, cells, order, *, drop=()) -> Path:
    """Run ``cells`` in ``order`` in one kernel, delete the cells in ``drop``, save."""
    nb = make_notebook(cells)
    client = NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60,
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index in order:
            client.execute_cell(nb.cells[index], index)
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in drop]
    path = tmp_path / "session.ipynb"
    nbformat.write(nb, str(path))
    return path


def hidden(path: Path) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in diagnose(path).findings:
        if f.area == "hidden-state":
            out.setdefault(f.check, []).append(f)
    return out


def test_a_read_of_a_value_a_later_cell_bound_is_reported(tmp_path):
    cells = ["x = 1", "y = x * 2", "x = 10"]
    found = hidden(executed(tmp_path, cells, [0, 2, 1]))
    [finding] = found["hidden-state.later-binding"]
    assert [c.index for c in finding.cells] == [1, 2]
    assert "`x`" in finding.message and finding.severity.value == "high"
    assert finding.cells[0].line == 1 and finding.fix


def test_cells_run_top_to_bottom_have_no_hidden_state(tmp_path):
    cells = ["x = 1", "y = x * 2", "x = 10"]
    assert hidden(executed(tmp_path, cells, [0, 1, 2])) == {}


def test_a_read_that_skipped_a_rebinding_above_it_is_reported(tmp_path):
    cells = ["x = 1", "x = 2", "y = x"]
    found = hidden(executed(tmp_path, cells, [0, 2, 1]))
    [finding] = found["hidden-state.binding-differs"]
    assert finding.cells[0].index == 2 and finding.cells[1].index == 1
    assert "hidden-state.later-binding" not in found


def test_reruns_that_end_in_file_order_are_quiet(tmp_path):
    cells = ["x = 1", "x = 2", "y = x"]
    # cells 0 and 1 ran twice: the saved counts are 3 4 5 (a gap, but every name is bound)
    path = executed(tmp_path, cells, [0, 1, 0, 1, 2])
    assert [c.execution_count for c in nbformat.read(str(path), 4).cells] == [3, 4, 5]
    assert hidden(path) == {}


def test_a_name_used_before_any_cell_above_binds_it(tmp_path):
    found = hidden(executed(tmp_path, ["print(z)", "z = 5"], [1, 0]))
    [finding] = found["hidden-state.use-before-bind"]
    assert finding.cells[0].index == 0 and "cell 1 below" in finding.message


def test_a_name_bound_above_is_not_used_before_binding(tmp_path):
    assert hidden(executed(tmp_path, ["z = 5", "print(z)"], [0, 1])) == {}


def test_a_name_only_a_deleted_cell_bound_is_reported_from_the_gap_in_counts(tmp_path):
    path = executed(tmp_path, ["w = 3", "v = w + 1", "print(v)"], [0, 1, 2], drop={0})
    found = hidden(path)
    [finding] = found["hidden-state.deleted-binding"]
    assert finding.cells[0].index == 0 and "`w`" in finding.message and "1" in finding.message


def test_no_gap_in_counts_means_no_deleted_cell(tmp_path):
    path = executed(tmp_path, ["w = 3", "v = w + 1", "print(v)"], [0, 1, 2])
    assert "hidden-state.deleted-binding" not in hidden(path)


def test_saved_error_outputs_are_reported(tmp_path):
    found = hidden(executed(tmp_path, ["a = 1", "a / 0"], [0, 1]))
    [finding] = found["hidden-state.error-output"]
    assert finding.cells[0].index == 1 and "ZeroDivisionError" in finding.message


def test_no_error_output_is_quiet(tmp_path):
    assert "hidden-state.error-output" not in hidden(executed(tmp_path, ["a = 1", "a / 2"], [0, 1]))


def test_cells_never_executed_in_a_saved_session(tmp_path):
    found = hidden(executed(tmp_path, ["a = 1", "b = 2", "c = 3"], [0, 2]))
    [finding] = found["hidden-state.never-executed"]
    assert [c.index for c in finding.cells] == [1] and finding.severity.value == "medium"


def test_a_notebook_saved_without_outputs_has_no_never_executed_finding(tmp_path):
    path = tmp_path / "clean.ipynb"
    nbformat.write(make_notebook(["a = 1", "b = a"]), str(path))
    assert hidden(path) == {}


def test_the_cli_json_names_the_cells_of_an_out_of_order_session(tmp_path):
    path = executed(tmp_path, ["x = 1", "y = x * 2", "x = 10"], [0, 2, 1])
    result = CliRunner().invoke(main, ["doctor", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    [finding] = [f for f in report["findings"] if f["check"] == "hidden-state.later-binding"]
    assert finding["cells"][0] == {"index": 1, "id": "c1", "stage": "setup", "line": 1}
    assert report["stages"][0]["stage"] == "setup" and report["stages"][0]["level"] == "low"
