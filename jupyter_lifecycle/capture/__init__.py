"""Kernel-side experiment capture: standard library and IPython only, nothing else of ours.

Load it in a kernel with ``%load_ext jupyter_lifecycle`` (or ``jupyter_lifecycle.capture``, or a
kernelspec argument ``--ext=jupyter_lifecycle``). Every cell is then recorded — id, effective
stage, timing, success — and the run's record (params, metrics, environment, git, data,
artifacts, fingerprints: see ``record.SCHEMA``) is written to the run store by ``finish_run()``,
at exit, and every few seconds in interactive sessions. Configuration: ``_config``.

    from jupyter_lifecycle import log_metric, log_param, track_data, finish_run

Without IPython (scripts, generated pipelines): ``start_run()``, ``with stage("train"): ...``,
``log_metric(...)``, ``finish_run()``.
"""

from __future__ import annotations

import json

__all__ = ["load_ipython_extension", "unload_ipython_extension", "log_metric", "log_param",
           "track_data", "log_fingerprints", "finish_run", "start_run", "stage", "current_run_id"]


def load_ipython_extension(ip) -> None:
    from .recorder import install

    install(ip)


def unload_ipython_extension(ip) -> None:
    from .recorder import uninstall

    uninstall(ip)


def _recorder(create: bool = True):
    """The current recorder; with ``create``, capture starts on first use: loaded into the
    running IPython shell if there is one, else as a run without IPython (kind pipeline)."""
    import sys

    from . import recorder

    found = recorder.current()
    if found is None and create:
        shell = None
        if "IPython" in sys.modules:
            from IPython import get_ipython

            shell = get_ipython()
        found = recorder.install(shell) if shell is not None else recorder.start()
    return found


def start_run(notebook=None, *, kind: str = "pipeline", run_id: str | None = None, store=None,
              params: dict | None = None, boundaries: dict | None = None) -> str:
    """Start recording a run outside IPython; returns its id. Ends with ``finish_run()``."""
    from . import explicit
    from .recorder import start

    rec = start(notebook, kind=kind, run_id=run_id, store=store, boundaries=boundaries)
    for name, value in (params or {}).items():
        explicit.log_param(rec, name, value)
    return rec.run.run_id


def finish_run(status: str | None = None) -> dict | None:
    """Close the current run (``completed``, or ``failed`` if a cell's error was not fixed),
    write it to the run store and return its record. A record that could not be stored says so
    in ``record["store_error"]``."""
    rec = _recorder(create=False)
    return None if rec is None else rec.finish(status)


def _internal_error(function: str, error: Exception) -> None:
    """Capture's own failure inside a public function: one warning, never an exception."""
    import warnings

    from .explicit import raised
    from .recorder import CaptureWarning

    try:
        warnings.warn(f"jupyter_lifecycle: {function}() failed inside capture ({raised(error)}); "
                      "your code runs on", CaptureWarning, stacklevel=3)
    except Exception:  # warnings turned into errors
        pass


# The public functions never raise for a bad value: it is left out of the record with a note,
# and the first bad call of each function warns (a wrong signature is a TypeError, as usual).
def log_metric(name: str, value) -> None:
    """Record metric ``name``: a number (numpy scalars too) or a string."""
    from . import explicit

    try:
        explicit.log_metric(_recorder(), name, value)
    except Exception as exc:
        _internal_error("log_metric", exc)


def log_param(name: str, value) -> None:
    """Record parameter ``name`` (kept as JSON: scalars, lists, dicts; else its repr)."""
    from . import explicit

    try:
        explicit.log_param(_recorder(), name, value)
    except Exception as exc:
        _internal_error("log_param", exc)


def track_data(path) -> str | None:
    """Record ``path`` as data this run read (hashed when the record is written); returns its
    absolute path, or None when ``path`` is not a path."""
    from . import explicit

    try:
        return explicit.track_data(_recorder(), path)
    except Exception as exc:
        _internal_error("track_data", exc)
        return None


def log_fingerprints(stage: str, values: dict) -> None:
    """Fingerprint ``values`` ({name: value}) as the outputs of ``stage``."""
    from . import explicit

    try:
        explicit.log_fingerprints(_recorder(), stage, values)
    except Exception as exc:
        _internal_error("log_fingerprints", exc)


def stage(name: str):
    """Context manager timing a block as stage ``name`` (for runs without notebook cells)."""
    from . import explicit

    return explicit.stage(_recorder(), name)


def current_run_id() -> str | None:
    rec = _recorder(create=False)
    return None if rec is None else rec.run.run_id


# -- used by the papermill engine (jupyter_lifecycle.run.engine) through user_expressions -------
def _engine_begin(layout_json: str) -> str:
    """Make sure capture is loaded in this kernel and give it the executed notebook's cells."""
    from IPython import get_ipython

    from .recorder import install

    rec = install(get_ipython())
    rec.set_layout(json.loads(layout_json))
    return json.dumps({"run_id": rec.run.run_id, "enabled": rec.enabled})


def _engine_finish(status: str) -> str:
    rec = _recorder(create=False)
    if rec is None:
        return json.dumps(None)
    return json.dumps(rec.finish(status), default=repr)
