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
from .rules import best, call_scores, score_cell

SURE = 0.55  # rule confidence above which the cell's own signals beat the heading above it
HEADING_WEIGHT = 2.5  # what a heading adds to a stage the cell's rules also see
SCRATCH_WORDS = frozenset({"scratch", "leftover", "leftovers", "debug", "debugging", "scratchpad"})
_WORD = re.compile(r"[a-z]+")
GATES = ("validate", "test")
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
    return frozenset().union(*(facts.metric_imports for facts in nb_facts))


def _scratch(source: str) -> str | None:
    """The comment that marks a cell as scratch work, if its first lines carry one."""
    for line in source.splitlines()[:3]:
        text = line.strip()
        if text.startswith("#") and SCRATCH_WORDS & set(_WORD.findall(text.lower())):
            return text.lstrip("# ")[:60]
    return None


def _display_stage(context: _Context, previous: str, exported: frozenset[str],
                   same_section: bool) -> tuple[str, float, str]:
    """A cell that only shows values: looking at fresh data is exploring; a look at a model or at
    metrics belongs to the step it follows (within a section; the first cell under a heading
    takes the heading's stage)."""
    if context.hint == "explore":
        return "explore", 0.6, f"only displays values, under '{context.heading}'"
    follows = previous in exported and previous not in ("setup", "ingest")
    if same_section and follows and previous != context.hint:
        return previous, 0.45, f"only displays values of the {previous} step above"
    if context.hint in exported and context.hint not in ("setup", "ingest"):
        return context.hint, 0.45, f"only displays values, under '{context.heading}'"
    if previous in exported and previous not in ("setup", "ingest"):
        return previous, 0.4, f"only displays values of the {previous} step"
    return "explore", 0.55, "only displays values"


def _function_stages(nb_facts: list[CellFacts], metric_imports: frozenset[str],
                     exported: frozenset[str]) -> dict[str, tuple[str, str]]:
    """Function name → (stage, why) for the functions of definitions-only cells whose bodies
    clearly do one stage's work (``def rmsle_cv(model): ... cross_val_score(...)``)."""
    stages: dict[str, tuple[str, str]] = {}
    for facts in nb_facts:
        if not facts.only_definitions or facts.only_imports:
            continue
        body = best(call_scores(facts, metric_imports))
        if body.stage in exported and body.confidence >= SURE:
            stages.update({name: (body.stage, body.reason) for name in facts.definitions})
    return stages


def _first_pass(cells: tuple[Cell, ...], nb_facts: list[CellFacts], contexts: list[_Context],
                default: str, exported: frozenset[str],
                parameters: frozenset[str] = frozenset()) -> list[tuple[str, float, str]]:
    metric_imports = _metric_names(nb_facts)
    functions = _function_stages(nb_facts, metric_imports, exported)
    chosen: list[tuple[str, float, str]] = []
    previous = default
    flow = default  # the last stage before any validate/test cells: what plain code continues
    for position, (cell, facts, context) in enumerate(zip(cells, nb_facts, contexts)):
        scores = score_cell(facts, metric_imports, parameters)
        if not facts.only_definitions:
            for name in sorted(facts.calls & functions.keys()):
                stage, why = functions[name]
                if stage not in scores:  # (a stage the cell's own calls show is counted once)
                    scores.add(stage, 3, f"calls {name} ({why})")
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
            same_section = position > 0 and contexts[position - 1] is context
            stage, confidence, reason = _display_stage(context, previous, exported, same_section)
        elif facts.only_definitions and not facts.only_imports and previous != default:
            body = best(call_scores(facts, metric_imports))
            if body.stage in exported and body.confidence >= SURE:
                stage, confidence, reason = body.stage, 0.5, f"its functions: {body.reason}"
            else:
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
        elif previous in GATES and not facts.asserts:  # code after a gate is not a gate
            stage, confidence, reason = flow, 0.3, f"continues the {flow} step above the checks"
        else:
            stage, confidence, reason = previous, 0.3, "continues the cell above"
        chosen.append((stage, confidence, reason))
        previous = previous if stage in ("skip", "explore") else stage  # those mark their own cell
        flow = flow if stage in ("skip", "explore", *GATES) else stage
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
    existing = [i for i, c in enumerate(cells) if c.is_parameters]
    parameters = existing[0] if existing else parameters_candidate(nb_facts)
    names = nb_facts[parameters].values if parameters is not None else frozenset()
    chosen = _first_pass(cells, nb_facts, _contexts(nb), nb.table.default_stage, exported, names)
    chosen = _dataflow_pass(nb_facts, chosen, exported)
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
