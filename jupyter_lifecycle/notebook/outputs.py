"""Values a notebook recorded in its outputs: the ``metrics`` dict shown by the evaluate stage."""

from __future__ import annotations

import ast
import json

from .model import TaggedNotebook

METRICS_MIME = "application/vnd.jupyter-lifecycle.metrics+json"


def _last_code_line(source: str) -> str:
    for line in reversed(source.splitlines()):
        stripped = line.split("#", 1)[0].strip()
        if stripped:
            return stripped
    return ""


def recorded_metrics(nb: TaggedNotebook, name: str = "metrics") -> dict | None:
    """The last ``metrics`` value the executed notebook displayed, or None.

    Read from a cell whose last line is the bare name (its ``execute_result``), from
    ``application/json`` or the ``text/plain`` repr of a dict of literals.
    """
    for cell in reversed(nb.code_cells):
        if _last_code_line(cell.source) != name:
            continue
        for output in cell.outputs:
            if output.get("output_type") != "execute_result":
                continue
            data = output.get("data", {})
            for mime in (METRICS_MIME, "application/json"):
                if mime in data:
                    value = data[mime]
                    value = json.loads(value) if isinstance(value, str) else value
                    if isinstance(value, dict):
                        return dict(value)
            text = data.get("text/plain")
            if isinstance(text, list):
                text = "".join(text)
            if text:
                try:
                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(value, dict):
                    return value
    return None
