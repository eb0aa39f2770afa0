"""Run a generated pipeline and fingerprint what each stage hands on (``nb2pipe verify``).

Runs in its own interpreter (``python -m jupyter_lifecycle.verify.pipeline_driver``) so the
package under test is imported fresh; writes JSON: {"stages": {stage: {name: hash|null}},
"metrics": {...}, "error": null|str}. On stdout, among whatever the package prints, it reports
its progress in lines ``PROGRESS_MARK {"done": n, "total": steps}`` (the first before any step).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
import traceback

from ..capture.fingerprint import fingerprint

PROGRESS_MARK = "\x1enb2pipe-progress"
_EVALUATE_STEP = re.compile(r"evaluate(_\d+)?")  # a step's name: its stage, _2... when split


def _plain(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def _package_frames(exc: BaseException, src: str) -> list[dict]:
    """The traceback's frames inside the package: file (relative to ``src``), line, code."""
    root = os.path.realpath(src)
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        path = os.path.realpath(frame.filename)
        if path.startswith(root + os.sep):
            frames.append({"file": os.path.relpath(path, root), "line": frame.lineno,
                           "code": frame.line or ""})
    return frames


def _report_progress(done: int, total: int | None) -> None:
    out = sys.__stdout__  # the process's stdout, even when the package redirected sys.stdout
    if out is not None:
        out.write(f"\n{PROGRESS_MARK} {json.dumps({'done': done, 'total': total})}\n")
        out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True, help="folder holding the package (the src/ dir)")
    parser.add_argument("--package", required=True)
    parser.add_argument("--params", default="{}", help="JSON object of parameter values")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, args.src)
    report: dict = {"stages": {}, "metrics": None, "error": None}
    evaluated: list[dict] = []  # metrics as the last evaluate step left them
    total = None  # the pipeline's number of steps, once it is imported

    def on_stage(stage: str, values: dict) -> None:
        report["stages"][stage] = {name: fingerprint(value) for name, value in values.items()}
        _report_progress(len(report["stages"]), total)
        if _EVALUATE_STEP.fullmatch(stage) and isinstance(values.get("metrics"), dict):
            evaluated.append({k: _plain(v) for k, v in values["metrics"].items()})

    try:
        params_mod = importlib.import_module(f"{args.package}.params")
        pipeline = importlib.import_module(f"{args.package}.pipeline")
        steps = getattr(pipeline, "STAGES", None)
        total = len(steps) if isinstance(steps, (tuple, list)) else None
        _report_progress(0, total)
        params = params_mod.Params.from_dict(json.loads(args.params))
        results = pipeline.run(params, on_stage=on_stage, record=False)
        metrics = results.get("metrics")
        # the notebook's record reads ``metrics`` after its last evaluate cell (capture), so a
        # key a later monitor or validate cell adds is compared through that step's fingerprint
        if evaluated:
            report["metrics"] = evaluated[-1]
        elif isinstance(metrics, dict):
            report["metrics"] = {k: _plain(v) for k, v in metrics.items()}
    except BaseException as exc:  # reported, not raised: verify explains the failure
        report["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        report["traceback"] = traceback.format_exc()
        report["frames"] = _package_frames(exc, args.src)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(report, fh)
    return 0 if report["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
