"""The recorder: IPython ``pre_run_cell`` / ``post_run_cell`` hooks and the run they record.

The hooks only append a tuple to an in-memory list (plus a dict look-up that tells whether the
cell is one of the few that need more: a parameters, ingest or deploy cell, or the last cell of
a stage); no I/O, no hashing, no subprocess. The record is built and written by ``finish()``,
at interpreter exit, and — for interactive sessions — at most every ``FLUSH_INTERVAL_S`` seconds
by a daemon thread. Nothing here ever raises into the user's kernel:

- a user's value whose own methods raise anything (``SystemExit`` and ``KeyboardInterrupt``
  from a ``__repr__`` included) is skipped with a note in the record, and recording goes on;
- a bad call of the public functions (``log_metric``..., in ``explicit``) warns once per
  function and is noted in the record; only a wrong signature raises, as Python does;
- a hook that fails in capture's own code warns once and unregisters itself;
- a store that cannot be written leaves the run going, is reported in the record
  (``store_error``) and by one warning, and the finished records it refused are written by the
  next successful write, ``finish_run()`` or the interpreter's exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
import uuid
import warnings

from . import _config
from .assemble import base_record, build_record
from .explicit import describe, raised
from .files import FileHasher, assigned_names, jsonable, path_candidates, plain_metrics
from .fingerprint import fingerprint
from .layout import Layout, _aliases, build_layout, read_layout, with_file_sources

FLUSH_INTERVAL_S = 3.0
MAX_NOTES = 200
log = logging.getLogger("jupyter_lifecycle.capture")

_PARAMS, _INGEST, _DEPLOY, _EVALUATE, _BOUNDARY, _PRINTED = 1, 2, 4, 8, 16, 32
_time, _perf = time.time, time.perf_counter


class CaptureWarning(RuntimeWarning):
    """Capture could not do its job; the user's code runs on regardless."""


class _Run:
    """What the hooks collected for one run."""

    def __init__(self, run_id: str | None, baseline: frozenset[str]):
        self.run_id = run_id or uuid.uuid4().hex
        self.started = _time()  # reset by the first cell a kernel runs (see pre_run_cell)
        self.started_perf = _perf()
        self.begun = False
        self.cells: list[tuple] = []  # (cell_id, source, started, duration, count, error, stage)
        self.pending = None
        self.nested = 0  # cells run inside the pending one (%%capture, %%time run their body so)
        self.params: dict = {}
        self.logged_params: dict = {}
        self.logged_metrics: dict = {}
        self.eval_metrics: dict | None = None
        self.fingerprints: dict[str, dict] = {}
        self.reads: list[tuple] = []  # (cell_id, cwd, candidates)
        self.writes: list[tuple] = []  # (cell_id, cwd, started_ns, candidates)
        self.tracked: list[str] = []
        self.failure = None  # (cell_id, source, (name, message), stage or None)
        self.notes: list[str] = []
        self.baseline = baseline
        self.finished = False
        self.record: dict | None = None


