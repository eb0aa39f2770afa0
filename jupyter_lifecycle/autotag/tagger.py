"""One ``Suggestion`` per code cell: the cell's own rules, the heading above, the cell before it,
then the dataflow (a cell whose values nothing exported reads is explore) and the parameters cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..analysis.cache import AnalysisCache, analyze_sources
from ..notebook.model import Cell, TaggedNotebook
from .dataflow import parameters_candidate, read_later
from .facts import CellFacts, cell_facts
from .headings import heading_stage
from .model import Suggestion
from .rules import best, score_cell

SURE = 0.55  # rule confidence above which the cell's own signals beat the heading above it
HEADING_WEIGHT = 2.5  # what a heading adds to a stage the cell's rules also see
SCRATCH_WORDS = frozenset({"scratch", "leftover", "leftovers", "debug", "debugging", "scratchpad"})
_WORD = re.compile(r"[a-z]+")
KEEP_AS_IS = frozenset({"setup", "deploy", "monitor", "validate", "test", "explore", "skip"})


@dataclass(frozen=True)
class _Context:
    heading: str | None  # the last heading above (in the current section)
    hint: str | None  # the stage that heading names


def notebook_facts(nb: TaggedNotebook, cache: AnalysisCache | None = None) -> list[CellFacts]:
    analyses = analyze_sources([c.source for c in nb.code_cells], cache)
    return [cell_facts(a) for a in analyses]


def _contexts(nb: TaggedNotebook) -> list[_Context]:
    """The heading context of every code cell, in order."""
    known = frozenset(nb.table.names)
    contexts: list[_Context] = []
    current = _Context(None, None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            stage, heading = heading_stage(cell.source, known)
            if heading is not None:
                current = _Context(heading, stage)
        elif cell.is_code:
            contexts.append(current)
    return contexts


def _metric_names(nb_facts: list[CellFacts]) -> frozenset[str]:
    """Names imported from a metrics module (``from sklearn.metrics import f1_score``)."""
    names: set[str] = set()
    for facts in nb_facts:
        if any("metrics" in m for m in facts.imported_modules):
            names.update(facts.imported_names)
    return frozenset(names)


def _scratch(source: str) -> str | None:
    """The comment that marks a cell as scratch work, if its first lines carry one."""
    for line in source.splitlines()[:3]:
        text = line.strip()
        if text.startswith("#") and SCRATCH_WORDS & set(_WORD.findall(text.lower())):
            return text.lstrip("# ")[:60]
    return None


def _display_stage(context: _Context, previous: str, exported: frozenset[str]) -> tuple[str, float, str]:
    """A cell that only shows values: looking at fresh data is exploring; a look at a model or at
    metrics belongs to the step it follows."""
    if context.hint == "explore":
        return "explore", 0.6, f"only displays values, under '{context.heading}'"
    if context.hint in exported and context.hint not in ("setup", "ingest"):
        return context.hint, 0.45, f"only displays values, under '{context.heading}'"
    if previous in exported and previous not in ("setup", "ingest"):
        return previous, 0.4, f"only displays values of the {previous} step"
    return "explore", 0.55, "only displays values"


def _first_pass(cells: tuple[Cell, ...], nb_facts: list[CellFacts], contexts: list[_Context],
                default: str, exported: frozenset[str]) -> list[tuple[str, float, str]]:
    metric_imports = _metric_names(nb_facts)
    chosen: list[tuple[str, float, str]] = []
    previous = default
    for cell, facts, context in zip(cells, nb_facts, contexts):
        scores = score_cell(facts, metric_imports)
        if context.hint in scores and context.hint != "explore":
            weight, reason = scores[context.hint]
            scores[context.hint] = (weight + HEADING_WEIGHT, f"{reason}, under '{context.heading}'")
        rule = best(scores)
        # a heading says "Tests" over set-up code too; only a cell that asserts becomes a test
        hinted = context.hint is not None and (context.hint != "test" or facts.asserts > 0)
        if not facts.parsed:
            stage, confidence, reason = (context.hint or previous, 0.3,
                                         "the cell does not parse; " +
                                         (f"under '{context.heading}'" if hinted else "the cell above's stage"))
        elif _scratch(cell.source):
            stage, confidence, reason = "skip", 0.6, f"marked as scratch: {_scratch(cell.source)}"
        elif facts.only_displays:
            stage, confidence, reason = _display_stage(context, previous, exported)
        elif facts.only_definitions and not facts.only_imports and previous != default:
            hint = context.hint if context.hint in exported else None
            stage = hint or (previous if previous in exported else default)
            confidence, reason = 0.45, f"definitions only, inside the {stage} section"
        elif rule.stage is not None and (rule.confidence >= SURE or not hinted):
            stage, confidence, reason = rule.stage, rule.confidence, rule.reason
        elif hinted:
            stage, confidence = context.hint, 0.5 if rule.stage is None else 0.45
            reason = f"under the heading '{context.heading}'"
        elif not chosen:
            stage, confidence, reason = default, 0.3, f"the first cell: {default}"
        else:
            stage, confidence, reason = previous, 0.3, "continues the cell above"
        chosen.append((stage, confidence, reason))
        previous = previous if stage in ("skip", "explore") else stage  # those mark their own cell
    return chosen


def _dataflow_pass(nb_facts: list[CellFacts], chosen: list[tuple[str, float, str]],
                   exported: frozenset[str]) -> list[tuple[str, float, str]]:
    """Cells whose values nothing exported reads become explore, from the last cell up; explore
    cells whose values an exported cell reads join the stage before them."""
    result = list(chosen)
    for i in range(len(result) - 1, -1, -1):
        stage, confidence, _ = result[i]
        exporting = [s in exported or s == "test" for s, _, _ in result]
        facts = nb_facts[i]
        # a cell that defines functions is needed wherever they are called (and its values may
        # be what they read, like a default argument)
        if stage in exported and stage not in KEEP_AS_IS and "metrics" not in facts.values \
                and not facts.definitions:
            if (facts.values or facts.mutates) and not read_later(nb_facts, i, exporting) \
                    and confidence < 0.9:
                names = ", ".join(sorted(facts.values | facts.mutates)[:3])
                result[i] = ("explore", 0.5, f"nothing exported reads its values ({names})")
        elif stage in ("explore", "test"):  # neither passes values on to the pipeline
            needed = read_later(nb_facts, i, exporting)
            if needed:
                before = next((s for s, _, _ in reversed(result[:i]) if s in exported), "setup")
                result[i] = (before, 0.4, f"later stages read {', '.join(sorted(needed)[:3])}")
    return result


def suggest(nb: TaggedNotebook, cache: AnalysisCache | None = None,
            nb_facts: list[CellFacts] | None = None) -> tuple[Suggestion, ...]:
    """A suggestion for every code cell of ``nb`` (existing tags are not looked at, except the
    ``parameters`` tag: when no cell carries it, the first cell of literal assignments that later
    cells read is proposed)."""
    cells = nb.code_cells
    nb_facts = nb_facts if nb_facts is not None else notebook_facts(nb, cache)
    exported = frozenset(s.name for s in nb.table.stages if s.exported)
    chosen = _first_pass(cells, nb_facts, _contexts(nb), nb.table.default_stage, exported)
    chosen = _dataflow_pass(nb_facts, chosen, exported)
    existing = [i for i, c in enumerate(cells) if c.is_parameters]
    parameters = existing[0] if existing else parameters_candidate(nb_facts)
    suggestions = []
    for position, (cell, (stage, confidence, reason)) in enumerate(zip(cells, chosen)):
        is_parameters = position == parameters
        if is_parameters:
            stage = chosen[position - 1][0] if position else nb.table.default_stage
            stage = stage if stage in exported else nb.table.default_stage
            reason = ("tagged parameters" if existing else
                      "the first cell of literal assignments that later cells read")
            confidence = 0.9 if existing else 0.7
        suggestions.append(Suggestion(cell.index, cell.id, stage, confidence, reason, is_parameters))
    return tuple(suggestions)
