"""``pipeline.py``: ``run(params) -> dict`` calling the stages in order, dataflow spelled out."""

from __future__ import annotations

import libcst as cst
from libcst.helpers import parse_template_module

from ..graph import StageGraph, StageNode
from .common import GeneratedFile, kwarg, module, multiline_call, notebook_name, plural, render

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
    ``record`` logs the run (params, metrics, stage timings) to the project's run store when
    jupyter_lifecycle is installed; ``workdir`` is the folder the stages run in, where relative
    data paths resolve (default: the current folder; the notebook ran in its own folder).
    """
    _params = Params() if params is None else params
    if until is not None and until not in STAGES:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(STAGES)}")
    _results: dict[str, Any] = {}
    _recording = Recording(record, NOTEBOOK, _params.to_dict(), _results)

    def _finish(stage: str, **values: Any) -> bool:
        """Keep a stage's outputs; True when the run stops after this stage."""
        _results.update(values)
        if on_stage is not None:
            on_stage(stage, values)
        return until == stage
'''


def _alias(stage: str) -> str:
    return f"_stage_{stage}"


def _call(graph: StageGraph, node: StageNode) -> list[cst.BaseStatement]:
    args = [kwarg(n, cst.Name(n)) for n in node.inputs]
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
        target = (cst.Name(node.outputs[0]) if len(node.outputs) == 1
                  else cst.Tuple([cst.Element(cst.Name(n)) for n in node.outputs], lpar=[], rpar=[]))
        first = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], call)])
    finish = cst.Call(cst.Name("_finish"), [cst.Arg(cst.SimpleString(repr(node.name)))]
                      + [kwarg(n, cst.Name(n)) for n in node.outputs])
    if len(cst.Module([]).code_for_node(finish)) > 86:
        finish = multiline_call(finish)
    stop = cst.If(finish, cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(cst.Name("_results"))])]))
    timed = cst.With([cst.WithItem(cst.Call(cst.Attribute(cst.Name("_recording"), cst.Name("stage")),
                                            [cst.Arg(cst.SimpleString(repr(node.name)))]))],
                     cst.IndentedBlock([first]), leading_lines=[comment])
    return [timed, stop]


def pipeline_module(graph: StageGraph, package: str, notebook_ref: str | None = None) -> GeneratedFile:
    notebook_ref = notebook_ref or notebook_name(graph)
    imports: list[cst.BaseStatement] = [
        cst.parse_statement("from __future__ import annotations\n"),
        cst.parse_statement("import contextlib\n").with_changes(leading_lines=[cst.EmptyLine()]),
        cst.parse_statement("import os\n"),
        cst.parse_statement("from collections.abc import Callable\n"),
        cst.parse_statement("from typing import Any\n"),
        cst.parse_statement("from ._recording import Recording\n").with_changes(leading_lines=[cst.EmptyLine()]),
        cst.parse_statement("from .params import Params\n"),
    ]
    for node in graph.stages:
        imports.append(cst.SimpleStatementLine([cst.ImportFrom(
            module=cst.Name("stages"), relative=[cst.Dot()],
            names=[cst.ImportAlias(cst.Name(node.name), asname=cst.AsName(cst.Name(_alias(node.name))))])]))
    stages = cst.Tuple([cst.Element(cst.SimpleString(repr(n.name))) for n in graph.stages])
    results = cst.Tuple([cst.Element(cst.SimpleString(repr(n))) for n in graph.result_names])
    constants = parse_template_module(
        "STAGES = {stages}\nRESULT_NAMES = {results}\n"
        "NOTEBOOK = {notebook}  # the source notebook, relative to this package's project folder\n",
        stages=stages, results=results, notebook=cst.SimpleString(repr(notebook_ref))).body
    run_def = cst.parse_module(_RUN).body[0]
    assert isinstance(run_def, cst.FunctionDef)
    body = list(run_def.body.body)
    steps: list[cst.BaseStatement] = []
    for node in graph.stages:
        steps.extend(_call(graph, node))
    steps = steps or [cst.SimpleStatementLine([cst.Pass()])]
    workdir = cst.parse_expression('contextlib.chdir(workdir if workdir is not None else ".")')
    body.append(cst.With([cst.WithItem(workdir), cst.WithItem(cst.Name("_recording"))],
                         cst.IndentedBlock(steps),
                         leading_lines=[cst.EmptyLine(indent=False)]))
    body.append(cst.SimpleStatementLine([cst.Return(cst.Name("_results"))]))
    run_def = run_def.with_changes(body=run_def.body.with_changes(body=body),
                                   leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    constants = [constants[0].with_changes(leading_lines=[cst.EmptyLine()]), *constants[1:]]
    mod = module(graph, f"The pipeline of {notebook_name(graph)}: steps in notebook order with "
                        "explicit dataflow.", [*imports, *constants, run_def])
    return GeneratedFile("pipeline.py", render(mod), "stage graph")
