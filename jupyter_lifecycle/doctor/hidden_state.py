"""Hidden state: replay the saved execution counts against file order.

The kernel ran the cells in the order of their execution counts; the pipeline (and anyone who
reruns the notebook) runs them top to bottom. Every read whose binding differs between the two
is reported, with saved error outputs and cells never executed.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..notebook import Cell
from .context import KERNEL_NAMES, Context
from .model import Finding, Severity

Writes = dict[str, int]  # name → index of the cell whose statement wrote it last


def _statements(ctx: Context, cell: Cell):
    analysis = ctx.analyses.get(cell.id)
    if analysis is None or not analysis.parsed:
        return ()
    return analysis.statements


def _reads(ctx: Context, cell: Cell) -> Iterator[tuple[str, int]]:
    """(name, line) of every outside name the cell reads, first read first (the analysis leaves
    out names an earlier statement of the cell binds)."""
    offset = ctx.analyses[cell.id].line_offset if cell.id in ctx.analyses else 0
    seen: set[str] = set()
    for names in _statements(ctx, cell):
        for name in names.reads:
            if name not in KERNEL_NAMES and name not in seen:
                seen.add(name)
                yield name, names.line + offset


def _writes(ctx: Context, cell: Cell) -> set[str]:
    out: set[str] = set()
    for names in _statements(ctx, cell):
        out.update(names.defines)
        out.update(names.mutates)
    return out


def _file_writers(ctx: Context) -> dict[str, Writes]:
    """For each cell id: the writer of every name just before the cell, in file order."""
    before: dict[str, Writes] = {}
    current: Writes = {}
    for cell in ctx.code_cells:
        before[cell.id] = dict(current)
        for name in _writes(ctx, cell):
            current[name] = cell.index
    return before


def _executed(ctx: Context) -> list[Cell]:
    return sorted((c for c in ctx.code_cells if c.execution_count is not None),
                  key=lambda c: c.execution_count)


def _gaps(executed: list[Cell]) -> list[int]:
    counts = [c.execution_count for c in executed]
    if not counts:
        return []
    present = set(counts)
    return [n for n in range(1, max(counts)) if n not in present]


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    findings += use_before_bind(ctx)
    findings += replay(ctx)
    findings += error_outputs(ctx)
    findings += never_executed(ctx)
    return findings


def use_before_bind(ctx: Context) -> list[Finding]:
    """A name read before any cell above binds it, while a cell below does (file order alone)."""
    before = _file_writers(ctx)
    later: dict[str, list[int]] = {}
    for cell in ctx.code_cells:
        for name in _writes(ctx, cell):
            later.setdefault(name, []).append(cell.index)
    out = []
    for cell in ctx.code_cells:
        for name, line in _reads(ctx, cell):
            if name not in before[cell.id]:
                below = [i for i in later.get(name, []) if i > cell.index]
                if below:
                    out.append(Finding(
                        "hidden-state.use-before-bind", Severity.HIGH,
                        f"cell {cell.index} reads `{name}` before any cell above binds it "
                        f"(cell {below[0]} below does)",
                        f"move the cell that binds `{name}` above cell {cell.index}",
                        (ctx.ref(cell, line),)))
    return out


def replay(ctx: Context) -> list[Finding]:
    """Run the saved execution order against file order: what did each read really see?"""
    executed = _executed(ctx)
    if not executed:
        return []
    before = _file_writers(ctx)
    everywhere = set().union(*(_writes(ctx, c) for c in ctx.code_cells)) if ctx.code_cells else set()
    stars = any(n.star_imports for c in ctx.code_cells for n in _statements(ctx, c))
    gaps = _gaps(executed)
    by_index = {c.index: c for c in ctx.code_cells}
    state: Writes = {}
    out: list[Finding] = []
    for cell in executed:
        for name, line in _reads(ctx, cell):
            ran = state.get(name)
            order = before[cell.id].get(name)
            finding = _compare(ctx, cell, name, line, ran, order, by_index)
            if finding is not None:
                out.append(finding)
            elif ran is None and name not in everywhere and gaps and not stars:
                shown = ", ".join(map(str, gaps[:5])) + (", ..." if len(gaps) > 5 else "")
                out.append(Finding(
                    "hidden-state.deleted-binding", Severity.HIGH,
                    f"cell {cell.index} reads `{name}`, which no cell of the notebook binds, "
                    f"and execution counts {shown} are missing: it came from a cell since "
                    "deleted or rerun", f"add the cell that binds `{name}` back, above cell "
                    f"{cell.index}", (ctx.ref(cell, line),)))
        for name in _writes(ctx, cell):
            state[name] = cell.index
    return out


def _compare(ctx, cell: Cell, name: str, line: int, ran: int | None, order: int | None,
             by_index) -> Finding | None:
    if ran is None or ran == order:
        return None
    if order is None:
        return None  # no cell above binds it: use-before-bind reports it once
    if ran > cell.index:
        return Finding(
            "hidden-state.later-binding", Severity.HIGH,
            f"cell {cell.index} read `{name}` as bound by cell {ran} below it (run earlier); "
            f"top to bottom it reads cell {order}'s", "rerun the notebook top to bottom "
            "(Restart Kernel and Run All) and save it", (ctx.ref(cell, line), ctx.ref(by_index[ran])))
    return Finding(
        "hidden-state.binding-differs", Severity.HIGH,
        f"cell {cell.index} read `{name}` as bound by cell {ran}; top to bottom cell {order} "
        "rebinds it in between", "rerun the notebook top to bottom (Restart Kernel and Run All) "
        "and save it", (ctx.ref(cell, line), ctx.ref(by_index[order])))


def error_outputs(ctx: Context) -> list[Finding]:
    out = []
    for cell in ctx.code_cells:
        for output in cell.outputs:
            if isinstance(output, dict) and output.get("output_type") == "error":
                ename = str(output.get("ename") or "error")[:60]
                out.append(Finding(
                    "hidden-state.error-output", Severity.HIGH,
                    f"cell {cell.index} saved an error output ({ename})",
                    "fix the cell, rerun the notebook top to bottom and save it",
                    (ctx.ref(cell),)))
                break
    return out


def never_executed(ctx: Context) -> list[Finding]:
    """Cells without an execution count in a notebook whose other cells ran."""
    cells = ctx.code_cells
    if not any(c.execution_count is not None for c in cells):
        return []
    missing = [c for c in cells if c.execution_count is None]
    if not missing:
        return []
    shown = ", ".join(str(c.index) for c in missing[:10]) + (", ..." if len(missing) > 10 else "")
    return [Finding("hidden-state.never-executed", Severity.MEDIUM,
                    f"{len(missing)} code cell(s) never ran in the saved session: {shown}",
                    "rerun the notebook top to bottom and save it, or clear all outputs",
                    tuple(ctx.ref(c) for c in missing))]
