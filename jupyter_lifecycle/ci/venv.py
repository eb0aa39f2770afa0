"""The local stand-in for ``actions/setup-python``: a virtualenv that sees this interpreter's
packages, so the workflow's ``pip install`` finds everything installed and stays offline.

``--system-site-packages`` alone is not enough when this interpreter is itself a virtualenv: a
venv made from it sees the *base* interpreter's packages, not this one's. A ``.pth`` file in the
new venv adds this interpreter's site folders after the venv's own, so what the workflow installs
(the package, editable) wins and everything else comes from here.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

MARKER = "nb2pipe-ci.json"


@dataclass(frozen=True)
class PythonEnv:
    python: Path
    bin_dir: Path
    venv: Path | None  # None: the current interpreter itself
    reason: str  # one line for the progress display


def this_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _site_folders() -> list[str]:
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.append(site.getusersitepackages())
    return [f for f in dict.fromkeys(folders) if os.path.isdir(f)]


def _venv_python(folder: Path) -> Path:
    windows = os.name == "nt"
    return folder / ("Scripts" if windows else "bin") / ("python.exe" if windows else "python")


def _venv_site(folder: Path) -> Path:
    python = _venv_python(folder)
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def _pip_here() -> bool:
    import importlib.util

    return importlib.util.find_spec("pip") is not None


def setup_python(ci_dir: Path, requested: str | None) -> PythonEnv:
    """The virtualenv ``ci_dir/venv`` (created or reused), or this interpreter when one cannot be
    made; ``reason`` says which and why, and when the workflow asks for another Python."""
    version = this_version()
    mismatch = (f"; the workflow asks for Python {requested}, this is {version}"
                if requested and requested != version else "")
    folder = ci_dir / "venv"
    wanted = {"base": sys.executable, "version": version, "site": _site_folders()}
    marker = folder / MARKER
    try:
        current = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
        if current != wanted or not _venv_python(folder).is_file():
            if folder.exists():
                import shutil

                shutil.rmtree(folder)
            # pip comes from this interpreter's site folders when it has pip (no ensurepip: faster)
            venv.EnvBuilder(system_site_packages=True, with_pip=not _pip_here(),
                            symlinks=os.name != "nt").create(folder)
            # addsitedir, not a bare path: the parent's own .pth files (editable installs) count
            (_venv_site(folder) / "_nb2pipe_ci_parent.pth").write_text("".join(
                f"import site; site.addsitedir({path!r})\n" for path in wanted["site"]), encoding="utf-8")
            marker.write_text(json.dumps(wanted), encoding="utf-8")
            how = "created"
        else:
            how = "reused"
    except (OSError, subprocess.CalledProcessError) as exc:
        bin_dir = Path(sys.executable).parent
        return PythonEnv(Path(sys.executable), bin_dir, None,
                         f"Python {version}: this interpreter (no virtualenv: {exc}){mismatch}")
    python = _venv_python(folder)
    return PythonEnv(python, python.parent, folder,
                     f"Python {version}: virtualenv {how} in {folder.relative_to(ci_dir.parent)} "
                     f"over this interpreter's packages{mismatch}")
