"""``nb2pipe tag`` writes the notebook the way the user keeps it: line endings, the file a link
points to, permissions; bad tags or a folder it cannot write get one clear message and exit 2."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle.cli import main

from conftest import make_notebook, snapshot

CELLS = [("import math", ["lifecycle:setup"]), ("x = 1", ["lifecycle:ingest", "keep-me"]),
         ("y = x + 1", [])]


def run(*args):
    return CliRunner().invoke(main, ["tag", *map(str, args)], env={"COLUMNS": "200"})


def check(result, code: int) -> None:
    tb = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{tb}"
    assert "Traceback" not in result.output


def notebook_text(newline: str = "\n") -> str:
    text = json.dumps(make_notebook(CELLS), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return text.replace("\n", newline)


def tags_of(path: Path, index: int) -> list:
    return json.loads(path.read_bytes())["cells"][index]["metadata"].get("tags", [])


def test_a_crlf_notebook_keeps_its_line_endings(tmp_path):
    path = tmp_path / "nb.ipynb"
    original = notebook_text("\r\n")
    path.write_bytes(original.encode("utf-8"))
    result = run(path, "--cell", "2", "--stage", "train")
    check(result, 0)
    data = path.read_bytes()
    assert tags_of(path, 2) == ["lifecycle:train"]
    assert data.count(b"\r\n") == data.count(b"\n")  # every line still ends in CRLF
    assert "normalised" not in result.stdout  # the layout was kept, so no note about it
    # nothing but the tag changed: the same edit on the LF form gives the same text, in CRLF
    lf = tmp_path / "lf.ipynb"
    lf.write_bytes(notebook_text().encode("utf-8"))
    check(run(lf, "--cell", "2", "--stage", "train"), 0)
    assert data == lf.read_bytes().replace(b"\n", b"\r\n")


def test_an_lf_notebook_stays_lf(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(notebook_text().encode("utf-8"))
    check(run(path, "--cell", "2", "--stage", "train"), 0)
    assert b"\r" not in path.read_bytes()


def test_a_symlinked_notebook_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "real" / "nb.ipynb"
    real.parent.mkdir()
    real.write_bytes(notebook_text().encode("utf-8"))
    link_dir = tmp_path / "links"
    link_dir.mkdir()
    link = link_dir / "nb.ipynb"
    link.symlink_to(real)
    check(run(link, "--cell", "2", "--stage", "train"), 0)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert tags_of(real, 2) == ["lifecycle:train"]
    assert sorted(p.name for p in link_dir.iterdir()) == ["nb.ipynb"]  # no temporary left
    assert sorted(p.name for p in real.parent.iterdir()) == ["nb.ipynb"]


def test_the_files_permissions_are_kept(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(notebook_text().encode("utf-8"))
    path.chmod(0o640)
    check(run(path, "--cell", "2", "--stage", "train"), 0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_read_only_notebook_is_refused(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(notebook_text().encode("utf-8"))
    path.chmod(0o444)
    before = snapshot(tmp_path)
    result = run(path, "--cell", "2", "--stage", "train")
    check(result, 2)
    assert "read-only" in result.stderr and "nb.ipynb" in result.stderr
    assert snapshot(tmp_path) == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.parametrize("tags", [[5], ["lifecycle:ingest", None], [["a"]], "lifecycle:train"])
def test_a_non_string_tag_is_a_clear_error_naming_the_cell(tmp_path, tags):
    nb = make_notebook(CELLS)
    nb.cells[1].metadata["tags"] = tags
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    before = snapshot(tmp_path)
    result = run(path, "--cell", "c1", "--stage", "train")
    check(result, 2)
    assert "nb.ipynb" in result.stderr and "cell 1" in result.stderr and "c1" in result.stderr
    assert "metadata.tags" in result.stderr
    assert snapshot(tmp_path) == before


def test_a_read_only_folder_is_refused_by_its_permissions(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "nb.ipynb"
    path.write_bytes(notebook_text().encode("utf-8"))
    folder.chmod(0o555)
    try:
        before = snapshot(tmp_path)
        result = run(path, "--cell", "2", "--stage", "train")
        check(result, 2)
        assert "read-only" in result.stderr and "ro" in result.stderr
        assert snapshot(tmp_path) == before
    finally:
        folder.chmod(0o755)


@pytest.fixture
def read_only_mount(tmp_path):
    """A folder on a read-only file system (a tmpfs remounted read-only); needs root."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8); the permission-bit case covers the rest")
    folder = tmp_path / "mnt"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    try:
        (folder / "nb.ipynb").write_bytes(notebook_text().encode("utf-8"))
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_notebook_on_a_read_only_file_system_is_a_clear_error(read_only_mount):
    path = read_only_mount / "nb.ipynb"
    before = path.read_bytes()
    result = run(path, "--cell", "2", "--stage", "train")
    check(result, 2)
    assert "nb.ipynb" in result.stderr and "read-only" in result.stderr
    assert path.read_bytes() == before


@pytest.fixture
def full_disk(tmp_path):
    """A notebook on a small tmpfs filled to the last page; needs root."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], check=True)
    try:
        (folder / "nb.ipynb").write_bytes(notebook_text().encode("utf-8"))
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == 28
        finally:
            os.close(fd)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_leaves_the_notebook_whole_and_no_temporary_file(full_disk):
    path = full_disk / "nb.ipynb"
    before = path.read_bytes()
    result = run(path, "--cell", "2", "--stage", "train")
    check(result, 2)
    assert "cannot write the notebook" in result.stderr and "No space left" in result.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "nb.ipynb"]
    (full_disk / "filler").unlink()
    check(run(path, "--cell", "2", "--stage", "train"), 0)
    assert tags_of(path, 2) == ["lifecycle:train"]
