"""Verify outcomes kept beside the run store, keyed by the notebook file's sha256.

``nb2pipe doctor`` asks "did a verify pass for the notebook as it is now?": the answer is the
outcome stored under the current sha256. One small JSON file (``verified.json`` next to
``runs.sqlite``), replaced atomically; never an error for the verify that records it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..capture._config import store_for

FILE_NAME = "verified.json"
KEEP = 500  # outcomes kept (newest)


@dataclass(frozen=True)
class Outcome:
    sha256: str
    ok: bool
    reason: str | None
    notebook: str
    at: str  # ISO 8601, UTC


def outcomes_path(notebook: str | os.PathLike) -> Path:
    return store_for(Path(notebook).resolve().parent).parent / FILE_NAME


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def record_outcome(notebook: str | os.PathLike, ok: bool, reason: str | None) -> Outcome | None:
    """Store the outcome of a verify of ``notebook`` (as its bytes are now); None if it cannot."""
    try:
        source = Path(notebook).resolve()
        sha = hashlib.sha256(source.read_bytes()).hexdigest()
        path = outcomes_path(source)
        outcome = Outcome(sha, bool(ok), reason, source.name,
                          time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        data = _read(path)
        data.pop(sha, None)
        data[sha] = {"ok": outcome.ok, "reason": reason, "notebook": outcome.notebook,
                     "at": outcome.at}
        data = dict(list(data.items())[-KEEP:])
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".verified-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
                handle.write("\n")
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return outcome
    except (OSError, ValueError, TypeError):
        return None


def outcome_for(notebook: str | os.PathLike, sha256: str) -> Outcome | None:
    """The stored verify outcome of the notebook whose bytes hash to ``sha256``."""
    entry = _read(outcomes_path(notebook)).get(sha256)
    if not isinstance(entry, dict) or not isinstance(entry.get("ok"), bool):
        return None
    reason = entry.get("reason")
    return Outcome(sha256, entry["ok"], reason if isinstance(reason, str) else None,
                   str(entry.get("notebook") or ""), str(entry.get("at") or ""))
