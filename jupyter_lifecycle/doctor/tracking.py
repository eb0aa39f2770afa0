"""Logging: metrics computed but neither in ``metrics`` nor logged; no recorded run."""

from __future__ import annotations

from .calls import Call
from .context import Context
from .model import Finding, Severity

LOG_CALLS = frozenset({"log_metric", "log_metrics", "log", "log_param", "log_params",
                       "glue", "record", "add_scalar", "log_dict"})
RECORD_NAMES = frozenset({"metrics"})
SCALAR_SUFFIXES = ("_score", "_error", "_loss", "_deviance")
SCALAR_METRICS = frozenset({"matthews_corrcoef", "log_loss", "auc"})


def is_metric(call: Call) -> bool:
    qualname = call.qualname or ""
    if qualname.startswith("sklearn.metrics."):  # scalars only: not reports, curves, matrices
        name = qualname.rsplit(".", 1)[-1]
        return name.endswith(SCALAR_SUFFIXES) or name in SCALAR_METRICS
    if qualname.endswith(("cross_val_score", "cross_validate")):
        return True
    return call.qualname is None and call.method == "score"


def _statements(ctx: Context):
    """Every statement of the exported cells in file order: (cell, names, calls in it)."""
    for cell in ctx.code_cells:
        if not ctx.exported(cell) or ctx.kind(cell) == "test":
            continue
        analysis = ctx.analyses[cell.id]
        calls = ctx.calls[cell.id].calls
        for names in analysis.statements:
            yield cell, names, [c for c in calls if c.statement == names.index]


def _records(names, calls) -> bool:
    return bool(RECORD_NAMES & (set(names.defines) | set(names.mutates))) or \
        any(c.method in LOG_CALLS for c in calls)


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    statements = list(_statements(ctx))
    for position, (cell, names, calls) in enumerate(statements):
        metric_calls = [c for c in calls if is_metric(c)]
        if not metric_calls or _records(names, calls):
            continue
        flowing = set(names.defines)  # names the metric went into, followed forward
        recorded = False
        for _cell, later, later_calls in statements[position + 1:]:
            if flowing & set(later.reads + later.earlier_reads):
                if _records(later, later_calls):
                    recorded = True
                    break
                flowing |= set(later.defines)
        if not recorded:
            call = metric_calls[0]
            out.append(Finding(
                "logging.metric-not-recorded", Severity.HIGH,
                f"cell {cell.index} computes {call.dotted}(...) but it reaches neither the "
                "`metrics` dict nor a log call: runs cannot be compared on it",
                "put it in the evaluate stage's `metrics` dict (or log_metric it)",
                (ctx.ref(cell, call.line),)))
    if not ctx.runs:
        out.append(Finding(
            "logging.no-recorded-run", Severity.HIGH,
            "the run store holds no run of this notebook", "run it once with capture "
            "(`nb2pipe run NB`, or `%load_ext jupyter_lifecycle` in the kernel)"))
    return out
