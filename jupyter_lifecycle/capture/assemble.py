"""Build the run record from what the hooks collected (runs outside the hooks: at flush time)."""

from __future__ import annotations

import hashlib
import os
import time

from .files import FileHasher, iso, plain_metrics, shown_path
from .layout import Layout
from .record import SCHEMA_VERSION, strict_record, validate

# Files whose mtime is this much before a deploy cell started still count as written by it
# (file systems stamp with a coarse clock).
MTIME_SLACK_NS = 50_000_000


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def code_sha256(sources) -> str | None:
    """The hash of the code that ran: every executed cell's source, in execution order (two
    runs of different code never share it, whatever the file on disk says)."""
    digest, empty = hashlib.sha256(), True
    for source in sources:
        digest.update(_sha(source if isinstance(source, str) else "").encode("ascii"))
        empty = False
    return None if empty else digest.hexdigest()


def notebook_info(path: str | None, root: str, cache: dict) -> dict:
    if not path:
        return {"path": None, "relpath": None, "sha256": None}
    digest = None
    try:
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns)
        digest = cache.get(key)
        if digest is None:
            with open(path, "rb") as handle:
                digest = cache[key] = hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        pass
    return {"path": path, "relpath": shown_path(path, root), "sha256": digest}


def cells_and_stages(entries, layout: Layout | None, notes: list[str]):
    """Per-cell rows, per-stage totals and the out-of-order report."""
    cells: list[dict] = []
    stages: dict[str, dict] = {}
    late: list[dict] = []
    highest = -1
    no_id = unknown = 0
    for order, (cell_id, source, started, duration, count, error, stage) in enumerate(entries, 1):
        place = layout.place(cell_id) if layout is not None else None
        index = place.index if place else None
        if stage is None:
            if place is not None:
                stage = place.stage
            elif cell_id is None:
                no_id += 1
            else:
                unknown += 1
        cells.append({
            "cell_id": cell_id, "index": index, "stage": stage, "source_sha256": _sha(source),
            "execution_count": count, "order": order, "started": iso(started),
            "duration_s": round(duration, 6), "status": "error" if error else "ok",
            "error": {"name": error[0], "message": error[1]} if error else None,
        })
        if stage is not None:
            total = stages.setdefault(stage, {"duration_s": 0.0, "cells": 0})
            total["duration_s"] += duration
            total["cells"] += 1
        if index is not None:
            if index < highest:
                late.append({"cell_id": cell_id, "index": index, "order": order,
                             "after_index": highest})
            highest = max(highest, index)
    for total in stages.values():
        total["duration_s"] = round(total["duration_s"], 6)
    if no_id:
        notes.append(f"{no_id} cell(s) ran without a cell id (the client did not send cellId), "
                     "so their stages are unknown: they are listed with cell_id null, stage null "
                     "and their source hash")
    if unknown:
        notes.append(f"{unknown} cell(s) have ids that are not in the saved notebook (unsaved "
                     "cells?): their stages are unknown")
    return cells, stages, {"detected": bool(late), "cells": late}


def files(reads, writes, tracked, root: str, hasher: FileHasher):
    """``data`` (read by ingest cells, or tracked) and ``artifacts`` (written by deploy cells)."""
    data: list[dict] = []
    seen: set[str] = set()

    def add(out, path, source, cell_id, seen_set):
        if path in seen_set or not os.path.isfile(path):
            return
        entry = hasher.entry(path, shown=shown_path(path, root), source=source, cell_id=cell_id)
        if entry is not None:
            seen_set.add(path)
            out.append(entry)

    for cell_id, cwd, candidates in reads:
        for text in candidates:
            add(data, os.path.normpath(os.path.join(cwd, text)), "ingest", cell_id, seen)
    for path in tracked:
        add(data, path, "track_data", None, seen)
    artifacts: list[dict] = []
    written: set[str] = set()
    for cell_id, cwd, started_ns, candidates in writes:
        for text in candidates:
            path = os.path.normpath(os.path.join(cwd, text))
            try:
                fresh = os.stat(path).st_mtime_ns >= started_ns - MTIME_SLACK_NS
            except OSError:
                continue
            if fresh:
                add(artifacts, path, "deploy", cell_id, written)
    for entry in artifacts:
        entry.pop("mtime", None)
    return data, artifacts


