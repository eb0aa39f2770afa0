"""From suggestions to tags: the tags each cell would carry, a diff, and the retagged notebook
in memory (for ``convert --auto-tag``), with the reader's rule for effective stages."""

from __future__ import annotations

import difflib
from dataclasses import replace

from ..notebook.dialects import METRICS_CODE, foreign_skip, with_printed_metrics
from ..notebook.effective import effective_stages
from ..notebook.model import Cell, TaggedNotebook
from ..stages import PARAMETERS_TAG
from .model import Suggestion, TagChange, TagPlan


def _honour_foreign_skip(cell: Cell, suggestion: Suggestion) -> Suggestion:
    dialect = foreign_skip(cell.tags, cell.source, cell.cell_type)
    if dialect and cell.explicit_stage == "skip" and not suggestion.is_parameters:
        return replace(suggestion, stage="skip", confidence=0.9, reason=f"{dialect} skip")
    return suggestion


def plan_tags(nb: TaggedNotebook, suggestions: tuple[Suggestion, ...], *, overwrite: bool = False,
              notes: tuple[str, ...] = ()) -> TagPlan:
    """The tags every code cell gets. A cell that carries a stage tag of ours keeps its tags
    unless ``overwrite``; every tag that is not a stage tag is kept."""
    table = nb.table
    by_index = {s.cell_index: s for s in suggestions}
    has_parameters = any(s.is_parameters for s in suggestions)
    final: list[Suggestion] = []
    changes: list[TagChange] = []
    for cell in nb.code_cells:
        suggestion = _honour_foreign_skip(cell, by_index[cell.index])
        final.append(suggestion)
        ours = any(t.startswith(table.tag_prefix) for t in cell.tags)
        if ours and not overwrite:
            changes.append(TagChange(cell.index, cell.id, cell.tags, cell.tags))
            continue
        tags = [t for t in cell.tags if not t.startswith(table.tag_prefix)
                and not (has_parameters and t == PARAMETERS_TAG and not suggestion.is_parameters)]
        if suggestion.is_parameters:
            if PARAMETERS_TAG not in tags:
                tags.append(PARAMETERS_TAG)
        else:
            tags.append(table.tag_for(suggestion.stage))
        changes.append(TagChange(cell.index, cell.id, cell.tags, tuple(tags)))
    return TagPlan(nb.path, tuple(final), tuple(changes), notes)


def tags_diff(plan: TagPlan) -> str:
    """A unified diff of the cells' tags, one line per code cell."""
    def lines(new: bool) -> list[str]:
        return [f"cell {c.cell_index} ({c.cell_id}): {', '.join(c.new if new else c.old) or '-'}\n"
                for c in plan.changes]

    return "".join(difflib.unified_diff(lines(False), lines(True), f"{plan.notebook} (tags now)",
                                        f"{plan.notebook} (tags proposed)", n=0))


def retagged(nb: TaggedNotebook, plan: TagPlan) -> TaggedNotebook:
    """``nb`` as the reader would see it with the plan's tags written."""
    table = nb.table
    new_tags = {c.cell_index: c.new for c in plan.changes}
    cells = []
    for cell in nb.cells:
        tags = new_tags.get(cell.index, cell.tags)
        explicit = next((table[t[len(table.tag_prefix):]].name for t in tags
                         if t.startswith(table.tag_prefix) and table.get(t[len(table.tag_prefix):])),
                        None)
        if explicit is None and cell.explicit_stage == "skip" \
                and foreign_skip(tags, cell.source, cell.cell_type):
            explicit = "skip"
        cells.append(replace(cell, tags=tuple(tags), explicit_stage=explicit,
                             is_parameters=PARAMETERS_TAG in tags))
    stages = effective_stages(cells, table)
    cells = [replace(c, stage=s) for c, s in zip(cells, stages)]
    cells, printed, found = with_printed_metrics(cells, nb.path, nb.printed_metrics)
    kept = tuple(d for d in nb.diagnostics if d.code != METRICS_CODE)
    return replace(nb, cells=tuple(cells), printed_metrics=printed, diagnostics=kept + tuple(found))
