"""The messy set (tests/notebooks/messy): notebooks in the style of real public ones, tagged by
hand. Each must convert with exit 0, have no undefined name (pyflakes), and pass its own
generated tests, run where the notebook runs (a copy of the folder, data files beside it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.api import convert

from test_faithful import undefined_names, unused_imports

MESSY = Path(__file__).parent / "notebooks" / "messy"
NAMES = sorted(p.stem for p in MESSY.glob("*.ipynb"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("messy") / "messy"
    shutil.copytree(MESSY, copy, ignore=shutil.ignore_patterns("artifacts"))
    return copy


def test_the_messy_set_is_big_enough():
    assert len(NAMES) >= 20


@pytest.mark.e2e
@pytest.mark.parametrize("name", NAMES)
def test_messy_notebook_converts_and_passes_its_generated_tests(folder, name):
    result = convert(folder / f"{name}.ipynb", folder / f"{name}_pkg")
    assert result.errors == [] and result.written, "\n".join(str(d) for d in result.errors)
    out = result.out_dir
    assert undefined_names(out) == [] and unused_imports(out) == []
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
                           cwd=out, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout[-4000:]


UNSEEDED = {"monitoring_drift_checks", "quick_baseline_unseeded"}  # see messy/README.md


@pytest.mark.e2e
@pytest.mark.parametrize("name", NAMES)
def test_messy_notebook_is_verified_or_reported_nondeterministic(folder, name, tmp_path, monkeypatch):
    from jupyter_lifecycle.verify import verify

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    result = verify(folder / f"{name}.ipynb")
    assert result.notebook_error is None and result.pipeline_error is None, \
        (result.notebook_error, result.pipeline_error)
    if name in UNSEEDED and not result.ok:
        assert "nondeterministic" in result.reason, result.reason
        assert result.comparison.first_mismatch is None
    else:
        assert result.ok, (result.reason, [v for v in result.comparison.values if v.status != "match"],
                           result.comparison.metrics)
