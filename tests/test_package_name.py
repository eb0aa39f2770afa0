"""Package names: one check (``jupyter_lifecycle.package_name``) for the CLI and the server.

A generated package's import name must be an ASCII, non-keyword identifier that is also a valid
project name, and must not shadow the standard library or a module installed here; the package
being regenerated (found inside the output folder) does not count as installed.
"""

from __future__ import annotations

import importlib.util
import keyword
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_lifecycle.cli import main
from jupyter_lifecycle.codegen import package_name_for
from jupyter_lifecycle.package_name import PackageNameError, check_package_name, package_name_problem

from conftest import write_notebook

CELLS = [
    ("import math", []),
    ("alpha = 2", ["parameters"]),
    ("data = [1, 2, 3]", ["lifecycle:ingest"]),
    ("metrics = {'total': math.fsum(x * alpha for x in data)}", ["lifecycle:evaluate"]),
]
# The project-name rule of the packaging specifications (names in pyproject.toml).
PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@pytest.mark.parametrize("name", ["analysis_pipeline", "a", "x1", "my__pkg2", "Iris"])
def test_good_names_pass(name):
    assert package_name_problem(name) is None
    assert check_package_name(name) == name


@pytest.mark.parametrize("name,needle", [
    ("", "not a valid Python identifier"),
    ("1abc", "not a valid Python identifier"),
    ("a-b", "not a valid Python identifier"),
    ("a.b", "not a valid Python identifier"),
    ("class", "is a Python keyword"),
    ("None", "is a Python keyword"),
    ("données", "not ASCII"),
    ("ｐｋｇ", "not ASCII"),  # full-width letters: an identifier, normalised by Python (NFKC)
    ("_private", "start with a letter and end with a letter or digit"),
    ("trailing_", "start with a letter and end with a letter or digit"),
    ("os", "standard-library module os"),
    ("json", "standard-library module json"),
    ("sys", "standard-library module sys"),
    ("pytest", "installed module pytest"),
    ("click", "installed module click"),
    (5, "must be a string"),
])
def test_bad_names_are_refused_with_the_reason(name, needle):
    problem = package_name_problem(name)
    assert problem is not None and needle in problem
    with pytest.raises(PackageNameError, match="choose another name"):
        check_package_name(name)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_every_accepted_name_is_a_safe_module_and_project_name(name):
    if package_name_problem(name) is not None:
        return
    assert name.isascii() and name.isidentifier() and not keyword.iskeyword(name)
    assert PROJECT_NAME.match(name.replace("_", "-"))
    assert name not in sys.stdlib_module_names
    spec = importlib.util.find_spec(name)
    # nothing importable, or only a plain folder in the working directory (a namespace package)
    assert spec is None or (spec.origin is None and all(
        Path(p).parent == Path.cwd() for p in spec.submodule_search_locations)), spec


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and "\x00" not in s))
def test_names_derived_from_a_notebook_always_pass(stem):
    assert package_name_problem(package_name_for(f"{stem}.ipynb")) is None


def test_a_module_inside_the_output_folder_is_the_one_being_regenerated(tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / "src" / "regen_pkg_x").mkdir(parents=True)
    (out / "src" / "regen_pkg_x" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(out / "src"))
    assert package_name_problem("regen_pkg_x", out) is None
    assert "installed module regen_pkg_x" in package_name_problem("regen_pkg_x", tmp_path / "b")
    assert "installed module regen_pkg_x" in package_name_problem("regen_pkg_x")


def test_a_plain_folder_in_the_working_directory_is_not_an_installed_module(tmp_path,
                                                                             monkeypatch):
    (tmp_path / "results").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend("")
    assert importlib.util.find_spec("results") is not None  # a namespace package
    assert package_name_problem("results") is None


# -- the CLI ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,needle", [
    ("os", "would shadow the standard-library module os"),
    ("json", "would shadow the standard-library module json"),
    ("class", "is a Python keyword"),
    ("données", "is not ASCII"),
    ("pytest", "would shadow the installed module pytest"),
    ("_x", "must start with a letter"),
])
def test_cli_convert_refuses_an_unusable_name(tmp_path, name, needle):
    nb = write_notebook(tmp_path / "nb.ipynb", CELLS)
    result = CliRunner().invoke(main, ["convert", str(nb), "--name", name,
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_regenerates_an_installed_package_in_place_but_not_elsewhere(tmp_path):
    """With the package importable (as after ``pip install -e``), --force regenerates it."""
    nb = write_notebook(tmp_path / "nb.ipynb", CELLS)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(out / "src"), "COLUMNS": "200"}
    command = [sys.executable, "-m", "jupyter_lifecycle.cli", "convert", str(nb),
               "--name", "regen_pkg_y"]
    first = subprocess.run([*command, "-o", str(out)], capture_output=True, text=True, env=env,
                           cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (out / "src" / "regen_pkg_y" / "__init__.py").is_file()
    again = subprocess.run([*command, "-o", str(out), "--force"], capture_output=True, text=True,
                           env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    elsewhere = subprocess.run([*command, "-o", str(tmp_path / "other")], capture_output=True,
                               text=True, env=env, cwd=tmp_path)
    assert elsewhere.returncode == 2
    assert "would shadow the installed module regen_pkg_y" in elsewhere.stderr
    assert "Traceback" not in elsewhere.stderr and str(tmp_path) not in elsewhere.stderr
    assert not (tmp_path / "other").exists()
