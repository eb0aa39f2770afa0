"""Generated pytest files: the notebook's ``test`` cells, a regression test, import and CLI tests."""

from __future__ import annotations

import json
import re

import libcst as cst
from libcst.helpers import parse_template_statement

from ..graph import StageGraph, TestNode
from .pass_globals import functools_import
from .common import GeneratedFile, block_statements, from_import, imports_for, module, render

_CONFTEST = '''
from pathlib import Path

import pytest

from {package}.pipeline import NOTEBOOK, run

# The pipeline runs where the notebook ran (its folder), so relative data paths resolve as they
# did in the notebook; without the notebook beside the package, in a temporary folder.
WORKDIR = (Path(__file__).resolve().parents[1] / NOTEBOOK).parent


@pytest.fixture(scope="session")
def pipeline_workdir(tmp_path_factory):
    return WORKDIR if WORKDIR.is_dir() else tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def pipeline_results(pipeline_workdir):
    """``pipeline_results(stage)``: the pipeline's results up to ``stage`` (None: all), run once each."""
    cache = {{}}
    workdir = pipeline_workdir

    def results(until=None):
        if until not in cache:
            cache[until] = run(until=until, record=False, workdir=workdir)
        return cache[until]

    return results
'''

_PIPELINE_TESTS = '''
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from {package} import STAGES, Params, ParamsError
from {package}.__main__ import main

EXPECTED = Path(__file__).with_name("expected_metrics.json")


def test_package_imports_and_lists_its_stages():
    assert STAGES == {stages}


def test_params_defaults_come_from_the_notebook():
    assert Params().to_dict() == {defaults}


def test_params_reject_unknown_names():
    with pytest.raises(ParamsError, match="unknown parameter"):
        Params.from_dict({{"no_such_parameter": 1}})


def test_cli_help_runs():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "{package}", "--help"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "--params-file" in done.stdout


def test_cli_runs_the_pipeline(tmp_path, capsys, pipeline_workdir):
    out = tmp_path / "results.json"
    assert main(["--output", str(out), "--no-record", "--workdir", str(pipeline_workdir)]) == 0
    written = out.read_text()
    assert set(json.loads(written)) <= {results}
    assert capsys.readouterr().out.rstrip().endswith(written.rstrip())

'''

_REGRESSION_TEST = '''

def test_metrics_match_the_executed_notebook(pipeline_results, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = json.loads(EXPECTED.read_text())
    metrics = pipeline_results(None)["metrics"]
    assert set(metrics) == set(expected)
    for name, value in expected.items():
        if isinstance(value, float):
            assert math.isclose(metrics[name], value, rel_tol=1e-9, abs_tol=1e-12), name
        else:
            assert metrics[name] == value, name
'''


def _test_name(test: TestNode) -> str:
    slug = re.sub(r"[^0-9a-zA-Z_]+", "_", test.cell.id).strip("_").lower()
    return f"test_cell_{test.cell.index}_{slug}"[:80]


def _no_required_args(statement) -> bool:
    if not isinstance(statement, cst.FunctionDef) or statement.asynchronous is not None:
        return False
    params = statement.params
    return not params.posonly_params and not params.kwonly_params and all(
        p.default is not None for p in params.params)


def _test_function(graph: StageGraph, test: TestNode) -> cst.FunctionDef:
    body: list[cst.BaseStatement] = []
    if test.reads:
        until = cst.SimpleString(repr(test.until)) if test.until else cst.Name("None")
        body.append(parse_template_statement("results = pipeline_results({until})\n", until=until))
        for name in test.reads:
            body.append(parse_template_statement(
                "{name} = results[{key}]\n", name=cst.Name(name), key=cst.SimpleString(repr(name))))
    for name in test.params:
        body.append(parse_template_statement("{name} = Params().{name}\n", name=cst.Name(name)))
    body.extend(block_statements(graph, test.block))
    # A test cell may hold pytest-style functions: call them, or they would never run.
    for names, statement in zip(test.block.names, test.block.statements):
        if names.kind == "def" and names.defines[0].startswith("test") and _no_required_args(statement):
            body.append(cst.SimpleStatementLine([cst.Expr(cst.Call(cst.Name(names.defines[0])))]))
    params = [cst.Param(cst.Name("pipeline_results"))] if test.reads else []
    return cst.FunctionDef(
        name=cst.Name(_test_name(test)),
        params=cst.Parameters(params=params),
        body=cst.IndentedBlock(body),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )


def test_cells_file(graph: StageGraph, package: str) -> GeneratedFile:
    """``tests/test_notebook_cells.py``: one test function per ``test`` cell."""
    uses = sorted({u for t in graph.tests for u in t.uses})
    imports = imports_for(graph, uses, f"{package}.helpers")
    if any(t.params for t in graph.tests):
        imports.append(from_import(f"{package}.params", ["Params"]))
    functions = [_test_function(graph, t) for t in graph.tests]
    imports = [*functools_import(functions), *imports]
    return GeneratedFile("tests/test_notebook_cells.py", render(module(
        graph, "The notebook's test cells, run against the pipeline's results.",
        [*imports, *functions])), "test cells " + ", ".join(t.cell.id for t in graph.tests))


def test_files(graph: StageGraph, package: str, expected_metrics: dict | None) -> list[GeneratedFile]:
    files = []
    conftest = cst.parse_module(_CONFTEST.format(package=package))
    files.append(GeneratedFile("tests/conftest.py", render(module(
        graph, "Fixtures: the pipeline run once per stage boundary.", list(conftest.body))), "static"))
    stages = tuple(n.name for n in graph.stages)
    defaults = {p.name: p.value for p in graph.params}
    code = _PIPELINE_TESTS.format(package=package, stages=repr(stages), defaults=repr(defaults),
                                  results=repr(set(graph.result_names)))
    if expected_metrics is not None:
        code += _REGRESSION_TEST
    files.append(GeneratedFile("tests/test_pipeline.py", render(module(
        graph, "The package imports, its CLI runs, and it reproduces the notebook's metrics.",
        list(cst.parse_module(code).body))), "static + parameters"))
    if expected_metrics is not None:
        files.append(GeneratedFile("tests/expected_metrics.json",
                                   json.dumps(expected_metrics, indent=2, sort_keys=True) + "\n",
                                   "outputs of the executed notebook"))
    return files

