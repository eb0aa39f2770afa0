"""The embedded run store: one sqlite3 file (WAL mode), safe for concurrent writers.

Every write is one short ``BEGIN IMMEDIATE`` transaction with a generous ``busy_timeout``, so
kernels, ``nb2pipe run`` processes and the CLI may write to the same file at once. Connections
are opened per operation (no connection is shared between threads or processes).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time

from .record import SCHEMA_VERSION, strict_record

BUSY_TIMEOUT_S = 30.0
_COLUMNS = ("run_id", "schema_version", "notebook", "kind", "status", "started", "ended",
            "duration_s", "record")
_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    schema_version INTEGER NOT NULL,
    notebook TEXT,
    kind TEXT,
    status TEXT,
    started TEXT,
    ended TEXT,
    duration_s REAL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_notebook ON runs (notebook, started);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started);
"""


class StoreError(Exception):
    """The store cannot be opened, read or written."""


class RunNotFoundError(StoreError, LookupError):
    pass


class AmbiguousRunError(StoreError, LookupError):
    pass


class RecordVersionError(StoreError):
    """A record written by a newer jupyter_lifecycle (a newer schema version)."""

    def __init__(self, run_id: str, version: int):
        self.run_id, self.version = run_id, version
        super().__init__(f"run {run_id} was written by a newer jupyter_lifecycle "
                         f"(schema v{version}); upgrade to read it")


