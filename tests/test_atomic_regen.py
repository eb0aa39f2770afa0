"""A regeneration is all or nothing: after a full disk or a SIGKILL at any point the output folder
holds the old tree or the new one (a mix only while a journal says how to undo it), users' own
files survive, and the next run recovers by itself. A first conversion killed midway leaves only
a staging folder, which the next run removes.

The kills are deterministic: a child process runs the real writer with its ``os`` calls gated, so
it announces every mutating call (create, chmod, fsync, rename, unlink, mkdir, rmdir, rmtree) on a
pipe and waits for a go-ahead; the test lets ``k`` calls through, then sends SIGKILL while the
child waits before call ``k + 1`` (an unbounded per-write delay, and no timing involved).
The full disk is a real, small tmpfs (needs root to mount; skipped with that reason otherwise).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle import api
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.errors import OutputError
from jupyter_lifecycle.writers import MANIFEST, confined, journal, write_tree

from conftest import write_notebook

SEED = 20261202
TXN = journal.TXN
OLD_CELLS = [
    ("import math", ["lifecycle:setup"]),
    ("alpha = 0.5", ["parameters"]),
    ("x = [1.0, 2.0, 3.0]", ["lifecycle:ingest"]),
    ("y = [v * alpha for v in x]", ["lifecycle:prepare"]),
    ("model = sum(y)", ["lifecycle:train"]),
    ('metrics = {"total": float(model)}', ["lifecycle:evaluate"]),
]
NEW_CELLS = [  # prepare changes, train goes away, validate and deploy appear
    ("import math", ["lifecycle:setup"]),
    ("alpha = 0.5", ["parameters"]),
    ("x = [1.0, 2.0, 3.0]", ["lifecycle:ingest"]),
    ("y = [math.sqrt(v) * alpha for v in x]", ["lifecycle:prepare"]),
    ('metrics = {"total": float(sum(y))}', ["lifecycle:evaluate"]),
    ('assert metrics["total"] > 0', ["lifecycle:validate"]),
    ('summary = dict(metrics)', ["lifecycle:deploy"]),
]
USER_FILES = {"NOTES.md": b"my notes\n", "data/mine.csv": b"a,b\n1,2\n"}

GATED_DRIVER = r'''
import json, os, shutil, sys
out_fd, in_fd = int(sys.argv[1]), int(sys.argv[2])
from dataclasses import dataclass
from jupyter_lifecycle.writers import confined, journal, tree
GATED = {"open", "fchmod", "chmod", "fsync", "replace", "rename", "link", "unlink", "mkdir",
         "rmdir", "rmtree"}

@dataclass
class GeneratedFile:  # what the writer reads of codegen's record (importing codegen loads libcst)
    path: str
    text: str
    provenance: str

def wait_for_go():
    os.write(out_fd, b".")
    if os.read(in_fd, 1) != b"g":
        os._exit(99)

class Gated:
    def __init__(self, real):
        self._real = real
    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if name not in GATED:
            return attr
        def gated(*args, **kwargs):
            if name != "open" or args[1] & os.O_CREAT:
                wait_for_go()
            return attr(*args, **kwargs)
        return gated

for module in (confined, journal, tree):
    module.os = Gated(os)
journal.shutil = tree.shutil = Gated(shutil)
spec = json.loads(open(sys.argv[3], encoding="utf-8").read())
files = [GeneratedFile(f["path"], f["text"], "test") for f in spec["files"]]
tree.write_tree(files, spec["out"], force=spec["force"])
print("done")
'''


# -- trees ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """The real converter's files for the old and the new notebook, and the trees they make."""
    root = tmp_path_factory.mktemp("trees")
    result = {}
    for name, cells in (("old", OLD_CELLS), ("new", NEW_CELLS)):
        (root / f"nb-{name}").mkdir()
        nb = write_notebook(root / f"nb-{name}" / "nb.ipynb", cells)
        converted = api.convert(nb, root / f"nb-{name}" / "out", package="demo", dry_run=True,
                                use_cache=False)
        assert converted.files and not [d for d in converted.diagnostics if d.is_error]
        write_tree(converted.files, root / name)
        result[name] = converted.files
        result[f"{name}_tree"] = generated_state(root / name)
    old, new = result["old_tree"], result["new_tree"]
    assert any(p not in new for p in old) and any(p not in old for p in new)  # removals, creations
    assert any(p in new and old[p] != new[p] for p in old)  # and updates
    return result


