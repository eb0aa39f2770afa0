"""Environment: imported distributions that are not installed here, or not pinned anywhere the
project keeps its requirements (requirements files, lock files, pyproject.toml, environment.yml,
the converted package's pyproject.toml)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from functools import lru_cache
from pathlib import Path

from packaging.utils import canonicalize_name

from ..codegen.common import package_name_for
from ..codegen.project_files import module_distributions
from .context import Context
from .model import CellRef, Finding, Severity

_PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*(\[[^\]]*\])?\s*(===?|=)\s*[\w.*+!\-]+")
_PIN_FILES = ("requirements*.txt", "requirements*.lock", "requirements*.in", "constraints*.txt",
              "environment*.yml", "environment*.yaml", "pylock*.toml")
OURS = frozenset({"jupyter_lifecycle"})


@lru_cache(maxsize=1)
def _distributions() -> dict[str, tuple[str, ...]]:
    try:
        return {k: tuple(v) for k, v in module_distributions().items()}
    except Exception:  # a broken installed distribution must not break the doctor
        return {}


def distributions_of(module: str) -> tuple[str, ...]:
    return _distributions().get(module, (module,))


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _pins_in_text(text: str) -> set[str]:
    return {canonicalize_name(m.group(1)) for line in text.splitlines() if (m := _PIN.match(line))}


def _pins_in_pyproject(path: Path) -> set[str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return set()
    project = data.get("project") or {}
    specs = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        specs.extend(extra or [])
    return _pins_in_text("\n".join(s for s in specs if isinstance(s, str)))


def pins(ctx: Context) -> set[str]:
    """Canonical names of every distribution pinned (``==``) for this project."""
    found: set[str] = set()
    folders = dict.fromkeys([ctx.path.parent, ctx.root])
    for folder in folders:
        for pattern in _PIN_FILES:
            for path in folder.glob(pattern):
                try:
                    found |= _pins_in_text(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    continue
        found |= _pins_in_pyproject(folder / "pyproject.toml")
    package = ctx.path.parent / package_name_for(str(ctx.path))
    found |= _pins_in_pyproject(package / "pyproject.toml")
    for lock in package.glob("requirements*.lock"):
        try:
            found |= _pins_in_text(lock.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return found


def _local(ctx: Context, module: str) -> bool:
    for folder in (ctx.path.parent, ctx.root):
        if (folder / f"{module}.py").exists() or (folder / module / "__init__.py").exists():
            return True
    return False


def imports(ctx: Context) -> dict[str, list[CellRef]]:
    """Third-party top-level modules the notebook imports → the cells that import them."""
    out: dict[str, list[CellRef]] = {}
    for cell in ctx.code_cells:
        if ctx.kind(cell) == "skip":
            continue
        analysis = ctx.analyses[cell.id]
        for names in analysis.statements:
            for module in names.imported_modules:
                if module in sys.stdlib_module_names or module in OURS or module.startswith("_"):
                    continue
                refs = out.setdefault(module, [])
                if all(r.index != cell.index for r in refs):
                    refs.append(ctx.ref(cell, names.line + analysis.line_offset))
    return {m: refs for m, refs in out.items() if not _local(ctx, m)}


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    modules = imports(ctx)
    missing = [m for m in modules if not installed(m)]
    for module in missing:
        out.append(Finding(
            "environment.not-installed", Severity.HIGH,
            f"`{module}` is imported but not installed in this environment",
            f"install it (pip install {module}) and pin its version", tuple(modules[module])))
    pinned = pins(ctx)
    unpinned = sorted({d for m in modules if m not in missing for d in distributions_of(m)
                       if canonicalize_name(d) not in pinned} | set(missing))
    if unpinned:
        cells = tuple({r.index: r for m in modules for r in modules[m]
                       if m in missing or set(distributions_of(m)) & set(unpinned)}.values())
        out.append(Finding(
            "environment.unpinned", Severity.HIGH,
            f"{len(unpinned)} imported distribution(s) have no pinned version: "
            + ", ".join(unpinned[:8]) + (", ..." if len(unpinned) > 8 else ""),
            "pin them (name==version) in requirements.txt or pyproject.toml, or convert the "
            "notebook (its pyproject pins them)", cells))
    return out
