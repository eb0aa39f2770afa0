"""Assemble every generated file of the package (paths relative to the output directory)."""

from __future__ import annotations

import ast
import sys

from ..ci.config import CiConfig
from ..errors import Diagnostic, Location, Severity
from ..graph import StageGraph
from ..notebook.outputs import recorded_metrics
from .ci_check_module import ci_check_module
from .ci_workflow import ci_workflow
from .common import GeneratedFile
from .params_module import params_module
from .pipeline_module import pipeline_module, reserved_renames
from .project_files import distributions_key, project_files, readme, split_modules
from .run_notebook import run_notebook
from .stage_module import Bindings, helpers_module, stage_arguments, stage_module
from .static_modules import static_modules
from .render_cache import TextStore, cached, cached_files, cell_part, definition_part, fingerprint
from .tests_module import test_cells_file, test_files


def generate_package(graph: StageGraph, package: str, store: TextStore | None = None,
                     notebook_dir: str | None = None,
                     ci: CiConfig | None = CiConfig()) -> tuple[list[GeneratedFile], list[Diagnostic]]:
    """All files of the package, and notes about the generation (e.g. unpinned imports).

    ``store`` keeps the files that carry cell code (stages, helpers, test cells) between runs;
    ``notebook_dir`` is the notebook's folder relative to the output folder (posix, never
    absolute): the generated tests run the pipeline there; None: in a temporary folder.
    ``ci``: the CI matrix and metric bounds of the generated workflow; None: no workflow.
    """
    notes: list[Diagnostic] = []
    defs = graph.definitions
    static, _ = cached_files(store, fingerprint(graph, "static", package),
                             lambda: ([f for f in static_modules(graph, package) if _holds_code(f.text)], []))
    params_cell = graph.notebook.parameters_cell
    src: list[GeneratedFile] = [*static, cached(store, fingerprint(
        graph, "params", repr(graph.params), params_cell and (params_cell.index, params_cell.id)),
        lambda: params_module(graph))]
    if graph.helpers:
        src.append(cached(store, fingerprint(
            graph, "helpers", [definition_part(defs[n]) for n in graph.helpers],
            sorted((n, d.spec) for n, d in defs.items() if d.kind == "import")),
            lambda: helpers_module(graph)))
    src.append(cached(store, fingerprint(
        graph, "pipeline", [(n.name, n.inputs, n.outputs, n.params, [c.index for c in n.cells])
                            for n in graph.stages], graph.result_names),
        lambda: pipeline_module(graph, package)))
    bindings: Bindings = {}
    for node in graph.stages:
        key = fingerprint(graph, "stage", node.name, node.kind, stage_arguments(graph, node, bindings),
                          node.outputs, [definition_part(defs.get(u)) for u in node.uses],
                          graph.notebook.table[node.stage].description,
                          [(cell_part(b.cell), [n.index for n in b.names]) for b in node.blocks])
        src.append(cached(store, key, lambda node=node: stage_module(graph, node, store)))
    files = [GeneratedFile(f"src/{package}/{f.path}", f.text, f.provenance) for f in src]
    expected = recorded_metrics(graph.notebook)
    files.extend(test_files(graph, package, expected, notebook_dir, store))
    if graph.tests:
        key = fingerprint(graph, "tests", package,
                          [(cell_part(t.cell), [n.index for n in t.block.names], t.reads, t.params,
                            t.until, [definition_part(defs.get(u)) for u in t.uses]) for t in graph.tests])
        files.append(cached(store, key, lambda: test_cells_file(graph, package)))
    key = fingerprint(graph, "project", package, split_modules(graph),
                      ci.to_toml() if ci is not None else None, sys.version_info[:2], sys.platform,
                      distributions_key()) if store is not None else ""
    project, unresolved = cached_files(store, key, lambda: project_files(graph, package, store, ci))
    files.extend([*project, readme(graph, package),
                  cached(store, fingerprint(graph, "run-notebook", package, repr(graph.params)),
                         lambda: run_notebook(graph, package))])
    if ci is not None:
        files.extend([cached(store, fingerprint(graph, "ci-check", package),
                             lambda: ci_check_module(graph, package)),
                      ci_workflow(graph, package, ci, notebook_dir)])
    for mod in unresolved:
        notes.append(Diagnostic(Severity.WARNING, "unpinned-import",
                                f"module {mod!r} is imported but no installed distribution provides "
                                "it; add it to the generated pyproject.toml by hand",
                                Location(graph.notebook.path)))
    for old, new in reserved_renames(graph, store).items():
        stage = next((n.name for n in graph.stages if old in n.outputs), "?")
        notes.append(Diagnostic(Severity.INFO, "reserved-name",
                                f"{old!r} (an output of stage {stage!r}) is also a name of the "
                                "generated run() itself: pipeline.py "
                                f"calls it {new!r} (results and stage arguments keep {old!r})",
                                Location(graph.notebook.path)))
    return files, notes


def _holds_code(text: str) -> bool:
    """False for a module with nothing but a docstring (``stages/__init__.py``: the folder is a
    namespace package without it)."""
    body = ast.parse(text).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return bool(body)