class RunStore:
    def __init__(self, path: str | os.PathLike, *, timeout: float = BUSY_TIMEOUT_S):
        self.path = os.fspath(path)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RunStore({self.path!r})"

    @property
    def exists(self) -> bool:
        return os.path.isfile(self.path)

    # -- connections -------------------------------------------------------------------------
    def _connect(self, create: bool) -> sqlite3.Connection:
        if not create and not self.exists:
            raise StoreError(f"no run store at {self.path}")
        try:
            if create:
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the run store {self.path}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            if create:
                self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
                conn.execute("PRAGMA synchronous = NORMAL")
                self._retry(lambda: conn.executescript(_DDL))
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot use the run store {self.path}: {exc}") from exc
        return conn

    def _retry(self, action, attempts: int = 50):
        """Run ``action``, retrying "database is locked" (schema changes can skip busy_timeout)."""
        for attempt in range(attempts):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 + 0.01 * attempt)

    # -- writing -----------------------------------------------------------------------------
    def save(self, record: dict) -> None:
        """Insert or replace ``record`` (keyed by its run id)."""
        try:
            text = _strict_text(record)
        except (TypeError, ValueError, RecursionError) as exc:
            raise StoreError(f"run {record.get('run_id')} is not JSON-serialisable: {exc}") from exc
        notebook = (record.get("notebook") or {}).get("path")
        row = (record["run_id"], int(record.get("schema_version", SCHEMA_VERSION)), notebook,
               record.get("kind"), record.get("status"), record.get("started"),
               record.get("ended"), record.get("duration_s"), text)
        conn = self._connect(create=True)
        try:
            def write():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(
                        f"INSERT OR REPLACE INTO runs ({', '.join(_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(_COLUMNS))})", row)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            self._retry(write)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write run {record['run_id']} to {self.path}: {exc}") from exc
        finally:
            conn.close()

    def delete(self, ref: str) -> str:
        run_id = self.resolve(ref)
        conn = self._connect(create=False)
        try:
            self._retry(lambda: conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,)))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot delete run {run_id} from {self.path}: {exc}") from exc
        finally:
            conn.close()
        return run_id

    # -- reading -----------------------------------------------------------------------------
    def _query(self, sql: str, args=()) -> list[tuple]:
        conn = self._connect(create=False)
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            if "no such table" in str(exc):
                return []
            raise StoreError(f"cannot read the run store {self.path}: {exc}") from exc
        finally:
            conn.close()

    def resolve(self, ref: str) -> str:
        """The full run id for a run id or a unique prefix of one."""
        ref = (ref or "").strip().lower()
        if not ref:
            raise RunNotFoundError("no run id given")
        escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._query("SELECT run_id FROM runs WHERE run_id = ? OR run_id LIKE ? ESCAPE '\\' "
                           "ORDER BY run_id LIMIT 11", (ref, escaped + "%"))
        ids = [r[0] for r in rows]
        if ref in ids:
            return ref
        if not ids:
            raise RunNotFoundError(f"no run {ref!r} in {self.path}")
        if len(ids) > 1:
            shown = ", ".join(i[:12] for i in ids[:10]) + (", ..." if len(ids) > 10 else "")
            raise AmbiguousRunError(f"run prefix {ref!r} is ambiguous: {shown}")
        return ids[0]

    def get(self, ref: str) -> dict:
        """The record of a run (by id or unique prefix); RecordVersionError if it is too new."""
        run_id = self.resolve(ref)
        rows = self._query("SELECT schema_version, record FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            raise RunNotFoundError(f"no run {ref!r} in {self.path}")
        return _load(run_id, *rows[0])

    def list(self, notebook: str | os.PathLike | None = None, limit: int = 50) -> list[dict]:
        """Records, newest first. A record too new to read is a stub with an ``unreadable`` note."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM runs"
        args: list = []
        if notebook is not None:
            sql += " WHERE notebook = ?"
            args.append(os.path.abspath(os.fspath(notebook)))
        sql += " ORDER BY started DESC, rowid DESC"
        if limit is not None and limit > 0:
            sql += " LIMIT ?"
            args.append(int(limit))
        out = []
        for row in self._query(sql, args):
            values = dict(zip(_COLUMNS, row))
            try:
                out.append(_load(values["run_id"], values["schema_version"], values["record"]))
            except StoreError as exc:  # one bad row is named; it hides no other row
                out.append(_stub(values, str(exc)))
        return out


def _strict_text(record: dict) -> str:
    """``record`` as strict JSON: NaN and infinities become strings (``record.strict_record``)."""
    try:
        return json.dumps(record, default=repr, allow_nan=False)
    except ValueError:
        return json.dumps(strict_record(record), default=repr, allow_nan=False)


def _column(value) -> str | None:
    return value if isinstance(value, str) else None


def _stub(values: dict, problem: str) -> dict:
    """What the row's columns tell about a run whose record cannot be read, and why."""
    duration = values["duration_s"]
    return {"run_id": values["run_id"] if isinstance(values["run_id"], str) else str(values["run_id"]),
            "schema_version": values["schema_version"],
            "notebook": {"path": _column(values["notebook"])}, "kind": _column(values["kind"]),
            "status": _column(values["status"]), "started": _column(values["started"]),
            "ended": _column(values["ended"]),
            "duration_s": duration if isinstance(duration, (int, float)) and
            not isinstance(duration, bool) and math.isfinite(duration) else None,
            "params": {}, "metrics": {}, "unreadable": problem}


# The parts of a record every reader (CLI tables, the Runs panel) relies on, by type.
_SHAPE = {"run_id": (str,), "notebook": (dict, type(None)), "params": (dict,), "metrics": (dict,),
          "stages": (dict,), "environment": (dict,), "cells": (list,), "kind": (str, type(None)),
          "status": (str, type(None)), "started": (str, type(None)), "notes": (list,)}
_TYPE_NAMES = {str: "a string", dict: "an object", list: "an array", type(None): "null"}


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return next((name for kind, name in _TYPE_NAMES.items() if isinstance(value, kind)),
                type(value).__name__)


def _shape_problem(record: dict) -> str | None:
    for key, kinds in _SHAPE.items():
        if key in record and not isinstance(record[key], kinds):
            expected = " or ".join(_TYPE_NAMES[k] for k in kinds)
            return f"its {key!r} is {_json_type(record[key])}, not {expected}"
    return None


def _load(run_id: str, version, text) -> dict:
    try:
        version = None if version is None else int(version)
    except (TypeError, ValueError):
        raise StoreError(f"run {run_id}: the stored schema version {version!r} is not an "
                         "integer") from None
    if version is not None and version > SCHEMA_VERSION:
        raise RecordVersionError(run_id, version)
    nonfinite: list[str] = []

    def constant(name: str) -> float:  # NaN / Infinity written by earlier versions
        nonfinite.append(name)
        return float(name)

    try:
        record = json.loads(text, parse_constant=constant)
    except (TypeError, ValueError, RecursionError) as exc:
        raise StoreError(f"run {run_id}: the stored record is not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise StoreError(f"run {run_id}: the stored record is not a JSON object "
                         f"(it is {_json_type(record)})")
    found = record.get("schema_version")
    if isinstance(found, int) and found > SCHEMA_VERSION:
        raise RecordVersionError(run_id, found)
    record.setdefault("run_id", run_id)
    problem = _shape_problem(record)
    if problem:
        raise StoreError(f"run {run_id}: the stored record is malformed ({problem})")
    return strict_record(record) if nonfinite else record
