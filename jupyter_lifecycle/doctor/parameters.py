"""Parameters: a ``parameters`` cell, and literals outside it that look like parameters
(numbers passed to estimators, splits and searches)."""

from __future__ import annotations

from .calls import Call
from .context import Context
from .model import Finding, Severity

ML_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "imblearn", "statsmodels",
                          "torch", "tensorflow", "keras", "umap", "scipy"})
# Keyword arguments that are settings of the call, not of the experiment.
NOT_PARAMETERS = frozenset({"verbose", "n_jobs", "axis", "inplace", "copy", "figsize", "dpi",
                            "fontsize", "alpha_plot", "nrows", "ncols", "ddof", "decimals",
                            "index", "ignore_index", "warm_start", "zero_division", "pos_label"})


def _parameter_like(call: Call) -> list[tuple[str, object]]:
    top = (call.qualname or "").split(".", 1)[0]
    if top not in ML_LIBRARIES or (call.qualname or "").startswith(("sklearn.metrics.", "scipy.stats.")):
        return []
    return [(key, value) for key, value in call.keywords
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            and key not in NOT_PARAMETERS]


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if ctx.notebook.parameters_cell is None:
        out.append(Finding(
            "parameters.no-parameters-cell", Severity.MEDIUM,
            "no cell is tagged `parameters`: runs cannot be parameterised or compared",
            "put the experiment's settings in one cell of assignments and tag it `parameters`",
            stages=("setup",)))
    for cell in ctx.code_cells:
        if cell.is_parameters or not ctx.exported(cell) or ctx.kind(cell) == "test":
            continue
        found = [(call, _parameter_like(call)) for call in ctx.calls[cell.id].calls]
        found = [(call, literals) for call, literals in found if literals]
        if found:
            shown = "; ".join(f"{', '.join(f'{k}={v!r}' for k, v in literals[:3])} to "
                              f"{call.dotted}" for call, literals in found[:3])
            more = f" and {len(found) - 3} more call(s)" if len(found) > 3 else ""
            out.append(Finding(
                "parameters.literal-outside", Severity.LOW,
                f"cell {cell.index} passes literals that look like parameters: {shown}{more}",
                "move them to the parameters cell and pass the names",
                (ctx.ref(cell, found[0][0].line),)))
    return out
