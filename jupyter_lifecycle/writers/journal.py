"""All-or-nothing changes to an existing output folder, kept by an intent journal.

A regeneration changes many files, and a full disk or a SIGKILL can stop it after any of them:

1. *stage*: every new file's bytes go to ``.nb2pipe-txn/new/<n>`` inside the output folder (the
   same file system, so they later move by a rename, which needs no space); a fault here leaves
   the tree as it was, and only the staging folder to remove;
2. *journal*: ``.nb2pipe-txn/journal.json`` lists every change (path, sha256 of the file there
   now or none, sha256 of the new one or none) and the folders to create; it lands by a rename;
3. *apply*: each old file gets a second link ``old/<n>`` (a removed one moves there), then its
   new file replaces it by a rename, the manifest last: a path holds old bytes or new ones;
4. *finish*: the journal is deleted, then the staging folder.

A fault during 3 rolls back at once; a run killed during 2 or 3 leaves the journal, and the next
run rolls it back (every old file is still in ``old/<n>`` or in its place) before it plans, so
the folder holds the old tree or the new one, never a mix that outlives a run. A read-only plan
(``--dry-run``) sees the folder as the roll-back will leave it, writing nothing. Files the
journal does not name (a user's own) are never touched. One run at a time writes a folder: an
advisory lock on it, which the kernel drops when its process dies, so a killed run never blocks
the next one. Every path goes through ``confined``: no ``..``, no absolute path, no link.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass

from . import confined

TXN = ".nb2pipe-txn"
_JOURNAL = "journal.json"
_MARK = "owner"  # written first: a staging folder holding it (or nothing) is ours to remove
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class JournalError(Exception):
    """An interrupted regeneration that cannot be rolled back safely, or a second writer."""


@dataclass(frozen=True)
class Change:
    path: str
    new: bytes | None  # None: remove the file
    old_sha: str | None  # None: no file is there now


@dataclass(frozen=True)
class Op:
    path: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Journal:
    dirs: tuple[str, ...]
    ops: tuple[Op, ...]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lock(root_fd: int) -> None:
    if not confined.try_lock(root_fd):
        raise JournalError("another nb2pipe run is writing this folder; wait for it to finish")


def apply(root_fd: int, changes: list[Change], *, umask: int) -> None:
    """Make every change or none (the caller holds ``lock``)."""
    if not changes:
        return
    txn_fd = _start(root_fd)
    try:
        try:
            journal = _stage(root_fd, txn_fd, changes, umask)
            _write_journal(txn_fd, journal)
        except BaseException:
            shutil.rmtree(TXN, dir_fd=root_fd, ignore_errors=True)  # the tree was not touched
            raise
        try:
            _apply(root_fd, txn_fd, journal)
        except BaseException as exc:
            try:
                _rollback(root_fd, txn_fd, journal)
            except (OSError, JournalError, confined.UnsafePath):
                if isinstance(exc, OSError):  # the journal stays, and the next run rolls back
                    raise JournalError(f"cannot write the output: {exc.strerror or exc}; the next "
                                       "run undoes the part already written") from None
            raise
        _finish(root_fd, txn_fd)
    finally:
        os.close(txn_fd)


def recover(root_fd: int) -> bool:
    """Roll back what a killed run left (the caller holds ``lock``); True when there was any."""
    txn_fd = _open_txn(root_fd)
    if txn_fd is None:
        return False
    try:
        names = os.listdir(txn_fd)
        if _JOURNAL in names:
            _rollback(root_fd, txn_fd, _read_journal(txn_fd))
        elif _MARK in names or not names:
            shutil.rmtree(TXN, dir_fd=root_fd)  # staged but never started: the tree is the old one
        else:
            raise JournalError(f"{TXN}/ in the output folder was not made by nb2pipe; move it away")
    finally:
        os.close(txn_fd)
    return True


def pending_view(root_fd: int) -> dict[str, bytes | None]:
    """The files an interrupted regeneration changed, as its roll-back will leave them."""
    txn_fd = _open_txn(root_fd)
    if txn_fd is None:
        return {}
    try:
        if _JOURNAL not in os.listdir(txn_fd):
            return {}
        journal = _read_journal(txn_fd)
        view: dict[str, bytes | None] = {}
        for i, op in enumerate(journal.ops):
            saved = confined.read_file(txn_fd, f"old/{i}") if op.old is not None else None
            view[op.path] = saved if saved is not None or op.old is None else \
                confined.read_file(root_fd, op.path)
        return view
    finally:
        os.close(txn_fd)


# -- the steps ---------------------------------------------------------------------------------
def _start(root_fd: int) -> int:
    os.mkdir(TXN, 0o700, dir_fd=root_fd)
    txn_fd = os.open(TXN, _DIR, dir_fd=root_fd)
    try:
        _write_new(txn_fd, _MARK, b"nb2pipe\n", 0o600)
        os.mkdir("new", 0o700, dir_fd=txn_fd)
        os.mkdir("old", 0o700, dir_fd=txn_fd)
    except BaseException:
        os.close(txn_fd)
        shutil.rmtree(TXN, dir_fd=root_fd, ignore_errors=True)
        raise
    return txn_fd


def _stage(root_fd: int, txn_fd: int, changes: list[Change], umask: int) -> Journal:
    dirs: list[str] = []
    ops = []
    new_fd = os.open("new", _DIR, dir_fd=txn_fd)
    try:
        for i, change in enumerate(changes):
            if change.new is not None:
                mode = confined.file_mode(root_fd, change.path, umask=umask)
                _write_new(new_fd, str(i), change.new, mode)
                dirs.extend(d for d in confined.missing_dirs(root_fd, change.path) if d not in dirs)
            ops.append(Op(change.path, change.old_sha,
                          sha256(change.new) if change.new is not None else None))
        os.fsync(new_fd)
    finally:
        os.close(new_fd)
    return Journal(tuple(dirs), tuple(ops))


def _write_journal(txn_fd: int, journal: Journal) -> None:
    data = {"version": 1, "dirs": list(journal.dirs),
            "ops": [{"path": op.path, "old": op.old, "new": op.new} for op in journal.ops]}
    _write_new(txn_fd, "journal.tmp", json.dumps(data, indent=1).encode("utf-8"), 0o600)
    os.replace("journal.tmp", _JOURNAL, src_dir_fd=txn_fd, dst_dir_fd=txn_fd)
    os.fsync(txn_fd)


def _apply(root_fd: int, txn_fd: int, journal: Journal) -> None:
    for folder in journal.dirs:
        os.close(confined.open_dir(root_fd, confined.relative_parts(folder), folder, create=True))
    with _Slots(txn_fd) as slots:
        for i, op in enumerate(journal.ops):
            parts = confined.relative_parts(op.path)
            parent = confined.open_dir(root_fd, parts[:-1], op.path, create=op.new is not None)
            if parent is None:
                continue
            try:
                if op.old is not None:
                    _keep_old(parent, parts[-1], slots.old, str(i), linked=op.new is not None)
                if op.new is not None:
                    os.replace(str(i), parts[-1], src_dir_fd=slots.new, dst_dir_fd=parent)
            finally:
                os.close(parent)


def _keep_old(parent: int, name: str, old_fd: int, slot: str, *, linked: bool) -> None:
    """Keep the old file in its slot: a second link when a new file replaces it (so its path
    always holds the old bytes or the new ones), else by moving it there."""
    try:
        if linked:
            try:
                os.link(name, slot, src_dir_fd=parent, dst_dir_fd=old_fd, follow_symlinks=False)
                return
            except FileExistsError:
                return  # kept already
            except PermissionError:
                pass  # a file system without hard links: move it
        os.replace(name, slot, src_dir_fd=parent, dst_dir_fd=old_fd)
    except FileNotFoundError:
        pass  # gone already: nothing to keep


def _rollback(root_fd: int, txn_fd: int, journal: Journal) -> None:
    with _Slots(txn_fd) as slots:
        moves = [_undo(root_fd, slots, i, op) for i, op in enumerate(journal.ops)]  # check all first
        for i, (op, placed) in reversed(list(enumerate(zip(journal.ops, moves)))):
            parts = confined.relative_parts(op.path)
            parent = confined.open_dir(root_fd, parts[:-1], op.path, create=op.old is not None)
            if parent is None:
                continue
            try:
                if placed:  # our new file goes back to its slot, then the old one to its place
                    os.replace(parts[-1], str(i), src_dir_fd=parent, dst_dir_fd=slots.new)
                if not placed and _same_file(parent, parts[-1], slots.old, str(i)):
                    os.unlink(str(i), dir_fd=slots.old)  # the old file never left its place
                elif _exists(slots.old, str(i)):
                    os.replace(str(i), parts[-1], src_dir_fd=slots.old, dst_dir_fd=parent)
            finally:
                os.close(parent)
    for folder in reversed(journal.dirs):
        parts = confined.relative_parts(folder)
        parent = confined.open_dir(root_fd, parts[:-1], folder, create=False)
        if parent is not None:
            try:
                os.rmdir(parts[-1], dir_fd=parent)
            except OSError:
                pass  # not empty (a user's file) or gone: leave it
            finally:
                os.close(parent)
    _finish(root_fd, txn_fd)


def _undo(root_fd: int, slots: _Slots, i: int, op: Op) -> bool:
    """Whether op ``i`` placed its new file; raises when undoing it would lose someone's file."""
    current = confined.read_file(root_fd, op.path)
    placed = op.new is not None and not _exists(slots.new, str(i))
    if placed and (current is None or sha256(current) != op.new):
        raise JournalError(f"cannot undo the interrupted regeneration: {op.path} changed after it "
                           f"stopped; move {op.path} away, then run again")
    if not placed and current is not None and _exists(slots.old, str(i)) and sha256(current) != op.old:
        raise JournalError(f"cannot undo the interrupted regeneration: {op.path} was written after "
                           f"it stopped; move {op.path} away, then run again")
    return placed


