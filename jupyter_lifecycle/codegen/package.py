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
from .tests_module import test_files


def generate_package(graph: StageGraph, package: str) -> tuple[list[GeneratedFile], list[Diagnostic]]:
    """All files of the package, and notes about the generation (e.g. unpinned imports)."""
    notes: list[Diagnostic] = []
    src: list[GeneratedFile] = [
        *static_modules(graph, package),
        params_module(graph),
        helpers_module(graph),
        pipeline_module(graph, package),
        *(stage_module(graph, node) for node in graph.stages),
    ]
    files = [GeneratedFile(f"src/{package}/{f.path}", f.text, f.provenance) for f in src]
    expected = recorded_metrics(graph.notebook)
    files.extend(test_files(graph, package, expected))
    project, unresolved = pyproject(graph, package)
    files.extend([project, readme(graph, package), run_notebook(graph, package)])
    for mod in unresolved:
        notes.append(Diagnostic(Severity.WARNING, "unpinned-import",
                                f"module {mod!r} is imported but no installed distribution provides "
                                "it; add it to the generated pyproject.toml by hand",
                                Location(graph.notebook.path)))
    return files, notes
