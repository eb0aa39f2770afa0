"""``nb2pipe run`` and ``nb2pipe verify`` keep the kernel's own log (ipykernel's "running over
TCP without encryption" warning) and papermill's progress bars and log off the user's stderr."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_notebook

NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
SMALL = [
    ("import json", ["lifecycle:setup"]),
    ("alpha = 1.0", ["parameters"]),
    ("values = [alpha * i for i in range(5)]", ["lifecycle:train"]),
    ("metrics = {'total': sum(values)}", ["lifecycle:evaluate"]),
]
NOISE = [re.compile(p, re.I) for p in (
    r"without encryption", r"CurveZMQ", r"Executing:\s", r"\d+%\|", r"it/s\]", r"cell/s\]",
    r"\bINFO\b", r"papermill", r"ipykernel")]


def assert_quiet(stderr: str) -> None:
    for pattern in NOISE:
        assert not pattern.search(stderr), f"{pattern.pattern!r} on stderr:\n{stderr}"


@pytest.mark.parametrize("command", ["run", "verify"])
def test_no_kernel_warning_and_no_progress_bar_on_stderr(tmp_path, env, command):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    done = subprocess.run([NB2PIPE, command, "small.ipynb", "-p", "alpha", "2"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_quiet(done.stderr)
