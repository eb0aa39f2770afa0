"""Cold conversions of big notebooks: analyse and render cells in two processes at once.

Parsing with libcst is most of a cold conversion. A forked worker takes half of the uncached
cells, analyses them and renders their statements (codegen.fragments), and hands back only
small things — names, diagnostics, rendered text — which land in the same caches a warm
conversion reads. Trees never cross the pipe (pickling them costs more than parsing).
"""

from __future__ import annotations

import json
import os

from .analysis.cache import AnalysisCache, source_key
from .analysis.cell import analyze_source
from .analysis.gc_pause import collector_paused
from .codegen.fragments import render_cell
from .codegen.project_files import distributions_key, scan_distributions
from .codegen.render_cache import texts_key
from .notebook import Cell, TaggedNotebook

MIN_CELLS = 300  # below this, a second process costs more than it saves
CELL_COST = 400  # a cell's fixed analysis cost, in characters of source


def _work(notebook: str, gates: dict[str, bool], cells: list[Cell],
          keep: frozenset[str] = frozenset()):
    """(cell, analysis, rendered texts) per cell; the trees of cells not in ``keep`` (ids) are
    dropped once rendered: every tree kept alive is rescanned by each garbage collection (with
    every tree kept, collections were a quarter of the analysis time)."""
    out = []
    with collector_paused():
        for cell in cells:
            analysis = analyze_source(cell.source)
            texts = None
            if cell.id in gates and analysis.parsed:
                try:
                    texts = render_cell(cell, analysis, notebook, gates[cell.id]).to_json()
                except ValueError:
                    texts = None
            out.append((cell, analysis if cell.id in keep else analysis.without_tree(), texts))
    return out


def precompute(nb: TaggedNotebook, cache: AnalysisCache) -> int:
    """Fill ``cache`` for ``nb``'s uncached cells using two processes; returns cells done."""
    if (os.cpu_count() or 1) < 2:
        return 0
    cells = [c for c in nb.code_cells if not c.is_injected_parameters]
    by_key = {source_key(c.source): c for c in cells}
    if len(by_key) < MIN_CELLS:
        return 0
    missing = _missing(cache, by_key)
    if len(missing) < MIN_CELLS:
        return 0
    import multiprocessing  # only a big cold conversion needs it

    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    notebook = os.path.basename(nb.path)
    table = nb.table
    gates = {c.id: table[c.stage].kind == "gate" for c in missing
             if table[c.stage].kind in ("pipeline", "gate", "test")}
    scan = cache.get_text(distributions_key()) is None  # the worker also maps modules to dists
    # (0.1-0.3 s). Both sides drop the trees codegen does not read again; the worker takes a
    # little more than half, as the cells we must take (tests, definitions) are the slower ones:
    # measured on the 2,000-cell benchmark notebook, this gives both sides the same CPU time.
    theirs, mine = _split(missing, table, 0.50 if scan else 0.52)
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        pending = pool.apply_async(_work, (notebook, gates, theirs))
        dists = pool.apply_async(scan_distributions) if scan else None
        keep = frozenset(c.id for c in mine if _tree_read_later(c, table))
        done = _work(notebook, gates, mine, keep)
        done.extend(pending.get())
        if dists is not None:
            cache.put_text(distributions_key(), json.dumps(dists.get()))
    for cell, analysis, _ in done:  # without a tree: just built (or unpickled), so ours to complete
        if not analysis.holds_tree:
            analysis.adopt_loader(AnalysisCache.tree_loader(source_key(cell.source), cell.source))
    cache.put_many({source_key(cell.source): analysis for cell, analysis, _ in done})
    cache.put_texts({texts_key(notebook, cell, gates[cell.id]): texts
                     for cell, _, texts in done if texts is not None})
    return len(done)


def _split(cells: list[Cell], table, share: float) -> tuple[list[Cell], list[Cell]]:
    """(the worker's cells, ours), the worker's taking ``share`` of the estimated cost. Ours include the cells codegen
    reads trees of (tests, and cells defining functions or classes: the helpers module), which
    the worker's results do not carry (a tree read back would be parsed a second time)."""
    def cost(cell: Cell) -> int:  # measured: a cell's fixed cost is about that of 400 characters
        return CELL_COST + len(cell.source)

    mine = [c for c in cells if _tree_read_later(c, table)]
    theirs: list[Cell] = []
    sizes = [0.0, sum(map(cost, mine)) / (1 - share)]  # each side's load over its share
    for cell in sorted((c for c in cells if not _tree_read_later(c, table)), key=cost, reverse=True):
        if sizes[0] <= sizes[1]:
            theirs.append(cell)
            sizes[0] += cost(cell) / share
        else:
            mine.append(cell)
            sizes[1] += cost(cell) / (1 - share)
    return theirs, mine


def _tree_read_later(cell: Cell, table) -> bool:
    """Whether codegen reads the cell's tree after the pre-pass: tests, and cells defining
    functions or classes (the helpers module). Others are rendered here, their trees dropped."""
    return table[cell.stage].kind == "test" or "def " in cell.source or "class " in cell.source


def _missing(cache: AnalysisCache, by_key: dict[str, Cell]) -> list[Cell]:
    found = cache.get_many(list(by_key), {k: c.source for k, c in by_key.items()})
    return [c for k, c in by_key.items() if k not in found]