def _finish(root_fd: int, txn_fd: int) -> None:
    os.unlink(_JOURNAL, dir_fd=txn_fd)  # from here on the tree is final, whatever happens next
    shutil.rmtree(TXN, dir_fd=root_fd)


# -- small pieces ------------------------------------------------------------------------------
class _Slots:
    """The ``new`` and ``old`` folders of the staging folder, opened without following links."""

    def __init__(self, txn_fd: int):
        self._txn_fd = txn_fd

    def __enter__(self) -> _Slots:
        self.new = os.open("new", _DIR, dir_fd=self._txn_fd)
        try:
            self.old = os.open("old", _DIR, dir_fd=self._txn_fd)
        except BaseException:
            os.close(self.new)
            raise
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.new)
        os.close(self.old)


def _open_txn(root_fd: int) -> int | None:
    try:
        st = os.stat(TXN, dir_fd=root_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(st.st_mode):
        raise JournalError(f"{TXN} in the output folder is not a folder nb2pipe made; move it away")
    return os.open(TXN, _DIR, dir_fd=root_fd)


def _read_journal(txn_fd: int) -> Journal:
    raw = confined.read_file(txn_fd, _JOURNAL) or b""
    try:
        data = json.loads(raw.decode("utf-8"))
        dirs = tuple(data["dirs"])
        ops = tuple(Op(o["path"], o["old"], o["new"]) for o in data["ops"])
        for path in (*dirs, *(op.path for op in ops)):
            confined.relative_parts(path)
        if not all(isinstance(v, (str, type(None))) for op in ops for v in (op.old, op.new)):
            raise TypeError("a digest is not a string")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError,
            confined.UnsafePath) as exc:
        raise JournalError(f"{TXN}/{_JOURNAL} cannot be trusted ({exc}); move {TXN}/ away after "
                           "checking the output folder") from None
    return Journal(dirs, ops)


def _write_new(dir_fd: int, name: str, data: bytes, mode: int) -> None:
    fd = os.open(name, _NEW_FILE, 0o600, dir_fd=dir_fd)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fchmod(fh.fileno(), mode)
        os.fsync(fh.fileno())


def _same_file(dir_a: int, name_a: str, dir_b: int, name_b: str) -> bool:
    try:
        a = os.stat(name_a, dir_fd=dir_a, follow_symlinks=False)
        b = os.stat(name_b, dir_fd=dir_b, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True