class Recorder:
    def __init__(self, config: _config.Config, shell=None):
        self.config = config
        self.shell = shell
        self.user_ns = shell.user_ns if shell is not None else {}
        self.enabled = True
        self._installed = False
        self._lock = threading.RLock()
        self._hasher = FileHasher()
        self._nb_cache: dict = {}
        self._warned: set[str] = set()
        self._git: tuple[str, dict | None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flushed_count = -1
        self._unsaved: dict[str, dict] = {}  # run id → a finished record the store refused
        # Modules loaded before capture are the kernel's own; a run without IPython (a script,
        # a generated pipeline) imported its stack before starting, so nothing is excluded.
        self._baseline = (frozenset(m.partition(".")[0] for m in list(sys.modules))
                          if shell is not None else frozenset())
        self.layout: Layout | None = None
        self._special: dict = {}
        self._boundary_at: dict[str, list[tuple[str, list[str]]]] = {}  # cell → (step, names)
        self.run = _Run(config.run_id, self._baseline)
        self.run.notes.extend(config.notes)
        self._set_layout(read_layout(config.notebook))

    # -- install -----------------------------------------------------------------------------
    def install(self) -> None:
        if self._installed:
            return
        if self.shell is not None:
            self.shell.events.register("pre_run_cell", self.pre_run_cell)
            self.shell.events.register("post_run_cell", self.post_run_cell)
        atexit.register(self._at_exit)
        self._installed = True
        if self.config.kind == "interactive" and self.shell is not None:
            self._thread = threading.Thread(target=self._flush_loop, daemon=True,
                                            name="jupyter-lifecycle-capture")
            self._thread.start()

    def uninstall(self) -> None:
        self._unhook()
        self._stop.set()
        try:
            atexit.unregister(self._at_exit)
        except Exception:
            pass
        self._installed = False

    def _unhook(self) -> None:
        if self.shell is None:
            return
        for event, callback in (("pre_run_cell", self.pre_run_cell),
                                ("post_run_cell", self.post_run_cell)):
            try:
                self.shell.events.unregister(event, callback)
            except (ValueError, KeyError):
                pass

    def _warn(self, key: str, message: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        log.debug(message)
        try:
            warnings.warn(message, CaptureWarning, stacklevel=3)
        except Exception:  # warnings turned into errors (python -W error): log only
            log.warning(message)

    def _note(self, run: _Run, note: str) -> None:
        """Add ``note`` to the run's record once (and at most ``MAX_NOTES`` of them)."""
        notes = run.notes
        if note in notes:
            return
        if len(notes) < MAX_NOTES:
            notes.append(note)
        elif len(notes) == MAX_NOTES:
            notes.append("further notes were left out")

    def _skipped(self, run: _Run, what: str, error: BaseException) -> None:
        """A user's value could not be read: leave it out, say why, record on."""
        self._note(run, f"{what} not recorded ({raised(error)} raised by the value)")

    def _hook_failed(self, error: BaseException) -> None:
        if isinstance(error, KeyboardInterrupt):  # an interrupt landing between two cells
            self._note(self.run, "an interrupt arrived while capture recorded a cell; that "
                                 "cell's entry may be incomplete")
            return
        self._disable(error)

    def _disable(self, exc: BaseException) -> None:
        """A hook failed: stop recording (cells keep running) and say so once."""
        self.enabled = False
        self._unhook()
        name, message = describe(exc)
        note = (f"capture stopped after an internal error ({name}: {message}); cells ran on "
                "but were not recorded after that point")
        try:
            self.run.notes.append(note)
            self._warn("disabled", f"jupyter_lifecycle: {note}")
        except Exception:
            pass

    # -- layout ------------------------------------------------------------------------------
    def _set_layout(self, layout: Layout | None) -> None:
        special: dict = {}
        boundary_at: dict[str, list[tuple[str, list[str]]]] = {}
        if layout is not None:
            for cell_id, place in layout.cells.items():
                flags = ((_PARAMS if place.stage == "parameters" else 0)
                         | (_INGEST if place.stage == "ingest" else 0)
                         | (_DEPLOY if place.stage == "deploy" else 0))
                if flags:
                    special[cell_id] = flags
            for cell_id in layout.printed_metrics:
                special[cell_id] = special.get(cell_id, 0) | _PRINTED
            last_eval = layout.last_of_stage.get("evaluate")
            if last_eval:
                special[last_eval] = special.get(last_eval, 0) | _EVALUATE
            for stage, names in self.config.boundaries.items():
                at = self.config.boundary_cells.get(stage, {})
                default = layout.last_of_stage.get(stage)
                by_cell: dict[str, list[str]] = {}
                for name in names:
                    cell_id = at.get(name) or default
                    if cell_id:
                        by_cell.setdefault(cell_id, []).append(name)
                for cell_id, cell_names in by_cell.items():
                    special[cell_id] = special.get(cell_id, 0) | _BOUNDARY
                    boundary_at.setdefault(cell_id, []).append((stage, cell_names))
        self.layout = layout
        self._boundary_at = boundary_at
        self._special = special  # swapped last: hooks read it without a lock

    def set_layout(self, cells) -> None:
        """The cells of the notebook actually executed (papermill: with its injected cell)."""
        cells = with_file_sources(cells, self.config.notebook)
        self._set_layout(build_layout(cells, path=self.config.notebook, source="engine",
                                      aliases=_aliases(self.config.notebook)))

    def _refresh_layout(self) -> None:
        layout = self.layout
        if layout is not None and layout.source == "engine":
            return
        try:
            mtime = os.stat(self.config.notebook).st_mtime_ns if self.config.notebook else None
        except OSError:
            return
        if mtime is not None and (layout is None or layout.mtime_ns != mtime):
            self._set_layout(read_layout(self.config.notebook))

    # -- hooks (hot path) --------------------------------------------------------------------
    def _next_run(self) -> _Run:
        with self._lock:
            if self.run.finished:
                self.run = _Run(None, self._baseline)
                self._flushed_count = -1
            return self.run

    def pre_run_cell(self, info) -> None:
        try:
            run = self.run
            if run.finished:
                run = self._next_run()
            if run.pending is not None:  # a nested run_cell belongs to the cell running it
                run.nested += 1
                return
            now, now_perf = _time(), _perf()
            if not run.begun:  # a kernel's run starts at its first cell, not at kernel start
                run.begun, run.started, run.started_perf = True, now, now_perf
            run.pending = (info, now, now_perf)
        except BaseException as exc:
            self._hook_failed(exc)

    def post_run_cell(self, result) -> None:
        try:
            run = self.run
            if run.nested:
                run.nested -= 1
                return
            pending = run.pending
            if pending is None:
                return
            run.pending = None
            info, started, started_perf = pending
            duration = _perf() - started_perf
            error = result.error_in_exec
            if error is None:
                error = result.error_before_exec
            cell_id = getattr(info, "cell_id", None)
            if error is not None:
                error = describe(error)
                run.failure = (cell_id, info.raw_cell, error, None)
            elif run.failure is not None and (
                    run.failure[0] == cell_id if cell_id is not None
                    else run.failure[1] == info.raw_cell):
                run.failure = None  # the failing cell was fixed and re-run
            run.cells.append((cell_id, info.raw_cell, started, duration, result.execution_count,
                              error, None))
            flags = self._special.get(cell_id)
            if flags:
                self._special_cell(run, flags, cell_id, info, started, error)
        except BaseException as exc:
            self._hook_failed(exc)

    def _special_cell(self, run: _Run, flags: int, cell_id, info, started, error) -> None:
        source = getattr(info, "transformed_cell", None) or info.raw_cell
        ns = self.user_ns
        if flags & _PARAMS:
            for name in assigned_names(source):
                if name in ns:
                    try:
                        run.params[name] = jsonable(ns[name])
                    except BaseException as exc:  # the value's own methods raised
                        run.params.pop(name, None)
                        self._skipped(run, f"parameter {name!r}", exc)
        if flags & (_INGEST | _DEPLOY):
            def unreadable(name, exc):
                self._skipped(run, f"the path in {name!r} (cell {cell_id})", exc)

            candidates = path_candidates(source, ns, unreadable)
            try:
                cwd = os.getcwd()
            except OSError:  # the working folder was removed
                cwd = None
                self._note(run, f"files of cell {cell_id} not recorded: the working folder "
                                "no longer exists")
            if candidates and cwd is not None:
                if flags & _INGEST:
                    run.reads.append((cell_id, cwd, candidates))
                if flags & _DEPLOY:
                    run.writes.append((cell_id, cwd, int(started * 1e9), candidates))
        if error is not None:
            return
        if flags & _PRINTED:
            self._printed_metrics(run, cell_id)
        if flags & _EVALUATE:
            self._evaluate_metrics(run, ns.get("metrics"))
        if flags & _BOUNDARY:
            for stage, names in self._boundary_at.get(cell_id, ()):
                run.fingerprints.setdefault(stage, {}).update({
                    name: (fingerprint(ns[name]) if name in ns else None) for name in names})

    def _printed_metrics(self, run: _Run, cell_id) -> None:
        """Kale pipeline-metrics: bind ``metrics`` to what the cell printed, as the pipeline does."""
        layout = self.layout
        code = layout.printed_metrics.get(cell_id) if layout is not None else None
        if code is None:
            return
        try:
            exec(compile(code, f"<pipeline-metrics {cell_id}>", "exec"), self.user_ns)
        except BaseException as exc:  # a printed name the cell did not bind, a value's own error
            self._skipped(run, f"the printed metrics of cell {cell_id}", exc)

    def _evaluate_metrics(self, run: _Run, metrics) -> None:
        """The ``metrics`` dict after the last evaluate cell: plain values kept, others noted."""
        def failed(key, exc):
            self._skipped(run, f"metric {key}", exc)

        try:
            if not isinstance(metrics, dict):
                return
            kept, skipped = plain_metrics(metrics, failed)
        except BaseException as exc:  # the object bound to `metrics` cannot even be inspected
            run.eval_metrics = {}
            self._skipped(run, "metrics", exc)
            return
        run.eval_metrics = kept
        if skipped:
            self._note(run, "metrics not recorded (not float/int/str): "
                            + ", ".join(sorted(set(skipped))))

    # -- records -----------------------------------------------------------------------------
    def _git_info(self) -> dict | None:
        folder = os.path.dirname(self.config.notebook) if self.config.notebook else os.getcwd()
        if self._git is None or self._git[0] != self.run.run_id:
            from .gitinfo import git_info

            self._git = (self.run.run_id, git_info(folder))
        return self._git[1]

    def build(self, run: _Run, status: str, ended: float | None) -> dict:
        return build_record(self, run, status, ended)

    def _save(self, record: dict) -> dict:
        """Write ``record``; after a successful write, also the finished records the store
        refused earlier (so no run stays ``running`` once the store is writable again)."""
        from .store import RunStore

        store = RunStore(self.config.store)
        record["store_error"] = None
        try:
            store.save(record)
        except Exception as exc:
            record["store_error"] = f"{type(exc).__name__}: {exc}"
            if record.get("status") != "running":
                self._unsaved[record["run_id"]] = record
            self._warn("store", f"jupyter_lifecycle: run {record['run_id']} could not be written "
                                f"to the run store ({exc}); the run goes on, and its record is "
                                "returned and kept in the notebook's metadata instead")
            return record
        self._unsaved.pop(record["run_id"], None)
        self._save_unsaved(store)
        return record

    def _save_unsaved(self, store) -> None:
        for run_id, earlier in list(self._unsaved.items()):
            problem, earlier["store_error"] = earlier.get("store_error"), None
            try:
                store.save(earlier)
            except Exception:
                earlier["store_error"] = problem
                continue
            del self._unsaved[run_id]

    def finish(self, status: str | None = None) -> dict:
        """Close the current run, write its record and return it (idempotent)."""
        with self._lock:
            run = self.run
            if run.finished and run.record is not None:
                if run.record.get("store_error") and run.run_id in self._unsaved:
                    self._save(run.record)  # the store refused it: try again
                return run.record
            ended = _time()
            if run.pending is not None:  # the cell that called finish_run()
                info, started, started_perf = run.pending
                run.pending = None
                run.cells.append((getattr(info, "cell_id", None), info.raw_cell, started,
                                  _perf() - started_perf,
                                  getattr(self.shell, "execution_count", None), None, None))
            if status not in ("completed", "failed"):
                status = "failed" if run.failure is not None else "completed"
            run.finished = True
            try:
                record = self.build(run, status, ended)
            except Exception as exc:  # never raise into the kernel: keep a minimal record
                record = base_record(run.run_id, self.config.kind, status, run.started, ended,
                                     ended - run.started)
                record.update({"notes": [f"the record could not be built: {describe(exc)}"],
                               "store_error": None})
                self._warn("build", f"jupyter_lifecycle: {record['notes'][0]}")
                run.record = record
                return record
            run.record = self._save(record)
            self._flushed_count = len(run.cells)
            return run.record

    def flush(self) -> None:
        """Write the current run as ``running`` if it changed since the last flush."""
        with self._lock:
            run = self.run
            if run.finished or not run.cells or len(run.cells) == self._flushed_count:
                if self._unsaved:  # a finished record the store refused: try again
                    from .store import RunStore

                    self._save_unsaved(RunStore(self.config.store))
                return
            record = self._save(self.build(run, "running", None))
            # a write that failed is tried again at the next flush
            self._flushed_count = -1 if record["store_error"] else len(run.cells)

    def _flush_loop(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S):
            try:
                self._refresh_layout()
                self.flush()
            except BaseException as exc:  # the thread must never die, noisily or silently
                self._warn("flush", f"jupyter_lifecycle: background flush failed: {raised(exc)}")

    def _at_exit(self) -> None:
        self._stop.set()
        try:
            run = self.run
            if not run.finished and (run.cells or run.logged_metrics or run.logged_params):
                self.finish()
            elif self._unsaved:
                self.flush()
        except BaseException:
            pass


_CURRENT: Recorder | None = None


def current() -> Recorder | None:
    return _CURRENT


def install(shell) -> Recorder:
    """Load capture into an IPython shell (idempotent per shell)."""
    global _CURRENT
    existing = getattr(shell, "_jupyter_lifecycle_recorder", None)
    if existing is not None and existing._installed:
        return existing
    config = _config.from_env(user_ns=shell.user_ns)
    recorder = Recorder(config, shell)
    recorder.install()
    shell._jupyter_lifecycle_recorder = recorder
    _CURRENT = recorder
    return recorder


def uninstall(shell) -> None:
    global _CURRENT
    recorder = getattr(shell, "_jupyter_lifecycle_recorder", None)
    if recorder is None:
        return
    if not recorder.run.finished and recorder.run.cells:
        recorder.finish()
    recorder.uninstall()
    shell._jupyter_lifecycle_recorder = None
    if _CURRENT is recorder:
        _CURRENT = None


def start(notebook=None, kind: str = "pipeline", run_id: str | None = None, store=None,
          boundaries: dict | None = None) -> Recorder:
    """A recorder without IPython (generated pipelines, scripts)."""
    global _CURRENT
    environ = dict(os.environ)
    for key, value in ((_config.ENV_NOTEBOOK, notebook), (_config.ENV_RUN_ID, run_id),
                       (_config.ENV_STORE, store)):
        if value is not None:
            environ[key] = os.fspath(value)
    environ[_config.ENV_KIND] = kind
    config = _config.from_env(environ, default_kind="pipeline")
    if boundaries is not None:
        parsed = {k: _config.boundary_spec(k, v) for k, v in boundaries.items()}
        config.boundaries = {k: p[0] for k, p in parsed.items() if p is not None}
        config.boundary_cells = {k: p[1] for k, p in parsed.items() if p is not None and p[1]}
    recorder = Recorder(config)
    recorder.install()
    _CURRENT = recorder
    return recorder
