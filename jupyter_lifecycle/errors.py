"""Diagnostics and errors. Every one names the notebook, cell index, cell id and line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Location:
    """Where a problem is: notebook path, 0-based cell index, cell id and 1-based line."""

    notebook: str
    cell_index: int | None = None
    cell_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.notebook]
        if self.cell_index is not None:
            parts.append(f"cell {self.cell_index}")
        if self.cell_id:
            parts.append(f"id {self.cell_id}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.value} [{self.code}] {self.message}"

    def to_dict(self) -> dict:
        loc = self.location
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "notebook": loc.notebook,
            "cell_index": loc.cell_index,
            "cell_id": loc.cell_id,
            "line": loc.line,
        }


class LifecycleError(Exception):
    """Root of our exceptions; carries a Location like papermill's carry cell_index."""

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class NotebookError(LifecycleError):
    """The notebook cannot be read as a Python nbformat-4 notebook (exit code 2)."""


class OutputError(LifecycleError):
    """Writing the output would lose a user's work (exit code 2)."""


class DiagnosticsFailed(LifecycleError):
    """Analysis found errors; nothing was written (exit code 1)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        errors = [d for d in diagnostics if d.is_error]
        super().__init__(f"{len(errors)} error(s) in the notebook; nothing was written")
        self.diagnostics = diagnostics
