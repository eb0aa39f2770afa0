"""``nb2pipe doctor``: how far a notebook is from a reproducible experiment.

Checks by area (``hidden_state``, ``randomness``, ``paths``, ``parameters``, ``tracking``,
``validation``, ``environment``, ``data``, ``evidence``) return typed ``Finding`` records; the
maturity model (``maturity``) turns them and the evidence into a level per stage; ``render``
shows the report as a terminal heatmap, JSON or one self-contained HTML page.
"""

from __future__ import annotations

from pathlib import Path

from . import (data, environment, evidence, hidden_state, parameters, paths, randomness,
               tracking, validation)
from .context import Context, load_context
from .maturity import AREAS, levels
from .model import CellRef, Evidence, Finding, Level, Report, Severity, StageMaturity

CHECKS = (hidden_state.check, randomness.check, paths.check, parameters.check, tracking.check,
          validation.check, environment.check, data.check)


def diagnose_context(ctx: Context, shown: str | None = None) -> Report:
    """``shown``: the notebook's name in the report (default: its resolved path)."""
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(ctx))
    proof = evidence.gather(ctx)
    findings.extend(evidence.check(ctx, proof))
    findings.sort(key=lambda f: (-f.severity.rank, AREAS.index(f.area),
                                 f.cells[0].index if f.cells else -1, f.check))
    stages, overall = levels(ctx, findings)
    return Report(shown or str(ctx.path), ctx.sha256, tuple(findings), proof, stages, overall, AREAS)


def diagnose(path: str | Path, *, use_cache: bool = True) -> Report:
    """The doctor's report on one notebook. Raises NotebookError when it cannot be read."""
    return diagnose_context(load_context(path, use_cache=use_cache), str(path))


__all__ = ["AREAS", "CellRef", "Context", "Evidence", "Finding", "Level", "Report", "Severity",
           "StageMaturity", "diagnose", "diagnose_context", "load_context"]