def failure_info(failure, layout: Layout | None) -> dict | None:
    if failure is None:
        return None
    cell_id, _source, (name, message), stage = failure
    place = layout.place(cell_id) if layout is not None else None
    return {"cell_id": cell_id, "index": place.index if place else None,
            "stage": place.stage if place else stage,
            "error": {"name": name, "message": message}}


def base_record(run_id: str, kind: str, status: str, started: float, ended: float | None,
                duration: float | None) -> dict:
    return {
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "kind": kind, "status": status,
        "started": iso(started), "ended": iso(ended),
        "duration_s": round(duration, 6) if duration is not None else None,
    }


def namespace_metrics(value, notes: list[str]) -> dict:
    """The plain values of a ``metrics`` dict found in the namespace (a user's object whose
    methods raise is left out with a note)."""
    def failed(key, exc):
        notes.append(f"metric {key} not recorded ({type(exc).__name__} raised by the value)")

    try:
        if not isinstance(value, dict):
            return {}
        metrics, _ = plain_metrics(value, failed)
    except BaseException as exc:
        notes.append(f"metrics not recorded ({type(exc).__name__} raised by the value)")
        return {}
    notes.append("metrics were read from the namespace when the record was written "
                 "(the last evaluate cell could not be identified)")
    return metrics


def build_record(rec, run, status: str, ended: float | None) -> dict:
    """The record of ``run`` (a ``recorder._Run``) as ``rec`` (its ``Recorder``) sees it now."""
    from .environment import environment, run_modules

    entries = list(run.cells)
    notes = list(run.notes)
    if run.pending is not None and not run.finished:
        notes.append("a cell was still running when this record was written")
    duration = (ended if ended is not None else time.time()) - run.started
    record = base_record(run.run_id, rec.config.kind, status, run.started, ended, duration)
    record["notebook"] = notebook_info(rec.config.notebook, rec.config.root, rec._nb_cache)
    layout = rec.layout  # the parameter values papermill injects are params, not code
    record["notebook"]["code_sha256"] = code_sha256(
        e[1] for e in entries if layout is None or not layout.added_by_papermill(e[0]))
    if rec.config.notebook is None:
        notes.append("the notebook is unknown (no JUPYTER_LIFECYCLE_NOTEBOOK, no session "
                     "name): stages and parameters cannot be resolved")
    cells, stages, late = cells_and_stages(entries, rec.layout, notes)
    params = dict(run.params)  # dict() copies atomically: the hooks may be adding to it
    params.update(dict(run.logged_params))
    metrics = dict(run.eval_metrics or {})
    if run.eval_metrics is None and (rec.layout is None or any(c["stage"] is None for c in cells)):
        metrics = namespace_metrics(rec.user_ns.get("metrics"), notes)
    metrics.update(dict(run.logged_metrics))
    data, artifacts = files(run.reads, run.writes, run.tracked, rec.config.root,
                            rec._hasher)
    record.update({
        "params": params, "metrics": metrics, "cells": cells, "stages": stages,
        "out_of_order": late,
        "environment": environment(run_modules(run.baseline, (e[1] for e in entries))),
        "git": rec._git_info(), "data": data, "artifacts": artifacts,
        "failure": failure_info(run.failure, rec.layout) if status != "completed" else None,
        "fingerprints": {k: dict(v) for k, v in dict(run.fingerprints).items()},
        "output": rec.config.output, "notes": notes, "store_error": None,
    })
    record = strict_record(record, keys=("params", "metrics"))  # NaN → "nan" (record.py)
    problems = validate(record)
    if problems:
        record["notes"].append("record does not match its schema: " + "; ".join(problems[:5]))
    return record
