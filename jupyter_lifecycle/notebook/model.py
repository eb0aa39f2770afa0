"""Frozen cell and notebook models. Parsed once by ``reader``; nothing re-reads tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, Location
from ..stages import StageTable

if TYPE_CHECKING:
    from .dialects import AppendedMetrics


@dataclass(frozen=True)
class Cell:
    index: int
    id: str
    cell_type: str  # "code" | "markdown" | "raw"
    source: str
    tags: tuple[str, ...]
    stage: str  # effective stage (explicit, inherited, or the default)
    explicit_stage: str | None  # the stage named by this cell's own tag, if any
    is_parameters: bool = False
    is_injected_parameters: bool = False
    execution_count: int | None = None
    outputs: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)

    @property
    def inherited(self) -> bool:
        return self.explicit_stage is None

    @property
    def is_code(self) -> bool:
        return self.cell_type == "code"

    @property
    def first_line(self) -> str:
        for line in self.source.splitlines():
            if line.strip():
                return line.strip()
        return ""


@dataclass(frozen=True)
class TaggedNotebook:
    path: str
    cells: tuple[Cell, ...]
    table: StageTable
    kernel_name: str | None
    nbformat_minor: int
    diagnostics: tuple[Diagnostic, ...] = ()
    sha256: str | None = None  # of the file's bytes as read (None: parsed from text)
    # Kale pipeline-metrics cells whose printed values the reader bound to ``metrics`` (dialects)
    printed_metrics: tuple[AppendedMetrics, ...] = ()

    @property
    def name(self) -> str:
        from pathlib import Path

        return Path(self.path).stem

    @cached_property  # asked for a dozen times per graph build
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.is_code)

    @property
    def parameters_cell(self) -> Cell | None:
        for cell in self.cells:
            if cell.is_parameters:
                return cell
        return None

    def location(self, cell: Cell, line: int | None = None) -> Location:
        return Location(self.path, cell.index, cell.id, line)

    def cell(self, ref: str | int) -> Cell:
        """A cell by id, or by 0-based index (an int or a string of digits)."""
        for cell in self.cells:
            if cell.id == ref:
                return cell
        if isinstance(ref, int) or (isinstance(ref, str) and ref.lstrip("-").isdigit()):
            i = int(ref)
            if 0 <= i < len(self.cells):
                return self.cells[i]
        raise KeyError(ref)

    def cells_in(self, stage: str) -> tuple[Cell, ...]:
        return tuple(c for c in self.code_cells if c.stage == stage and not c.is_parameters)
