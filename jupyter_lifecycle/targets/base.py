"""What every export target implements, and what it is given and gives back."""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LifecycleError


class TargetUnavailable(LifecycleError):
    """The target's optional dependencies are not installed (the message says how to)."""


@dataclass(frozen=True)
class ExportRequest:
    source: Path  # a notebook, or a package folder nb2pipe convert wrote
    output: Path | None = None  # where the compiled pipeline goes (the target's default if None)
    params: dict = field(default_factory=dict)  # parameter values for the export's observing run
    options: dict = field(default_factory=dict)  # target-specific settings (str → str)
    workdir: Path | None = None  # where the steps run (relative data paths), default: cwd


@dataclass(frozen=True)
class ExportResult:
    target: str
    output: Path  # the compiled pipeline
    package: str
    steps: tuple[str, ...]
    parameters: dict  # name → default in the compiled pipeline
    seconds: float  # observing run + compile
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    run_id: str | None  # the record in the run store, None when not recorded
    status: str  # completed | failed
    metrics: dict
    stages: dict  # step → seconds
    seconds: float
    message: str | None = None  # why it failed


class Target(ABC):
    """An export target. Subclasses set ``name``, ``description``, the modules they need
    (``requires``) and the pip extra that installs them (``extra``)."""

    name: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    extra: str | None = None

    def missing(self) -> str | None:
        """None when usable, else how to install what is missing."""
        absent = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if not absent:
            return None
        how = (f"pip install 'jupyter-lifecycle[{self.extra}]'" if self.extra
               else f"pip install {' '.join(absent)}")
        return f"needs {', '.join(absent)}: {how}"

    def ensure_available(self) -> None:
        problem = self.missing()
        if problem:
            raise TargetUnavailable(f"target {self.name!r} {problem}")

    @abstractmethod
    def export(self, request: ExportRequest) -> ExportResult:
        """Compile the pipeline of ``request.source`` for this target."""

    def run_local(self, request: ExportRequest, *, record: bool = True) -> RunResult:
        """Run the exported pipeline on this machine the way the target would (optional)."""
        raise TargetUnavailable(f"target {self.name!r} has no local run")
