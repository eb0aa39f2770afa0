"""Validation and tests: a ``validate`` gate and ``test`` cells."""

from __future__ import annotations

from .context import Context
from .model import Finding, Severity


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    gates = [n for n in ctx.graph.stages if n.kind == "gate"]
    if not gates:
        out.append(Finding(
            "validation.no-validate-gate", Severity.MEDIUM,
            "no validate gate: nothing stops a worse model from being deployed",
            "add a cell tagged lifecycle:validate that asserts on the metrics "
            "(e.g. assert metrics['accuracy'] >= 0.9)", stages=("validate",)))
    if not ctx.graph.tests:
        out.append(Finding(
            "validation.no-test-cells", Severity.MEDIUM,
            "no test cells: the converted package has only its regression test",
            "add a cell tagged lifecycle:test that asserts on a helper or a small input",
            stages=("test",)))
    return out
