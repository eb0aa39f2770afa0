"""POST convert with ``ask``: an existing package is an expected answer for the JupyterLab UI
(``{"exists": true}``, status 200, nothing written), not a 409 the browser logs as an error."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytest_jupyter")
pytest.importorskip("jupyter_server")

from conftest import write_notebook  # noqa: E402
from test_server import GOOD_CELLS, fetch_error, fetch_json  # noqa: E402

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config(jp_server_config):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_lifecycle": True}}}


@pytest.fixture
def root(jp_root_dir):
    write_notebook(jp_root_dir / "good.ipynb", GOOD_CELLS)
    return jp_root_dir


async def test_ask_answers_an_existing_package_without_writing(jp_fetch, root):
    code, first = await fetch_json(jp_fetch, "convert", method="POST",
                                   body=json.dumps({"path": "good.ipynb", "ask": True}))
    assert code == 200 and first["written"] is True and first["exists"] is False
    pipeline = root / first["pipeline"]
    pipeline.write_text(pipeline.read_text() + "\n# regenerated?\n")
    before = pipeline.stat().st_mtime_ns

    code, again = await fetch_json(jp_fetch, "convert", method="POST",
                                   body=json.dumps({"path": "good.ipynb", "ask": True}))
    assert code == 200
    assert again["exists"] is True and again["written"] is False
    assert again["out_dir"] == "good_pipeline" and again["package"] == "good_pipeline"
    assert pipeline.stat().st_mtime_ns == before
    assert str(root) not in json.dumps(again)

    # without ask, the same request is still the 409 the CLI-style clients expect
    code, error = await fetch_error(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb"}))
    assert code == 409 and error["message"]


async def test_ask_with_force_regenerates(jp_fetch, root):
    await fetch_json(jp_fetch, "convert", method="POST", body=json.dumps({"path": "good.ipynb"}))
    code, forced = await fetch_json(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb", "ask": True,
                                                     "force": True}))
    assert code == 200 and forced["written"] is True and forced["exists"] is False


async def test_ask_must_be_a_boolean(jp_fetch, root):
    code, error = await fetch_error(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb", "ask": "yes"}))
    assert code == 400 and "'ask'" in error["message"]
