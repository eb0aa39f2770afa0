"""``pipeline.py``: ``run(params) -> dict`` calling the stages in order, dataflow spelled out."""

from __future__ import annotations

import json
import textwrap

import libcst as cst
from libcst.helpers import parse_template_module

from ..graph import StageGraph, StageNode
from .common import GeneratedFile, kwarg, module, multiline_call, notebook_name, plural, render
from .render_cache import TextStore, _codegen_hash

_RUN = '''
def run(
    params: Params | None = None,
    *,
    until: str | None = None,
    on_stage: Callable[[str, dict[str, Any]], None] | None = None,
    record: bool = True,
    workdir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Run the pipeline and return every value that crosses a stage boundary, by name.

    ``until`` stops after the named stage (tests use it to check intermediate values);
    ``on_stage(stage, values)`` is called after each stage with the values it hands on;
    ``record`` logs the run (params, metrics, stage timings) to the run store of the working
    directory's project when jupyter_lifecycle is installed; ``workdir`` is the folder the stages
    run in, where relative data paths resolve (default: the current folder; the notebook ran in
    its own folder).
    """
    _params = Params() if params is None else params
    if until is not None and until not in STAGES:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(STAGES)}")
    _results: dict[str, Any] = {}

    def _finish(_stage: str, /, **_values: Any) -> bool:
        """Keep a stage's outputs; True when the run stops after this stage."""
        _results.update(_values)
        if on_stage is not None:
            on_stage(_stage, _values)
        return until == _stage
'''


class _Names(cst.CSTVisitor):
    """The names a piece of generated code uses, except attribute and keyword names."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _template_names() -> set[str]:
    """Every name ``pipeline.py``'s fixed code uses: run()'s parameters and locals, the module's
    imports and constants, the builtins it calls."""
    visitor = _Names()
    code = _RUN + _CONTEXT + _IMPORTS + _CONSTANTS.format(notebook="''", stages="()", results="()")
    cst.parse_module(code).visit(visitor)
    return visitor.names


def _stored_template_names(store: TextStore | None) -> set[str]:
    """``_template_names``, kept in ``store`` (the text is this generator's: one entry per
    version of it)."""
    if store is None:
        return _template_names()
    key = "pipeline-template-names:" + _codegen_hash()
    hit = store.get_text(key)
    if hit is not None:
        try:
            return set(json.loads(hit))
        except (ValueError, TypeError):
            pass
    names = _template_names()
    store.put_text(key, json.dumps(sorted(names)))
    return names


def _own_names(graph: StageGraph, store: TextStore | None = None) -> set[str]:
    """Every name ``pipeline.py`` uses besides the dataflow: its fixed code's and the stage
    aliases."""
    return _stored_template_names(store) | {_alias(node.name) for node in graph.stages}


def reserved_renames(graph: StageGraph, store: TextStore | None = None) -> dict[str, str]:
    """Dataflow names that are also the pipeline's own, and what ``pipeline.py`` calls them
    (``until`` -> ``until_``); results and stage arguments keep the notebook's names."""
    own = _own_names(graph, store)
    dataflow = {n for node in graph.stages for n in (*node.inputs, *node.outputs)}
    taken = own | dataflow
    renames = {}
    for name in sorted(dataflow & own):
        new = f"{name}_"
        while new in taken:
            new += "_"
        taken.add(new)
        renames[name] = new
    return renames


_IMPORTS = '''
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

from ._recording import Recording
from .params import Params
'''

_CONSTANTS = '''
STAGES = {stages}
RESULT_NAMES = {results}
# The source notebook, by name: a run made in its folder names it in the run record.
NOTEBOOK = {notebook}
'''

# The steps run inside it, in the working directory, timed by the recording.
_CONTEXT = '''
with (
    contextlib.chdir(workdir if workdir is not None else "."),
    Recording(record, NOTEBOOK, _params.to_dict(), _results) as _recording,
):
    pass
'''


def _alias(stage: str) -> str:
    return f"_stage_{stage}"


