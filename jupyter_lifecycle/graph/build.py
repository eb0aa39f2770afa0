"""Build the StageGraph from a TaggedNotebook and its per-cell analyses.

Steps run in notebook order: consecutive cells of one stage form a step, and a later run of the
same stage joins it only when that changes no read's reaching definition (``steps.py``). A step's
inputs are the names it reads before binding them that an earlier stage binds or
mutates (the latest such stage provides them); its outputs are what later stages, gates, tests or
the run's results need. Definitions (imports, functions, classes, literal constants) are not data:
they move into the package wherever they stand, except in ``skip`` cells.

One build is a sequence of steps that take and return values: ``read_facts`` (facts.py) →
``dataflow`` (dataflow.py) → ``cell_tests`` (cell_tests.py) → ``assign_outputs`` (outputs.py) →
``helper_closure`` (helper_closure.py). Diagnostics go to one ``Reporter`` handed to each step.
"""

from __future__ import annotations

from dataclasses import replace

from ..analysis.cache import AnalysisCache, analyze_sources
from ..analysis.cell import CellAnalysis
from ..notebook import TaggedNotebook
from .cell_tests import cell_tests
from .checks import Reporter
from .dataflow import dataflow
from .dead_values import DeadValue, StatementRef, dead_values, with_dead_value_notes
from .facts import read_facts
from .helper_closure import helper_closure
from .live_names import rename_table, version_renames
from .model import StageGraph
from .outputs import assign_outputs

RESULT_NAMES = ("metrics",)


def analyze_notebook(nb: TaggedNotebook, cache: AnalysisCache | None = None) -> dict[str, CellAnalysis]:
    """Per-cell analysis of every code cell, by cell id."""
    cells = [c for c in nb.code_cells if not c.is_injected_parameters]
    results = analyze_sources([c.source for c in cells], cache)
    return {c.id: a for c, a in zip(cells, results)}


def build_graph(nb: TaggedNotebook, analyses: dict[str, CellAnalysis] | None = None,
                cache: AnalysisCache | None = None,
                result_names: tuple[str, ...] = RESULT_NAMES, prune: bool = False) -> StageGraph:
    """``prune``: leave out statements that only compute values nothing reads (``dead_values``)."""
    if analyses is None:
        analyses = analyze_notebook(nb, cache)
    left_out: dict[StatementRef, DeadValue] = {}
    while True:
        graph = assemble(nb, analyses, tuple(result_names), frozenset(left_out))
        dead = dead_values(graph)
        more = [d for d in dead if d.prunable] if prune else []
        if not more:
            break
        left_out.update((d.statement, d) for d in more)
    return replace(graph, diagnostics=with_dead_value_notes(graph, dead, list(left_out.values())))


def assemble(nb: TaggedNotebook, analyses: dict[str, CellAnalysis], result_names: tuple[str, ...],
             left_out: frozenset[StatementRef] = frozenset()) -> StageGraph:
    """One build of the graph, without the statements ``left_out``."""
    report = Reporter(nb)
    facts = read_facts(nb, analyses, report, left_out)
    flow = dataflow(facts, report)
    tests = cell_tests(facts, flow, report)
    stages = assign_outputs(flow, tests.tests, facts.definitions, result_names)
    closure = helper_closure(facts, stages, tests.tests, report)
    return StageGraph(
        notebook=nb, params=facts.params, stages=stages, tests=tests.tests,
        definitions=facts.definitions, helpers=closure.helpers, result_names=result_names,
        imported_modules=tuple(sorted({
            d.spec.top_module for n, d in facts.definitions.items()
            if n in closure.needed and d.spec is not None and d.spec.top_module})),
        diagnostics=report.sorted(),
        injected={f: names for f, names in facts.injected.items() if f in closure.needed},
        renames=rename_table((*version_renames(facts.versions), *flow.renames, *tests.renames,
                              *closure.renames)),
    )
