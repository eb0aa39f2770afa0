"""Files inside an output folder, reached without following a symbolic link anywhere on the way.

Every path is relative to a folder opened once (``root_fd``); each component below it is opened
with ``O_NOFOLLOW``, so a link planted in an existing tree (``pkg/tests -> /elsewhere``) is refused
instead of written through, and a path from a manifest can only name a file inside the folder.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import stat
from pathlib import PurePosixPath

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class UnsafePath(Exception):
    """A path that would leave the folder or pass through a symbolic link."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path!r} {reason}")
        self.path = path
        self.reason = reason


def relative_parts(path: object) -> tuple[str, ...]:
    """The components of a safe relative POSIX path, or UnsafePath (absolute, ``..``, empty, NUL)."""
    if not isinstance(path, str) or not path:
        raise UnsafePath(str(path), "is not a file name")
    if "\x00" in path or "\\" in path:
        raise UnsafePath(path, "contains a NUL or a backslash")
    pure = PurePosixPath(path)
    if pure.is_absolute():
        raise UnsafePath(path, "is an absolute path")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafePath(path, "leaves the output folder or is not normalised")
    return tuple(parts)


def open_root(folder: os.PathLike | str) -> int:
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))


def open_dir(root_fd: int, parts: tuple[str, ...], path: str, *, create: bool) -> int | None:
    """An fd of the folder ``parts`` below root (None when missing and not ``create``)."""
    fd = os.dup(root_fd)
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    os.close(fd)
                    return None
                os.mkdir(part, 0o777, dir_fd=fd)
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if _is_link(fd, part):
                    raise UnsafePath(path, f"passes through the symbolic link {part!r}") from None
                if exc.errno in (20,):  # ENOTDIR: a file where a folder should be
                    raise UnsafePath(path, f"needs the folder {part!r}, which is a file") from None
                raise
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def read_file(root_fd: int, path: str) -> bytes | None:
    """The bytes of a regular file, None when it does not exist (or is not a regular file)."""
    parts = relative_parts(path)
    dir_fd = open_dir(root_fd, parts[:-1], path, create=False)
    if dir_fd is None:
        return None
    try:
        st = _lstat(dir_fd, parts[-1])
        if st is None:
            return None
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePath(path, "is a symbolic link")
        if not stat.S_ISREG(st.st_mode):
            return None
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
        with os.fdopen(fd, "rb") as fh:
            return fh.read()
    finally:
        os.close(dir_fd)


def write_file(root_fd: int, path: str, data: bytes, *, umask: int) -> None:
    """Write ``data`` to ``path`` by a rename of a temporary sibling: never half-written."""
    parts = relative_parts(path)
    dir_fd = open_dir(root_fd, parts[:-1], path, create=True)
    name = parts[-1]
    tmp = f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        old = _lstat(dir_fd, name)
        if old is not None and stat.S_ISLNK(old.st_mode):
            raise UnsafePath(path, "is a symbolic link")
        mode = stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~umask
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                os.fchmod(fh.fileno(), mode)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=dir_fd)
            except OSError:
                pass
            raise
    finally:
        os.close(dir_fd)


def missing_dirs(root_fd: int, path: str) -> list[str]:
    """The folders on the way to ``path`` that do not exist yet, outermost first."""
    parts = relative_parts(path)
    for depth in range(len(parts) - 1, 0, -1):
        fd = open_dir(root_fd, parts[:depth], path, create=False)
        if fd is not None:
            os.close(fd)
            return ["/".join(parts[:n]) for n in range(depth + 1, len(parts))]
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


def file_mode(root_fd: int, path: str, *, umask: int) -> int:
    """The permission bits a write of ``path`` keeps (its own), or a new file's under ``umask``."""
    parts = relative_parts(path)
    dir_fd = open_dir(root_fd, parts[:-1], path, create=False)
    if dir_fd is None:
        return 0o666 & ~umask
    try:
        st = _lstat(dir_fd, parts[-1])
    finally:
        os.close(dir_fd)
    return stat.S_IMODE(st.st_mode) if st is not None and stat.S_ISREG(st.st_mode) else 0o666 & ~umask


def try_lock(fd: int) -> bool:
    """Take the exclusive advisory lock on an open folder; False when another holder has it.

    The kernel drops the lock when its file is closed or its process dies, so a killed run
    never leaves a folder locked."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            return True  # a file system without locks: one writer at a time is then up to you
        raise
    return True


def _lstat(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
