"""Values a notebook recorded in its outputs: the ``metrics`` dict shown by the evaluate stage, or
the values a Kale ``pipeline-metrics`` cell printed."""

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
    ``application/json`` or the ``text/plain`` repr of a dict of literals. With Kale
    ``pipeline-metrics`` cells (``nb.printed_metrics``), a dict displayed below them has them
    all; else their printed values, one number per line of their output, joined to the dict
    displayed above them (None when a value cannot be read back).
    """
    shown = _displayed(nb, name)
    if not nb.printed_metrics:
        return shown[1] if shown else None
    first, last = nb.printed_metrics[0].metrics.index, nb.printed_metrics[-1].metrics.index
    if shown and shown[0] > last:
        return shown[1]
    if nb.printed_metrics[0].metrics.merges and not (shown and shown[0] < first):
        return None  # joined to a dict the notebook did not show
    values = dict(shown[1]) if shown and shown[0] < first else {}
    cells = {c.id: c for c in nb.code_cells}
    for appended in nb.printed_metrics:
        printed = _printed_values(cells[appended.metrics.cell_id], appended.metrics)
        if printed is None:
            return None
        values.update(printed)
    return values


def _printed_values(cell, metrics) -> dict | None:
    """The numbers a pipeline-metrics cell printed, one per line, by metric key."""
    if not metrics.one_per_line:
        return None
    text = "".join("".join(o["text"]) if isinstance(o.get("text"), list) else str(o.get("text", ""))
                   for o in cell.outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = text.splitlines()
    if len(lines) != len(metrics.metrics):
        return None
    values = {}
    for metric, line in zip(metrics.metrics, lines):
        try:
            value = ast.literal_eval(line.strip())
        except (ValueError, SyntaxError):
            return None
        if not isinstance(value, (int, float)):
            return None
        values[metric.key] = value
    return values


def _displayed(nb: TaggedNotebook, name: str) -> tuple[int, dict] | None:
    """(cell index, value) of the last ``name`` dict a cell displayed."""
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
                        return cell.index, dict(value)
            text = data.get("text/plain")
            if isinstance(text, list):
                text = "".join(text)
            if text:
                try:
                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(value, dict):
                    return cell.index, value
    return None