def _call(graph: StageGraph, node: StageNode, renames: dict[str, str]) -> list[cst.BaseStatement]:
    def local(name: str) -> cst.Name:
        return cst.Name(renames.get(name, name))

    args = [kwarg(n, local(n)) for n in node.inputs]
    args += [kwarg(p, cst.Attribute(cst.Name("_params"), cst.Name(p))) for p in node.params]
    call = cst.Call(cst.Attribute(cst.Name(_alias(node.name)), cst.Name(node.name)), args)
    if len(cst.Module([]).code_for_node(call)) + 4 * (len(node.outputs) + 2) > 90:
        call = multiline_call(call)
    cells = ", ".join(str(c.index) for c in node.cells)
    comment = cst.EmptyLine(indent=True, comment=cst.Comment(
        f"# {node.name}: {notebook_name(graph)} {plural('cell', node.cells)} {cells}"))
    if not node.outputs:
        first: cst.BaseStatement = cst.SimpleStatementLine([cst.Expr(call)])
    else:
        target = (local(node.outputs[0]) if len(node.outputs) == 1
                  else cst.Tuple([cst.Element(local(n)) for n in node.outputs], lpar=[], rpar=[]))
        first = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], call)])
    finish = cst.Call(cst.Name("_finish"), [cst.Arg(cst.SimpleString(repr(node.name)))]
                      + [kwarg(n, local(n)) for n in node.outputs])
    if len(cst.Module([]).code_for_node(finish)) > 86:
        finish = multiline_call(finish)
    stop = cst.If(finish, cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(cst.Name("_results"))])]))
    timed = cst.With([cst.WithItem(cst.Call(cst.Attribute(cst.Name("_recording"), cst.Name("stage")),
                                            [cst.Arg(cst.SimpleString(repr(node.name)))]))],
                     cst.IndentedBlock([first]), leading_lines=[comment])
    return [timed, stop]


def pipeline_module(graph: StageGraph, package: str) -> GeneratedFile:
    imports = list(cst.parse_module(_IMPORTS).body)
    for node in graph.stages:
        imports.append(cst.SimpleStatementLine([cst.ImportFrom(
            module=cst.Name("stages"), relative=[cst.Dot()],
            names=[cst.ImportAlias(cst.Name(node.name), asname=cst.AsName(cst.Name(_alias(node.name))))])]))
    stages = cst.Tuple([cst.Element(cst.SimpleString(repr(n.name))) for n in graph.stages])
    results = cst.Tuple([cst.Element(cst.SimpleString(repr(n))) for n in graph.result_names])
    constants = parse_template_module(
        _CONSTANTS,
        stages=stages, results=results, notebook=cst.SimpleString(repr(notebook_name(graph)))).body
    run_def = cst.parse_module(_RUN).body[0]
    assert isinstance(run_def, cst.FunctionDef)
    body = list(run_def.body.body)
    renames = reserved_renames(graph)
    steps: list[cst.BaseStatement] = []
    for node in graph.stages:
        steps.extend(_call(graph, node, renames))
    steps = steps or [cst.SimpleStatementLine([cst.Pass()])]
    context = cst.parse_statement(_CONTEXT)
    assert isinstance(context, cst.With)
    leading = [cst.EmptyLine(indent=False)]
    if renames:
        note = ("Notebook names that run() uses itself are renamed here (results and stage "
                "arguments keep them): " + ", ".join(f"{old} -> {new}" for old, new in renames.items()))
        leading.extend(cst.EmptyLine(comment=cst.Comment(f"# {line}"))
                       for line in textwrap.wrap(note, 90, break_on_hyphens=False))
    body.append(context.with_changes(body=cst.IndentedBlock(steps), leading_lines=leading))
    body.append(cst.SimpleStatementLine([cst.Return(cst.Name("_results"))]))
    run_def = run_def.with_changes(body=run_def.body.with_changes(body=body),
                                   leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    constants = [constants[0].with_changes(leading_lines=[cst.EmptyLine()]), *constants[1:]]
    mod = module(graph, f"The pipeline of {notebook_name(graph)}: steps in notebook order with "
                        "explicit dataflow.", [*imports, *constants, run_def])
    return GeneratedFile("pipeline.py", render(mod), "stage graph")
