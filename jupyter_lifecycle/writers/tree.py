"""Write a generated tree without losing anyone's work.

* A new output directory is generated completely in a temporary sibling, then renamed into place;
  a sibling left by a killed run (its lock is free) is removed by the next run.
* An existing one is refused unless ``force``; even then, every file we would overwrite must be one
  we generated (listed in the manifest) and unchanged since (same sha256), or nothing is written.
* The changes to an existing one are all or nothing: staged, journalled, then moved into place by
  renames (``journal``); a run killed midway is rolled back by the next one, before it plans.
* Every path stays inside the output folder: a manifest naming ``..``, an absolute path or a path
  through a symbolic link is untrusted, and nothing is written through a link planted in the tree.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Location, OutputError
from ..fsutil import current_umask
from . import confined, journal
from .confined import UnsafePath
from .journal import Change, JournalError, sha256

if TYPE_CHECKING:  # only its .path and .text are read; importing codegen would load libcst
    from ..codegen.common import GeneratedFile

MANIFEST = ".nb2pipe-manifest.json"
_STAGING_MARK = ".nb2pipe-staging"


@dataclass
class Plan:
    out_dir: Path
    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)  # stale generated files, unedited
    conflicts: list[str] = field(default_factory=list)  # edited by hand or not ours
    exists: bool = False
    current: dict[str, bytes] = field(default_factory=dict, repr=False)  # what the tree holds now

    def diff(self, files: list[GeneratedFile]) -> str:
        import difflib  # only a dry run shows diffs

        chunks = []
        by_path = {f.path: f for f in files}
        for path in sorted(self.create + self.update):
            old = self._old_lines(path)
            new = by_path[path].text.splitlines(keepends=True)
            chunks.extend(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))
        for path in sorted(self.remove):
            chunks.extend(difflib.unified_diff(self._old_lines(path), [], f"a/{path}", "/dev/null"))
        return "".join(chunks)

    def _old_lines(self, path: str) -> list[str]:
        data = self.current.get(path)
        return data.decode("utf-8", "replace").splitlines(keepends=True) if data is not None else []


def _untrusted(out_dir: Path, why: str) -> OutputError:
    return OutputError(f"{MANIFEST} cannot be trusted: {why}; nothing was written. Delete the "
                       "manifest to have every differing file treated as yours, or convert into a "
                       "new folder", Location(str(out_dir)))


class _Reader:
    """The bytes of files in the output folder, as an interrupted regeneration's roll-back will
    leave them (so a dry run plans against the tree the next real run will start from)."""

    def __init__(self, root_fd: int):
        self.root_fd = root_fd
        self.pending = journal.pending_view(root_fd)

    def __call__(self, path: str) -> bytes | None:
        if path in self.pending:
            return self.pending[path]
        return confined.read_file(self.root_fd, path)


def _read_manifest(out_dir: Path, read: _Reader) -> dict[str, str] | None:
    """The manifest's files, None when it is missing or unreadable; raises when it is unsafe."""
    try:
        raw = read(MANIFEST)
    except UnsafePath as exc:
        raise _untrusted(out_dir, f"it {exc.reason}") from None
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return None
    for path, digest in files.items():
        try:
            confined.relative_parts(path)
        except UnsafePath as exc:
            raise _untrusted(out_dir, f"it lists {exc}") from None
        if not isinstance(digest, str):
            raise _untrusted(out_dir, f"the digest of {path!r} is not a string")
    return files


def _unsafe(out_dir: Path, exc: UnsafePath) -> OutputError:
    return OutputError(f"refusing to write {exc}: generated files are written only to real paths "
                       "inside the output folder; replace the link with a folder or file of its own",
                       Location(str(out_dir)))


def plan_write(files: list[GeneratedFile], out_dir: Path) -> Plan:
    out_dir = Path(out_dir)
    plan = Plan(out_dir=out_dir, exists=out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())))
    if plan.exists and not out_dir.is_dir():
        raise OutputError("the output path exists and is not a directory", Location(str(out_dir)))
    if not plan.exists:
        plan.create.extend(f.path for f in files)
        return plan
    root_fd = confined.open_root(out_dir)
    try:
        _plan_existing(plan, files, out_dir, _Reader(root_fd))
    except UnsafePath as exc:
        raise _unsafe(out_dir, exc) from None
    except JournalError as exc:
        raise OutputError(str(exc), Location(str(out_dir))) from None
    finally:
        os.close(root_fd)
    return plan


def _plan_existing(plan: Plan, files: list[GeneratedFile], out_dir: Path, read: _Reader) -> None:
    manifest = _read_manifest(out_dir, read) or {}
    new_paths = {f.path for f in files}
    for f in files:
        current = read(f.path)  # raises on a link anywhere on the way
        if current is None:
            plan.create.append(f.path)
            continue
        plan.current[f.path] = current
        if current == f.text.encode("utf-8"):
            plan.unchanged.append(f.path)
        elif manifest.get(f.path) == sha256(current):
            plan.update.append(f.path)
        else:
            plan.conflicts.append(f.path)
    for path, digest in manifest.items():
        if path in new_paths or path == MANIFEST:
            continue
        current = read(path)
        if current is not None and sha256(current) == digest:
            plan.current[path] = current
            plan.remove.append(path)


