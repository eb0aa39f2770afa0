"""Assemble every generated file of the package (paths relative to the output directory)."""

from __future__ import annotations

from ..errors import Diagnostic, Location, Severity
from ..graph import StageGraph
from ..notebook.outputs import recorded_metrics
from .common import GeneratedFile
from .params_module import params_module
from .pipeline_module import pipeline_module
from .project_files import pyproject, readme
from .run_notebook import run_notebook
from .stage_module import helpers_module, stage_module
from .static_modules import static_modules
from .render_cache import TextStore, cached, cell_part, definition_part, fingerprint
from .tests_module import test_cells_file, test_files


def generate_package(graph: StageGraph, package: str, store: TextStore | None = None,
                     notebook_ref: str | None = None) -> tuple[list[GeneratedFile], list[Diagnostic]]:
    """All files of the package, and notes about the generation (e.g. unpinned imports).

    ``store`` keeps the files that carry cell code (stages, helpers, test cells) between runs;
    ``notebook_ref`` is the notebook's path relative to the output folder (for run records).
    """
    notes: list[Diagnostic] = []
    defs = graph.definitions
    src: list[GeneratedFile] = [
        *static_modules(graph, package),
        params_module(graph),
        cached(store, fingerprint(
            graph, "helpers", [definition_part(defs[n]) for n in graph.helpers],
            sorted((n, d.spec) for n, d in defs.items() if d.kind == "import")),
            lambda: helpers_module(graph)),
        pipeline_module(graph, package, notebook_ref),
    ]
    for node in graph.stages:
        key = fingerprint(graph, "stage", node.name, node.kind, node.inputs, node.params,
                          node.outputs, [definition_part(defs.get(u)) for u in node.uses],
                          graph.notebook.table[node.stage].description,
                          [(cell_part(b.cell), [n.index for n in b.names]) for b in node.blocks])
        src.append(cached(store, key, lambda node=node: stage_module(graph, node, store)))
    files = [GeneratedFile(f"src/{package}/{f.path}", f.text, f.provenance) for f in src]
    expected = recorded_metrics(graph.notebook)
    files.extend(test_files(graph, package, expected))
    if graph.tests:
        key = fingerprint(graph, "tests", package,
                          [(cell_part(t.cell), [n.index for n in t.block.names], t.reads, t.params,
                            t.until, [definition_part(defs.get(u)) for u in t.uses]) for t in graph.tests])
        files.append(cached(store, key, lambda: test_cells_file(graph, package)))
    project, unresolved = pyproject(graph, package, store)
    files.extend([project, readme(graph, package), run_notebook(graph, package)])
    for mod in unresolved:
        notes.append(Diagnostic(Severity.WARNING, "unpinned-import",
                                f"module {mod!r} is imported but no installed distribution provides "
                                "it; add it to the generated pyproject.toml by hand",
                                Location(graph.notebook.path)))
    return files, notes
