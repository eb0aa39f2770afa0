"""``convert`` ends with a next step that runs as printed, from the folder convert ran in."""

from __future__ import annotations

import subprocess

from conftest import write_notebook

CELLS = [
    ("import json", ["lifecycle:setup"]),
    ("n = 3", ["parameters"]),
    ("values = list(range(n))", ["lifecycle:ingest"]),
    ("metrics = {'total': sum(values)}", ["lifecycle:evaluate"]),
]


def _next_step(tmp_path, env, *args) -> str:
    done = subprocess.run(["nb2pipe", "convert", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith("next: ")]
    return line[len("next: "):]


def test_the_printed_next_step_tests_and_runs_the_package(tmp_path, env):
    write_notebook(tmp_path / "tiny.ipynb", CELLS)
    command = _next_step(tmp_path, env, "tiny.ipynb", "--name", "nextstep_tiny_pipe")
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert " passed" in done.stdout  # pytest ran the generated tests
    assert '"total": 3' in done.stdout  # and python -m ran the pipeline


def test_the_next_step_quotes_a_folder_with_a_space(tmp_path, env):
    write_notebook(tmp_path / "tiny.ipynb", CELLS)
    command = _next_step(tmp_path, env, "tiny.ipynb", "--name", "nextstep_space_pipe",
                         "-o", "my pkg")
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert '"total": 3' in done.stdout


def test_the_readme_shows_the_next_step_convert_prints():
    from pathlib import Path

    from jupyter_lifecycle.cli.convert import next_step

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = [line for line in readme.splitlines() if line.startswith("next: ")]
    assert shown == [f"next: {next_step(Path('iris_pipeline'), 'iris_classification_pipeline')}"]
