"""``nb2pipe convert`` runs with the cyclic garbage collector paused and restores it after.

Real conversions through click's ``CliRunner``; the collector's own callbacks report every
collection it starts, with the Python stack at that moment, so a collection that starts while
the conversion runs (``jupyter_lifecycle.api.convert`` on the stack) is seen.
"""

from __future__ import annotations

import gc
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_lifecycle import api
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.analysis.gc_pause import collector_paused

SAMPLE = Path(__file__).parent.parent / "sample_notebooks" / "iris_classification.ipynb"


@pytest.fixture
def during_convert():
    """The generations of the collections that start while ``api.convert`` runs."""
    started: list[int] = []
    code = api.convert.__code__

    def seen(phase, info):
        if phase != "start":
            return
        frame = sys._getframe(1)
        while frame is not None and frame.f_code is not code:
            frame = frame.f_back
        if frame is not None:
            started.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        yield started
    finally:
        gc.callbacks.remove(seen)


def copy_sample(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(SAMPLE, folder / SAMPLE.name))


def test_convert_runs_without_collections_and_restores_the_collector(tmp_path, during_convert):
    # the probe works: the same conversion without the pause starts collections
    api.convert(copy_sample(tmp_path / "a"), tmp_path / "a" / "out", use_cache=False)
    assert during_convert
    during_convert.clear()
    notebook = copy_sample(tmp_path / "b")
    result = CliRunner().invoke(main, ["convert", str(notebook), "-o", str(tmp_path / "b" / "out"),
                                       "--no-cache"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "out" / "pyproject.toml").is_file()
    assert during_convert == []
    assert gc.isenabled()


def test_a_refused_convert_restores_the_collector(tmp_path):
    notebook = tmp_path / "broken.ipynb"
    notebook.write_text("{ not json")
    result = CliRunner().invoke(main, ["convert", str(notebook)])
    assert result.exit_code == 2, result.output
    assert gc.isenabled()


def test_what_the_pause_leaves_alive_is_frozen_so_the_next_collection_skips_it():
    def collectable(objects) -> set[int]:  # in a generation the collector walks
        ids = {id(o) for o in objects}
        return ids & {id(o) for o in gc.get_objects()}

    with collector_paused(freeze=True):
        kept = [[index] for index in range(1000)]
    assert gc.isenabled()
    assert all(gc.is_tracked(item) for item in kept) and not collectable(kept)
    with collector_paused():  # a batch pause freezes nothing
        more = [[index] for index in range(1000)]
    assert len(collectable(more)) == len(more)
