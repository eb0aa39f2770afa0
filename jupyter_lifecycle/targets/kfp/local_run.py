"""Run an exported pipeline with ``kfp.local`` (SubprocessRunner, current environment) and
record it in the project's run store like a local run: kind ``kfp``, params, metrics, per-step
timings (the seconds each component's stage call took, which the component returns)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import uuid
from pathlib import Path

from ..base import RunResult
from .export import make_plan, package_folder, source_notebook
from .plan import METRICS, Plan

FAILED_MARK = "nb2pipe-step-failed: "


@contextlib.contextmanager
def _importable(src: Path):
    """The package importable in the component subprocesses (they inherit the environment)."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), before) if p)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def _read_outputs(run_dir: Path, plan: Plan) -> tuple[dict, dict]:
    """(step → seconds, metrics) from the task folders kfp.local wrote."""
    stages, metrics = {}, {}
    for c in plan.components:
        executor = run_dir / c.task / "executor_output.json"
        if executor.is_file():
            values = json.loads(executor.read_text(encoding="utf-8")).get("parameterValues", {})
            if isinstance(values.get("Output"), (int, float)):
                stages[c.step.name] = float(values["Output"])
        artifact = next((o.argument for o in c.outgoing if o.name == METRICS), None)
        if c.logs_metrics and artifact and (run_dir / c.task / artifact).is_file():
            found = json.loads((run_dir / c.task / artifact).read_text(encoding="utf-8"))
            metrics = {k: v for k, v in found.items()
                       if isinstance(v, (int, float, str, bool)) or v is None}
    return stages, metrics


def _failure(log: str) -> str | None:
    lines = [line.split(FAILED_MARK, 1)[1].strip() for line in log.splitlines()
             if FAILED_MARK in line and "print(" not in line]
    return lines[-1] if lines else None


def run_local(source: Path, params: dict, workdir: Path | None, *, record: bool = True,
              store: Path | None = None, pipeline_root: Path | None = None) -> RunResult:
    import kfp.local

    from ...capture._config import store_for
    from .compile import compile_plan, local_environment
    from .record import kfp_record, save

    workdir = Path(workdir or os.getcwd()).resolve()
    store = store or store_for(workdir)
    run_id = uuid.uuid4().hex
    root = (pipeline_root or store.parent / "kfp-local").resolve()
    with package_folder(source) as package:
        plan, _ = make_plan(package, params, workdir)
        notebook = source_notebook(Path(source), plan.layout.root, workdir)
        compiled = compile_plan(plan, local_environment(None))
        arguments = {p.name: p.value for p in plan.parameters}
        root.mkdir(parents=True, exist_ok=True)
        before = set(root.iterdir())
        kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False),
                       pipeline_root=str(root), raise_on_error=True)
        log = io.StringIO()
        started, error = time.time(), None
        with _importable(plan.layout.src), contextlib.chdir(workdir), \
                contextlib.redirect_stdout(log):
            try:
                compiled.pipeline(**arguments)
            except Exception as exc:  # a failing task: its stage's message is in the log
                error = str(exc)
        ended = time.time()
    run_dirs = sorted(set(root.iterdir()) - before)
    stages, metrics = _read_outputs(run_dirs[-1], plan) if run_dirs else ({}, {})
    status = "failed" if error else "completed"
    message = None
    if error:
        message = _failure(log.getvalue()) or error
    run_dir = run_dirs[-1] if run_dirs else root
    if run_dirs:
        (run_dir / "kfp-local.log").write_text(log.getvalue(), encoding="utf-8")
    recorded = None
    if record:
        rec = kfp_record(run_id, plan, arguments, metrics, stages, status, message, started, ended,
                         workdir, run_dir, notebook)
        save(rec, store)
        recorded = run_id
    return RunResult(recorded, status, metrics, stages, ended - started, message)
