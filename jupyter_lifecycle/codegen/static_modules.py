"""Package modules whose code is the same for every notebook: errors, CLI, package init."""

from __future__ import annotations

import libcst as cst

from ..graph import StageGraph
from .common import GeneratedFile, module, notebook_name, render

_ERRORS = '''
class ParamsError(ValueError):
    """A parameter is unknown or has the wrong type."""


class ValidationFailed(AssertionError):
    """A ``validate`` gate rejected the run (metrics or data below the bar)."""
'''

_MAIN = '''
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import fields
from typing import Any

from .errors import ParamsError, ValidationFailed
from .params import TYPES, Params
from .pipeline import RESULT_NAMES, STAGES, run


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description="Run the pipeline and print its results (metrics) as JSON.",
    )
    for f in fields(Params):
        parser.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, metavar=TYPES[f.name].upper(),
                            help=f"{TYPES[f.name]} (default: {f.default!r})" if f.default is not f.default_factory
                            else TYPES[f.name])
    parser.add_argument("--params-file", metavar="FILE", help="JSON or YAML file of parameters")
    parser.add_argument("--until", choices=STAGES, help="stop after this stage")
    parser.add_argument("--output", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--no-record", action="store_true", help="do not log this run in the run store")
    parser.add_argument("--workdir", metavar="DIR", help="run in DIR, where relative data paths "
                        "resolve (default: the current folder; the notebook ran in its own folder)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given = {f.name: getattr(args, f.name) for f in fields(Params) if getattr(args, f.name) is not None}
    try:
        base = Params.from_file(args.params_file).to_dict() if args.params_file else {}
        params = Params.from_strings(given, base=base)
    except (ParamsError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.workdir and not os.path.isdir(args.workdir):
        print(f"error: --workdir {args.workdir}: not a folder", file=sys.stderr)
        return 2
    try:
        results = run(params, until=args.until, record=not args.no_record, workdir=args.workdir)
    except ValidationFailed as exc:
        print(f"validation failed: {exc}", file=sys.stderr)
        return 1
    shown = {name: _jsonable(results[name]) for name in RESULT_NAMES if name in results}
    text = json.dumps(shown, indent=2, sort_keys=True)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

_RECORDING = '''
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

try:  # recording is optional: it needs jupyter_lifecycle in the environment
    from jupyter_lifecycle import capture
except ImportError:  # pragma: no cover - depends on the environment
    capture = None


class Recording:
    """Records one run of the pipeline (kind "pipeline") in the project's run store.

    Does nothing when disabled or when jupyter_lifecycle is not installed; a failure to record
    never stops the pipeline.
    """

    def __init__(self, enabled: bool, notebook: str, params: dict[str, Any], results: dict[str, Any]):
        self.active = bool(enabled and capture is not None)
        self.results = results
        if self.active:
            source = Path(__file__).resolve().parents[2] / notebook
            try:
                capture.start_run(str(source) if source.is_file() else None, kind="pipeline", params=params)
            except Exception:
                self.active = False

    def stage(self, name: str):
        """Times the stage ``name`` (and records it as the failing stage if it raises)."""
        return capture.stage(name) if self.active else contextlib.nullcontext()

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.active:
            try:
                metrics = self.results.get("metrics")
                if isinstance(metrics, dict):
                    for name, value in metrics.items():
                        capture.log_metric(name, value)
                capture.finish_run("failed" if exc_type is not None else "completed")
            except Exception:
                pass
        return False
'''

_INIT = '''
from .errors import ParamsError, ValidationFailed
from .params import Params
from .pipeline import STAGES, run

__all__ = ["Params", "ParamsError", "STAGES", "ValidationFailed", "run"]
'''


def static_modules(graph: StageGraph, package: str) -> list[GeneratedFile]:
    name = notebook_name(graph)
    files = [
        ("errors.py", "Errors raised by the generated pipeline.", _ERRORS),
        ("_recording.py", "Run recording in the project's run store (kind \"pipeline\").", _RECORDING),
        ("__main__.py", f"Command line: ``python -m {package} --param value``.", _MAIN),
        ("__init__.py", f"Pipeline package generated from {name}.", _INIT),
        ("stages/__init__.py", "One module per lifecycle stage.", ""),
    ]
    out = []
    for path, doc, code in files:
        mod = module(graph, doc, list(cst.parse_module(code).body))
        out.append(GeneratedFile(path, render(mod), "static"))
    return out
