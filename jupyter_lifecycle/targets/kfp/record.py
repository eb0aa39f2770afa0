"""The run record of a kfp.local run: the schema every run uses, kind ``kfp``; its stages are
the seconds each component's stage call took, so ``nb2pipe runs compare`` sets it beside a
local run of the same package."""

from __future__ import annotations

from pathlib import Path

from .plan import Plan


def kfp_record(run_id: str, plan: Plan, params: dict, metrics: dict, stages: dict, status: str,
               message: str | None, started: float, ended: float, workdir: Path,
               run_dir: Path, notebook: Path | None = None) -> dict:
    """``notebook``: the source notebook on disk, named (and hashed) as a pipeline run names it."""
    from ...capture.assemble import base_record, cells_and_stages, code_sha256, notebook_info
    from ...capture.environment import environment
    from ...capture.gitinfo import git_info
    from ...capture.record import strict_record, validate

    failed = next((c.step.name for c in plan.components if c.step.name not in stages), None)
    entries, clock = [], started
    for c in plan.components:
        if c.step.name in stages:
            entries.append((None, f"<stage {c.step.name}>", clock, stages[c.step.name], None,
                            None, c.step.name))
            clock += stages[c.step.name]
    notes = [f"kfp.local run (SubprocessRunner, current environment); task outputs in {run_dir}",
             ("stage timings are the stage calls inside the components; the rest of each "
              "task's time is KFP's (process start, artifact reading and writing)")]
    cells, stage_totals, late = cells_and_stages(entries, None, notes[:0])
    record = base_record(run_id, "kfp", status, started, ended, ended - started)
    package = plan.layout.src / plan.layout.package
    record.update({
        "notebook": {**notebook_info(str(notebook) if notebook else None, str(workdir), {}),
                     "code_sha256": code_sha256(p.read_text(encoding="utf-8")
                                                for p in sorted(package.rglob("*.py")))},
        "params": params, "metrics": metrics, "cells": cells, "stages": stage_totals,
        "out_of_order": late,
        "environment": environment({plan.layout.package.split(".")[0], "kfp"}),
        "git": git_info(workdir), "data": [], "artifacts": [],
        "failure": ({"cell_id": None, "index": None, "stage": failed,
                     "error": {"name": "StepFailed", "message": message or "failed"}}
                    if status == "failed" else None),
        "fingerprints": {}, "output": str(run_dir), "notes": notes, "store_error": None,
    })
    record = strict_record(record, keys=("params", "metrics"))
    problems = validate(record)
    if problems:
        record["notes"].append("record does not match its schema: " + "; ".join(problems[:5]))
    return record


def save(record: dict, store: Path) -> None:
    from ...capture.store import RunStore

    store.parent.mkdir(parents=True, exist_ok=True)
    RunStore(store).save(record)
