"""``run_notebook()``: execute a notebook through papermill's ``lifecycle`` engine and return
its run record (also written to the run store by the kernel, and embedded in the output)."""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..capture import _config
from .cell_ids import read_for_ids, with_reader_ids
from .kernel_log import kernel_log_tail
from .params import _UNKNOWN, ParameterError, declared, resolve

OUTPUTS_DIR = "outputs"


class RunInputError(ValueError):
    """Bad input: missing or unreadable notebook, bad parameters, unknown kernel (exit 2)."""


@dataclass
class RunOutcome:
    run_id: str
    status: str  # completed | failed
    output: Path
    store: Path
    record: dict | None
    problem: str | None = None  # why there is no record, or what went wrong around the run
    error: dict | None = None  # the failing cell: index, ename, evalue
    params: dict = field(default_factory=dict)
    kernel_log: str | None = None  # the end of the kernel's own output, when it died


def default_output(notebook: Path, run_id: str) -> Path:
    return _config.find_root(notebook) / _config.STORE_DIR / OUTPUTS_DIR / f"{run_id}.ipynb"


def _read(notebook: Path) -> dict:
    if not notebook.exists():
        raise RunInputError(f"{notebook}: no such file")
    if not notebook.is_file():
        raise RunInputError(f"{notebook}: not a file")
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RunInputError(f"{notebook}: cannot read it ({exc})") from exc
    except ValueError as exc:
        raise RunInputError(f"{notebook}: not a notebook (invalid JSON: {exc})") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise RunInputError(f"{notebook}: not a notebook (no cells)")
    if nb.get("nbformat", 0) < 4:
        raise RunInputError(f"{notebook}: nbformat v{nb.get('nbformat')} is not supported "
                            "(upgrade it to v4 with `jupyter nbconvert --to notebook`)")
    return nb


def stage_boundaries(notebook: Path) -> dict[str, dict]:
    """{step: {after: {name: cell id}, names: outputs}} from the stage graph, for fingerprints (``nb2pipe run --fingerprint``)."""
    from ..api import load_graph

    graph = load_graph(notebook)
    from ..graph.steps import step_boundaries

    return {step: spec for step, spec in step_boundaries(graph).items() if spec["names"]}


def fallback_record(nb: dict, notebook: Path, run_id: str, started: float, params: dict, output: Path,
                    store: Path, problem: str, current_cell) -> dict:
    """A ``failed`` record written by ``nb2pipe run`` itself when the kernel could not return
    one (it died, or capture could not load in it), so that every run leaves a record."""
    from ..capture.assemble import base_record, notebook_info
    from ..capture.environment import environment
    from ..capture.files import jsonable
    from ..capture.gitinfo import git_info
    from ..capture.layout import build_layout
    from ..capture.store import RunStore, StoreError

    ended = time.time()
    index, cell_id = current_cell if current_cell else (None, None)
    place = build_layout(nb["cells"]).place(cell_id)
    name, _, message = problem.partition(": ")
    record = base_record(run_id, "papermill", "failed", started, ended, ended - started)
    record.update({
        "notebook": notebook_info(str(notebook), str(_config.find_root(notebook)), {}),
        "params": {k: jsonable(v) for k, v in params.items()}, "metrics": {}, "cells": [],
        "stages": {}, "out_of_order": {"detected": False, "cells": []},
        "environment": environment(()), "git": git_info(notebook.parent), "data": [],
        "artifacts": [], "fingerprints": {}, "output": str(output), "store_error": None,
        "failure": {"cell_id": cell_id, "index": index, "stage": place.stage if place else None,
                    "error": {"name": name if message else "RunError", "message": message or name}},
        "notes": [f"the kernel did not return a record: {problem}",
                  "written by nb2pipe run, not by the kernel: no per-cell data, and the "
                  "environment is the launching process's (packages unknown)"],
    })
    try:
        RunStore(store).save(record)
    except StoreError as exc:
        record["store_error"] = str(exc)
    return record


def engine_name() -> str:
    """The name of our papermill engine, registered when the entry point metadata is not
    installed; papermill's logger quiet before papermill reads the notebook (engine.py)."""
    from papermill.engines import papermill_engines

    from .engine import ENGINE_NAME, LifecycleEngine, quiet_papermill_logger

    quiet_papermill_logger()
    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, LifecycleEngine)
    return ENGINE_NAME


