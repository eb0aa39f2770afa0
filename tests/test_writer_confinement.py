"""A crafted manifest or a planted symlink never makes a regeneration touch a file outside the
output folder; staging folders left by a killed first conversion are cleaned up."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.codegen.common import GeneratedFile
from jupyter_lifecycle.errors import OutputError
from jupyter_lifecycle.writers import MANIFEST, plan_write, write_tree

from conftest import snapshot, write_notebook

FILES = [
    GeneratedFile("README.md", "# demo\n", "test"),
    GeneratedFile("src/demo/stages/train.py", "def train(x):\n    return x + 1\n", "test"),
    GeneratedFile("tests/test_demo.py", "def test_x():\n    assert True\n", "test"),
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def out(tmp_path) -> Path:
    out = tmp_path / "work" / "out"
    write_tree(FILES, out)
    return out


def add_to_manifest(out: Path, path: str, digest: str) -> None:
    data = json.loads((out / MANIFEST).read_text())
    data["files"][path] = digest
    (out / MANIFEST).write_text(json.dumps(data))


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "dot-inside", "backslash"])
def test_a_manifest_naming_a_file_outside_the_output_is_refused(tmp_path, out, kind):
    victim = tmp_path / "work" / "victim.txt"
    victim.write_text("precious\n")
    name = {"dotdot": "../victim.txt", "absolute": str(victim),
            "dot-inside": "src/../../victim.txt", "backslash": "..\\victim.txt"}[kind]
    add_to_manifest(out, name, sha(victim.read_bytes()))
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="cannot be trusted") as err:
        plan_write(FILES, out)  # the dry run refuses too: it never lists a removal outside
    assert name in str(err.value) or repr(name) in str(err.value)
    with pytest.raises(OutputError, match="cannot be trusted"):
        write_tree(FILES, out, force=True)
    assert victim.read_text() == "precious\n"
    assert snapshot(tmp_path) == before


def test_a_manifest_entry_through_a_symlink_is_never_removed(tmp_path, out):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("precious\n")
    (out / "link").symlink_to(outside)
    add_to_manifest(out, "link/victim.txt", sha(b"precious\n"))
    with pytest.raises(OutputError, match="symbolic link"):
        write_tree(FILES, out, force=True)
    assert (outside / "victim.txt").read_text() == "precious\n"


def test_a_generated_folder_replaced_by_a_symlink_is_not_written_through(tmp_path, out):
    outside = tmp_path / "outside"
    outside.mkdir()
    import shutil

    shutil.rmtree(out / "tests")
    (out / "tests").symlink_to(outside)
    changed = [GeneratedFile(f.path, f.text + "# v2\n", "test") for f in FILES]
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="symbolic link 'tests'"):
        write_tree(changed, out, force=True)
    assert list(outside.iterdir()) == []
    assert snapshot(tmp_path) == before  # nothing at all was written


def test_a_generated_file_replaced_by_a_symlink_is_refused(tmp_path, out):
    target = tmp_path / "elsewhere.py"
    target.write_text("mine\n")
    (out / "README.md").unlink()
    (out / "README.md").symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link"):
        write_tree(FILES, out, force=True)
    assert target.read_text() == "mine\n"


def test_a_file_where_a_generated_folder_goes_is_refused_cleanly(tmp_path):
    out = tmp_path / "o"
    write_tree(FILES[:1], out)
    (out / "src").write_text("a user's file\n")
    with pytest.raises(OutputError, match="'src', which is a file"):
        write_tree(FILES, out, force=True)
    assert (out / "src").read_text() == "a user's file\n"


def test_stale_staging_folders_of_a_killed_conversion_are_removed(tmp_path):
    out = tmp_path / "pkg"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / ".pkg.nb2pipe-abc123"
    (stale / "src").mkdir(parents=True)
    (stale / ".nb2pipe-staging").write_text(f"{dead}\n")
    live = tmp_path / ".pkg.nb2pipe-live00"
    live.mkdir()
    (live / ".nb2pipe-staging").write_text(f"{os.getpid()}\n")
    users = tmp_path / ".pkg.nb2pipe-users"
    users.mkdir()
    (users / "mine.txt").write_text("a user's file\n")  # no mark or manifest of ours: kept
    unmarked = tmp_path / ".pkg.nb2pipe-empty0"
    unmarked.mkdir()  # killed before it wrote the mark: empty, so nothing of anyone's is lost
    live_fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(live_fd, fcntl.LOCK_EX)  # a run still going holds its folder's lock: kept
        write_tree(FILES, out)
    finally:
        os.close(live_fd)
    assert not stale.exists() and not unmarked.exists()
    assert live.exists() and (users / "mine.txt").read_text() == "a user's file\n"
    assert (out / "README.md").is_file() and not (out / ".nb2pipe-staging").exists()


def test_cli_force_with_a_crafted_manifest_exits_2_and_deletes_nothing(tmp_path):
    nb = tmp_path / "nb.ipynb"
    write_notebook(nb, [("x = 1", ["lifecycle:ingest"]), ("y = x + 1", ["lifecycle:prepare"])])
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    from click.testing import CliRunner

    from jupyter_lifecycle.cli import main

    runner = CliRunner()
    first = runner.invoke(main, ["convert", str(nb), "-o", str(tmp_path / "out")])
    assert first.exit_code == 0, first.output
    add_to_manifest(tmp_path / "out", "../victim.txt", sha(victim.read_bytes()))
    for extra in (["--dry-run"], []):
        result = runner.invoke(main, ["convert", str(nb), "-o", str(tmp_path / "out"), "--force", *extra])
        assert result.exit_code == 2, result.output
        assert "cannot be trusted" in result.output and "remove ../victim.txt" not in result.output
    assert victim.read_text() == "precious\n"
