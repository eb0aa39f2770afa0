"""Generated pytest files: the notebook's ``test`` cells, a regression test, import and CLI tests."""

from __future__ import annotations

import hashlib
import json
import re

import libcst as cst
from libcst.helpers import parse_template_statement

from ..graph import StageGraph, TestNode
from .pass_globals import functools_import
from .common import (GeneratedFile, block_statements, from_import, header_lines, imports_for,
                     module, render)
from .render_cache import TextStore, cached_files, fingerprint

_CONFTEST = '''
import copy
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from {package}.pipeline import STAGES, run

# The pipeline runs where the notebook ran (its folder), so relative data paths resolve as they
# did in the notebook; without the notebook beside the package, in a temporary folder.
NOTEBOOK_DIR = {notebook_dir!r}  # the notebook's folder, relative to this project folder
WORKDIR = Path(__file__).resolve().parents[1] / NOTEBOOK_DIR if NOTEBOOK_DIR is not None else None

# stage → the values the test cells read as they were when it finished
SNAPSHOTS: dict[str, tuple[str, ...]] = {snapshots}


@dataclass
class PipelineRun:
    """One run of the pipeline: its results and the values the test cells read after each stage."""

    results: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished: list[str] = field(default_factory=list)
    error: Exception | None = None

    def after(self, stage: str) -> dict[str, Any]:
        """The values the test cells read, as they were when ``stage`` finished."""
        if stage not in self.snapshots:
            raise RuntimeError(f"the pipeline failed before stage {{stage!r}} finished") from self.error
        return self.snapshots[stage]

    def final(self) -> dict[str, Any]:
        """The pipeline's results (what ``run()`` returned)."""
        if self.error is not None:
            failed = STAGES[len(self.finished)] if len(self.finished) < len(STAGES) else "?"
            raise RuntimeError(f"the pipeline failed in stage {{failed!r}}") from self.error
        return self.results


def snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``values`` (later stages may change them in place); a value that cannot be
    copied is kept as it is, with a warning."""
    try:
        return copy.deepcopy(values)
    except Exception:
        kept = {{}}
        for name, value in values.items():
            try:
                kept[name] = copy.deepcopy(value)
            except Exception as exc:
                warnings.warn(f"{{name}} cannot be copied ({{exc}}); the tests see it as the last "
                              "stage left it")
                kept[name] = value
        return kept


@pytest.fixture(scope="session")
def pipeline_workdir(tmp_path_factory):
    return WORKDIR if WORKDIR is not None and WORKDIR.is_dir() else tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def pipeline_run(pipeline_workdir) -> PipelineRun:
    """The pipeline, run once per test session (not recorded), and what its stages handed on."""
    done = PipelineRun()
    seen: dict[str, Any] = {{}}

    def keep(stage: str, values: dict[str, Any]) -> None:
        seen.update(values)
        done.finished.append(stage)
        if stage in SNAPSHOTS:
            done.snapshots[stage] = snapshot({{name: seen[name] for name in SNAPSHOTS[stage]}})

    try:
        done.results = run(record=False, workdir=pipeline_workdir, on_stage=keep)
    except Exception as exc:  # each test that needs a later stage reports it
        done.error = exc
    return done
'''

_PIPELINE_TESTS = '''
import inspect
import json
{regression_imports}
import pytest

from {package} import STAGES, Params, ParamsError
from {package} import __main__ as cli
{expected}

def test_package_imports_and_lists_its_stages():
    assert STAGES == {stages}


def test_params_defaults_come_from_the_notebook():
    assert Params().to_dict() == {defaults}


def test_params_reject_unknown_names():
    with pytest.raises(ParamsError, match="unknown parameter"):
        Params.from_dict({{"no_such_parameter": 1}})


def test_cli_help_lists_every_parameter(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    for flag in ["--params-file", *(f"--{{name.replace('_', '-')}}" for name in Params().to_dict())]:
        assert flag in shown, flag


def test_cli_prints_and_writes_the_results(pipeline_run, tmp_path, capsys, monkeypatch):
    calls = []
    signature = inspect.signature(cli.run)

    def run(*args, **kwargs):  # the session's run stands in: the pipeline runs once per session
        calls.append(signature.bind(*args, **kwargs).arguments)
        return pipeline_run.final()

    monkeypatch.setattr(cli, "run", run)
    out = tmp_path / "results.json"
    assert cli.main(["--output", str(out), "--no-record"]) == 0
    assert len(calls) == 1
    assert calls[0]["params"] == Params() and calls[0]["record"] is False
    written = out.read_text()
    assert set(json.loads(written)) <= {results}
    assert capsys.readouterr().out.rstrip().endswith(written.rstrip())
'''

