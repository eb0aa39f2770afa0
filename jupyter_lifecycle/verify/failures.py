"""Where a run failed, in the notebook's terms: the exception, its cell and its line.

A notebook run fails with papermill's execution error (the cell's source and IPython's
traceback, ``Cell In[3], line 2``); a pipeline run fails in a generated module, where the
provenance comment above each block (``# nb.ipynb · cell 3 (id ab12) · stage train``) names the
cell and the failing line's text finds its line in that cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..notebook import TaggedNotebook

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_IPYTHON_LINE = re.compile(r"(?:Cell In\s*\[[^\]]*\]|<ipython-input-[^>]*>),?\s+line (\d+)")
_PROVENANCE = re.compile(r"^\s*# .* · cell (\d+) \(id ([^)]*)\) · stage ")


@dataclass(frozen=True)
class Failure:
    message: str  # "ZeroDivisionError: division by zero"
    cell_index: int | None = None
    cell_id: str | None = None
    line: int | None = None
    code: str | None = None  # the failing line

    def __str__(self) -> str:
        if self.cell_index is None:
            return self.message
        where = f"cell {self.cell_index}" + (f" (id {self.cell_id})" if self.cell_id else "")
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.message}" + (f" — `{self.code}`" if self.code else "")


def notebook_failure(error: BaseException, nb: TaggedNotebook | None,
                     running: tuple[int, str | None] | None = None) -> Failure:
    """A papermill execution error (or any other) as a Failure. ``running``: the (index, id) of
    the cell the engine was executing, which names the cell when the kernel died in it."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    if ename is None:
        text = str(error).strip()
        message = text.splitlines()[0] if text else type(error).__name__
        cell_id = running[1] if running else None
        cell = next((c for c in nb.code_cells if c.id == cell_id), None) if nb and cell_id else None
        if cell is None:
            return Failure(message)
        return Failure(f"{type(error).__name__}: {message}", cell.index, cell.id)
    message = f"{ename}: {evalue}" if evalue else str(ename)
    source = getattr(error, "source", None)
    cell = None
    if nb is not None and isinstance(source, str):
        cell = next((c for c in nb.code_cells if c.source.strip() == source.strip()), None)
    if cell is None:
        return Failure(message)
    line = None
    for frame in reversed([_ANSI.sub("", t) for t in getattr(error, "traceback", None) or []]):
        found = _IPYTHON_LINE.search(frame)
        if found:
            line = int(found.group(1))
            break
    code = _line_of(cell.source, line)
    return Failure(message, cell.index, cell.id, line, code)


def pipeline_failure(report: dict, package_root: Path, nb: TaggedNotebook | None) -> Failure | None:
    """The pipeline driver's report (``error`` and ``frames`` inside the package) as a Failure."""
    error = report.get("error")
    if not error:
        return None
    message = str(error).strip().splitlines()[-1] if str(error).strip() else "the pipeline failed"
    for frame in reversed(report.get("frames") or []):
        found = _cell_of_frame(package_root, frame, nb)
        if found is not None:
            cell_index, cell_id, code = found
            cell = next((c for c in nb.code_cells if c.id == cell_id), None) if nb else None
            line = _find_line(cell.source, code) if cell is not None and code else None
            return Failure(message, cell_index, cell_id, line, code or None)
    return Failure(message)


def _cell_of_frame(package_root: Path, frame: dict, nb) -> tuple[int, str, str] | None:
    try:
        path = (package_root / frame["file"]).resolve()
        path.relative_to(package_root.resolve())
        lines = path.read_text(encoding="utf-8").splitlines()
        number = int(frame["line"])
    except (KeyError, TypeError, ValueError, OSError):
        return None
    for text in reversed(lines[:number]):
        found = _PROVENANCE.match(text)
        if found:
            return int(found.group(1)), found.group(2), (frame.get("code") or "").strip()
    return None


def _find_line(source: str, code: str) -> int | None:
    for number, text in enumerate(source.splitlines(), 1):
        if text.strip() == code:
            return number
    return None


def _line_of(source: str, line: int | None) -> str | None:
    lines = source.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1].strip() or None
