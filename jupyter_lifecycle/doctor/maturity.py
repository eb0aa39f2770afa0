"""The maturity model: a level per lifecycle stage and overall, from the findings and evidence.

Each finding counts against the stages of its cells (or the stages it names, or every stage).
A stage is **low** while a high-severity finding counts against it, **medium** while only
medium ones do, **high** when none does; ``evidence.unproven`` is a medium finding against every
stage, so high needs a passed verify or reproduced runs with passing package tests. Overall is
the weakest stage: a pipeline is as mature as its least mature step.
"""

from __future__ import annotations

from .context import Context
from .model import Finding, Level, Severity, StageMaturity

ALWAYS_SHOWN = ("validate", "test")  # rows even without cells: their absence is a finding
AREAS = ("hidden-state", "randomness", "paths", "parameters", "logging", "validation",
         "environment", "data", "evidence")


def stage_rows(ctx: Context) -> tuple[str, ...]:
    """Stages the heatmap shows: exported stages (and tests), in lifecycle order."""
    table = ctx.notebook.table
    return tuple(s for s in table.names if table[s].kind in ("pipeline", "gate", "test"))


def present(ctx: Context) -> set[str]:
    return {c.stage for c in ctx.code_cells}


def counts_against(finding: Finding, stage: str) -> bool:
    stages = finding.concerned_stages
    return not stages or stage in stages


def stage_level(stage: str, findings: list[Finding]) -> StageMaturity:
    against = [f for f in findings if counts_against(f, stage)]
    for severity, level in ((Severity.HIGH, Level.LOW), (Severity.MEDIUM, Level.MEDIUM)):
        blocking = sorted({f.check for f in against if f.severity is severity})
        if blocking:
            return StageMaturity(stage, level, tuple(blocking))
    return StageMaturity(stage, Level.HIGH)


def levels(ctx: Context, findings: list[Finding]) -> tuple[tuple[StageMaturity, ...], Level]:
    here = present(ctx)
    rows = []
    for stage in stage_rows(ctx):
        if stage in here or stage in ALWAYS_SHOWN:
            rows.append(stage_level(stage, findings))
        else:
            rows.append(StageMaturity(stage, None, ("no cells",)))
    ranked = [r.level for r in rows if r.level is not None]
    overall = min(ranked, key=lambda lv: lv.rank) if ranked else Level.LOW
    return tuple(rows), overall
