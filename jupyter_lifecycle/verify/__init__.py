"""``nb2pipe verify``: proof that the generated pipeline computes what the notebook computes.

Runs the notebook (papermill, with capture fingerprinting the values each stage hands on) and the
generated pipeline (``run(on_stage=...)`` in a fresh interpreter) with the same parameters, then
compares, stage by stage, the fingerprints of the values crossing stage boundaries and the
metrics.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..capture._config import store_for
from ..capture.store import RunStore, StoreError
from ..errors import DiagnosticsFailed, Location, NotebookError
from ..graph.steps import step_boundaries
from ..notebook import TaggedNotebook
from ..run.cell_ids import with_reader_ids
from .compare import MISMATCH, Comparison, compare, mark_nondeterministic
from .failures import notebook_failure, pipeline_failure
from .nondeterminism import CLOCK_SUSPECT, unseeded_suspect
from .outcomes import record_outcome

OnStep = Callable[[int, "int | None"], None]  # (done, total) after each cell or step
OnRun = Callable[[str, str], OnStep]  # (description, unit) as a run starts -> its on_step


@dataclass
class VerifyResult:
    notebook: str
    package_dir: Path
    parameters: dict
    boundaries: dict[str, list[str]]
    comparison: Comparison
    notebook_error: str | None = None
    pipeline_error: str | None = None
    run_id: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.notebook_error is None and self.pipeline_error is None and self.comparison.ok

    @property
    def reason(self) -> str | None:
        """Why the conversion is not proven (None when it is)."""
        if self.notebook_error or self.pipeline_error:
            return "a run failed"
        if self.comparison.nondeterministic:
            return ("the notebook is nondeterministic: two runs of it disagree on "
                    + ", ".join(self.comparison.nondeterministic)
                    + (f" ({suspect})" if (suspect := self.details.get("suspect")) else "")
                    + ("; keep clock readings out of the values steps hand on"
                       if suspect and suspect.startswith(CLOCK_SUSPECT) else "; seed its randomness")
                    + ", then verify again")
        if not self.comparison.ok and self.comparison.compared:
            return f"first difference in step {self.comparison.first_mismatch}"
        if not self.comparison.compared:
            return "not proven: no value or metric was compared"
        return None

    def to_dict(self) -> dict:
        report = {"notebook": self.notebook, "package_dir": str(self.package_dir),
                  "parameters": self.parameters, "run_id": self.run_id,
                  "notebook_error": self.notebook_error, "pipeline_error": self.pipeline_error}
        report.update(self.comparison.to_dict())  # its "ok" is the comparison's alone: ours wins
        report.update(ok=self.ok, reason=self.reason, compared=self.comparison.compared)
        return report


@contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _package_in(package_dir: Path) -> str:
    candidates = [p.parent.name for p in (package_dir / "src").glob("*/pipeline.py")]
    if len(candidates) != 1:
        raise NotebookError("not a generated package (expected src/<package>/pipeline.py)",
                            Location(str(package_dir)))
    return candidates[0]


def run_pipeline_side(package_dir: Path, package: str, parameters: dict, workdir: Path,
                      cwd: Path | None = None, on_step: OnStep | None = None) -> dict:
    """Run the package's pipeline in ``cwd`` (where the notebook runs), results to ``workdir``;
    ``on_step(done, total)`` after each step."""
    out = workdir / "pipeline_fingerprints.json"
    command = [sys.executable, "-m", "jupyter_lifecycle.verify.pipeline_driver", "--src",
               str(package_dir / "src"), "--package", package, "--params", json.dumps(parameters),
               "--out", str(out.resolve())]
    # stderr to a file: read while stdout streams the driver's progress, a pipe could fill up
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr, \
            subprocess.Popen(command, cwd=cwd or workdir, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=stderr, text=True,
                             errors="replace") as driver:
        for line in driver.stdout:
            if on_step is not None and (step := _progress(line)) is not None:
                on_step(*step)
        driver.wait()
        stderr.seek(0)
        errors = stderr.read()
    if not out.exists():
        return {"stages": {}, "metrics": None, "error": errors.strip() or "the pipeline did not run"}
    return json.loads(out.read_text(encoding="utf-8"))


def _progress(line: str) -> tuple[int, int | None] | None:
    """(done, total) from a progress line of the pipeline driver, None for the package's output."""
    from .pipeline_driver import PROGRESS_MARK  # not at the top: ``python -m`` runs that module

    _, mark, rest = line.partition(PROGRESS_MARK)
    if not mark:
        return None
    try:
        report = json.loads(rest)
        return int(report["done"]), report.get("total")
    except (ValueError, KeyError, TypeError):
        return None


