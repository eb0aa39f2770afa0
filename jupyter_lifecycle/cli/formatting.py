"""How run records read in a terminal: timestamps, durations, values, hashes and statuses."""

from __future__ import annotations

import json
from datetime import datetime

from .output import esc

STATUS_STYLE = {"completed": "green", "failed": "red", "running": "yellow"}


def when(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def duration(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m {rest:02d}s"


def run_duration(record: dict, now: datetime | None = None) -> str:
    """A finished run's duration; for a run still ``running``, the time since it started (its
    stored duration is only as fresh as its last flush), marked ``so far``."""
    if record.get("status") == "running" and record.get("started"):
        try:
            started = datetime.fromisoformat(record["started"])
            elapsed = ((now or datetime.now(started.tzinfo)) - started).total_seconds()
        except (TypeError, ValueError):
            elapsed = None
        if elapsed is not None and elapsed >= 0:
            return f"{duration(elapsed)} so far"
    return duration(record.get("duration_s"))


def value(item) -> str:
    if isinstance(item, float):
        return f"{item:.6g}"
    if item is None:
        return "—"
    return item if isinstance(item, str) else json.dumps(item, default=str)


def short(item) -> str:
    """Hashes shortened to 12 characters for tables (``runs show --json`` has them whole)."""
    text = value(item)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12] + "…"
    return text


def wrapped(items: list[str], width: int, indent: int) -> list[str]:
    """``items`` joined by two spaces into lines of at most ``width`` characters (an item is
    never split; one longer than the line stands alone), each after ``indent`` spaces."""
    lines: list[str] = []
    line = ""
    room = max(width - indent, 20)
    for item in items:
        if line and len(line) + 2 + len(item) > room:
            lines.append(line)
            line = item
        else:
            line = f"{line}  {item}" if line else item
    if line:
        lines.append(line)
    return [" " * indent + text for text in lines]


def ratio(a, b) -> str:
    """B/A of two durations, or "—" when either rounds to 0 ms (the ratio would be noise)."""
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return "—"
    ms_a, ms_b = round(a * 1000), round(b * 1000)  # the durations as shown
    return "—" if ms_a < 1 or ms_b < 1 else f"{ms_b / ms_a:.2f}×"


def status(name: str | None) -> str:
    return f"[{STATUS_STYLE.get(name or '', 'white')}]{esc(name or '?')}[/]"


def pairs(mapping: dict | None, limit: int | None = None) -> str:
    items = list((mapping or {}).items())
    shown = ", ".join(f"{k}={value(v)}" for k, v in items[:limit])
    if limit is not None and len(items) > limit:
        shown += f", … (+{len(items) - limit})"
    return shown or "—"


def stages_table(record: dict):
    """The per-stage cells and durations of a run record."""
    from rich.table import Table

    table = Table(title="stages", title_justify="left")
    for column in ("stage", "cells", "duration"):
        table.add_column(column, justify="right" if column != "stage" else "left")
    for stage, info in record["stages"].items():
        table.add_row(esc(stage), str(info.get("cells")), duration(info.get("duration_s")))
    return table