def generated_state(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` except users' own and the journal's staging folder."""
    state = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel not in USER_FILES and not rel.startswith(TXN + "/"):
            state[rel] = path.read_bytes()
    return state


def setup_old_tree(out: Path, trees) -> None:
    write_tree(trees["old"], out)
    for rel, data in USER_FILES.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)


def assert_users_files_intact(out: Path) -> None:
    for rel, data in USER_FILES.items():
        assert (out / rel).read_bytes() == data, rel


def assert_old_or_new_file_by_file(out: Path, trees) -> None:
    """Each generated path holds its old bytes or its new bytes (or is absent where one is)."""
    old, new = trees["old_tree"], trees["new_tree"]
    state = generated_state(out)
    assert set(state) <= set(old) | set(new), sorted(set(state) - set(old) - set(new))
    for rel in set(old) | set(new):
        assert state.get(rel) in (old.get(rel), new.get(rel)), rel


def files_spec(tmp_path: Path, files, out: Path, force: bool) -> Path:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"out": str(out), "force": force,
                                "files": [{"path": f.path, "text": f.text} for f in files]}))
    return spec


def run_gated(tmp_path: Path, spec: Path, kill_before: int | None) -> tuple[int, str]:
    """Run the writer in a child; SIGKILL it just before its call number ``kill_before`` (0-based),
    or let it finish (None). Returns the number of calls it was let through and its output."""
    driver = tmp_path / "gated_driver.py"
    driver.write_text(GATED_DRIVER, encoding="utf-8")
    to_test_r, to_test_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    child = subprocess.Popen([sys.executable, str(driver), str(to_test_w), str(to_child_r), str(spec)],
                             pass_fds=(to_test_w, to_child_r), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    os.close(to_test_w)
    os.close(to_child_r)
    granted = 0
    try:
        while os.read(to_test_r, 1) == b".":
            if granted == kill_before:
                child.kill()
                break
            os.write(to_child_w, b"g")
            granted += 1
        output = child.communicate(timeout=120)[0].decode("utf-8", "replace")
    finally:
        os.close(to_test_r)
        os.close(to_child_w)
        if child.poll() is None:
            child.kill()
            child.wait()
    if kill_before is None or granted < kill_before:
        assert child.returncode == 0 and "done" in output, output
    else:
        assert child.returncode == -9, output
    return granted, output


# -- SIGKILL during a regeneration ----------------------------------------------------------
def test_sigkill_at_random_points_of_a_regeneration_leaves_old_or_new(tmp_path, trees):
    old, new = trees["old_tree"], trees["new_tree"]
    ref = tmp_path / "ref" / "out"
    setup_old_tree(ref, trees)
    total, _ = run_gated(tmp_path, files_spec(tmp_path, trees["new"], ref, True), None)
    assert generated_state(ref) == new
    assert total >= 30  # every file staged, fsynced, moved aside and into place
    rng = random.Random(SEED)
    points = [0, *sorted(rng.sample(range(1, total - 1), 28)), total - 1]  # 30 kills
    outcomes = {"old": 0, "mixed, journalled": 0, "new": 0}
    for n, point in enumerate(points):
        out = tmp_path / f"case{n}" / "out"
        setup_old_tree(out, trees)
        granted, _ = run_gated(tmp_path, files_spec(tmp_path, trees["new"], out, True), point)
        assert granted == point
        assert_old_or_new_file_by_file(out, trees)
        assert_users_files_intact(out)
        state = generated_state(out)
        journalled = (out / TXN / "journal.json").is_file()
        if state not in (old, new):
            assert journalled, f"kill before call {point}: a mix with no journal to undo it"
        outcomes["old" if state == old else "new" if state == new else "mixed, journalled"] += 1
        if n % 3 == 1:  # the next run is killed too, early: while it rolls back, or soon after
            run_gated(tmp_path, files_spec(tmp_path, trees["new"], out, True), rng.randrange(1, 12))
            assert_old_or_new_file_by_file(out, trees)
            assert_users_files_intact(out)
            state = generated_state(out)
            journalled = (out / TXN / "journal.json").is_file()
            assert state in (old, new) or journalled
        if n % 2 == 0:  # the roll-back on its own: the old tree exactly (or the new, if finished)
            fd = confined.open_root(out)
            try:
                journal.lock(fd)
                journal.recover(fd)
            finally:
                os.close(fd)
            assert generated_state(out) == (old if journalled or state == old else new)
            assert not (out / TXN).exists()
        # the next run recovers by itself and finishes the job
        plan = write_tree(trees["new"], out, force=True)
        assert plan.conflicts == []
        assert generated_state(out) == new
        assert_users_files_intact(out)
        assert not (out / TXN).exists()
        assert [p.name for p in out.parent.iterdir()] == ["out"]
    assert len(set(points)) == 30
    assert outcomes["mixed, journalled"] > 0 and outcomes["old"] > 0, outcomes


def test_a_dry_run_after_a_kill_plans_against_the_rolled_back_tree_and_writes_nothing(tmp_path, trees):
    out = tmp_path / "out"
    setup_old_tree(out, trees)
    ref = tmp_path / "ref" / "out"
    setup_old_tree(ref, trees)
    total, _ = run_gated(tmp_path, files_spec(tmp_path, trees["new"], ref, True), None)
    run_gated(tmp_path, files_spec(tmp_path, trees["new"], out, True), total * 3 // 4)
    assert (out / TXN / "journal.json").is_file()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    from jupyter_lifecycle.writers import plan_write

    plan = plan_write(trees["new"], out)
    clean = tmp_path / "clean"
    setup_old_tree(clean, trees)
    expected = plan_write(trees["new"], clean)
    assert (sorted(plan.create), sorted(plan.update), sorted(plan.remove), plan.conflicts) == \
        (sorted(expected.create), sorted(expected.update), sorted(expected.remove), [])
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_the_cli_recovers_from_a_killed_regeneration(tmp_path, trees, monkeypatch):
    """End to end: ``nb2pipe convert --force`` after a kill rolls back, then regenerates."""
    monkeypatch.chdir(tmp_path)
    write_notebook(tmp_path / "nb.ipynb", OLD_CELLS)
    runner = CliRunner()
    first = runner.invoke(main, ["convert", "nb.ipynb", "-o", "out", "--name", "demo"])
    assert first.exit_code == 0, first.output
    (tmp_path / "out" / "NOTES.md").write_bytes(b"my notes\n")
    write_notebook(tmp_path / "nb.ipynb", NEW_CELLS)
    dry = api.convert(tmp_path / "nb.ipynb", tmp_path / "out", package="demo", dry_run=True)
    spec = files_spec(tmp_path, dry.files, tmp_path / "out", True)
    granted, _ = run_gated(tmp_path, spec, 40)
    assert (tmp_path / "out" / TXN / "journal.json").is_file()
    preview = runner.invoke(main, ["convert", "nb.ipynb", "-o", "out", "--name", "demo", "--force",
                                   "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "edited by hand" not in preview.output
    assert (tmp_path / "out" / TXN / "journal.json").is_file()  # a dry run writes nothing
    result = runner.invoke(main, ["convert", "nb.ipynb", "-o", "out", "--name", "demo", "--force"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / TXN).exists()
    assert (tmp_path / "out" / "NOTES.md").read_bytes() == b"my notes\n"
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())["files"]
    assert manifest == {f.path: journal.sha256(f.text.encode()) for f in dry.files}
    for f in dry.files:
        assert (tmp_path / "out" / f.path).read_text(encoding="utf-8") == f.text


def test_a_second_writer_is_refused_while_one_holds_the_folder(tmp_path, trees):
    out = tmp_path / "out"
    setup_old_tree(out, trees)
    fd = confined.open_root(out)
    try:
        journal.lock(fd)
        with pytest.raises(OutputError, match="another nb2pipe run"):
            write_tree(trees["new"], out, force=True)
    finally:
        os.close(fd)
    assert generated_state(out) == trees["old_tree"]
    write_tree(trees["new"], out, force=True)  # the lock went with its holder
    assert generated_state(out) == trees["new_tree"]


def test_a_crafted_journal_cannot_move_a_file_from_outside(tmp_path, trees):
    out = tmp_path / "work" / "out"
    setup_old_tree(out, trees)
    victim = tmp_path / "work" / "victim.txt"
    victim.write_text("precious\n")
    (out / TXN / "new").mkdir(parents=True)
    (out / TXN / "old").mkdir()
    (out / TXN / "journal.json").write_text(json.dumps(
        {"version": 1, "dirs": [], "ops": [{"path": "../victim.txt", "old": None, "new": "x"}]}))
    with pytest.raises(OutputError, match="cannot be trusted"):
        write_tree(trees["new"], out, force=True)
    assert victim.read_text() == "precious\n"
    assert generated_state(out) == trees["old_tree"]


# -- SIGKILL during a first conversion ------------------------------------------------------
def test_sigkill_during_a_first_conversion_leaves_nothing_the_next_run_keeps(tmp_path, trees):
    ref = tmp_path / "ref" / "out"
    total, _ = run_gated(tmp_path, files_spec(tmp_path, trees["old"], ref, False), None)
    assert generated_state(ref) == trees["old_tree"]
    rng = random.Random(SEED + 1)
    points = [0, *sorted(rng.sample(range(1, total - 1), 13)), total - 1]  # 15 kills
    left_behind = 0
    for n, point in enumerate(points):
        parent = tmp_path / f"first{n}"
        out = parent / "out"
        run_gated(tmp_path, files_spec(tmp_path, trees["old"], out, False), point)
        assert not out.exists()  # the tree appears by one rename, whole, or not at all
        stale = [p.name for p in parent.iterdir()] if parent.exists() else []
        assert all(name.startswith(".out.nb2pipe-") for name in stale), stale
        left_behind += bool(stale)
        write_tree(trees["old"], out)  # the next run removes the staging folder it owns
        assert [p.name for p in parent.iterdir()] == ["out"]
        assert generated_state(out) == trees["old_tree"]
    assert left_behind > 0  # the kills did leave staging folders for the next run to clean


# -- a real full disk -----------------------------------------------------------------------
PAGE = 4096


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill_leaving(disk: Path, pages: int) -> Path:
    """Fill the disk to the last page, then free ``pages`` pages."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for chunk in (b"\0" * 64 * PAGE, b"\0" * PAGE):
            try:
                while True:
                    os.write(fd, chunk)
            except OSError as exc:
                assert exc.errno == 28, exc
        size = os.fstat(fd).st_size // PAGE * PAGE
        os.ftruncate(fd, max(0, size - pages * PAGE))
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_at_every_point_of_a_regeneration_leaves_old_or_new(small_disk, trees):
    old, new = trees["old_tree"], trees["new_tree"]
    out = small_disk / "out"
    failures = 0
    for pages in range(0, 64):
        if out.exists():
            shutil.rmtree(out)
        setup_old_tree(out, trees)
        filler = fill_leaving(small_disk, pages)
        try:
            write_tree(trees["new"], out, force=True)
        except OutputError as exc:
            failures += 1
            assert "No space left on device" in str(exc) and str(out) in str(exc)
            assert generated_state(out) == old  # in the same run, a fault rolls back at once
            assert not (out / TXN).exists()
            assert_users_files_intact(out)
            filler.unlink()
            write_tree(trees["new"], out, force=True)  # the next run, with space again
            assert generated_state(out) == new
            assert_users_files_intact(out)
            continue
        finally:
            if filler.exists():
                filler.unlink()
        assert generated_state(out) == new and not (out / TXN).exists()
        assert_users_files_intact(out)
        break
    else:
        pytest.fail("the regeneration never fitted on the disk")
    assert failures >= len([p for p in new if p not in old or old[p] != new[p]])  # one per staged file


def test_the_cli_reports_a_full_disk_clearly_and_the_next_run_succeeds(small_disk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_notebook(tmp_path / "nb.ipynb", OLD_CELLS)
    out = small_disk / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["convert", "nb.ipynb", "-o", str(out), "--name", "demo"]).exit_code == 0
    before = generated_state(out)
    write_notebook(tmp_path / "nb.ipynb", NEW_CELLS)
    filler = fill_leaving(small_disk, 0)
    result = runner.invoke(main, ["convert", "nb.ipynb", "-o", str(out), "--name", "demo", "--force"])
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.stderr and "Traceback" not in result.output
    assert generated_state(out) == before
    filler.unlink()
    result = runner.invoke(main, ["convert", "nb.ipynb", "-o", str(out), "--name", "demo", "--force"])
    assert result.exit_code == 0, result.output
    assert generated_state(out) != before and not (out / TXN).exists()


def test_a_full_disk_during_a_first_conversion_leaves_no_output(small_disk, trees):
    out = small_disk / "new-out"
    filler = fill_leaving(small_disk, 2)
    with pytest.raises(OutputError, match="No space left on device"):
        write_tree(trees["old"], out)
    assert [p.name for p in small_disk.iterdir()] == ["filler"]  # no output, no staging folder
    filler.unlink()
    write_tree(trees["old"], out)
    assert generated_state(out) == trees["old_tree"]
