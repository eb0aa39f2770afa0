"""Export targets: where a generated pipeline can run besides this machine (KFP first).

A target is a plug-in: a class implementing ``Target``, registered under the entry-point group
``jupyter_lifecycle.targets`` (``name = "module:Class"``) by any installed distribution, so
Airflow, Argo or Vertex targets need no change here. Entry points are read lazily with
``importlib.metadata``; a target's module is imported only when it is listed or used, and a
target whose optional dependencies are missing is listed as unavailable with its install hint.
"""

from __future__ import annotations

from .base import ExportRequest, ExportResult, RunResult, Target, TargetUnavailable
from .registry import GROUP, TargetEntry, TargetRegistry

__all__ = [
           "GROUP",
           "ExportRequest",
           "ExportResult",
           "RunResult",
           "Target",
           "TargetEntry",
           "TargetRegistry",
           "TargetUnavailable",
]
