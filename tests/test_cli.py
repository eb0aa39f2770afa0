"""The ``nb2pipe`` CLI against the quality bar.

Bad input gets one clear message naming the notebook, cell index/id and line, a non-zero exit
(1: the notebook has errors, 2: usage or input errors), and nothing is lost or half-written: no
output directory appears, an existing one is never overwritten without ``--force``, and files
edited by hand are never overwritten at all.

Real runs through click's ``CliRunner`` (click >= 8.2: ``result.stdout`` and ``result.stderr`` are
kept apart, ``result.output`` interleaves both); no mocks.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from jupyter_lifecycle.cli import main

from conftest import make_notebook, snapshot, write_notebook

# A notebook that converts cleanly; cell i has id "c{i}".
GOOD = [
    ("import math", ["lifecycle:setup"]),
    ("alpha = 0.5", ["parameters"]),
    ("x = [1.0, 2.0, 3.0]", ["lifecycle:ingest"]),
    ("y = [v * alpha for v in x]", ["lifecycle:prepare"]),
    ('metrics = {"total": float(sum(y))}', ["lifecycle:evaluate"]),
    ('assert metrics["total"] > 0', ["lifecycle:validate"]),
]
PKG = "nb_pipeline"  # package_name_for("nb.ipynb")


# -- helpers ---------------------------------------------------------------------------------
@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """Run in an empty temporary directory so messages show short, relative notebook names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "200"})


def check(result, code: int):
    """Assert the exit code; on mismatch show both streams and any traceback."""
    tb = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code == code, (
        f"exit code {result.exit_code}, expected {code}\n--- stdout\n{result.stdout}"
        f"\n--- stderr\n{result.stderr}\n{tb}")
    assert tb == "", f"uncaught exception instead of a clear message:\n{tb}"


def where(notebook: str, index: int, cell_id: str, line: int | None = None) -> str:
    text = f"{notebook}, cell {index}, id {cell_id}"
    return text + (f", line {line}" if line is not None else "")


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": error [" in line]


def convert_fails(root: Path, cells, code: int = 1, name: str = "nb.ipynb"):
    """Write the notebook, convert it, expect ``code`` and that nothing at all was written."""
    write_notebook(root / name, cells)
    before = snapshot(root)
    result = run("convert", name, "-o", "out")
    check(result, code)
    assert not (root / "out").exists()
    assert snapshot(root) == before  # no output, no temporary sibling, notebook untouched
    return result


def generated_py(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in out.rglob("*.py")}


def with_cell(index: int, source: str, tags) -> list:
    cells = list(GOOD)
    cells.insert(index, (source, tags))
    return cells


# -- unreadable input: exit 2 -----------------------------------------------------------------
def _invalid_json(path: Path) -> None:
    path.write_text('{"cells": [\n  {"cell_type": "code",,}\n]}', encoding="utf-8")


def _v3(path: Path) -> None:
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                "worksheets": []}), encoding="utf-8")


def _r_kernel(path: Path) -> None:
    nb = make_notebook(['x <- c(1, 2, 3)'], language="R")
    nb.metadata["kernelspec"]["name"] = "ir"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


