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

_MAIN = """
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import MISSING, Field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ParamsError, ValidationFailed
from .params import Params
from .pipeline import RESULT_NAMES, STAGES, run

OPTIONS = ("--help", "--params-file", "--until", "--output", "--no-record", "--workdir")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_value(f: Field, text: str) -> Any:
    \"\"\"A command-line string as a value of the parameter's type (JSON for lists, dicts and Any).\"\"\"
    if f.type is str:
        return text
    if f.type is bool and text.lower() in TRUE + FALSE:
        return text.lower() in TRUE
    try:
        return f.type(text) if f.type in (int, float) else json.loads(text)
    except ValueError:
        if f.type is Any:
            return text
        raise ParamsError(f"parameter {f.name!r} must be {f.type.__name__}, got {text!r}") from None


def read_params_file(path: str) -> Any:
    \"\"\"Parameters from a JSON or YAML file (YAML needs PyYAML).\"\"\"
    text = Path(path).read_text(encoding="utf-8")
    if not path.endswith((".yaml", ".yml")):
        return json.loads(text)
    import yaml

    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}",
                                     description="Run the pipeline and print its results (metrics) as JSON.")
    for f in fields(Params):
        flag = f"--{f.name.replace('_', '-')}"  # --param-NAME when NAME is one of the CLI's own options
        default = f.default_factory() if f.default is MISSING else f.default
        parser.add_argument(f"--param-{flag[2:]}" if flag in OPTIONS else flag, dest=f"params.{f.name}",
                            metavar=f.type.__name__.upper(),
                            help=f"{f.type.__name__.lower()} (default: {default!r})".replace("%", "%%"))
    parser.add_argument("--params-file", metavar="FILE", help="JSON or YAML file of parameters")
    parser.add_argument("--until", choices=STAGES, help="stop after this stage")
    parser.add_argument("--output", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--no-record", action="store_true", help="do not log this run in the run store")
    parser.add_argument("--workdir", metavar="DIR", help="run in DIR, where relative data paths "
                        "resolve (default: the current folder; the notebook ran in its own folder)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    try:
        params = Params.from_dict(read_params_file(args["params_file"]) if args["params_file"] else {})
        params = replace(params, **{f.name: parse_value(f, args[f"params.{f.name}"])
                                    for f in fields(Params) if args[f"params.{f.name}"] is not None})
    except (ParamsError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args["workdir"] and not os.path.isdir(args["workdir"]):
        print(f"error: --workdir {args['workdir']}: not a folder", file=sys.stderr)
        return 2
    try:
        results = run(params, until=args["until"], record=not args["no_record"], workdir=args["workdir"])
    except ValidationFailed as exc:
        print(f"validation failed: {exc}", file=sys.stderr)
        return 1
    shown = {name: results[name] for name in RESULT_NAMES if name in results}
    text = json.dumps(shown, indent=2, sort_keys=True, default=repr)  # repr: values JSON cannot hold
    print(text)
    if args["output"]:
        Path(args["output"]).write_text(text + "\\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""

_RECORDING = '''
from __future__ import annotations

import contextlib
import os
from typing import Any

try:  # optional: without jupyter_lifecycle the pipeline runs the same, unrecorded
    from jupyter_lifecycle import capture
except ImportError:  # pragma: no cover - depends on the environment
    capture = None


class Recording:
    """One run (kind "pipeline") in the run store found from the working directory (or
    ``$JUPYTER_LIFECYCLE_STORE``), naming the notebook when it is in that folder. Does nothing
    when disabled or without jupyter_lifecycle; a failure to record never stops the pipeline."""

    def __init__(self, enabled: bool, notebook: str, params: dict[str, Any], results: dict[str, Any]):
        self.results, self.active = results, False
        if enabled and capture is not None:
            with contextlib.suppress(Exception):
                capture.start_run(os.path.abspath(notebook) if os.path.isfile(notebook) else None,
                                  kind="pipeline", params=params)
                self.active = True

    def stage(self, name: str):
        """Times the stage ``name`` (and records it as the failing stage if it raises)."""
        return capture.stage(name) if self.active else contextlib.nullcontext()

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        with contextlib.suppress(Exception):
            if self.active:
                metrics = self.results.get("metrics")
                for name, value in (metrics.items() if isinstance(metrics, dict) else ()):
                    capture.log_metric(name, value)
                capture.finish_run("failed" if exc_type is not None else "completed")
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
