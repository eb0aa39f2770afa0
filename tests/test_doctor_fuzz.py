"""The doctor on the converter's fuzzed notebooks: a report, or one LifecycleError naming the
notebook; never a traceback. The notebooks that once crashed the converter exit 2 in one line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given

from jupyter_lifecycle.cli import main
from jupyter_lifecycle.doctor import Level, diagnose
from jupyter_lifecycle.doctor.render_html import render_html
from jupyter_lifecycle.errors import LifecycleError

from test_fuzz import CRASHED, PROFILE, notebooks


@PROFILE
@given(notebooks())
def test_fuzzed_notebooks_get_a_report_or_one_clear_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzzed.ipynb"
        path.write_text(text, encoding="utf-8")
        try:
            report = diagnose(path)
        except LifecycleError as exc:
            assert "fuzzed.ipynb" in str(exc)
            return
        assert isinstance(report.overall, Level)
        assert all(f.check and f.fix for f in report.findings)
        assert render_html(report).startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("name", sorted(CRASHED))
def test_notebooks_that_crashed_the_converter(name, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    path = tmp_path / "odd.ipynb"
    path.write_text(CRASHED[name], encoding="utf-8")
    result = CliRunner().invoke(main, ["doctor", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 2:
        assert len(result.output.strip().splitlines()) == 1 and "odd.ipynb" in result.output
