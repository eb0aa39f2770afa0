"""The public recording functions (``log_metric``, ``log_param``, ``track_data``,
``log_fingerprints``, ``stage``) over the current recorder.

They never raise for a bad value: a name whose ``str()`` raises, a value whose ``__float__``,
``__len__``, ``__fspath__``, ``__repr__`` or ``__getattribute__`` raises (``SystemExit`` and
``KeyboardInterrupt`` included), a metric that is not a number or a string, ``track_data(None)``
— each is left out, noted in the run record and warned about once per function. Only a wrong
signature raises (a ``TypeError``, as Python does), and whatever the block of ``stage()``
raises propagates unchanged: it is the user's own code.

Each function takes the ``recorder.Recorder``; this module does not import the recorder.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

from .files import jsonable, plain_value, shown
from .fingerprint import fingerprint


def describe(error: BaseException) -> tuple[str, str]:
    """(exception class name, message); a message that cannot be made is ``<unprintable>``."""
    try:
        message = str(error)
    except BaseException:  # a user's exception whose __str__ raises (even SystemExit)
        message = "<unprintable>"
    if not isinstance(message, str):
        message = "<unprintable>"
    return type(error).__name__, message[:2000]


def raised(error: BaseException) -> str:
    name, message = describe(error)
    return f"{name}: {message}" if message else name


def _problem(rec, function: str, argument: str, problem: str) -> None:
    note = f"{function}({argument}): {problem}; not recorded"
    rec._note(rec._next_run(), note)
    rec._warn(function, f"jupyter_lifecycle: {note} (later problems with {function}() are "
                        "listed in the run record's notes only)")


def _name(rec, function: str, name) -> str | None:
    try:
        text = name if isinstance(name, str) else str(name)
    except BaseException as exc:  # a name whose __str__ raises
        _problem(rec, function, shown(name), f"the name could not be made a string ({raised(exc)})")
        return None
    if not text:
        _problem(rec, function, "''", "the name is empty")
        return None
    return str(text)


def log_metric(rec, name, value) -> None:
    key = _name(rec, "log_metric", name)
    if key is None:
        return
    try:
        item = plain_value(value)
    except BaseException as exc:
        _problem(rec, "log_metric", shown(key), f"the value could not be read ({raised(exc)})")
        return
    if item is None:
        _problem(rec, "log_metric", shown(key),
                 f"a metric must be a number or a string, not {type(value).__name__}")
        return
    rec._next_run().logged_metrics[key] = item


def log_param(rec, name, value) -> None:
    key = _name(rec, "log_param", name)
    if key is None:
        return
    try:
        item = jsonable(value)
    except BaseException as exc:
        _problem(rec, "log_param", shown(key), f"the value could not be read ({raised(exc)})")
        return
    rec._next_run().logged_params[key] = item


def track_data(rec, path) -> str | None:
    """The absolute path now tracked, or None when ``path`` is not a path."""
    try:
        text = os.fsdecode(os.fspath(path))
        full = os.path.abspath(text) if text and "\x00" not in text else None
    except BaseException as exc:
        _problem(rec, "track_data", shown(path),
                 f"a path must be a str, bytes or os.PathLike ({raised(exc)})")
        return None
    if full is None:
        _problem(rec, "track_data", shown(text), "the path is empty or holds a NUL")
        return None
    run = rec._next_run()
    if full not in run.tracked:
        run.tracked.append(full)
    return full


def log_fingerprints(rec, stage_name, values) -> None:
    key = _name(rec, "log_fingerprints", stage_name)
    if key is None:
        return
    try:
        items = list(values.items()) if isinstance(values, dict) else None
    except BaseException as exc:
        _problem(rec, "log_fingerprints", shown(key),
                 f"the values could not be read ({raised(exc)})")
        return
    if items is None:
        _problem(rec, "log_fingerprints", shown(key),
                 f"the values must be a dict {{name: value}}, not {type(values).__name__}")
        return
    prints = {}
    for name, value in items:
        label = _name(rec, "log_fingerprints", name)
        if label is not None:
            prints[label] = fingerprint(value)  # None when unhashable; never raises
    rec._next_run().fingerprints[key] = prints


@contextmanager
def stage(rec, name):
    """Time a block as one step of stage ``name`` (pipelines without cells)."""
    name = _name(rec, "stage", name) or "<unnamed>"
    run = rec._next_run()
    started, started_perf = time.time(), time.perf_counter()
    error = None
    try:
        yield
    except BaseException as exc:
        error = describe(exc)
        run.failure = (None, f"<stage {name}>", error, name)
        raise
    finally:
        run.cells.append((None, f"<stage {name}>", started, time.perf_counter() - started_perf,
                          None, error, name))
