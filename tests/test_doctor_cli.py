"""``nb2pipe doctor`` end to end: real runs, a real verify and real package tests as evidence;
levels, --fail-under, the three formats, bad input, the pre-commit hook, every shipped notebook."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from jupyter_lifecycle.cli import main
from jupyter_lifecycle.doctor import Level, diagnose
from jupyter_lifecycle.notebook import read_notebook

from conftest import ROOT, SAMPLES, write_notebook

pytestmark = pytest.mark.e2e
NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
MESSY = ROOT / "tests" / "notebooks" / "messy"
TIDY = [
    ("alpha = 2.0", ["parameters"]),
    ("def double(x):\n    return 2 * x", ["lifecycle:setup"]),
    ("values = [double(alpha) * i for i in range(4)]", ["lifecycle:train"]),
    ("metrics = {'total': float(sum(values))}", ["lifecycle:evaluate"]),
    ("assert metrics['total'] > 0", ["lifecycle:validate"]),
    ("assert double(2) == 4", ["lifecycle:test"]),
]


def nb2pipe(*args, cwd, env):
    return subprocess.run([NB2PIPE, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


def evidence(report) -> dict:
    return {e.name: e.present for e in report.evidence}


@pytest.fixture
def project(tmp_path, env, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", env["JUPYTER_LIFECYCLE_STORE"])
    folder = tmp_path / "proj"
    folder.mkdir()
    return folder


def test_a_tidy_notebook_rises_from_low_to_high_with_a_passed_verify(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    before = diagnose(path)
    assert before.overall is Level.LOW
    assert {f.check for f in before.findings} == {"logging.no-recorded-run", "evidence.unproven"}
    assert nb2pipe("doctor", path, "--fail-under", "medium", cwd=project, env=env).returncode == 1
    done = nb2pipe("verify", path, cwd=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    after = diagnose(path)
    assert evidence(after)["verified"] is True
    assert after.findings == () and after.overall is Level.HIGH
    assert {s.stage: s.level for s in after.stages if s.level} == {
        "setup": Level.HIGH, "train": Level.HIGH, "evaluate": Level.HIGH,
        "validate": Level.HIGH, "test": Level.HIGH}
    ok = nb2pipe("doctor", path, "--fail-under", "high", cwd=project, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    path.write_text(path.read_text().replace("alpha = 2.0", "alpha = 3.0"))  # other bytes
    assert evidence(diagnose(path))["verified"] is False


def test_two_runs_with_the_same_parameters_and_commit_are_reproduced(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    git("init", "-q", cwd=project)
    git("add", "tidy.ipynb", cwd=project)
    git("commit", "-q", "-m", "notebook", cwd=project)
    first = nb2pipe("run", path, "-p", "alpha", "3.0", cwd=project, env=env)
    assert first.returncode == 0, first.stderr
    assert evidence(diagnose(path))["reproduced"] is False  # one run proves nothing
    second = nb2pipe("run", path, cwd=project, env=env)  # other parameters: no pair
    assert second.returncode == 0, second.stderr
    report = diagnose(path)
    assert evidence(report)["reproduced"] is False
    assert "logging.no-recorded-run" not in {f.check for f in report.findings}
    third = nb2pipe("run", path, cwd=project, env=env)
    assert third.returncode == 0, third.stderr
    proof = {e.name: e for e in diagnose(path).evidence}["reproduced"]
    assert proof.present is True and "agree on every metric" in proof.detail


def test_the_converted_packages_passing_tests_are_evidence(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    assert evidence(diagnose(path))["package-tests"] is None
    done = nb2pipe("convert", path, cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    package = project / "tidy_pipeline"
    assert evidence(diagnose(path))["package-tests"] is None  # not run yet
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=package,
                           capture_output=True, text=True, env=env, timeout=300)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert evidence(diagnose(path))["package-tests"] is True
    broken = package / "tests" / "test_broken.py"
    broken.write_text("def test_fails():\n    assert False\n")
    subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=package, capture_output=True,
                   env=env, timeout=300)
    assert evidence(diagnose(path))["package-tests"] is False


def test_formats_json_and_a_self_contained_html_page(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    runner = CliRunner()
    report = json.loads(runner.invoke(main, ["doctor", str(path), "--format", "json"]).stdout)
    assert report["overall"] == "low" and report["notebook"] == str(path)
    assert {f["check"] for f in report["findings"]} == {"logging.no-recorded-run", "evidence.unproven"}
    page = runner.invoke(main, ["doctor", str(path), "--format", "html"])
    assert page.exit_code == 0
    html = page.stdout
    assert html.startswith("<!DOCTYPE html>") and '<table class="heat">' in html
    assert "logging.no-recorded-run" in html and "<script" not in html
    assert "src=" not in html and "href=" not in html and "@import" not in html and "url(" not in html


def test_the_report_file_is_never_overwritten_without_force(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    out = project / "report.html"
    out.write_text("mine")
    runner = CliRunner()
    refused = runner.invoke(main, ["doctor", str(path), "--format", "html", "-o", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.output and out.read_text() == "mine"
    assert "Traceback" not in refused.output
    done = runner.invoke(main, ["doctor", str(path), "--format", "html", "-o", str(out), "--force"])
    assert done.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in project.iterdir() if p.name.startswith(".report")] == []


def test_fail_under(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    runner = CliRunner()
    assert runner.invoke(main, ["doctor", str(path), "--fail-under", "low"]).exit_code == 0
    failed = runner.invoke(main, ["doctor", str(path), "--fail-under", "medium"])
    assert failed.exit_code == 1 and "below medium" in failed.output


@pytest.mark.parametrize("text, expected", [
    (None, "no such notebook"),
    ("{not json", "not valid JSON"),
    ('{"nbformat": 3, "metadata": {}, "worksheets": []}', "nbformat v3"),
])
def test_bad_input_is_one_line_naming_the_notebook_and_exit_2(project, env, text, expected):
    path = project / "bad.ipynb"
    if text is not None:
        path.write_text(text)
    done = nb2pipe("doctor", path, cwd=project, env=env)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and expected.lower() in lines[0].lower(), done.stderr


def test_colour_in_a_colour_terminal_and_plain_words_elsewhere(project, env):
    path = write_notebook(project / "tidy.ipynb", TIDY)
    plain = nb2pipe("doctor", path, cwd=project, env={**env, "TERM": "dumb"})
    assert plain.returncode == 0 and "\x1b[" not in plain.stdout
    assert "overall" in plain.stdout and " low " in plain.stdout and "logging.no-recorded-run" in plain.stdout
    coloured = nb2pipe("doctor", path, cwd=project, env={**env, "FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert coloured.returncode == 0 and "\x1b[" in coloured.stdout


def test_the_pre_commit_hook_runs_the_doctor_on_the_files_pre_commit_passes(project, env):
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "nb2pipe-doctor" and hook["types"] == ["jupyter"]
    a = write_notebook(project / "a.ipynb", TIDY)
    b = write_notebook(project / "b.ipynb", TIDY[:2])
    command = shlex.split(hook["entry"]) + hook["args"] + [str(a), str(b)]
    command[0] = NB2PIPE if command[0] == "nb2pipe" else command[0]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and "a.ipynb" in done.stdout and "b.ipynb" in done.stdout
    strict = subprocess.run(command[:2] + ["--fail-under", "medium", str(a), str(b)], cwd=project,
                            capture_output=True, text=True, env=env, timeout=300)
    assert strict.returncode == 1 and "a.ipynb" in strict.stderr and "b.ipynb" in strict.stderr


SHIPPED = sorted(SAMPLES.glob("*.ipynb")) + sorted(MESSY.glob("*.ipynb"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_sample_and_messy_notebook(path, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    report = diagnose(path)
    levels = {s.stage: s.level for s in report.stages}
    # never run with capture: nothing is logged, so no stage is past tinkering
    assert report.overall is Level.LOW and "logging.no-recorded-run" in {f.check for f in report.findings}
    assert all(level in (Level.LOW, None) for level in levels.values())
    assert levels["validate"] is Level.LOW and levels["test"] is Level.LOW
    nb = read_notebook(path)
    exported = {c.stage for c in nb.code_cells if c.source.strip() and not c.is_injected_parameters
                and nb.table[c.stage].kind not in ("notebook", "skip")}
    assert {s for s, lv in levels.items() if lv is not None} == exported | {"validate", "test"}
    for finding in report.findings:
        assert finding.fix and finding.message and "." in finding.check
        for cell in finding.cells:  # explore and skip cells stay in the notebook: no row
            assert cell.stage in levels or nb.table[cell.stage].kind in ("notebook", "skip")
    assert json.loads(json.dumps(report.to_dict()))["overall"] == "low"


def test_seeded_and_unseeded_shipped_notebooks_differ_where_they_should(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    seeded = {f.area for f in diagnose(SAMPLES / "iris_classification.ipynb").findings}
    unseeded = diagnose(MESSY / "quick_baseline_unseeded.ipynb")
    assert "randomness" not in seeded
    assert {f.check for f in unseeded.findings} >= {"randomness.random-state-missing",
                                                     "randomness.unseeded-global"}
