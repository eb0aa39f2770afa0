"""``nb2pipe ci``: run a generated package's workflow here, step by step, for every matrix entry.

``run:`` steps run with bash (``-eo pipefail``, as on GitHub) in the package folder, with
``${{ matrix.* }}``, ``${{ env.* }}`` and ``${{ steps.* }}`` substituted and ``if:`` evaluated.
``uses:`` steps map to local equivalents: ``actions/checkout`` → the package folder is the
workspace; ``actions/setup-python`` → a virtualenv in ``.nb2pipe-ci/venv`` (gitignored) that sees
this interpreter's packages, so installs are offline and fast; ``actions/upload-artifact`` → a
copy into ``.nb2pipe-ci/artifacts/<name>``. Entries run one after the other, in matrix order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .expressions import Status, condition, substitute
from .venv import PythonEnv, setup_python
from .workflow import Workflow, WorkflowError, WorkflowStep, find_workflow, load_workflow

CI_DIR = ".nb2pipe-ci"
RECORD_SCHEMA = "nb2pipe.ci-run/1"
_ERROR_LINE = re.compile(r"\b(error|exception|failed|traceback)\b|Error\b|\bFAILED\b", re.IGNORECASE)
KNOWN_ACTIONS = ("actions/checkout", "actions/setup-python", "actions/upload-artifact")


@dataclass(frozen=True)
class StepResult:
    step: WorkflowStep
    outcome: str  # success | failure | skipped
    duration: float
    log: Path | None = None
    note: str = ""


@dataclass(frozen=True)
class EntryResult:
    name: str
    params: str
    steps: tuple[StepResult, ...]
    duration: float
    record: dict[str, Any] | None = None  # the run record the check step wrote
    artifacts: tuple[Path, ...] = ()
    stored: dict[str, Any] | None = None  # the pipeline's own record in the uploaded run store

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.outcome == "failure"), None)

    @property
    def passed(self) -> bool:
        return self.failed_step is None

    @property
    def metrics(self) -> dict[str, Any]:
        """From the check's record; when the run stopped before showing them (a gate failed),
        what the pipeline recorded in the entry's run store."""
        for source in (self.record, self.stored):
            value = (source or {}).get("metrics")
            if isinstance(value, dict) and value:
                return value
        return {}

    @property
    def reason(self) -> str:
        """Why the entry failed: the check's message, else the failing step's last log line."""
        failed = self.failed_step
        if failed is None:
            return ""
        if self.record and self.record.get("status") == "failed":
            return str(self.record.get("message", ""))
        return failed.note or _last_line(failed.log)


@dataclass
class CiRun:
    package_dir: Path
    workflow: Workflow
    python: PythonEnv | None = None
    artifacts_dir: Path = Path()
    entries: list[EntryResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries)


class Listener:
    """What the progress display hears; every method is optional to override."""

    def entry_started(self, entry: str, steps: int) -> None: ...

    def step_started(self, entry: str, step: WorkflowStep) -> None: ...

    def step_finished(self, entry: str, result: StepResult) -> None: ...


def _last_line(log: Path | None) -> str:
    """The log's last line that names an error (else its last line)."""
    if log is None or not log.is_file():
        return ""
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return next((line for line in reversed(lines) if _ERROR_LINE.search(line)), lines[-1] if lines else "")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "step"


def prepare(package_dir: str | Path) -> CiRun:
    """Read the package's workflow and check that every step can run here (WorkflowError)."""
    folder = Path(package_dir).resolve()
    workflow = load_workflow(find_workflow(folder))
    for step in workflow.steps:
        if step.uses and step.action not in KNOWN_ACTIONS:
            raise WorkflowError(f"{workflow.path}: steps[{step.index}] uses {step.uses}: no local "
                                f"equivalent (the local runner maps {', '.join(KNOWN_ACTIONS)})")
        if step.run is not None and workflow.shell != "bash":
            raise WorkflowError(f"{workflow.path}: shell {workflow.shell!r}: the local runner runs bash")
    return CiRun(folder, workflow, artifacts_dir=folder / CI_DIR / "artifacts")


def _own_folder(package_dir: Path) -> Path:
    folder = package_dir / CI_DIR
    folder.mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("# nb2pipe ci: virtualenv, logs, runs, artifacts\n*\n",
                                       encoding="utf-8")
    return folder


def run_all(ci: CiRun, listener: Listener | None = None) -> CiRun:
    """Every matrix entry, in order; fills ``ci.entries``."""
    listener = listener or Listener()
    own = _own_folder(ci.package_dir)
    for stale in ("runs", "artifacts", "logs"):  # every entry starts from a clean workspace
        shutil.rmtree(own / stale, ignore_errors=True)
    for entry in ci.workflow.entries:
        ci.entries.append(_run_entry(ci, entry, listener))
    return ci


