"""Per-cell analysis cache keyed by source hash, and the notebook-wide analysis entry point.

Analysing a cell depends on its source text alone, so converting again after editing one cell
only re-analyses that cell. The cache is one sqlite3 file (WAL) under the user cache directory;
any failure to use it is silent and costs only speed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from pathlib import Path

import libcst

from .cell import ANALYZER_VERSION, CellAnalysis, analyze_source


def default_cache_dir() -> Path:
    if os.environ.get("NB2PIPE_CACHE_DIR"):
        return Path(os.environ["NB2PIPE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nb2pipe"


def source_key(source: str) -> str:
    salt = f"{ANALYZER_VERSION}:{libcst.__version__ if hasattr(libcst, '__version__') else ''}:"
    return hashlib.sha256((salt + source).encode("utf-8")).hexdigest()


class AnalysisCache:
    def __init__(self, directory: Path | None = None):
        self.path = (directory or default_cache_dir()) / "analysis.sqlite"
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=5)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS cell (key TEXT PRIMARY KEY, value BLOB)")
        except (sqlite3.Error, OSError):
            self._db = None

    def get_many(self, keys: list[str]) -> dict[str, CellAnalysis]:
        found: dict[str, CellAnalysis] = {}
        if self._db is None or not keys:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self._db.execute(
                        f"SELECT key, value FROM cell WHERE key IN ({marks})", chunk):
                    try:
                        found[key] = pickle.loads(value)
                    except Exception:  # a stale or corrupt entry is a miss
                        pass
        except sqlite3.Error:
            pass
        return found

    def put_many(self, items: dict[str, CellAnalysis]) -> None:
        if self._db is None or not items:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO cell (key, value) VALUES (?, ?)",
                    [(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()],
                )
        except (sqlite3.Error, pickle.PicklingError, RecursionError):
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def analyze_sources(sources: list[str], cache: AnalysisCache | None = None) -> list[CellAnalysis]:
    """Analyse many cell sources, from the cache where possible.

    One process: sending libcst trees back from worker processes costs more than parsing them
    (measured on 2 cores: 5.8 s with a pool against 3.2 s without, for 2,000 cells).
    """
    keys = [source_key(s) for s in sources]
    results: dict[str, CellAnalysis] = cache.get_many(list(set(keys))) if cache else {}
    missing: dict[str, str] = {}
    for key, source in zip(keys, sources):
        if key not in results:
            missing.setdefault(key, source)
    if missing:
        fresh = {key: analyze_source(source) for key, source in missing.items()}
        results.update(fresh)
        if cache:
            cache.put_many(fresh)
    return [results[k] for k in keys]
