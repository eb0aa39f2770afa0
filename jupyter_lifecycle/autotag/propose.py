"""The auto-tagger's entry points: propose a plan for a notebook file, write it, or retag a
notebook in memory."""

from __future__ import annotations

from pathlib import Path

from ..analysis.cache import AnalysisCache
from ..errors import NotebookError
from ..notebook import TaggedNotebook, read_notebook
from ..notebook.tagging import write_tags
from .dialects import from_dialect
from .model import TagPlan
from .plan import plan_tags, retagged
from .tagger import suggest


def propose(nb: TaggedNotebook, *, dialect: str | None = None, overwrite: bool = False,
            cache: AnalysisCache | None = None) -> TagPlan:
    """The tags the auto-tagger (or a dialect's mapping) would give every code cell.

    A stage tag the reader refuses (unknown, or several on one cell) is bad input unless
    ``overwrite`` replaces it: NotebookError naming the cell and line.
    """
    for problem in nb.diagnostics:
        if problem.is_error and not overwrite:
            raise NotebookError(f"{problem.message} (or pass --overwrite to replace it)",
                                problem.location)
    if dialect is None:
        return plan_tags(nb, suggest(nb, cache), overwrite=overwrite)
    result = from_dialect(nb, dialect, cache)
    return plan_tags(nb, result.suggestions, overwrite=overwrite, notes=result.notes)


def propose_file(path: str | Path, **options) -> TagPlan:
    return propose(read_notebook(path), **options)


def write_plan(plan: TagPlan, nb: TaggedNotebook) -> tuple[list[int], bool]:
    """Write the plan's tags into the notebook file, atomically; nothing else changes."""
    changed = {c.cell_index: c.new for c in plan.changed}
    if not changed:
        return [], True
    return write_tags(plan.notebook, changed, nb.table, {c.cell_index: c.cell_id for c in plan.changed})


def auto_tagged(nb: TaggedNotebook, cache: AnalysisCache | None = None) -> TaggedNotebook:
    """``nb`` with the auto-tagger's stages on every code cell without a stage tag of ours (as it
    is when its tags have errors: the stage graph reports them)."""
    if any(d.is_error for d in nb.diagnostics):
        return nb
    return retagged(nb, propose(nb, cache=cache))
