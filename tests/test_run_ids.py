"""One length of run id everywhere a command prints one (``run``, ``verify``, ``runs list``,
``runs show``, ``runs compare``): the short one, which ``runs show`` finds; ``--json`` has the
whole id. An id is printed only for a run the store holds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.cli.output import SHORT_ID

from conftest import write_notebook

pytestmark = pytest.mark.e2e
NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
SMALL = [
    ("alpha = 1.0", ["parameters"]),
    ("values = [alpha * i for i in range(5)]", ["lifecycle:train"]),
    ("metrics = {'total': sum(values)}", ["lifecycle:evaluate"]),
]


def nb2pipe(*args, cwd: Path, env: dict):
    return subprocess.run([NB2PIPE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def printed_ids(text: str, run_id: str) -> list[str]:
    """Every id of the run ``text`` prints (a hex run starting with its short id), except in
    file names (the executed notebook is ``<run id>.ipynb``)."""
    found = re.finditer(rf"(?<![0-9a-f/]){run_id[:SHORT_ID]}[0-9a-f]*(?!\.ipynb)", text)
    return [match.group(0) for match in found]


def test_every_command_prints_the_short_run_id_that_runs_show_finds(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    store = env["JUPYTER_LIFECYCLE_STORE"]
    outputs = [nb2pipe("run", "small.ipynb", "-p", "alpha", alpha, cwd=tmp_path, env=env)
               for alpha in ("2", "3")]
    assert all(done.returncode == 0 for done in outputs), [d.stderr for d in outputs]
    verified = nb2pipe("verify", "small.ipynb", cwd=tmp_path, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    runs = sorted(RunStore(store).list(), key=lambda r: r["started"])
    assert len(runs) == 3 and all(len(r["run_id"]) == 32 for r in runs)
    first, second, checked = (r["run_id"] for r in runs)
    short = first[:SHORT_ID]

    def cli(*args) -> str:
        result = CliRunner().invoke(main, [*args, "--store", store])
        assert result.exit_code == 0, result.output
        return result.stdout

    texts = {
        "run": (outputs[0].stdout + outputs[0].stderr, [first]),
        "verify": (verified.stdout + verified.stderr, [checked]),
        "runs list": (cli("runs", "list"), [first, second, checked]),
        "runs show": (cli("runs", "show", short), [first]),
        "runs compare": (cli("runs", "compare", short, second[:SHORT_ID]), [first, second]),
    }
    for command, (text, ids) in texts.items():
        for run_id in ids:
            shown = printed_ids(text, run_id)
            assert shown and set(shown) == {run_id[:SHORT_ID]}, (command, shown, text)
    for run_id in (first, checked):  # the ids run and verify print are the store's
        assert json.loads(cli("runs", "show", run_id[:SHORT_ID], "--json"))["run_id"] == run_id
    as_json = nb2pipe("verify", "small.ipynb", "--json", cwd=tmp_path, env=env)
    assert len(json.loads(as_json.stdout)["run_id"]) == 32
    listed = json.loads(cli("runs", "list", "--json"))
    assert {r["run_id"] for r in listed} >= {first, second, checked}


def test_a_run_the_store_could_not_keep_prints_no_id(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SMALL + [("assert alpha < 0", ["lifecycle:validate"])])
    (tmp_path / "blocker").write_text("a regular file")  # no store can be created below it
    done = nb2pipe("run", "small.ipynb", "-o", "out.ipynb", "--store", "blocker/runs.sqlite",
                   cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stderr
    record = json.loads((tmp_path / "out.ipynb").read_text())["metadata"]["lifecycle"]["run"]
    assert record["store_error"] and record["status"] == "failed"
    text = done.stdout + done.stderr
    assert printed_ids(text, record["run_id"]) == [], text
    assert "not in the run store" in done.stdout and "not in the run store" in done.stderr
    assert "recorded as run" not in done.stderr


def test_export_run_local_prints_the_short_id_of_the_run_it_recorded(tmp_path, env):
    pytest.importorskip("kfp")
    write_notebook(tmp_path / "small.ipynb", SMALL)
    store = tmp_path / "runs.sqlite"
    done = nb2pipe("export", "small.ipynb", "--target", "kfp", "-o", "pipeline.yaml",
                   "--run-local", "--store", str(store), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    [record] = RunStore(store).list()
    assert record["kind"] == "kfp"
    assert printed_ids(done.stdout + done.stderr, record["run_id"]) == [
        record["run_id"][:SHORT_ID]], done.stdout
