"""``nb2pipe run`` and ``nb2pipe verify`` on a terminal: one rich progress bar per run (the
notebook, the pipeline, and the notebook again when verify checks for nondeterminism), on
stderr; none when stderr is not a terminal or with ``--json``; never kernel or papermill noise."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import copied_sample, write_notebook
from test_kernel_noise import assert_quiet

pty = pytest.importorskip("pty")  # pseudo-terminals: POSIX only
pytestmark = pytest.mark.e2e
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
SEEDED = [
    ("import random", ["lifecycle:setup"]),
    ("n = 3", ["parameters"]),
    ("xs = [random.Random(1).random() for _ in range(n)]\nprint('from the notebook', end='')",
     ["lifecycle:ingest"]),
    ("metrics = {'total': sum(xs)}", ["lifecycle:evaluate"]),
]
UNSEEDED = [SEEDED[0], SEEDED[1], ("xs = [random.random() for _ in range(n)]",
                                   ["lifecycle:ingest"]), SEEDED[3]]


def _plain_env(env: dict) -> dict:
    """No variable that makes rich treat a pipe as a terminal, or a terminal as a pipe."""
    drop = {"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "CI"}
    return {**{k: v for k, v in env.items() if k not in drop}, "TERM": "xterm-256color",
            "COLUMNS": "100"}


def on_terminal(args, cwd: Path, env: dict) -> tuple[int, str, str]:
    """Run ``nb2pipe ARGS`` with stderr on a pseudo-terminal: (exit code, stdout, terminal)."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the other side closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen([NB2PIPE, *args], cwd=cwd, env=_plain_env(env),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        stdout, _ = proc.communicate(timeout=600)
        reader.join(timeout=30)
    finally:
        os.close(master)
    text = ANSI.sub("", b"".join(chunks).decode(errors="replace"))
    return proc.returncode, stdout.decode(), text


def test_run_shows_its_progress_bar_on_a_terminal_and_nothing_else(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SEEDED)
    code, stdout, terminal = on_terminal(["run", "small.ipynb"], tmp_path, env)
    assert code == 0, stdout + terminal
    assert "running small.ipynb" in terminal and "cells" in terminal, terminal
    assert "4/4 cells" in terminal
    assert_quiet(terminal)
    assert "running small.ipynb" not in stdout and "completed" in stdout


def test_verify_shows_one_bar_per_run_including_the_rerun(tmp_path, env):
    write_notebook(tmp_path / "dice.ipynb", UNSEEDED)
    code, stdout, terminal = on_terminal(["verify", "dice.ipynb"], tmp_path, env)
    assert code == 1, stdout + terminal
    assert "nondeterministic" in stdout, terminal[-3000:]
    assert "pipeline dice" in terminal and "steps" in terminal, terminal
    assert "notebook dice.ipynb" in terminal and "cells" in terminal
    assert "notebook dice.ipynb again" in terminal
    assert_quiet(terminal)
    assert "pipeline dice" not in stdout


def test_verify_counts_the_pipelines_steps_through_the_packages_own_output(tmp_path, env):
    write_notebook(tmp_path / "seeded.ipynb", SEEDED)
    code, stdout, terminal = on_terminal(["verify", "seeded.ipynb"], tmp_path, env)
    assert code == 0, stdout + terminal
    assert "2/2 steps" in terminal, terminal  # ingest, evaluate (setup is no step)
    assert "again" not in terminal  # the runs agreed: no second notebook run
    assert "from the notebook" not in stdout + terminal
    assert_quiet(terminal)


@pytest.mark.parametrize("command", ["run", "verify"])
def test_no_progress_with_json_on_a_terminal_nor_on_a_pipe(tmp_path, env, command):
    write_notebook(tmp_path / "small.ipynb", SEEDED)
    code, stdout, terminal = on_terminal([command, "small.ipynb", "--json"], tmp_path, env)
    assert code == 0, stdout + terminal
    assert terminal.strip() == "", terminal
    piped = subprocess.run([NB2PIPE, command, "small.ipynb"], cwd=tmp_path,
                           env=_plain_env(env), capture_output=True, text=True, timeout=600)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == "", piped.stderr


@pytest.mark.parametrize("command", ["run", "verify"])
def test_a_sample_on_a_terminal_shows_no_kernel_or_papermill_noise(tmp_path, env, command):
    notebook = copied_sample(tmp_path, "iris_classification")
    code, stdout, terminal = on_terminal([command, notebook.name], notebook.parent, env)
    assert code == 0, stdout + terminal
    assert "iris_classification" in terminal  # the progress bar was drawn
    assert_quiet(terminal)
    assert_quiet(stdout)


def test_a_dying_kernel_is_reported_without_its_transport_warning(tmp_path, env):
    write_notebook(tmp_path / "die.ipynb", [("x = 1", ["lifecycle:setup"]),
                                            ("import os\nos._exit(3)", ["lifecycle:train"])])
    done = subprocess.run([NB2PIPE, "run", "die.ipynb"], cwd=tmp_path, env=_plain_env(env),
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 1
    assert "DeadKernelError" in done.stderr and "stage train" in done.stderr
    assert_quiet(done.stderr)


def test_the_kernels_last_words_keep_all_but_the_transport_warning(tmp_path):
    from jupyter_lifecycle.run.kernel_log import kernel_log_tail

    with open(tmp_path / "kernel.log", "w+", encoding="utf-8") as log:
        log.write("[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All "
                  "communication (including code and outputs) is sent in plain text.\n"
                  "Fatal Python error: Segmentation fault\n\nCurrent thread 0x01 (most recent "
                  "call first):\n  File \"<cell>\", line 2 in <module>\n")
        assert kernel_log_tail(log) == ("Fatal Python error: Segmentation fault\n\nCurrent "
                                        "thread 0x01 (most recent call first):\n  File "
                                        "\"<cell>\", line 2 in <module>")
        log.seek(0)
        log.truncate()
        log.write("[IPKernelApp] WARNING | Kernel is running over TCP without encryption.\n")
        assert kernel_log_tail(log) is None  # nothing else to say: no "last output" line


def test_the_pipeline_driver_runs_as_a_module_without_warnings(tmp_path):
    """verify reads the driver's stderr as the pipeline's error: nothing else may be on it."""
    out = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "jupyter_lifecycle.verify.pipeline_driver",
                           "--src", str(tmp_path), "--package", "no_such_package", "--out",
                           str(out)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    assert "No module named 'no_such_package'" in json.loads(out.read_text())["error"]
