"""What the generated project declares and how its stages read: dependency ranges and a lock file,
no empty modules, PEP 257 stage docstrings and type hints where a literal tells the type."""

from __future__ import annotations

import ast
import importlib.metadata
import io
import re
import tomllib

import nbformat
import pytest
from packaging.requirements import Requirement as Spec
from packaging.utils import canonicalize_name
from packaging.version import Version

from jupyter_lifecycle.codegen import generate_package, package_name_for
from jupyter_lifecycle.codegen.project_files import Requirement
from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import read_notebook

from conftest import SAMPLES, make_notebook


def generated(path) -> dict[str, str]:
    nb = read_notebook(path)
    graph = build_graph(nb)
    assert not graph.errors, [str(d) for d in graph.errors]
    files, _ = generate_package(graph, package_name_for(nb.path))
    return {f.path: f.text for f in files}


def notebook(tmp_path, cells, name="small.ipynb"):
    path = tmp_path / name
    nbformat.write(make_notebook(cells), path)
    return path


# -- dependencies ---------------------------------------------------------------------------------
@pytest.mark.parametrize("version, expected", [
    ("1.5.2", "scikit-learn~=1.5"),
    ("2.0", "scikit-learn~=2.0"),
    ("0.13.2", "scikit-learn~=0.13.2"),
    ("0.9", "scikit-learn~=0.9"),
    ("2024", "scikit-learn>=2024"),
    ("2.1.0+cpu", "scikit-learn~=2.1"),
    ("1.6.0.post1", "scikit-learn~=1.6"),
])
def test_compatible_ranges_from_the_installed_version(version, expected):
    requirement = Requirement("scikit-learn", version)
    assert requirement.compatible == expected
    assert Spec(expected).specifier.contains(Version(version).public)
    assert requirement.pin == f"scikit-learn=={version}"


def test_a_pre_release_is_inside_its_own_range():
    compatible = Requirement("numpy", "2.0.0rc1").compatible
    assert Spec(compatible).specifier.contains("2.0.0rc1", prereleases=True)


def test_pyproject_declares_ranges_and_the_lock_pins_what_is_installed():
    files = generated(SAMPLES / "executed" / "iris_classification.ipynb")
    project = tomllib.loads(files["pyproject.toml"])["project"]
    runtime = [Spec(s) for s in project["dependencies"]]
    test = [Spec(s) for s in project["optional-dependencies"]["test"]]
    assert runtime and all(">" in str(s.specifier) or "~=" in str(s.specifier) for s in runtime)
    assert not any("==" in str(s.specifier) for s in [*runtime, *test])
    for spec in [*runtime, *test]:
        assert spec.specifier.contains(importlib.metadata.version(spec.name)), spec
    names = {canonicalize_name(s.name) for s in runtime}
    assert {"pandas", "scikit-learn"} <= names
    # numpy is imported by the test cells only; pytest is for the tests
    assert "numpy" not in names and "pytest" not in names
    assert {"numpy", "pytest"} <= {canonicalize_name(s.name) for s in test}

    lock = files["requirements.lock"]
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)$", lock, re.MULTILINE))
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name
    locked = {canonicalize_name(n) for n in pins}
    assert names | {"numpy", "pytest"} <= locked
    # what the direct requirements need in turn is locked too (scikit-learn needs scipy)
    assert "scipy" in locked and "scipy" not in names
    assert "    # via scikit-learn" in lock.split("\nscipy==", 1)[1].splitlines()[1]


def test_a_module_used_by_a_stage_and_a_test_is_a_runtime_dependency(tmp_path):
    files = generated(notebook(tmp_path, [
        ("import numpy as np\nx = np.arange(3)", ["lifecycle:ingest"]),
        ("import numpy as np\nassert np.all(x >= 0)", ["lifecycle:test"]),
    ]))
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert [Spec(s).name for s in project["dependencies"]] == ["numpy"]
    assert [Spec(s).name for s in project["optional-dependencies"]["test"]] == ["pytest"]


# -- no empty modules -----------------------------------------------------------------------------
def test_no_empty_modules_are_written(tmp_path):
    files = generated(notebook(tmp_path, [
        ("x = list(range(3))", ["lifecycle:ingest"]),
        ("total = sum(x)", ["lifecycle:train"]),
    ]))
    package = "src/small_pipeline/"
    assert package + "helpers.py" not in files
    assert package + "stages/__init__.py" not in files
    for path, text in files.items():
        if path.endswith(".py"):
            body = ast.parse(text).body
            assert body[1:] or not isinstance(body[0], ast.Expr), f"{path} holds only a docstring"


def test_helpers_are_written_when_the_notebook_defines_some(tmp_path):
    files = generated(notebook(tmp_path, [
        ("def double(v):\n    return 2 * v", ["lifecycle:setup"]),
        ("x = double(3)", ["lifecycle:ingest"]),
    ]))
    assert "def double(v):" in files["src/small_pipeline/helpers.py"]