def _base_env(python: PythonEnv | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    # offline: pip installs only what this interpreter already has (and does not ask for updates)
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONUNBUFFERED="1")
    if python is not None:
        env["PATH"] = str(python.bin_dir) + os.pathsep + env.get("PATH", "")
        if python.venv is not None:
            env["VIRTUAL_ENV"] = str(python.venv)
    return env


def _run_entry(ci: CiRun, entry: dict[str, Any], listener: Listener) -> EntryResult:
    name = str(entry["name"])
    workflow, start = ci.workflow, time.perf_counter()
    logs = ci.package_dir / CI_DIR / "logs" / _slug(name)
    logs.mkdir(parents=True, exist_ok=True)
    contexts: dict[str, Any] = {"matrix": entry, "env": {}, "steps": {},
                                "github": {"workspace": str(ci.package_dir)},
                                "runner": {"os": "Linux", "temp": str(logs)}}
    for key, value in workflow.env:  # job env may refer to matrix and to earlier keys
        contexts["env"][key] = substitute(value, contexts)
    listener.entry_started(name, len(workflow.steps))
    results: list[StepResult] = []
    artifacts: list[Path] = []
    for step in workflow.steps:
        status = Status(failed=any(r.outcome == "failure" for r in results))
        if not condition(step.if_, contexts, status):
            result = StepResult(step, "skipped", 0.0)
        else:
            listener.step_started(name, step)
            result = _run_step(ci, step, contexts, logs, artifacts)
        results.append(result)
        if step.id:
            contexts["steps"][step.id] = {"outcome": result.outcome, "conclusion": result.outcome}
        listener.step_finished(name, result)
    return EntryResult(name, str(entry.get("params", "")), tuple(results),
                       time.perf_counter() - start, _find_record(artifacts), tuple(artifacts),
                       _find_stored(artifacts))


def _run_step(ci: CiRun, step: WorkflowStep, contexts: dict[str, Any], logs: Path,
              artifacts: list[Path]) -> StepResult:
    start = time.perf_counter()
    step_env = {k: substitute(v, contexts) for k, v in step.env}
    scope = {**contexts, "env": {**contexts["env"], **step_env}}
    if step.uses:
        outcome, note = _use(ci, step, scope, artifacts)
        return StepResult(step, outcome, time.perf_counter() - start, note=note)
    script = substitute(step.run or "", scope)
    workdir = (ci.package_dir / substitute(ci.workflow.working_directory, scope)).resolve()
    log = logs / f"{step.index:02d}-{_slug(step.name)}.log"
    script_file = log.with_suffix(".sh")
    script_file.write_text(script, encoding="utf-8")
    env = {**_base_env(ci.python), **scope["env"]}
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                              cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
    outcome = "success" if done.returncode == 0 else "failure"
    note = "" if done.returncode == 0 else f"exit {done.returncode}: {_last_line(log)}"
    return StepResult(step, outcome, time.perf_counter() - start, log, note)


def _use(ci: CiRun, step: WorkflowStep, scope: dict[str, Any],
         artifacts: list[Path]) -> tuple[str, str]:
    inputs = {k: substitute(str(v), scope) for k, v in step.with_}
    if step.action == "actions/checkout":
        return "success", f"the package folder is the workspace: {ci.package_dir}"
    if step.action == "actions/setup-python":
        if ci.python is not None:
            return "success", f"{ci.python.python} again"
        ci.python = setup_python(ci.package_dir / CI_DIR, inputs.get("python-version"))
        return "success", ci.python.reason
    source = ci.package_dir / inputs.get("path", "")
    target = ci.artifacts_dir / _slug(inputs.get("name", "artifact"))
    if not source.exists():
        missing = inputs.get("if-no-files-found", "warn")
        note = f"no files at {inputs.get('path', '')}"
        return ("failure" if missing == "error" else "success"), note
    shutil.rmtree(target, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True)
        shutil.copy2(source, target)
    artifacts.append(target)
    return "success", f"copied to {target}"


def _find_record(artifacts: list[Path]) -> dict[str, Any] | None:
    for folder in artifacts:
        for path in sorted(folder.rglob("record.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("schema") == RECORD_SCHEMA:
                return data
    return None


def _find_stored(artifacts: list[Path]) -> dict[str, Any] | None:
    """The latest run in an uploaded run store (``runs.sqlite``), if any."""
    from ..capture.store import RunStore, StoreError

    for folder in artifacts:
        for path in sorted(folder.rglob("runs.sqlite")):
            try:
                runs = RunStore(path).list(limit=1)
            except (StoreError, OSError, ValueError, sqlite3.Error):
                continue
            if runs:
                return runs[0]
    return None


def run_ci(package_dir: str | Path, listener: Listener | None = None) -> CiRun:
    """Read, check and run the workflow of the package in ``package_dir``."""
    return run_all(prepare(package_dir), listener)


__all__ = ["CiRun", "EntryResult", "Listener", "StepResult", "prepare", "run_all", "run_ci"]
