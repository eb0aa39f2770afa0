"""Is a name safe as the import name of a generated package? One check for the CLI and the server.

A package name must be an ASCII Python identifier that is not a keyword, start with a letter and
end with a letter or digit (so ``name.replace("_", "-")`` is a valid project name in
pyproject.toml), and must not shadow a standard-library module or a module already installed in
this environment (``import json`` in the user's code would otherwise find the generated
package). A module that lives inside the output folder is the package being regenerated, so
that one does not count.
"""

from __future__ import annotations

import importlib.util
import keyword
import os
import re
import sys
from pathlib import Path

from .errors import LifecycleError

_SHAPE = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?")


class PackageNameError(LifecycleError):
    """The package name cannot be used (exit code 2 in the CLI, HTTP 400 in the server)."""


def package_name_problem(name: object, out_dir: str | os.PathLike | None = None) -> str | None:
    """Why ``name`` cannot be a generated package's name, or None when it can."""
    if not isinstance(name, str):
        return f"package name must be a string, not {type(name).__name__}"
    shown = repr(name)
    if not name.isascii():
        return f"package name {shown} is not ASCII (use letters a-z, digits and underscores)"
    if not name.isidentifier():
        return f"package name {shown} is not a valid Python identifier"
    if keyword.iskeyword(name):
        return f"package name {shown} is a Python keyword"
    if not _SHAPE.fullmatch(name):
        return (f"package name {shown} must start with a letter and end with a letter or digit "
                "(it is also the project name in pyproject.toml)")
    if name in sys.stdlib_module_names:
        return f"package name {shown} would shadow the standard-library module {name}"
    if _installed_elsewhere(name, out_dir):
        return f"package name {shown} would shadow the installed module {name}"
    return None


def check_package_name(name: object, out_dir: str | os.PathLike | None = None) -> str:
    """``name`` itself when it can be used; else PackageNameError with the reason."""
    problem = package_name_problem(name, out_dir)
    if problem is not None:
        raise PackageNameError(f"{problem}; choose another name")
    return name  # type: ignore[return-value]  # a str: package_name_problem checked it


def _installed_elsewhere(name: str, out_dir: str | os.PathLike | None) -> bool:
    """A module or package ``name`` is importable here from outside ``out_dir``.

    A namespace package (a plain folder) counts unless its folders sit directly in the working
    directory: a ``data/`` folder next to the notebook is not an installed module.
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # in sys.modules without a spec: it exists
        return name in sys.modules
    if spec is None:
        return False
    if not spec.has_location and spec.origin:
        return True  # built-in or frozen
    namespace = spec.origin is None
    locations = list(spec.submodule_search_locations or []) if namespace else [spec.origin]
    if namespace:
        cwd = Path(os.getcwd()).resolve()
        locations = [loc for loc in locations if Path(os.path.realpath(loc)).parent != cwd]
    if out_dir is not None:
        out = Path(os.path.realpath(out_dir))
        locations = [loc for loc in locations if not _inside(loc, out)]
    return bool(locations)


def _inside(location: str, folder: Path) -> bool:
    real = Path(os.path.realpath(location))
    return real == folder or folder in real.parents
