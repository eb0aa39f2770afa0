"""Why two runs of the notebook disagree: the likely cause ``verify`` names with its verdict.

A clock reading in a step whose values differ is a sure cause. Otherwise the first call of such a
step that draws random numbers no seed fixes, by the doctor's randomness rule
(``doctor.randomness.random_calls``): an estimator that takes ``random_state`` and gets none,
a shuffling split, an unseeded generator or a global draw before its seed. An estimator without
randomness (``KNeighborsClassifier``, ``LinearRegression``) is never named.
"""

from __future__ import annotations

import re

from ..analysis.cache import AnalysisCache
from ..graph import StageGraph, analyze_notebook
from .compare import NONDETERMINISTIC, Comparison

CLOCK_SUSPECT = "likely a clock reading"
_CLOCK_CALL = re.compile(r"\b((?:time|datetime|pd|pandas)\.(?:perf_counter|time|monotonic|process_time"
                         r"|now|today|utcnow|Timestamp\.now)(?:_ns)?)\(")


def unseeded_suspect(graph: StageGraph, comparison: Comparison) -> str | None:
    """The first cell of a nondeterministic step with a clock reading, else the first unseeded
    random call of one: "likely unseeded: cell N line L: np.random.rand"."""
    steps = {v.stage for v in comparison.values if v.status == NONDETERMINISTIC} or \
        {node.name for node in graph.stages}
    cells = [cell for node in graph.stages if node.name in steps for cell in node.cells]
    for cell in cells:
        for number, line in enumerate(cell.source.splitlines(), 1):
            if match := _CLOCK_CALL.search(line):
                return f"{CLOCK_SUSPECT}: cell {cell.index} line {number}: {match.group(1)}"
    # the doctor's rule; importing the doctor is left for when two runs disagree
    from ..doctor.randomness import notebook_random_calls

    cache = AnalysisCache()
    try:
        analyses = analyze_notebook(graph.notebook, cache)
    finally:
        cache.close()
    random = notebook_random_calls(graph.notebook, analyses)
    for cell in cells:
        found = [r.call for r in random if r.cell.id == cell.id]
        if found:
            call = min(found, key=lambda c: c.line)
            return f"likely unseeded: cell {cell.index} line {call.line}: {call.dotted}"
    return None
