"""``ci_check.py`` (beside pyproject.toml): the CI's gate and metric check, standard library only.

The workflow runs ``python ci_check.py`` on the notebook papermill executed (a script, not a module
of the package: importing the package would import the whole pipeline): it reads the
metrics ``run.ipynb`` displayed (or the error it stopped at: a ``validate`` gate is
``ValidationFailed``), checks them against ``[tool.nb2pipe.ci.metrics]`` of pyproject.toml, and
writes the run's record (JSON) next to the executed notebook. jupyter_lifecycle is not needed.
"""

from __future__ import annotations

import libcst as cst

from ..graph import StageGraph
from .common import GeneratedFile, module, render

_CHECK = '''
from __future__ import annotations

import argparse
import ast
import json
import math
import platform
import sys
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PACKAGE = "{package}"
RECORD_SCHEMA = "nb2pipe.ci-run/1"
RUN_CELL = "run-pipeline"  # the cell of run.ipynb that calls the pipeline and shows the metrics
GATE_ERROR = "ValidationFailed"


@dataclass(frozen=True)
class Check:
    """One metric against its declared bounds."""

    metric: str
    value: float | None
    bound: str
    ok: bool


@dataclass(frozen=True)
class Outcome:
    """How one rerun went: ``failure`` is None, "error", "validate" or "metrics"."""

    status: str
    failure: str | None
    message: str


def literal(text: str) -> Any:
    """A displayed value (``repr``) as data; numpy scalars (``np.float64(0.9)``) as numbers."""
    tree = ast.parse(text.strip(), mode="eval")

    class Unwrap(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            numpy = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \\
                and node.func.value.id in ("np", "numpy")
            if numpy and len(node.args) == 1 and not node.keywords:
                return node.args[0]
            return node

    return ast.literal_eval(Unwrap().visit(tree))


def notebook_metrics(nb: dict[str, Any]) -> dict[str, Any] | None:
    """The metrics the pipeline cell displayed (``application/json`` or a dict literal)."""
    for cell in nb.get("cells", []):
        if cell.get("id") != RUN_CELL:
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "execute_result":
                continue
            data = output.get("data", {})
            if isinstance(data.get("application/json"), dict):
                return dict(data["application/json"])
            text = data.get("text/plain")
            text = "".join(text) if isinstance(text, list) else text
            try:
                value = literal(text) if isinstance(text, str) else None
            except (ValueError, SyntaxError):
                return None
            return value if isinstance(value, dict) else None
    return None


def notebook_error(nb: dict[str, Any]) -> tuple[str, str] | None:
    """The (exception name, message) the executed notebook stopped at, if any."""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return str(output.get("ename", "Error")), str(output.get("evalue", ""))
    return None


def declared_bounds(pyproject: Path) -> dict[str, dict[str, float]]:
    """``[tool.nb2pipe.ci.metrics]``: metric → {min, max} or {equals, tolerance}."""
    if not pyproject.is_file():
        return {}
    table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return dict(table.get("tool", {}).get("nb2pipe", {}).get("ci", {}).get("metrics", {}))


def describe(bound: dict[str, float]) -> str:
    if "equals" in bound:
        return f"{bound['equals']:g} ± {bound.get('tolerance', 0.0):g}"
    parts = [f">= {bound['min']:g}"] if "min" in bound else []
    return " and ".join([*parts, *([f"<= {bound['max']:g}"] if "max" in bound else [])])


def within(value: float, bound: dict[str, float]) -> bool:
    if "equals" in bound:
        return abs(value - bound["equals"]) <= bound.get("tolerance", 0.0) + 1e-12
    return bound.get("min", -math.inf) <= value <= bound.get("max", math.inf)


def check_metrics(metrics: dict[str, Any] | None, bounds: dict[str, dict[str, float]]) -> list[Check]:
    checks = []
    for name, bound in bounds.items():
        value = (metrics or {}).get(name)
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        ok = number is not None and math.isfinite(number) and within(number, bound)
        checks.append(Check(name, number, describe(bound), ok))
    return checks


def judge(nb: dict[str, Any] | None, checks: list[Check], metrics: dict[str, Any] | None,
          bounds: dict[str, dict[str, float]]) -> Outcome:
    if nb is None:
        return Outcome("failed", "error", "papermill wrote no executed notebook")
    error = notebook_error(nb)
    if error is not None and error[0] == GATE_ERROR:
        return Outcome("failed", "validate", f"validate gate failed: {error[1]}")
    if error is not None:
        return Outcome("failed", "error", f"run.ipynb raised {error[0]}: {error[1]}")
    if bounds and metrics is None:
        return Outcome("failed", "metrics", "run.ipynb showed no readable metrics dict")
    bad = [c for c in checks if not c.ok]
    if bad:
        return Outcome("failed", "metrics", "; ".join(
            f"{c.metric} = {'missing' if c.value is None else format(c.value, 'g')}, expected {c.bound}"
            for c in bad))
    return Outcome("passed", None, "gates and metrics passed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python ci_check.py",
                                     description="Check a papermill run of run.ipynb and record it.")
    parser.add_argument("notebook", help="the executed notebook papermill wrote")
    parser.add_argument("--entry", default="default", help="the matrix entry's name")
    parser.add_argument("--params", default="{}", help="the entry's parameters (JSON)")
    parser.add_argument("--pyproject", default="pyproject.toml", help="where the bounds are declared")
    parser.add_argument("--record", help="the run record to write [default: record.json beside NOTEBOOK]")
    args = parser.parse_args(argv)
    path = Path(args.notebook)
    try:
        params = json.loads(args.params)
        bounds = declared_bounds(Path(args.pyproject))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    nb = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    metrics = notebook_metrics(nb) if nb is not None else None
    checks = check_metrics(metrics, bounds)
    outcome = judge(nb, checks, metrics, bounds)
    papermill = (nb or {}).get("metadata", {}).get("papermill", {})
    record = {"schema": RECORD_SCHEMA, "package": PACKAGE, "entry": args.entry, "params": params,
              **asdict(outcome), "metrics": metrics, "checks": [asdict(c) for c in checks],
              "duration_s": papermill.get("duration"), "notebook": path.name,
              "python": platform.python_version()}
    target = Path(args.record) if args.record else path.with_name("record.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(record, indent=2, sort_keys=True, default=repr) + "\\n", encoding="utf-8")
    for c in checks:
        shown = "missing" if c.value is None else format(c.value, "g")
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.metric} = {shown} (expected {c.bound})")
    print(f"{args.entry}: {outcome.status} - {outcome.message}")
    return 0 if outcome.status == "passed" else 1


if __name__ == "__main__":
    sys.exit(main())
'''


def ci_check_module(graph: StageGraph, package: str) -> GeneratedFile:
    doc = (f"CI check of {package}: ``python ci_check.py OUT.ipynb`` judges a papermill run of "
           "run.ipynb (the validate gate, the metric bounds of ``[tool.nb2pipe.ci.metrics]``) and "
           "writes its record. Standard library only.")
    code = _CHECK.replace('PACKAGE = "{package}"', f"PACKAGE = {package!r}")
    mod = module(graph, doc, list(cst.parse_module(code).body))
    return GeneratedFile("ci_check.py", render(mod), "static")
