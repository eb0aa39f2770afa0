"""``write_tree`` / ``plan_write``: whole new trees, no half-written output, no lost work."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from jupyter_lifecycle.codegen.common import GeneratedFile
from jupyter_lifecycle.errors import OutputError
from jupyter_lifecycle.writers import MANIFEST, plan_write, write_tree

from conftest import snapshot


def gf(path: str, text: str) -> GeneratedFile:
    return GeneratedFile(path, text, "test")


FILES = [
    gf("README.md", "# demo\n\nGenerated.\n"),
    gf("src/demo/__init__.py", '"""Demo."""\n'),
    gf("src/demo/stages/train.py", "def train(x):\n    return x + 1\n"),
    gf("src/demo/stages/evaluate.py", "def evaluate(m):\n    return {'m': m}\n"),
    gf("data/ünïcode.txt", "héllo ✓\n"),
]
PATHS = sorted(f.path for f in FILES)


def replaced(files, path, text):
    return [gf(f.path, text) if f.path == path else f for f in files]


def tree_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_of(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def written(out) -> Path:
    write_tree(FILES, out)
    return out


# -- a new directory --------------------------------------------------------------------------
def test_new_directory_is_created_whole(tmp_path, out):
    plan = write_tree(FILES, out)
    assert not plan.exists
    assert sorted(plan.create) == PATHS
    assert plan.update == plan.unchanged == plan.remove == plan.conflicts == []
    assert tree_files(out) == sorted([*PATHS, MANIFEST])
    for f in FILES:
        assert (out / f.path).read_bytes() == f.text.encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary sibling left behind


def test_missing_parents_are_created(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    write_tree(FILES, out)
    assert tree_files(out) == sorted([*PATHS, MANIFEST])
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["out"]


def test_an_existing_empty_directory_counts_as_new(out):
    out.mkdir()
    plan = write_tree(FILES, out)
    assert not plan.exists and sorted(plan.create) == PATHS
    assert tree_files(out) == sorted([*PATHS, MANIFEST])


def test_manifest_lists_the_sha256_of_every_generated_file(written):
    manifest = manifest_of(written)
    assert manifest["generator"] == "nb2pipe"
    assert manifest["files"] == {f.path: sha(f.text) for f in FILES}
    assert MANIFEST not in manifest["files"]
    for path, digest in manifest["files"].items():
        assert hashlib.sha256((written / path).read_bytes()).hexdigest() == digest


def _umask_modes(tmp_path: Path) -> tuple[int, int]:
    """The permission bits a plain mkdir / file creation gets under the current umask."""
    probe_dir = tmp_path / "probe-dir"
    probe_dir.mkdir()
    probe_file = tmp_path / "probe-file"
    probe_file.write_text("x", encoding="utf-8")
    modes = stat.S_IMODE(probe_dir.stat().st_mode), stat.S_IMODE(probe_file.stat().st_mode)
    probe_dir.rmdir()
    probe_file.unlink()
    return modes


def test_new_tree_gets_ordinary_permissions(tmp_path, out):
    """The output is a package for others to read: not a private (0700) temporary directory."""
    dir_mode, file_mode = _umask_modes(tmp_path)
    write_tree(FILES, out)
    assert oct(stat.S_IMODE(out.stat().st_mode)) == oct(dir_mode)
    for path in [out / "src", out / "src" / "demo" / "stages"]:
        assert oct(stat.S_IMODE(path.stat().st_mode)) == oct(dir_mode), path
    for f in FILES:
        assert oct(stat.S_IMODE((out / f.path).stat().st_mode)) == oct(file_mode), f.path


def test_files_added_on_regenerate_get_ordinary_permissions(tmp_path, written):
    _, file_mode = _umask_modes(tmp_path)
    files = [*FILES, gf("src/demo/stages/deploy.py", "def deploy():\n    pass\n")]
    plan = write_tree(files, written, force=True)
    assert plan.create == ["src/demo/stages/deploy.py"]
    mode = stat.S_IMODE((written / "src/demo/stages/deploy.py").stat().st_mode)
    assert oct(mode) == oct(file_mode)  # like its siblings, not mkstemp's 0600
    assert oct(stat.S_IMODE((written / MANIFEST).stat().st_mode)) == oct(file_mode)


def test_an_updated_file_keeps_its_permissions(written):
    script = written / "src/demo/stages/train.py"
    script.chmod(0o750)
    write_tree(replaced(FILES, "src/demo/stages/train.py", "def train(x):\n    return 2\n"),
               written, force=True)
    assert script.read_text(encoding="utf-8").endswith("return 2\n")
    assert oct(stat.S_IMODE(script.stat().st_mode)) == oct(0o750)


# -- failures leave nothing behind ------------------------------------------------------------
def test_failure_midway_leaves_no_output_and_no_temp_dir(tmp_path, out):
    files = [gf("README.md", "# demo\n"), gf("pkg", "a file\n"), gf("pkg/mod.py", "x = 1\n")]
    with pytest.raises((OSError, OutputError)):
        write_tree(files, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_of_the_final_rename_leaves_no_output_and_no_temp_dir(tmp_path, out, monkeypatch):
    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OutputError, match="No space left"):
        write_tree(FILES, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_a_file_leaves_no_output_and_no_temp_dir(tmp_path, out, monkeypatch):
    from jupyter_lifecycle.writers import confined

    real = confined.write_file
    calls = []

    def flaky(root_fd, path, data, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(5, "Input/output error")
        return real(root_fd, path, data, **kwargs)

    monkeypatch.setattr(confined, "write_file", flaky)
    with pytest.raises(OutputError, match="Input/output error"):
        write_tree(FILES, out)
    assert len(calls) == 3
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_midway_through_a_regenerate_never_half_writes_a_file(written, monkeypatch):
    new_files = [gf(f.path, f.text + "# v2\n") for f in FILES]
    before = {p: (written / p).read_bytes() for p in PATHS}
    real = os.replace
    calls = []

    def flaky(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OutputError):
        write_tree(new_files, written, force=True)
    monkeypatch.undo()
    for f in new_files:  # rolled back: every file is the old one, and so is the manifest
        assert (written / f.path).read_bytes() == before[f.path]
    assert manifest_of(written)["files"] == {f.path: sha(f.text) for f in FILES}
    leftovers = [p for p in tree_files(written)
                 if p != MANIFEST and (p.endswith(".tmp") or "/." in "/" + p)]
    assert leftovers == []
    # and a second attempt completes the job without calling anything a hand edit
    plan = write_tree(new_files, written, force=True)
    assert plan.conflicts == []
    for f in new_files:
        assert (written / f.path).read_text(encoding="utf-8") == f.text
    assert manifest_of(written)["files"] == {f.path: sha(f.text) for f in new_files}


def test_a_failed_regenerate_removes_the_folders_it_created(tmp_path, written, monkeypatch):
    files = [*FILES, gf("src/demo/extra/deep/mod.py", "X = 1\n")]
    before = snapshot(tmp_path)
    real = os.replace

    def fail_on_the_manifest(src, dst, **kwargs):
        if dst == MANIFEST:
            raise OSError(28, "No space left on device")
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", fail_on_the_manifest)
    with pytest.raises(OutputError, match="No space left"):
        write_tree(files, written, force=True)
    monkeypatch.undo()
    assert not (written / "src/demo/extra").exists()
    assert snapshot(tmp_path) == before


def test_when_even_the_roll_back_fails_the_next_run_undoes_it(written, monkeypatch):
    new_files = [gf(f.path, f.text + "# v2\n") for f in FILES]
    real = os.replace
    calls = []

    def broken_from_the_third_call(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) >= 3:
            raise OSError(5, "Input/output error")
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", broken_from_the_third_call)
    with pytest.raises(OutputError, match="Input/output error.*next run undoes"):
        write_tree(new_files, written, force=True)
    monkeypatch.undo()
    assert (written / ".nb2pipe-txn" / "journal.json").is_file()
    assert plan_write(new_files, written).conflicts == []  # a dry run sees the old tree
    plan = write_tree(new_files, written, force=True)
    assert sorted(plan.update) == PATHS and plan.conflicts == []
    for f in new_files:
        assert (written / f.path).read_text(encoding="utf-8") == f.text
    assert not (written / ".nb2pipe-txn").exists()


# -- an existing directory --------------------------------------------------------------------
def test_existing_directory_is_refused_without_force(tmp_path, written):
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="--force") as err:
        write_tree(replaced(FILES, "README.md", "# v2\n"), written)
    assert str(written) in str(err.value)
    assert snapshot(tmp_path) == before


def test_regenerating_identical_files_reports_them_unchanged_and_keeps_them(written):
    before = snapshot(written)
    plan = write_tree(FILES, written, force=True)
    assert plan.exists
    assert sorted(plan.unchanged) == PATHS
    assert plan.create == plan.update == plan.remove == plan.conflicts == []
    after = snapshot(written)
    for path in PATHS:
        assert after[path] == before[path]  # bytes and mtime: not rewritten


def test_changed_generated_file_is_updated_and_the_manifest_follows(written):
    before = snapshot(written)
    files = replaced(FILES, "src/demo/stages/train.py", "def train(x):\n    return x + 2\n")
    plan = write_tree(files, written, force=True)
    assert plan.update == ["src/demo/stages/train.py"]
    assert sorted(plan.unchanged) == [p for p in PATHS if p != "src/demo/stages/train.py"]
    assert (written / "src/demo/stages/train.py").read_text(encoding="utf-8").endswith("x + 2\n")
    assert manifest_of(written)["files"]["src/demo/stages/train.py"] == \
        sha("def train(x):\n    return x + 2\n")
    after = snapshot(written)
    for path in plan.unchanged:
        assert after[path] == before[path]


def test_stale_unedited_generated_files_are_removed(written):
    files = [f for f in FILES if f.path != "src/demo/stages/evaluate.py"]
    plan = write_tree(files, written, force=True)
    assert plan.remove == ["src/demo/stages/evaluate.py"]
    assert not (written / "src/demo/stages/evaluate.py").exists()
    assert "src/demo/stages/evaluate.py" not in manifest_of(written)["files"]
    assert tree_files(written) == sorted([*(f.path for f in files), MANIFEST])


def test_stale_hand_edited_files_are_kept(written):
    stale = written / "src/demo/stages/evaluate.py"
    stale.write_text(stale.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    files = [f for f in FILES if f.path != "src/demo/stages/evaluate.py"]
    plan = write_tree(files, written, force=True)
    assert plan.remove == []
    assert stale.read_text(encoding="utf-8").endswith("# mine\n")


def test_hand_edited_file_is_a_conflict_and_nothing_is_written(tmp_path, written):
    edited = written / "src/demo/stages/train.py"
    edited.write_text("def train(x):\n    return x * 100  # tuned by hand\n", encoding="utf-8")
    files = replaced(FILES, "README.md", "# demo v2\n")  # an update ...
    files = [f for f in files if f.path != "src/demo/stages/evaluate.py"]  # ... a removal ...
    files.append(gf("src/demo/stages/deploy.py", "def deploy():\n    pass\n"))  # ... a creation
    files = replaced(files, "src/demo/stages/train.py", "def train(x):\n    return x + 2\n")
    before = snapshot(tmp_path)
    plan = plan_write(files, written)
    assert plan.conflicts == ["src/demo/stages/train.py"]
    with pytest.raises(OutputError, match="edited by hand") as err:
        write_tree(files, written, force=True)
    assert "src/demo/stages/train.py" in str(err.value)
    assert snapshot(tmp_path) == before  # bytes and mtimes of every file, and no new files


def test_a_users_file_where_we_would_create_one_is_a_conflict(tmp_path, written):
    mine = written / "src/demo/stages/deploy.py"
    mine.write_text("# my own module\n", encoding="utf-8")
    files = [*FILES, gf("src/demo/stages/deploy.py", "def deploy():\n    pass\n")]
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="deploy.py"):
        write_tree(files, written, force=True)
    assert snapshot(tmp_path) == before


def test_a_users_extra_files_survive_force(written):
    (written / "NOTES.md").write_text("notes\n", encoding="utf-8")
    (written / "src/demo/stages/mine.py").write_text("X = 1\n", encoding="utf-8")
    files = replaced(FILES, "README.md", "# demo v2\n")
    files = [f for f in files if f.path != "src/demo/stages/evaluate.py"]
    write_tree(files, written, force=True)
    assert (written / "NOTES.md").read_text(encoding="utf-8") == "notes\n"
    assert (written / "src/demo/stages/mine.py").read_text(encoding="utf-8") == "X = 1\n"
    assert "NOTES.md" not in manifest_of(written)["files"]


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_without_a_readable_manifest_every_differing_file_is_a_conflict(tmp_path, written, damage):
    if damage == "delete":
        (written / MANIFEST).unlink()
    else:
        (written / MANIFEST).write_text("{not json", encoding="utf-8")
    files = replaced(FILES, "README.md", "# demo v2\n")
    before = snapshot(tmp_path)
    plan = plan_write(files, written)
    assert plan.conflicts == ["README.md"] and plan.remove == []
    with pytest.raises(OutputError):
        write_tree(files, written, force=True)
    assert snapshot(tmp_path) == before


def test_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "out"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError, match="not a directory"):
        plan_write(FILES, target)
    with pytest.raises(OutputError):
        write_tree(FILES, target, force=True)
    assert target.read_text(encoding="utf-8") == "mine\n"


# -- plans and diffs --------------------------------------------------------------------------
def test_plan_for_a_new_directory_writes_nothing_and_diffs_every_file(tmp_path, out):
    plan = plan_write(FILES, out)
    assert sorted(plan.create) == PATHS and not plan.exists
    diff = plan.diff(FILES)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert "--- a/README.md\n+++ b/README.md\n" in diff
    assert "+# demo\n" in diff
    assert "+héllo ✓\n" in diff
    assert diff.count("+++ b/") == len(FILES)


def test_plan_diff_shows_updates_and_removals_but_not_unchanged_files(tmp_path, written):
    files = replaced(FILES, "src/demo/stages/train.py", "def train(x):\n    return x + 2\n")
    files = [f for f in files if f.path != "src/demo/stages/evaluate.py"]
    before = snapshot(tmp_path)
    plan = plan_write(files, written)
    assert plan.update == ["src/demo/stages/train.py"]
    assert plan.remove == ["src/demo/stages/evaluate.py"]
    diff = plan.diff(files)
    assert snapshot(tmp_path) == before
    assert "--- a/src/demo/stages/train.py\n+++ b/src/demo/stages/train.py\n" in diff
    assert "\n-    return x + 1\n+    return x + 2\n" in diff
    assert "--- a/src/demo/stages/evaluate.py\n+++ /dev/null\n" in diff
    assert "-def evaluate(m):\n" in diff
    assert "README.md" not in diff and "__init__.py" not in diff


def test_plan_of_an_unchanged_tree_has_an_empty_diff(written):
    plan = plan_write(FILES, written)
    assert sorted(plan.unchanged) == PATHS
    assert plan.diff(FILES) == ""