# -- stage docstrings and signatures --------------------------------------------------------------
def stage_functions(files) -> list[tuple[ast.FunctionDef, str]]:
    found = []
    for path, text in files.items():
        if "/stages/" in path:
            tree = ast.parse(text)
            found += [(n, text) for n in tree.body if isinstance(n, ast.FunctionDef)]
    return found


@pytest.mark.parametrize("name", sorted(p.stem for p in (SAMPLES / "executed").glob("*.ipynb")))
def test_stage_docstrings_follow_pep_257(name):
    functions = stage_functions(generated(SAMPLES / "executed" / f"{name}.ipynb"))
    assert functions
    for function, text in functions:
        doc = ast.get_docstring(function, clean=False)
        assert doc, function.name
        lines = doc.splitlines()
        summary = lines[0]
        assert summary.startswith("Run stage ") and summary.endswith("."), summary  # imperative
        if len(lines) > 1:
            assert lines[1] == "", "a blank line after the summary"
            assert lines[-1].strip() == "", "closing quotes on a line of their own"
            sections = [line.strip() for line in lines if line.strip().endswith(":")
                        and not line.startswith("        ")]
            assert set(sections) <= {"Args:", "Returns:", "Raises:"}, sections
        args = [a.arg for a in function.args.args]
        documented = re.findall(r"^        (\w+): ", doc, re.MULTILINE)
        assert documented[:len(args)] == args, function.name


def test_stage_parameters_are_typed_from_the_parameters_cell_and_literals(tmp_path):
    files = generated(notebook(tmp_path, [
        ("alpha = 0.5\nepochs = 3\nname = 'run'\nlayers = [8, 4]\nextra = None", ["parameters"]),
        ("threshold = 0.25\nlabels = ['a', 'b']\nrows = list(range(epochs))", ["lifecycle:ingest"]),
        ("score = alpha * len(rows) * threshold + len(labels) + len(layers) + len(name)\n"
         "flag = extra is None", ["lifecycle:train"]),
    ]))
    (train, _), = [(f, t) for f, t in stage_functions(files) if f.name == "train"]
    hints = {a.arg: ast.unparse(a.annotation) if a.annotation else None for a in train.args.args}
    assert hints == {"threshold": "float", "labels": "list", "rows": None, "alpha": "float",
                     "layers": "list", "name": "str", "extra": None}
    assert "alpha: parameter, default 0.5." in ast.get_docstring(train)
    assert "rows: from stage `ingest`." in ast.get_docstring(train)


def test_a_literal_rebound_later_in_its_stage_gets_no_hint(tmp_path):
    files = generated(notebook(tmp_path, [
        ("threshold = 1\nthreshold = threshold / 3", ["lifecycle:ingest"]),
        ("score = threshold * 2", ["lifecycle:train"]),
    ]))
    (train, _), = [(f, t) for f, t in stage_functions(files) if f.name == "train"]
    assert train.args.args[0].arg == "threshold" and train.args.args[0].annotation is None


def test_a_long_signature_is_wrapped_one_parameter_a_line(tmp_path):
    names = [f"parameter_number_{i}" for i in range(6)]
    files = generated(notebook(tmp_path, [
        ("\n".join(f"{n} = {i}" for i, n in enumerate(names)), ["parameters"]),
        ("total = " + " + ".join(names), ["lifecycle:train"]),
    ]))
    text = files["src/small_pipeline/stages/train.py"]
    assert "def train(\n    parameter_number_0: int,\n" in text
    assert "    parameter_number_5: int,\n):\n" in text
    signature = text[text.index("def train("):text.index("):\n") + 3]
    assert max(len(line) for line in signature.splitlines()) <= 100


@pytest.mark.parametrize("metrics_shown", [False, True])
def test_generated_tests_are_pyflakes_clean_with_and_without_a_regression_test(tmp_path, metrics_shown):
    from pyflakes.api import check
    from pyflakes.reporter import Reporter

    nb = make_notebook([("n = 2", ["parameters"]), ("x = list(range(n))", ["lifecycle:ingest"]),
                        ("metrics = {'size': len(x)}\nmetrics", ["lifecycle:evaluate"]),
                        ("assert len(x) == n", ["lifecycle:test"])])
    if metrics_shown:
        nb.cells[2].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "{'size': 2}"},
                                                      execution_count=1)]
    path = tmp_path / "small.ipynb"
    nbformat.write(nb, path)
    files = generated(path)
    assert ("tests/expected_metrics.json" in files) == metrics_shown
    for name, text in files.items():
        if name.startswith("tests/") and name.endswith(".py"):
            messages = io.StringIO()
            assert check(text, name, Reporter(messages, messages)) == 0, messages.getvalue()
