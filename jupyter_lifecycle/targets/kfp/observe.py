"""Run a generated pipeline once and decide how each value crossing a step boundary travels.

Runs in its own interpreter (``python -m jupyter_lifecycle.targets.kfp.observe``) so the package
is imported fresh: ``run(params, on_stage=...)`` hands over each step's outputs; every value a
later step reads (and ``metrics``) gets a serializer by its type (``kinds.py``) and is saved and
loaded back with that serializer, then compared by fingerprint. Writes JSON:
{"values": {step: {name: {"kind", "type", "problem"}}}, "params": [{"name", "type",
"value", "default"}], "metrics": {...}|null, "error": str|null, "rng": [steps that changed
the global random state]}.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tempfile
import traceback
from dataclasses import fields

from ...capture.fingerprint import fingerprint
from . import serializers
from .kinds import kind_of, pyarrow_available, type_name
from .rng import state_digest


def _round_trip(value, kind: str, folder: str) -> str | None:
    """None when ``value`` comes back from ``kind`` with the same fingerprint, else why not."""
    path = os.path.join(folder, "value")
    try:
        getattr(serializers, f"save_{kind}")(value, path)
        back = getattr(serializers, f"load_{kind}")(path)
    except Exception as exc:
        return f"{kind} cannot store it ({type(exc).__name__}: {exc})"
    before = fingerprint(value)
    if kind == "joblib" and before is None:
        return None  # an estimator with state the fingerprint cannot read: joblib is its format
    if before is None or before != fingerprint(back):
        return f"it does not come back unchanged from {kind}"
    return None


def describe(value, parquet: bool) -> dict:
    kind = kind_of(value, parquet)
    found = {"kind": kind.name if kind else None, "type": type_name(value), "problem": None}
    if kind is None:
        found["problem"] = "no serializer handles this type"
        return found
    with tempfile.TemporaryDirectory() as folder:
        found["problem"] = _round_trip(value, kind.name, folder)
    if found["problem"] and kind.name == "csv":
        found["problem"] += " (install pyarrow to pass pandas values as parquet)"
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--params", default="{}")
    parser.add_argument("--needed", required=True, help="JSON {step: [names]} to classify")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, args.src)
    needed = json.loads(args.needed)
    parquet = pyarrow_available()
    report: dict = {"values": {}, "params": [], "metrics": None, "error": None, "parquet": parquet,
                    "rng": []}
    with contextlib.suppress(ImportError):  # its global state exists before the first step
        import numpy  # noqa: F401
    last_state = [state_digest()]

    def on_stage(stage: str, values: dict) -> None:
        state = state_digest()  # first: describing the values must not count as the step's draws
        if state != last_state[0]:
            report["rng"].append(stage)
        report["values"][stage] = {name: describe(values[name], parquet)
                                   for name in needed.get(stage, ()) if name in values}
        last_state[0] = state_digest()

    try:
        params_module = importlib.import_module(f"{args.package}.params")
        pipeline = importlib.import_module(f"{args.package}.pipeline")
        params = params_module.Params.from_dict(json.loads(args.params))
        defaults = params_module.Params()
        report["params"] = [{"name": f.name, "type": getattr(f.type, "__name__", str(f.type)),
                             "value": getattr(params, f.name), "default": getattr(defaults, f.name)}
                            for f in fields(params)]
        results = pipeline.run(params, on_stage=on_stage, record=False)
        metrics = results.get("metrics")
        if isinstance(metrics, dict):
            report["metrics"] = {str(k): v for k, v in metrics.items()
                                 if isinstance(v, (int, float, str, bool)) or v is None}
    except BaseException as exc:  # reported, not raised: the export explains the failure
        report["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(report, fh, default=float)
    return 0 if report["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
