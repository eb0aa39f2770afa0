"""Data: every local file the notebook reads should be fingerprinted (sha256) by a recorded run."""

from __future__ import annotations

import os
from pathlib import Path

from .context import Context
from .model import Finding, Severity
from .paths import PATH_LIKE, URL, is_reader


def read_files(ctx: Context) -> list[tuple[str, object, int]]:
    """(path relative to the project root, cell, line) of local files read by name."""
    out = []
    for cell in ctx.code_cells:
        if not ctx.exported(cell):
            continue
        for call in ctx.calls[cell.id].calls:
            if not is_reader(call):
                continue
            for text in call.strings:
                text = text.strip()
                if not text or URL.match(text) or not PATH_LIKE.search(text):
                    continue
                target = Path(os.path.normpath(ctx.path.parent / os.path.expanduser(text)))
                if not target.is_file():
                    continue
                try:
                    shown = target.relative_to(ctx.root).as_posix()
                except ValueError:
                    shown = target.as_posix()
                out.append((shown, cell, call.line))
    return out


def fingerprinted(ctx: Context) -> set[str]:
    """Paths (as the run record shows them) that the newest recorded run fingerprinted."""
    for record in ctx.runs:
        entries = record.get("data") or []
        return {str(e.get("path")) for e in entries if isinstance(e, dict) and e.get("sha256")}
    return set()


def check(ctx: Context) -> list[Finding]:
    files = read_files(ctx)
    if not files:
        return []
    known = fingerprinted(ctx)
    out = []
    for shown, cell, line in files:
        if any(shown == k or shown.endswith("/" + k) or k.endswith("/" + shown) for k in known):
            continue
        out.append(Finding(
            "data.not-fingerprinted", Severity.HIGH,
            f"cell {cell.index} reads {shown!r}, which no recorded run fingerprinted",
            "read it in a cell tagged lifecycle:ingest and run with capture (or call "
            "track_data(path))", (ctx.ref(cell, line),)))
    return out