_REGRESSION_TEST = '''

def test_metrics_match_the_executed_notebook(pipeline_run):
    expected = json.loads(EXPECTED.read_text())
    metrics = pipeline_run.final()["metrics"]
    assert set(metrics) == set(expected)
    for name, value in expected.items():
        if isinstance(value, float):
            assert math.isclose(metrics[name], value, rel_tol=1e-9, abs_tol=1e-12), name
        else:
            assert metrics[name] == value, name
'''

_WORD = re.compile(r"[A-Za-z0-9]+")
_FILLER = {"cell", "test", "tests", "check", "checks"}
_INDEX_ID = re.compile(r"cell-[0-9]+(-[0-9]+)?")  # what the reader gives a cell without an id


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _first_comment(source: str) -> str | None:
    """The text of the cell's first comment line (before any code), if it says anything."""
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return None
        if _words(stripped) and not stripped.startswith("#!"):
            return stripped.lstrip("#").strip()
    return None


def _says_something(cell_id: str) -> bool:
    """An id a person chose (``test-split``), not a random one (``5f3a9c1e``) or an index."""
    if _INDEX_ID.fullmatch(cell_id):
        return False
    return any(w.isalpha() and len(w) >= 3 and w not in _FILLER
               for w in re.split(r"[^0-9a-zA-Z]+", cell_id.lower()))


def cell_test_name(test: TestNode) -> str:
    """The test's function name, from the cell's id when a person chose it, else from the cell's
    first comment, else from the id (an index-derived id: from the source's hash). Never from the
    cell's position, so inserting a cell renames no test."""
    cell = test.cell
    comment = _first_comment(cell.source)
    if _says_something(cell.id) or comment is None:
        words = _words(cell.id) if not _INDEX_ID.fullmatch(cell.id) else []
        if not words and comment is None:
            words = ["cell", hashlib.sha256(cell.source.encode()).hexdigest()[:8]]
    else:
        words = _words(comment)
    if words[0] != "test":
        words.insert(0, "test")
    name = "test"
    for word in words[1:]:
        if len(name) + 1 + len(word) > 60:
            break
        name += "_" + word
    return name if name != "test" or len(words) == 1 else f"test_{words[1]}"[:60]


def _unique_names(tests: tuple[TestNode, ...], taken: set[str]) -> list[str]:
    names = []
    for test in tests:
        base = name = cell_test_name(test)
        n = 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names.append(name)
    return names


def _no_required_args(statement) -> bool:
    if not isinstance(statement, cst.FunctionDef) or statement.asynchronous is not None:
        return False
    params = statement.params
    return not params.posonly_params and not params.kwonly_params and all(
        p.default is not None for p in params.params)


def _local_name(test: TestNode) -> str:
    """A name for the stage's values that the cell's own names do not shadow."""
    taken = {*test.reads, *test.params, *test.uses, "pipeline_run"}
    name = "values"
    while name in taken:
        name = f"_{name}"
    return name


