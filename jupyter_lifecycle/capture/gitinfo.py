"""Git state of the folder a notebook lives in: commit, branch, dirty flag, hash of the diff.

One ``git status --porcelain=v2 --branch`` call (plus ``git diff HEAD`` when the tree is dirty),
each with a timeout; ``None`` when git is missing, the folder is not in a repository, or git
fails. ``GIT_OPTIONAL_LOCKS=0`` keeps git from taking the index lock, so a run never blocks the
user's own git commands.
"""

from __future__ import annotations

import hashlib
import os
import subprocess

TIMEOUT_S = 5.0


def _git(args: list[str], cwd: str, timeout: float) -> bytes | None:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    try:
        done = subprocess.run(["git", *args], cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                              timeout=timeout, env=env, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_info(folder: str | os.PathLike, timeout: float = TIMEOUT_S) -> dict | None:
    """``{"commit", "branch", "dirty", "diff_sha256"}`` for ``folder``, or None."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder) or "."
    out = _git(["status", "--porcelain=v2", "--branch", "--untracked-files=no"], folder, timeout)
    if out is None:
        return None
    commit = branch = None
    dirty = False
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("# branch.oid "):
            value = line[len("# branch.oid "):].strip()
            commit = None if value == "(initial)" else value
        elif line.startswith("# branch.head "):
            value = line[len("# branch.head "):].strip()
            branch = None if value == "(detached)" else value
        elif line and not line.startswith("#"):
            dirty = True
    diff_sha256 = None
    if dirty and commit:
        diff = _git(["diff", "HEAD", "--no-ext-diff", "--no-textconv", "--binary", "--no-color"],
                    folder, timeout)
        if diff is not None:
            diff_sha256 = hashlib.sha256(diff).hexdigest()
    return {"commit": commit, "branch": branch, "dirty": dirty, "diff_sha256": diff_sha256}