def _name_input(output: Path, executed: Path, notebook: Path) -> None:
    """The output's ``metadata.papermill.input_path`` names the user's notebook, not the copy
    with the reader's cell ids that was executed (which is gone after the run)."""
    from ..fsutil import atomic_write

    try:
        nb = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # papermill wrote no output: nothing to name
    meta = nb.get("metadata", {}).get("papermill")
    if isinstance(meta, dict) and meta.get("input_path") == str(executed):
        meta["input_path"] = str(notebook)
        atomic_write(output, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def run_notebook(notebook, parameters=(), parameter_files=(), *, output=None, kernel=None,
                 store=None, boundaries=None, on_cell=None, run_id=None) -> RunOutcome:
    """Execute ``notebook`` with capture. ``parameters``: [(name, text)] as on the command line;
    ``on_cell(done, total)`` is called after each cell. Raises RunInputError for bad input."""
    notebook = Path(os.path.abspath(notebook))
    nb = _read(notebook)
    try:
        params = resolve(nb, list(parameters), list(parameter_files), notebook.name)
    except ParameterError as exc:
        raise RunInputError(str(exc)) from exc
    if not kernel and not (nb.get("metadata", {}).get("kernelspec") or {}).get("name"):
        raise RunInputError(f"{notebook.name} names no kernel (no metadata.kernelspec): "
                            "pass --kernel NAME")
    run_id = run_id or uuid.uuid4().hex
    output = Path(os.path.abspath(output)) if output else default_output(notebook, run_id)
    if output == notebook:
        raise RunInputError(f"the output {output} would overwrite the input notebook")
    if output.suffix != ".ipynb":
        raise RunInputError(f"the output {output} must end in .ipynb")
    store = Path(os.path.abspath(store)) if store else _config.store_for(notebook)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunInputError(f"cannot create {output.parent}: {exc.strerror or exc}") from exc

    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    lifecycle: dict = {"run_id": run_id, "notebook": str(notebook), "store": str(store)}
    if boundaries:
        lifecycle["boundaries"] = boundaries
    if on_cell is not None:
        lifecycle["on_cell"] = on_cell
    error = None
    problem = None
    started = time.time()
    log_tail = None
    with tempfile.TemporaryFile("w+") as kernel_log, \
            tempfile.TemporaryDirectory(prefix="nb2pipe-run-") as workdir:
        lifecycle["kernel_stderr"] = kernel_log
        source = with_reader_ids(notebook, read_for_ids(notebook), Path(workdir))
        if source != notebook:  # a record written here places cells by the reader's ids too
            nb = json.loads(source.read_text(encoding="utf-8"))
        try:
            papermill.execute_notebook(
                str(source), str(output), parameters=params or None, engine_name=engine_name(),
                kernel_name=kernel, progress_bar=False, log_output=False, cwd=str(notebook.parent),
                lifecycle=lifecycle)
        except NoSuchKernel as exc:
            raise RunInputError(f"no kernel named {exc.args[0] if exc.args else kernel!r} "
                                "(see `jupyter kernelspec list`)") from exc
        except PapermillExecutionError as exc:
            error = {"index": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue}
        except Exception as exc:  # the kernel died or could not start
            log_tail = kernel_log_tail(kernel_log)
            problem = f"{type(exc).__name__}: {exc}"
        if source != notebook:
            _name_input(output, source, notebook)
    record = lifecycle.get("record")
    problem = problem or lifecycle.get("problem")
    if record is None:  # the kernel died, or capture never ran in it: still leave a record
        defaults = {k: v for k, v in (declared(nb) or {}).items() if v is not _UNKNOWN}
        record = fallback_record(nb, notebook, run_id, started, {**defaults, **params}, output,
                                 store, problem or "no record", lifecycle.get("current_cell"))
    status = record["status"] if record else "failed"
    if error is not None or lifecycle.get("failed_cell") is not None:
        status = "failed"
    return RunOutcome(run_id=record["run_id"] if record else run_id, status=status,
                      output=output, store=store, record=record, problem=problem, error=error,
                      params=params, kernel_log=log_tail)