def run_notebook_side(notebook: Path, parameters: dict, boundaries: dict, workdir: Path,
                      kernel: str, cwd: Path | None = None, nb: TaggedNotebook | None = None,
                      on_step: OnStep | None = None) -> dict:
    """Execute the notebook with our papermill engine in ``cwd`` (default: the notebook's
    folder, where it ran); the record comes back in its metadata. ``on_step(done, total)``
    after each cell."""
    import papermill

    from ..run.runner import engine_name

    output = workdir / "notebook_run.ipynb"
    error = None
    source = with_reader_ids(notebook, nb, workdir)
    lifecycle = {"on_cell": on_step} if on_step is not None else {}
    with _env(JUPYTER_LIFECYCLE_BOUNDARIES=json.dumps(boundaries)):
        try:
            papermill.execute_notebook(str(source), str(output), parameters=parameters,
                                       engine_name=engine_name(), kernel_name=kernel,
                                       cwd=str(cwd or notebook.resolve().parent),
                                       progress_bar=False, log_output=False,
                                       lifecycle=lifecycle)
        except Exception as exc:  # PapermillExecutionError names the cell and its traceback;
            # a dead kernel does not, so the cell the engine was running names it
            error = str(notebook_failure(exc, nb, lifecycle.get("current_cell")))
    record = {}
    if output.exists():
        record = json.loads(output.read_text(encoding="utf-8")).get("metadata", {}) \
            .get("lifecycle", {}).get("run", {}) or {}
    return {"record": record, "error": error}


def verify(notebook: str | Path, parameters: dict | None = None, *, package_dir: str | Path | None = None,
           kernel: str = "python3", on_run: OnRun | None = None) -> VerifyResult:
    """``on_run(description, unit)`` is called as each run starts (the pipeline, the notebook,
    and the notebook again when values differ); it returns that run's ``on_step(done, total)``."""
    from ..api import convert, load_graph

    def started(description: str, unit: str) -> OnStep | None:
        return on_run(description, unit) if on_run is not None else None

    notebook = Path(notebook)
    parameters = dict(parameters or {})
    graph = load_graph(notebook)
    if graph.errors:
        raise DiagnosticsFailed(list(graph.diagnostics))
    boundaries = step_boundaries(graph)
    with tempfile.TemporaryDirectory(prefix="nb2pipe-verify-") as tmp:
        tmp = Path(tmp)
        if package_dir is None:
            result = convert(notebook, tmp / "package")
            package_path = result.out_dir
        else:
            package_path = Path(package_dir).resolve()
        package = _package_in(package_path)
        (tmp / "pipeline").mkdir()
        (tmp / "notebook").mkdir()
        pipe = run_pipeline_side(package_path, package, parameters, tmp / "pipeline",
                                 cwd=notebook.resolve().parent,
                                 on_step=started(f"pipeline {package}", "steps"))
        nb = run_notebook_side(notebook, parameters, boundaries, tmp / "notebook", kernel,
                               nb=graph.notebook,
                               on_step=started(f"notebook {notebook.name}", "cells"))
        record = nb["record"]
        names = {step: spec["names"] for step, spec in boundaries.items()}
        comparison = compare(names, record.get("fingerprints") or {}, pipe.get("stages") or {},
                             record.get("metrics"), pipe.get("metrics"))
        failure = pipeline_failure(pipe, package_path / "src", graph.notebook)
        pipeline_error = str(failure) if failure is not None else None
        notebook_error = nb["error"]
        if notebook_error is None and not record:
            notebook_error = "the notebook run left no run record (is the capture extension installed?)"
        details: dict = {}
        if notebook_error is None and (any(v.status == MISMATCH for v in comparison.values)
                                       or any(m[3] == MISMATCH for m in comparison.metrics)):
            # is it the conversion, or does the notebook disagree with itself?
            (tmp / "notebook2").mkdir()
            again = run_notebook_side(
                notebook, parameters, boundaries, tmp / "notebook2", kernel, nb=graph.notebook,
                on_step=started(f"notebook {notebook.name} again (do two runs agree?)",
                                "cells"))["record"]
            comparison = mark_nondeterministic(
                comparison, record.get("fingerprints") or {}, again.get("fingerprints") or {},
                record.get("metrics"), again.get("metrics"))
            if comparison.nondeterministic:
                details["suspect"] = unseeded_suspect(graph, comparison)
    result = VerifyResult(str(notebook), package_path, parameters, names, comparison,
                          notebook_error=notebook_error, pipeline_error=pipeline_error,
                          run_id=_stored(record.get("run_id"), notebook), details=details)
    record_outcome(notebook, result.ok, result.reason)  # for `nb2pipe doctor` (outcomes.py)
    return result


def _stored(run_id: str | None, notebook: Path) -> str | None:
    """The notebook run's id when the run store holds it (else there is nothing to look up)."""
    if not run_id:
        return None
    try:
        store = RunStore(store_for(notebook.resolve().parent))
        return run_id if store.exists and store.get(run_id) else None
    except (LookupError, OSError, ValueError, StoreError):
        return None