def _test_function(graph: StageGraph, test: TestNode, name: str) -> cst.FunctionDef:
    body: list[cst.BaseStatement] = []
    if test.reads:
        values = cst.Name(_local_name(test))
        body.append(parse_template_statement("{values} = pipeline_run.after({until})\n", values=values,
                                             until=cst.SimpleString(repr(test.until))))
        for read in test.reads:
            body.append(parse_template_statement(
                "{name} = {values}[{key}]\n", name=cst.Name(read), values=values,
                key=cst.SimpleString(repr(read))))
    for param in test.params:
        body.append(parse_template_statement("{name} = Params().{name}\n", name=cst.Name(param)))
    body.extend(block_statements(graph, test.block))
    # A test cell may hold pytest-style functions: call them, or they would never run.
    for names, statement in zip(test.block.names, test.block.statements):
        if names.kind == "def" and names.defines[0].startswith("test") and _no_required_args(statement):
            body.append(cst.SimpleStatementLine([cst.Expr(cst.Call(cst.Name(names.defines[0])))]))
    params = [cst.Param(cst.Name("pipeline_run"))] if test.reads else []
    return cst.FunctionDef(
        name=cst.Name(name),
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
    names = _unique_names(graph.tests, set(uses))
    functions = [_test_function(graph, t, n) for t, n in zip(graph.tests, names)]
    imports = [*functools_import(functions), *imports]
    return GeneratedFile("tests/test_notebook_cells.py", render(module(
        graph, "The notebook's test cells, run against the pipeline's results.",
        [*imports, *functions])), "test cells " + ", ".join(t.cell.id for t in graph.tests))


def _snapshots(graph: StageGraph) -> str:
    """``SNAPSHOTS``' literal: stage → the values test cells read after it, in pipeline order."""
    wanted: dict[str, list[str]] = {}
    for test in graph.tests:
        if test.until is not None:
            names = wanted.setdefault(test.until, [])
            names.extend(r for r in test.reads if r not in names)
    order = [n.name for n in graph.stages]
    items = sorted(wanted.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    if not items:
        return "{}"
    return "{\n" + "".join(f"    {stage!r}: {tuple(names)!r},\n" for stage, names in items) + "}"


def _set_literal(names) -> str:
    """A set's literal in sorted order (a set's repr depends on the hash seed)."""
    names = sorted(set(names))
    return "{" + ", ".join(map(repr, names)) + "}" if names else "set()"


def test_files(graph: StageGraph, package: str, expected_metrics: dict | None,
               notebook_dir: str | None = None, store: TextStore | None = None) -> list[GeneratedFile]:
    """``tests/conftest.py``, ``tests/test_pipeline.py`` and the expected metrics; ``store``
    keeps the two modules, rendered, by the code they are made of."""
    conftest = _CONFTEST.format(package=package, snapshots=_snapshots(graph),
                                notebook_dir=notebook_dir)
    code = _pipeline_tests(graph, package, expected_metrics is not None)
    key = fingerprint(graph, "test-files", header_lines(graph), conftest, code) \
        if store is not None else ""
    files, _ = cached_files(store, key, lambda: (_test_modules(graph, conftest, code), []))
    if expected_metrics is not None:
        files.append(GeneratedFile("tests/expected_metrics.json",
                                   json.dumps(expected_metrics, indent=2, sort_keys=True) + "\n",
                                   "outputs of the executed notebook"))
    return files


def _test_modules(graph: StageGraph, conftest: str, code: str) -> list[GeneratedFile]:
    return [
        GeneratedFile("tests/conftest.py", render(module(
            graph, "Fixtures: the pipeline, run once per test session.",
            list(cst.parse_module(conftest).body))), "static"),
        GeneratedFile("tests/test_pipeline.py", render(module(
            graph, "The package imports, its CLI runs, and it reproduces the notebook's metrics.",
            list(cst.parse_module(code).body))), "static + parameters"),
    ]


def _pipeline_tests(graph: StageGraph, package: str, regression: bool) -> str:
    """The source of ``tests/test_pipeline.py``'s tests."""
    stages = tuple(n.name for n in graph.stages)
    defaults = {p.name: p.value for p in graph.params}
    code = _PIPELINE_TESTS.format(
        package=package, stages=repr(stages), defaults=repr(defaults),
        results=_set_literal(graph.result_names),
        regression_imports="import math\nfrom pathlib import Path\n" if regression else "",
        expected='\nEXPECTED = Path(__file__).with_name("expected_metrics.json")\n' if regression else "")
    return code + _REGRESSION_TEST if regression else code

