"""The environment of a run: Python, platform, and pinned versions of the distributions that
provide the top-level modules the notebook imported.

``importlib.metadata.packages_distributions()`` reads every installed distribution's metadata
(~0.3 s with a scientific stack). Instead, this module lists the ``*.dist-info`` / ``*.egg-info``
folders on ``sys.path`` once per process (their names carry name and version), maps a module to
the distribution of the same normalised name, and only for modules still unmapped reads the
``top_level.txt`` files, then the ``RECORD`` files, of the distributions installed in the
module's own folder. Results are cached per process.
"""

from __future__ import annotations

import os
import platform
import re
import sys

_NORMALISE = re.compile(r"[-_.]+")
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from|import)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M)


def normalise(name: str) -> str:
    return _NORMALISE.sub("-", name).lower()


class _Index:
    """Installed distributions on ``sys.path``: normalised name → (version, metadata folder)."""

    def __init__(self) -> None:
        self.paths = tuple(sys.path)
        self.dists: dict[str, tuple[str, str]] = {}
        self.by_folder: dict[str, list[str]] = {}  # site folder → dist names installed there
        self.top_level: dict[str, dict[str, str]] = {}  # site folder → module → dist (lazy)
        self.records_read: set[str] = set()
        for entry in self.paths:
            folder = os.path.abspath(entry or ".")
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                if name.endswith(".dist-info"):
                    stem = name[: -len(".dist-info")]
                elif name.endswith(".egg-info"):
                    stem = name[: -len(".egg-info")]
                else:
                    continue
                dist, _, rest = stem.partition("-")
                version = rest.split("-py", 1)[0] if rest else ""
                key = normalise(dist)
                if key in self.dists:  # the first on sys.path wins, like importlib
                    continue
                meta = os.path.join(folder, name)
                if not version:
                    version = _version_from_file(meta)
                self.dists[key] = (version, meta)
                self.by_folder.setdefault(folder, []).append(key)

    def _folder_top_level(self, folder: str) -> dict[str, str]:
        found = self.top_level.get(folder)
        if found is None:
            found = {}
            for dist in self.by_folder.get(folder, ()):
                meta = self.dists[dist][1]
                try:
                    with open(os.path.join(meta, "top_level.txt"), encoding="utf-8") as handle:
                        for line in handle:
                            found.setdefault(line.strip(), dist)
                except OSError:
                    continue
            self.top_level[folder] = found
        return found

    def _folder_records(self, folder: str, wanted: str) -> str | None:
        """Read RECORD files (of dists without top_level.txt) in ``folder`` until ``wanted``."""
        found = self.top_level.setdefault(folder, {})
        for dist in self.by_folder.get(folder, ()):
            meta = self.dists[dist][1]
            if meta in self.records_read or os.path.exists(os.path.join(meta, "top_level.txt")):
                continue
            self.records_read.add(meta)
            try:
                with open(os.path.join(meta, "RECORD"), encoding="utf-8") as handle:
                    for line in handle:
                        first = line.split(",", 1)[0].split("/", 1)
                        top = first[0]
                        if len(first) == 1:  # a top-level file: module.py or module.so
                            top = top.split(".", 1)[0]
                        if top and not top.endswith((".dist-info", ".data")) and top != "..":
                            found.setdefault(top, dist)
            except OSError:
                continue
            if wanted in found:
                return found[wanted]
        return found.get(wanted)

    def distribution(self, module: str) -> str | None:
        key = normalise(module)
        if key in self.dists:
            return key
        folder = _module_folder(module)
        if folder is None:
            return None
        return self._folder_top_level(folder).get(module) or self._folder_records(folder, module)


def _version_from_file(meta: str) -> str:
    for name in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(meta, name), encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return ""


def _module_folder(module: str) -> str | None:
    """The sys.path folder a top-level module was imported from."""
    mod = sys.modules.get(module)
    file = getattr(mod, "__file__", None)
    if file:
        path = os.path.dirname(os.path.abspath(file))
        if os.path.basename(file).startswith("__init__."):
            path = os.path.dirname(path)
        return path
    paths = list(getattr(mod, "__path__", []) or [])
    return os.path.dirname(os.path.abspath(paths[0])) if paths else None


_INDEX: _Index | None = None
_CACHE: dict[str, str | None] = {}


def _index() -> _Index:
    global _INDEX
    if _INDEX is None or _INDEX.paths != tuple(sys.path):
        _INDEX = _Index()
        _CACHE.clear()
    return _INDEX


def refresh() -> None:
    """Forget the cached distribution index (after installing packages in a running kernel)."""
    global _INDEX
    _INDEX = None
    _CACHE.clear()


def imported_names(sources) -> set[str]:
    """Top-level module names named by import statements in ``sources`` (a fast line scan)."""
    names: set[str] = set()
    for source in sources:
        if "import" in source:
            names.update(_IMPORT_LINE.findall(source))
    return names


def _third_party(name: str) -> bool:
    return (not name.startswith("_") and name not in sys.stdlib_module_names
            and name not in sys.builtin_module_names and name != "__main__")


def run_modules(baseline: frozenset[str] | set[str], sources=()) -> set[str]:
    """Third-party top-level modules the run imported: new in ``sys.modules`` since ``baseline``
    was taken, plus the loaded ones the cells' import statements name."""
    loaded = {name.partition(".")[0] for name in list(sys.modules)}
    names = (loaded - set(baseline)) | (imported_names(sources) & loaded)
    return {n for n in names if _third_party(n)}


def packages(modules) -> tuple[dict[str, str], list[str]]:
    """``({distribution: version}, [modules with no distribution])``."""
    index = _index()
    pins: dict[str, str] = {}
    unmapped: list[str] = []
    for module in sorted(modules):
        if module in _CACHE:
            dist = _CACHE[module]
        else:
            dist = _CACHE[module] = index.distribution(module)
        if dist is None:
            unmapped.append(module)
        else:
            pins[dist] = index.dists[dist][0]
    return dict(sorted(pins.items())), unmapped


def environment(modules) -> dict:
    uname = os.uname() if hasattr(os, "uname") else None
    plat = (f"{uname.sysname}-{uname.release}-{uname.machine}" if uname
            else f"{sys.platform}-{platform.machine()}")
    pins, unmapped = packages(modules)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": plat,
        "packages": pins,
        "unmapped_modules": unmapped,
    }
