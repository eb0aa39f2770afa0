"""The public API: what the CLI and the server extension call. Thin over the layers below."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.cache import AnalysisCache
from .codegen import GeneratedFile, generate_package, package_name_for
from .codegen.selfcheck import check_generated
from .errors import Diagnostic
from .graph import StageGraph, build_graph
from .notebook import TaggedNotebook, read_notebook
from .package_name import check_package_name
from .writers import Plan, plan_write, write_tree


@dataclass
class ConvertResult:
    notebook: TaggedNotebook
    graph: StageGraph
    package: str
    out_dir: Path
    files: list[GeneratedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plan: Plan | None = None
    written: bool = False

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def load_graph(path: str | Path, *, use_cache: bool = True,
               cache: AnalysisCache | None = None) -> StageGraph:
    """Read, analyse and build the stage graph of a notebook (raises NotebookError on bad input)."""
    nb = read_notebook(path)
    own = cache is None and use_cache
    cache = AnalysisCache() if own else cache
    try:
        return build_graph(nb, cache=cache)
    finally:
        if own:
            cache.close()


def project_relative(folder: Path, out: Path) -> str | None:
    """``folder`` relative to the output folder (posix), when both lie in one project: never a
    path that climbs to the file system's root or the home folder, which only this machine has."""
    try:
        common = Path(os.path.commonpath([folder, out]))
    except ValueError:  # different drives
        return None
    if common == Path(common.anchor) or common == Path.home():
        return None
    return Path(os.path.relpath(folder, out)).as_posix()


def _ci_config(graph: StageGraph, notebook: Path, out: Path, ci_matrix):
    from .ci.config import conversion_config

    return conversion_config(notebook, out, ci_matrix, tuple(p.name for p in graph.params))


def default_out_dir(notebook: Path, package: str) -> Path:
    return notebook.parent / package


def convert(path: str | Path, out_dir: str | Path | None = None, *, package: str | None = None,
            force: bool = False, dry_run: bool = False, use_cache: bool = True,
            parallel: bool = False, prune: bool = False, auto_tag: bool = False,
            ci: bool = True, ci_matrix: str | Path | None = None) -> ConvertResult:
    """Convert a notebook into a package. Writes nothing when the analysis has errors or on dry run.

    Raises NotebookError for unreadable input and OutputError when writing would lose work.
    ``parallel`` lets a big cold conversion fork a worker process (the CLI does; a server, whose
    threads make forking unsafe, does not). ``prune`` leaves out values nothing reads.
    ``auto_tag`` gives cells without a stage tag the auto-tagger's stage, in memory.
    ``ci`` writes ``.github/workflows/<pkg>.yml``; its matrix and metric bounds come from
    ``ci_matrix`` (a YAML/JSON/TOML file), else from ``[tool.nb2pipe.ci]`` of the notebook's
    project pyproject.toml, else of the one already in the output folder (raises CiConfigError
    when malformed).
    """
    path = Path(path)
    cache = AnalysisCache() if use_cache else None
    try:
        return _convert(path, out_dir, package, force, dry_run, cache, parallel, prune, auto_tag,
                        ci, ci_matrix)
    finally:
        if cache is not None:
            cache.close()


def _convert(path: Path, out_dir, package, force, dry_run, cache, parallel, prune,
             auto_tag=False, ci=True, ci_matrix=None) -> ConvertResult:
    package = package or package_name_for(str(path))
    out = Path(out_dir) if out_dir is not None else default_out_dir(path, package)
    check_package_name(package, out)  # before the (slow) analysis
    nb = read_notebook(path)
    if auto_tag:
        from .autotag.propose import auto_tagged

        nb = auto_tagged(nb, cache)
    if cache is not None and parallel:
        from .prerender import precompute

        precompute(nb, cache)  # big, uncached notebooks: half the cells in a second process
    graph = build_graph(nb, cache=cache, prune=prune)
    result = ConvertResult(graph.notebook, graph, package, out, diagnostics=list(graph.diagnostics))
    if graph.errors:
        return result
    files, notes = generate_package(graph, package, store=cache,
                                    notebook_dir=project_relative(path.resolve().parent, out.resolve()),
                                    ci=_ci_config(graph, path, out, ci_matrix) if ci else None)
    result.files = files
    result.diagnostics.extend(notes)
    problems = check_generated(files, graph.notebook, cache)
    if problems:  # never hand over a package that cannot run: write nothing
        result.diagnostics.extend(problems)
        return result
    if dry_run:
        result.plan = plan_write(files, out)
        return result
    source = {"name": path.name, "sha256": nb.sha256}  # of the bytes converted
    result.plan = write_tree(files, out, force=force, source=source)
    result.written = True
    return result