BAD_INPUT = {
    "invalid-json": (_invalid_json, ["not valid JSON", "line 2"]),
    "nbformat-v3": (_v3, ["nbformat v3", "only v4", "upgrade"]),
    "r-kernel": (_r_kernel, ["'ir'", "R", "only Python"]),
    "missing": (None, ["no such notebook"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_convert_refuses_unreadable_input_with_exit_2(cwd, case):
    make, expected = BAD_INPUT[case]
    if make is not None:
        make(cwd / "nb.ipynb")
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 2)
    assert result.stderr.count("error:") == 1, result.stderr
    assert "nb.ipynb" in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert not (cwd / "out").exists() and not (cwd / PKG).exists()
    assert snapshot(cwd) == before


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
@pytest.mark.parametrize("command", [["stages"], ["stages", "--json"], ["graph"],
                                     ["tag", "--cell", "0", "--stage", "train"]])
def test_every_command_refuses_unreadable_input_with_exit_2(cwd, case, command):
    make, expected = BAD_INPUT[case]
    if make is not None:
        make(cwd / "nb.ipynb")
    before = snapshot(cwd)
    result = run(command[0], "nb.ipynb", *command[1:])
    check(result, 2)
    assert "nb.ipynb" in result.stderr, result.stderr
    key = "no such" if case == "missing" else expected[0]  # tag words it "No such file"
    assert key.lower() in result.stderr.lower(), result.stderr
    assert snapshot(cwd) == before


def test_message_names_a_notebook_whose_name_has_brackets(cwd):
    """The notebook name must appear verbatim, even when it looks like rich markup."""
    result = run("convert", "report [draft].ipynb", "-o", "out")
    check(result, 2)
    assert "report [draft].ipynb" in result.stderr, result.stderr


def test_diagnostics_summary_names_a_notebook_whose_name_has_brackets(cwd):
    write_notebook(cwd / "report [draft].ipynb", with_cell(4, "z = 1", ["lifecycle:trian"]))
    result = run("convert", "report [draft].ipynb", "-o", "out")
    check(result, 1)
    assert "error(s) in report [draft].ipynb; nothing was written" in result.stderr, result.stderr
    assert not (cwd / "out").exists()


# -- errors in exported cells: exit 1; the same code in explore cells is fine ------------------
SYNTAX_ERRORS = {
    # source of an extra prepare cell (index 4, id c4): the cell line that holds the error
    "last-line": ("z = len(y)\nw = = 2", 2),
    "middle-line": ("z = len(y)\nw = = 2\nq = z + 1", 2),
    "first-line": ("w = = 2\nz = len(y)", 1),
    "unclosed-def": ("def f(:\n    return 1\nz = len(y)", 1),
    "call-missing-comma": ("z = len(y)\nprint(z 2)\nq = z + 1", 2),
    "in-time-cell": ("%%time\nz = len(y)\nw = = 2\nq = z + 1", 3),
}


@pytest.mark.parametrize("case", sorted(SYNTAX_ERRORS))
def test_syntax_error_in_exported_cell_names_cell_id_and_line(cwd, case):
    source, line = SYNTAX_ERRORS[case]
    result = convert_fails(cwd, with_cell(4, source, ["lifecycle:prepare"]), 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert "syntax" in errors[0]
    assert errors[0].startswith(where("nb.ipynb", 4, "c4", line) + ":"), errors[0]
    # the message must not contradict the location with another line number
    other_lines = {int(n) for n in re.findall(r"(?:line |@ )(\d+)", errors[0])}
    assert other_lines == {line}, errors[0]
    assert "1 error(s) in nb.ipynb; nothing was written." in result.stderr


def test_syntax_error_is_one_message_not_a_cascade_of_undefined_names(cwd):
    """The cell that computes ``y`` cannot be parsed: say that, not "no cell defines 'y'"."""
    cells = list(GOOD)
    cells[3] = ("y = [v * alpha for v in x]\nz = = 2", ["lifecycle:prepare"])
    result = convert_fails(cwd, cells, 1)
    errors = error_lines(result.stderr)
    assert errors and errors[0].startswith(where("nb.ipynb", 3, "c3", 2) + ": error [syntax]")
    assert len(errors) == 1, result.stderr


def test_syntax_error_in_explore_cell_converts(cwd):
    write_notebook(cwd / "nb.ipynb", with_cell(4, "z = len(y)\nw = = 2\nq = 3", ["lifecycle:explore"]))
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 0)
    assert (cwd / "out" / "src" / PKG / "stages" / "prepare.py").is_file()
    assert "w = = 2" not in "".join(generated_py(cwd / "out").values())


@pytest.mark.parametrize("source, line, magic", [
    ("%%bash\necho hi", 1, "%%bash"),
    ("z = len(y)\n%env FOO=bar", 2, "%env"),
])
def test_disallowed_magic_in_exported_cell_fails(cwd, source, line, magic):
    result = convert_fails(cwd, with_cell(4, source, ["lifecycle:prepare"]), 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(where("nb.ipynb", 4, "c4", line) + ":"), errors[0]
    assert magic in errors[0]


@pytest.mark.parametrize("source", ["%%bash\necho hi", "z = len(y)\n%env FOO=bar"])
def test_disallowed_magic_in_explore_cell_is_fine(cwd, source):
    write_notebook(cwd / "nb.ipynb", with_cell(4, source, ["lifecycle:explore"]))
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 0)
    code = "".join(generated_py(cwd / "out").values())
    assert "echo hi" not in code and "FOO" not in code


def test_display_magics_in_exported_cells_are_dropped_and_time_body_kept(cwd):
    cells = list(GOOD)
    cells[2] = ("%matplotlib inline\nx = [1.0, 2.0, 3.0]", ["lifecycle:ingest"])
    cells[3] = ("%%time\ny = [v * alpha for v in x]\nn_items = len(y)", ["lifecycle:prepare"])
    write_notebook(cwd / "nb.ipynb", cells)
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 0)
    assert not error_lines(result.stderr)
    files = generated_py(cwd / "out")
    prepare = files[f"src/{PKG}/stages/prepare.py"]
    assert "y = [v * alpha for v in x]" in prepare
    assert "n_items = len(y)" in prepare
    for path, text in files.items():
        assert "get_ipython" not in text, path
        assert "%%time" not in text and "matplotlib" not in text, path


def test_unresolvable_star_import_fails(cwd):
    cells = list(GOOD)
    cells[0] = ("import math\nfrom no_such_module_xyz import *", ["lifecycle:setup"])
    result = convert_fails(cwd, cells, 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(where("nb.ipynb", 0, "c0", 2) + ":"), errors[0]
    assert "no_such_module_xyz" in errors[0]


def test_resolvable_star_import_becomes_explicit(cwd):
    cells = list(GOOD)
    cells[0] = ("from math import *", ["lifecycle:setup"])
    cells[3] = ("y = [sqrt(v) * alpha for v in x]", ["lifecycle:prepare"])
    write_notebook(cwd / "nb.ipynb", cells)
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 0)
    files = generated_py(cwd / "out")
    assert "from math import sqrt" in files[f"src/{PKG}/stages/prepare.py"]
    for path, text in files.items():
        assert "import *" not in text, path


@pytest.mark.parametrize("source", ["m = 1", "m = sum([1, 2])"])
def test_a_value_read_before_the_cell_that_computes_it_fails(cwd, source):
    cells = [("x = m + 1", ["lifecycle:prepare"]), (source, ["lifecycle:train"])]
    result = convert_fails(cwd, cells, 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(where("nb.ipynb", 0, "c0", 1) + ":"), errors[0]
    assert "read-before-definition" in errors[0] and "cell 1" in errors[0]
    assert "'m'" in errors[0]


def test_value_only_an_explore_cell_computes_fails(cwd):
    cells = [("q = len('abc')", ["lifecycle:explore"]), ("x = q + 1", ["lifecycle:prepare"])]
    result = convert_fails(cwd, cells, 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(where("nb.ipynb", 1, "c1", 1) + ":"), errors[0]
    assert "'q'" in errors[0] and "explore" in errors[0]


def test_undefined_name_fails(cwd):
    cells = with_cell(4, "z = len(y)\nw = undefined_thing + z", ["lifecycle:prepare"])
    result = convert_fails(cwd, cells, 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(where("nb.ipynb", 4, "c4", 2) + ":"), errors[0]
    assert "undefined_thing" in errors[0]


def test_unknown_stage_tag_fails_naming_the_cell(cwd):
    result = convert_fails(cwd, with_cell(4, "z = len(y)", ["lifecycle:trian"]), 1)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(where("nb.ipynb", 4, "c4") + ","), errors[0]
    assert "lifecycle:trian" in errors[0] and "train" in errors[0]


@pytest.mark.parametrize("global_cell", [
    ("raw = [1, 2, 3]\ndata = max(raw)", ["lifecycle:ingest"]), ("data = 3", ["parameters"]),
])
def test_function_reading_a_data_global_gets_it_as_a_keyword_argument(cwd, global_cell):
    cells = [
        ("import math\n\ndef f():\n    return data * 2", ["lifecycle:setup"]),
        global_cell,
        ("res = f()\nmetrics = {'res': res}", ["lifecycle:prepare"]),
    ]
    write_notebook(cwd / "nb.ipynb", cells)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    helpers = (cwd / "out" / "src" / "nb_pipeline" / "helpers.py").read_text()
    assert "def f(*, data):" in helpers
    stage = (cwd / "out" / "src" / "nb_pipeline" / "stages" / "prepare.py").read_text()
    assert "res = f(data=data)" in stage
    done = subprocess.run([sys.executable, "-m", "nb_pipeline", "--no-record"], cwd=cwd / "out",
                          env={**os.environ, "PYTHONPATH": str(cwd / "out" / "src")},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"metrics": {"res": 6}}


def test_function_rebinding_a_data_global_fails(cwd):
    cells = [
        ("def bump():\n    global count\n    count = count + 1\n    return count", ["lifecycle:setup"]),
        ("count = len('ab')", ["lifecycle:ingest"]),
        ("res = bump()", ["lifecycle:prepare"]),
    ]
    result = convert_fails(cwd, cells, 1)
    errors = error_lines(result.stderr)
    assert errors and errors[0].startswith(where("nb.ipynb", 0, "c0", 1) + ":"), result.stderr
    assert "global-write" in errors[0] and "'bump'" in errors[0] and "'count'" in errors[0]


# -- the output directory -------------------------------------------------------------------
def test_clean_notebook_converts_into_a_complete_package(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    result = run("convert", "nb.ipynb")
    check(result, 0)
    out = cwd / PKG  # default: next to the notebook
    assert f"wrote {PKG}" in result.stdout
    assert (out / ".nb2pipe-manifest.json").is_file()
    assert (out / "src" / PKG / "pipeline.py").is_file()
    assert (out / "src" / PKG / "stages" / "prepare.py").is_file()
    assert sorted(p.name for p in cwd.iterdir()) == sorted(["nb.ipynb", PKG])  # no temp dirs


def test_existing_output_directory_is_refused_without_force(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    cells = list(GOOD)
    cells[1] = ("alpha = 0.25", ["parameters"])
    write_notebook(cwd / "nb.ipynb", cells)
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 2)
    assert "out" in result.stderr and "--force" in result.stderr
    assert snapshot(cwd) == before


def test_force_regenerates_rewriting_only_what_changed(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    out = cwd / "out"
    before = snapshot(out)
    cells = list(GOOD)
    cells[3] = ("y = [v * alpha * 2 for v in x]", ["lifecycle:prepare"])
    write_notebook(cwd / "nb.ipynb", cells)
    result = run("convert", "nb.ipynb", "-o", "out", "--force")
    check(result, 0)
    after = snapshot(out)
    prepare = f"src/{PKG}/stages/prepare.py"
    assert b"y = [v * alpha * 2 for v in x]" in after[prepare][0]
    untouched = [p for p in before if p.endswith(".py") and before[p][0] == after[p][0]]
    assert untouched  # e.g. errors.py, params.py
    for path in untouched:
        assert after[path][1] == before[path][1], f"{path} was rewritten though unchanged"


def test_force_refuses_to_overwrite_a_hand_edited_file_and_writes_nothing(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    edited = cwd / "out" / "src" / PKG / "stages" / "prepare.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# my change\n", encoding="utf-8")
    cells = list(GOOD)  # the notebook changes too, so other files would be updated
    cells[1] = ("alpha = 0.25", ["parameters"])
    cells[3] = ("y = [v * alpha * 2 for v in x]", ["lifecycle:prepare"])
    write_notebook(cwd / "nb.ipynb", cells)
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out", "--force")
    check(result, 2)
    assert f"src/{PKG}/stages/prepare.py" in result.stderr
    assert "edited by hand" in result.stderr
    assert snapshot(cwd) == before  # bytes and mtimes of the whole tree
    assert edited.read_text(encoding="utf-8").endswith("# my change\n")


def test_force_keeps_the_users_own_files(cwd):
    cells = GOOD + [("model = len(y)", ["lifecycle:train"])]
    write_notebook(cwd / "nb.ipynb", cells)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    out = cwd / "out"
    train = out / "src" / PKG / "stages" / "train.py"
    assert train.is_file()
    (out / "NOTES.md").write_text("my notes\n", encoding="utf-8")
    (out / "src" / PKG / "extra.py").write_text("VALUE = 1\n", encoding="utf-8")
    write_notebook(cwd / "nb.ipynb", GOOD)  # the train stage goes away
    result = run("convert", "nb.ipynb", "-o", "out", "--force")
    check(result, 0)
    assert (out / "NOTES.md").read_text(encoding="utf-8") == "my notes\n"
    assert (out / "src" / PKG / "extra.py").read_text(encoding="utf-8") == "VALUE = 1\n"
    assert not train.exists()  # a stale generated, unedited file is removed
    manifest = json.loads((out / ".nb2pipe-manifest.json").read_text(encoding="utf-8"))
    assert "NOTES.md" not in manifest["files"]
    assert f"src/{PKG}/stages/train.py" not in manifest["files"]


def test_output_path_that_is_a_file_is_refused(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    (cwd / "out").write_text("mine\n", encoding="utf-8")
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out")
    check(result, 2)
    assert "out" in result.stderr
    assert snapshot(cwd) == before


def test_output_path_below_a_file_gets_a_clear_message(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    (cwd / "blocker").write_text("mine\n", encoding="utf-8")
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "blocker/out")
    check(result, 2)
    assert "blocker" in result.stderr
    assert snapshot(cwd) == before


def test_invalid_package_name_is_refused(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out", "--name", "not-valid")
    check(result, 2)
    assert "'not-valid'" in result.stderr
    assert snapshot(cwd) == before


# -- dry runs -------------------------------------------------------------------------------
def test_dry_run_of_a_new_package_writes_nothing_and_lists_files(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out", "--dry-run")
    check(result, 0)
    assert snapshot(cwd) == before
    assert "dry run" in result.stdout
    assert re.search(rf"create\s+src/{PKG}/stages/prepare\.py", result.stdout)
    assert f"+++ b/src/{PKG}/stages/prepare.py" in result.stdout
    assert "+    y = [v * alpha for v in x]" in result.stdout


def test_dry_run_after_a_notebook_change_shows_a_unified_diff(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    cells = list(GOOD)
    cells[3] = ("y = [v * alpha * 2 for v in x]", ["lifecycle:prepare"])
    write_notebook(cwd / "nb.ipynb", cells)
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out", "--dry-run")
    check(result, 0)
    assert snapshot(cwd) == before
    assert re.search(rf"update\s+src/{PKG}/stages/prepare\.py", result.stdout)
    assert re.search(rf"unchanged\s+src/{PKG}/errors\.py", result.stdout)
    assert f"--- a/src/{PKG}/stages/prepare.py\n+++ b/src/{PKG}/stages/prepare.py\n" in result.stdout
    assert "\n-    y = [v * alpha for v in x]\n" in result.stdout
    assert "\n+    y = [v * alpha * 2 for v in x]\n" in result.stdout
    assert f"a/src/{PKG}/errors.py" not in result.stdout


def test_dry_run_warns_when_the_real_run_would_be_refused(cwd):
    """A hand-edited file makes even ``--force`` refuse; the dry run must not just say "would write"."""
    write_notebook(cwd / "nb.ipynb", GOOD)
    check(run("convert", "nb.ipynb", "-o", "out"), 0)
    readme = cwd / "out" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "my notes\n", encoding="utf-8")
    before = snapshot(cwd)
    result = run("convert", "nb.ipynb", "-o", "out", "--dry-run", "--force")
    assert snapshot(cwd) == before
    assert re.search(r"conflict\s+README\.md", result.stdout)
    assert re.search(r"refus|edited by hand", result.output), result.output


def test_dry_run_of_a_notebook_with_errors_exits_1(cwd):
    convert_fails(cwd, with_cell(4, "z = len(y)", ["lifecycle:trian"]), 1)
    result = run("convert", "nb.ipynb", "-o", "out", "--dry-run")
    check(result, 1)
    assert not (cwd / "out").exists()


# -- stages and graph -------------------------------------------------------------------------
def test_stages_shows_the_cells_and_stages_tables(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    result = run("stages", "nb.ipynb")
    check(result, 0)
    out = result.stdout
    assert "nb.ipynb: cells" in out and "steps (pipeline order = notebook order)" in out
    for text in ("c3", "prepare", "parameters", "alpha", "evaluate", "metrics", "validate",
                 "y = [v * alpha for v in x]"):
        assert text in out, text
    row = next(line for line in out.splitlines() if "prepare" in line and "alpha" in line
               and "c3" not in line)
    assert "y" in row  # prepare's outputs


def test_stages_json_is_valid_json_with_cells_and_stages(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    result = run("stages", "nb.ipynb", "--json")
    check(result, 0)
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["cells"]] == [f"c{i}" for i in range(len(GOOD))]
    assert data["cells"][1]["is_parameters"] is True
    assert data["cells"][3]["stage"] == "prepare"
    stages = {s["name"]: s for s in data["stages"]}
    assert {"prepare", "evaluate", "validate"} <= set(stages)
    assert stages["prepare"]["params"] == ["alpha"] and stages["prepare"]["cells"] == ["c3"]
    assert stages["validate"]["kind"] == "gate" and stages["evaluate"]["outputs"] == ["metrics"]
    assert data["diagnostics"] == [] or all(d["severity"] != "error" for d in data["diagnostics"])


def test_stages_of_a_notebook_with_errors_exits_1_with_located_diagnostics(cwd):
    write_notebook(cwd / "nb.ipynb", with_cell(4, "z = len(y)", ["lifecycle:trian"]))
    result = run("stages", "nb.ipynb")
    check(result, 1)
    assert any(line.startswith(where("nb.ipynb", 4, "c4")) for line in error_lines(result.stderr))
    result = run("stages", "nb.ipynb", "--json")
    check(result, 1)
    (diag,) = [d for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"]
    assert (diag["notebook"], diag["cell_index"], diag["cell_id"], diag["code"]) == \
        ("nb.ipynb", 4, "c4", "unknown-stage")


@pytest.mark.parametrize("fmt, expected", [
    ("text", ["nb.ipynb:", "prepare", "← alpha from parameters", "← y from prepare"]),
    ("mermaid", ["parameters -->|alpha| prepare", "prepare -->|y| evaluate", "validate{{validate}}"]),
    ("dot", ['"parameters" -> "prepare" [label="alpha"];', '"prepare" -> "evaluate" [label="y"];']),
])
def test_graph_formats(cwd, fmt, expected):
    write_notebook(cwd / "nb.ipynb", GOOD)
    result = run("graph", "nb.ipynb", "--format", fmt)
    check(result, 0)
    first = result.stdout.splitlines()[0]
    if fmt == "mermaid":
        assert first == "flowchart LR"
    if fmt == "dot":
        assert first.startswith("digraph") and result.stdout.rstrip().endswith("}")
    for text in expected:
        assert text in result.stdout, (text, result.stdout)


def test_graph_of_a_notebook_with_errors_exits_1(cwd):
    write_notebook(cwd / "nb.ipynb", [("x = m + 1", ["lifecycle:prepare"]),
                                      ("m = sum([1, 2])", ["lifecycle:train"])])
    result = run("graph", "nb.ipynb", "--format", "mermaid")
    check(result, 1)
    assert error_lines(result.stderr)[0].startswith(where("nb.ipynb", 0, "c0", 1))


def test_unknown_graph_format_is_a_usage_error(cwd):
    write_notebook(cwd / "nb.ipynb", GOOD)
    check(run("graph", "nb.ipynb", "--format", "svg"), 2)


# -- tag ------------------------------------------------------------------------------------
TAG_CELLS = [
    ("import math", ["lifecycle:setup"]),
    ("alpha = 0.5", ["parameters"]),
    ("x = [1.0, 2.0]  # café ✓", ["lifecycle:ingest"]),
    ("y = [v * alpha for v in x]", ["lifecycle:prepare", "keep-me"]),
    ("## Notes — é", [], "markdown"),
    ("z = len(y)", []),
]


def jupyter_notebook(path: Path) -> Path:
    """A notebook as Jupyter writes it: nbformat layout, non-ASCII text, outputs."""
    nb = make_notebook(TAG_CELLS)
    nb.cells[2].execution_count = 3
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="héllo\n")]
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


def without_tags(nb: dict, index: int) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"][index]["metadata"].pop("tags", None)
    return nb


def metadata_span(lines: list[str], cell_id: str) -> tuple[int, int]:
    """Line range strictly between the cell's ``"id"`` line and its ``"outputs"``/``"source"`` line."""
    start = next(i for i, line in enumerate(lines) if line.strip() == f'"id": "{cell_id}",')
    end = next(i for i in range(start, len(lines))
               if lines[i].lstrip().startswith(('"outputs":', '"source":')))
    return start + 1, end


def assert_only_tags_changed(old_text: str, new_text: str, index: int, cell_id: str) -> None:
    old, new = json.loads(old_text), json.loads(new_text)
    assert without_tags(old, index) == without_tags(new, index)
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    old_span, new_span = metadata_span(old_lines, cell_id), metadata_span(new_lines, cell_id)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    assert changes
    for _, i1, i2, j1, j2 in changes:
        assert old_span[0] <= i1 and i2 <= old_span[1], (old_lines[i1:i2], new_lines[j1:j2])
        assert new_span[0] <= j1 and j2 <= new_span[1], (old_lines[i1:i2], new_lines[j1:j2])
    assert new_text.endswith("\n") == old_text.endswith("\n")


def test_tag_by_id_changes_only_that_cells_tags(cwd):
    path = jupyter_notebook(cwd / "nb.ipynb")
    original = path.read_text(encoding="utf-8")
    result = run("tag", "nb.ipynb", "--cell", "c3", "--stage", "train")
    check(result, 0)
    assert "tagged as train: cell(s) 3" in result.stdout
    assert "normalised" not in result.stdout
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["cells"][3]["metadata"]["tags"] == ["keep-me", "lifecycle:train"]
    assert_only_tags_changed(original, text, 3, "c3")


def test_tag_by_index_adds_a_tag_to_an_untagged_cell(cwd):
    path = jupyter_notebook(cwd / "nb.ipynb")
    original = path.read_text(encoding="utf-8")
    result = run("tag", "nb.ipynb", "--cell", "5", "--stage", "evaluate")
    check(result, 0)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["cells"][5]["metadata"]["tags"] == ["lifecycle:evaluate"]
    assert_only_tags_changed(original, text, 5, "c5")
    # and the notebook now reads that way
    stages = json.loads(run("stages", "nb.ipynb", "--json").stdout)
    assert stages["cells"][5]["stage"] == "evaluate" and stages["cells"][5]["explicit_stage"] == "evaluate"


def test_tag_with_an_alias_writes_the_stage_name(cwd):
    path = jupyter_notebook(cwd / "nb.ipynb")
    check(run("tag", "nb.ipynb", "--cell", "c5", "--stage", "eda"), 0)
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][5]["metadata"]["tags"] == \
        ["lifecycle:explore"]


def test_untag_removes_only_lifecycle_tags(cwd):
    path = jupyter_notebook(cwd / "nb.ipynb")
    original = path.read_text(encoding="utf-8")
    result = run("tag", "nb.ipynb", "--cell", "c3", "--untag")
    check(result, 0)
    assert "untagged: cell(s) 3" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["cells"][3]["metadata"]["tags"] == ["keep-me"]
    assert_only_tags_changed(original, text, 3, "c3")


def test_retagging_with_the_same_stage_changes_nothing(cwd):
    path = jupyter_notebook(cwd / "nb.ipynb")
    before = snapshot(cwd)
    result = run("tag", "nb.ipynb", "--cell", "c2", "--stage", "ingest")
    check(result, 0)
    assert "nothing to change" in result.stdout
    assert snapshot(cwd) == before and path.exists()


def test_tag_keeps_the_layout_of_a_notebook_saved_with_ascii_escapes(cwd):
    """``json.dumps(nb, indent=1, sort_keys=True)`` (ASCII escapes) is a layout we can reproduce."""
    path = write_notebook(cwd / "nb.ipynb", [("x = 'café'", ["lifecycle:ingest"]), ("y = len(x)", [])])
    original = path.read_text(encoding="utf-8")
    result = run("tag", "nb.ipynb", "--cell", "c1", "--stage", "train")
    check(result, 0)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["cells"][1]["metadata"]["tags"] == ["lifecycle:train"]
    assert_only_tags_changed(original, text, 1, "c1")


@pytest.mark.parametrize("args, expected", [
    (["--cell", "c3", "--stage", "trian"], ["unknown stage", "'trian'"]),
    (["--cell", "nope", "--stage", "train"], ["no cell", "'nope'"]),
    (["--cell", "99", "--stage", "train"], ["no cell", "'99'"]),
    (["--cell", "c3", "--cell", "nope", "--stage", "train"], ["no cell", "'nope'"]),
])
def test_tag_refuses_unknown_stage_or_cell_and_leaves_the_file_alone(cwd, args, expected):
    jupyter_notebook(cwd / "nb.ipynb")
    before = snapshot(cwd)
    result = run("tag", "nb.ipynb", *args)
    check(result, 2)
    assert "nb.ipynb" in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert snapshot(cwd) == before


@pytest.mark.parametrize("args", [["--cell", "c3"], ["--cell", "c3", "--stage", "train", "--untag"]])
def test_tag_needs_exactly_one_of_stage_or_untag(cwd, args):
    jupyter_notebook(cwd / "nb.ipynb")
    before = snapshot(cwd)
    result = run("tag", "nb.ipynb", *args)
    check(result, 2)
    assert "--stage" in result.stderr and "--untag" in result.stderr
    assert snapshot(cwd) == before


# -- help -----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [[], ["convert"], ["stages"], ["graph"], ["tag"]])
def test_help_lists_the_exit_codes(command):
    result = run(*command, "--help")
    check(result, 0)
    text = " ".join(result.stdout.split())
    assert "Exit codes: 0 ok, 1 the notebook has errors (diagnostics), 2 usage or input error" in text
    if not command:
        for sub in ("convert", "stages", "graph", "tag"):
            assert sub in result.stdout
