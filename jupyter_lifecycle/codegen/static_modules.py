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
    try:
        results = run(params, until=args.until)
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
        ("__main__.py", f"Command line: ``python -m {package} --param value``.", _MAIN),
        ("__init__.py", f"Pipeline package generated from {name}.", _INIT),
        ("stages/__init__.py", "One module per lifecycle stage.", ""),
    ]
    out = []
    for path, doc, code in files:
        mod = module(graph, doc, list(cst.parse_module(code).body))
        out.append(GeneratedFile(path, render(mod), "static"))
    return out
