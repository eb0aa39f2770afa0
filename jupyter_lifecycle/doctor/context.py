"""What every check reads, built once: the notebook, its analyses and graph, the run store."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..analysis.cache import AnalysisCache
from ..analysis.cell import CellAnalysis
from ..capture._config import find_root, store_for
from ..capture.store import RunStore, StoreError
from ..graph import StageGraph, analyze_notebook, build_graph
from ..notebook import Cell, TaggedNotebook, read_notebook
from .calls import CellCalls, cell_calls, import_aliases
from .model import CellRef

# Names a kernel provides without any cell binding them.
KERNEL_NAMES = frozenset(dir(builtins)) | {
    "display", "get_ipython", "In", "Out", "_", "__", "___", "exit", "quit", "__session__",
    "__file__", "__name__", "__builtins__", "_i", "_ii", "_iii", "_oh", "_dh", "_sh",
}


@dataclass
class Context:
    path: Path
    notebook: TaggedNotebook
    graph: StageGraph
    analyses: dict[str, CellAnalysis]
    sha256: str
    root: Path
    store: RunStore
    notes: list[str] = field(default_factory=list)

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.notebook.code_cells
                     if c.source.strip() and not c.is_injected_parameters)

    def ref(self, cell: Cell, line: int | None = None) -> CellRef:
        return CellRef(cell.index, cell.id, cell.stage, line)

    def kind(self, cell: Cell) -> str:
        return self.notebook.table[cell.stage].kind

    def exported(self, cell: Cell) -> bool:
        """Runs in the pipeline (or its tests): not explore, not skip."""
        return cell.is_parameters or self.kind(cell) in ("pipeline", "gate", "test")

    @cached_property
    def aliases(self) -> dict[str, str]:
        return import_aliases(self.analyses[c.id] for c in self.code_cells)

    @cached_property
    def calls(self) -> dict[str, CellCalls]:
        return {c.id: cell_calls(self.analyses[c.id], self.aliases) for c in self.code_cells}

    @cached_property
    def runs(self) -> list[dict]:
        """Recorded runs of this notebook, newest first (empty when there is no store)."""
        if not self.store.exists:
            return []
        try:
            return [r for r in self.store.list(self.path, limit=200) if not r.get("unreadable")]
        except StoreError as exc:
            self.notes.append(f"the run store could not be read: {exc}")
            return []


def load_context(path: str | Path, use_cache: bool = True) -> Context:
    """Raises NotebookError (naming the notebook) when it cannot be read."""
    path = Path(path)
    nb = read_notebook(path)
    cache = AnalysisCache() if use_cache else None
    try:
        analyses = analyze_notebook(nb, cache)
        graph = build_graph(nb, analyses)
    finally:
        if cache is not None:
            cache.close()
    resolved = path.resolve()
    return Context(path=resolved, notebook=graph.notebook, graph=graph, analyses=analyses,
                   sha256=nb.sha256,
                   root=find_root(resolved), store=RunStore(store_for(resolved.parent)))
