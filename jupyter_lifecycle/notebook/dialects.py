"""Other tools' cell tags the reader recognises: Kale's tags and nbdev's ``#|`` directives.

The reader honours their ``skip`` (Kale's ``skip`` tag, nbdev's ``#| hide``) on cells that carry
no stage tag of ours, and says once which command maps the rest (``nb2pipe tag --from``). A Kale
``pipeline-metrics`` cell tagged ``evaluate`` records what it prints as the run's ``metrics``
(``capture.printed_metrics``): the reader appends the line that binds them to the cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..capture.printed_metrics import COMMENT, MetricsCell, SourceCell, plan_printed_metrics
from ..errors import Diagnostic, Location, Severity
from .model import Cell

KALE_TAGS = frozenset({"imports", "functions", "pipeline-parameters", "pipeline-metrics", "skip"})
KALE_PREFIXES = ("step:", "block:", "prev:", "limit:")
# ``#| export``, ``#|export``, and the older ``# export`` / ``#export`` of nbdev 1.
_NBDEV_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([A-Za-z_][\w-]*)(.*)$")
_NBDEV_OLD = re.compile(r"^\s*#\s*(export|exports|exporti|hide|default_exp)\b(.*)$")
NBDEV_SKIP = frozenset({"hide"})


def is_kale_tag(tag: str) -> bool:
    return tag in KALE_TAGS or tag.startswith(KALE_PREFIXES)


def nbdev_directives(source: str) -> tuple[tuple[str, str], ...]:
    """(directive, argument) of the comment lines at the top of a cell: ``#| export`` → export."""
    found = []
    for line in source.splitlines():
        if not line.strip():
            continue
        match = _NBDEV_DIRECTIVE.match(line) or _NBDEV_OLD.match(line)
        if match is None:
            break
        found.append((match.group(1).lower(), match.group(2).strip()))
    return tuple(found)


def cell_dialect(tags: Iterable[str], source: str, cell_type: str) -> str | None:
    """"kale" or "nbdev" when the cell carries that tool's tags or directives."""
    if any(is_kale_tag(t) for t in tags):
        return "kale"
    if cell_type == "code" and nbdev_directives(source):
        return "nbdev"
    return None


def foreign_skip(tags: Iterable[str], source: str, cell_type: str) -> str | None:
    """The dialect whose ``skip`` this cell carries, or None."""
    if cell_type != "code":
        return None
    if "skip" in tags:
        return "kale"
    if any(name in NBDEV_SKIP for name, _ in nbdev_directives(source)):
        return "nbdev"
    return None


DIALECT_NAMES = {"kale": "Kale", "nbdev": "nbdev"}


def migration_hint(dialect: str, path: str, skipped: int) -> str:
    what = {"kale": "Kale tags (steps, imports, pipeline-parameters, ...)",
            "nbdev": "nbdev directives (#| export, #| hide, ...)"}[dialect]
    honoured = f"its skip is honoured ({skipped} cell(s) skipped); " if skipped else ""
    return (f"the notebook carries {what}: {honoured}`nb2pipe tag --from {dialect} {path} --write` "
            "maps the rest onto lifecycle stages")


METRICS_CODE = "kale-metrics"


@dataclass(frozen=True)
class AppendedMetrics:
    """A ``pipeline-metrics`` cell whose source the reader extended, and what it extended."""

    metrics: MetricsCell
    original: str  # the cell's own source, as the file has it


def with_printed_metrics(cells: list[Cell], path: str, appended: Iterable[AppendedMetrics] = ()
                         ) -> tuple[list[Cell], tuple[AppendedMetrics, ...], list[Diagnostic]]:
    """``cells`` with the binding line appended to each Kale ``pipeline-metrics`` cell of stage
    evaluate, the record of it, and a diagnostic per cell (what it records, or why nothing).
    ``appended``: what an earlier call appended, taken off first (the cells were retagged)."""
    originals = {a.metrics.cell_id: a.original for a in appended}
    cells = [replace(c, source=originals[c.id]) if c.id in originals else c for c in cells]
    plan = plan_printed_metrics(SourceCell(c.index, c.id, c.source, c.tags, c.stage)
                                for c in cells if c.is_code and not c.is_injected_parameters)
    by_id = {c.cell_id: c for c in plan.cells}
    diagnostics = [Diagnostic(Severity.WARNING, METRICS_CODE, p.message,
                              Location(path, p.index, p.cell_id, p.line)) for p in plan.problems]
    done: list[AppendedMetrics] = []
    result = []
    for cell in cells:
        found = by_id.get(cell.id)
        if found is None:
            result.append(cell)
            continue
        done.append(AppendedMetrics(found, cell.source))
        newline = "\n" if cell.source and not cell.source.endswith("\n") else ""
        result.append(replace(cell, source=f"{cell.source}{newline}{found.code}\n"))
        shown = ", ".join(m.key for m in found.metrics)
        diagnostics.append(Diagnostic(
            Severity.INFO, METRICS_CODE,
            f"Kale pipeline-metrics: the printed {shown} become the run's metrics "
            f"(`{found.code.removesuffix(COMMENT)}` runs after the cell's code)",
            Location(path, cell.index, cell.id, len(cell.source.splitlines()) + 1)))
    return result, tuple(done), diagnostics