def write_tree(files: list[GeneratedFile], out_dir: Path, *, force: bool = False,
               source: dict | None = None) -> Plan:
    """Write ``files`` under ``out_dir``; raise OutputError (writing nothing) when unsafe.

    ``source`` (the notebook's name and sha256) is kept in the manifest."""
    out_dir = Path(out_dir)
    try:
        return _write_tree(files, out_dir, force, source)
    except UnsafePath as exc:
        raise _unsafe(out_dir, exc) from None
    except JournalError as exc:
        raise OutputError(str(exc), Location(str(out_dir))) from None
    except OSError as exc:
        raise OutputError(f"cannot write the output: {exc.strerror or exc}; nothing was changed",
                          Location(str(out_dir))) from None


def _write_tree(files: list[GeneratedFile], out_dir: Path, force: bool, source: dict | None) -> Plan:
    plan = plan_write(files, out_dir)
    if plan.exists and not force:
        raise OutputError("the output directory exists; pass --force to regenerate it "
                          "(files you edited by hand are never overwritten)", Location(str(out_dir)))
    if not plan.exists:
        _refuse_conflicts(plan, out_dir)
        _write_new_tree(files, out_dir, _manifest_text(files, source), current_umask())
        return plan
    root_fd = confined.open_root(out_dir)
    try:
        journal.lock(root_fd)
        journal.recover(root_fd)
        plan = Plan(out_dir=out_dir, exists=True)  # again, under the lock, on the recovered tree
        read = _Reader(root_fd)
        _plan_existing(plan, files, out_dir, read)
        _refuse_conflicts(plan, out_dir)
        journal.apply(root_fd, _changes(plan, files, read, source), umask=current_umask())
    finally:
        os.close(root_fd)
    return plan


def _refuse_conflicts(plan: Plan, out_dir: Path) -> None:
    if plan.conflicts:
        listing = ", ".join(sorted(plan.conflicts)[:10])
        raise OutputError(f"refusing to overwrite {len(plan.conflicts)} file(s) edited by hand or "
                          f"not generated by nb2pipe: {listing}; move them away or restore them",
                          Location(str(out_dir)))


def _manifest_text(files: list[GeneratedFile], source: dict | None = None) -> str:
    manifest: dict = {"generator": "nb2pipe", "files": {f.path: sha256(f.text.encode("utf-8")) for f in files}}
    if source is not None:
        manifest["notebook"] = source
    return json.dumps(manifest, indent=1, sort_keys=True) + "\n"


def _changes(plan: Plan, files: list[GeneratedFile], read: _Reader, source: dict | None = None) -> list[Change]:
    """The journal's changes: creations, updates, removals, then the manifest (if it differs)."""
    by_path = {f.path: f for f in files}
    changes = [Change(path, by_path[path].text.encode("utf-8"), None) for path in plan.create]
    changes += [Change(path, by_path[path].text.encode("utf-8"), sha256(plan.current[path]))
                for path in plan.update]
    changes += [Change(path, None, sha256(plan.current[path])) for path in plan.remove]
    manifest = _manifest_text(files, source).encode("utf-8")
    old = read(MANIFEST)
    if changes or old != manifest:
        changes.append(Change(MANIFEST, manifest, sha256(old) if old is not None else None))
    return changes


def _write_new_tree(files: list[GeneratedFile], out_dir: Path, manifest_text: str, umask: int) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.nb2pipe-", dir=out_dir.parent))
    root_fd = None
    try:
        root_fd = confined.open_root(tmp)
        confined.try_lock(root_fd)  # held until the end: a live run's folder is never removed
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private
        (tmp / _STAGING_MARK).write_text(f"{os.getpid()}\n", encoding="utf-8")
        for f in files:
            confined.write_file(root_fd, f.path, f.text.encode("utf-8"), umask=umask)
        confined.write_file(root_fd, MANIFEST, manifest_text.encode("utf-8"), umask=umask)
        (tmp / _STAGING_MARK).unlink()
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if root_fd is not None:
            os.close(root_fd)


def _remove_stale_staging(out_dir: Path) -> None:
    """Staging folders of ours whose run is gone (their lock is free): from its creation to its
    rename a staging folder is empty, or holds the mark, or (the mark removed) our manifest."""
    for candidate in out_dir.parent.glob(f".{out_dir.name}.nb2pipe-*"):
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue  # a link or a file: not ours
        try:
            names = os.listdir(fd)
            ours = not names or _STAGING_MARK in names or _is_our_manifest(fd)
            if ours and confined.try_lock(fd):
                if names:
                    shutil.rmtree(candidate, ignore_errors=True)
                else:
                    os.rmdir(candidate)  # fails harmlessly if a file appeared meanwhile
        except OSError:
            pass
        finally:
            os.close(fd)


def _is_our_manifest(dir_fd: int) -> bool:
    try:
        data = json.loads(confined.read_file(dir_fd, MANIFEST) or b"null")
    except (UnsafePath, ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("generator") == "nb2pipe"
