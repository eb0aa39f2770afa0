"""The doctor and auto-tag routes: the same data as the CLI, read-only, authenticated, confined.

Runs a real server in-process with pytest-jupyter (``jp_fetch`` sends the token).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytest_jupyter")
pytest.importorskip("jupyter_server")

from tornado.httpclient import HTTPClientError  # noqa: E402

from conftest import write_notebook  # noqa: E402

pytest_plugins = ["pytest_jupyter.jupyter_server"]

NS = "jupyter-lifecycle"

UNTAGGED = [
    "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
    "df = pd.read_csv('data.csv')",
    "model = LogisticRegression(C=0.5)\nmodel.fit(df[['x']], df['y'])",
    "print(model.score(df[['x']], df['y']))",
]


@pytest.fixture
def jp_server_config(jp_server_config):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_lifecycle": True}}}


@pytest.fixture
def root(jp_root_dir) -> Path:
    write_notebook(jp_root_dir / "untagged.ipynb", UNTAGGED)
    write_notebook(jp_root_dir / "tagged.ipynb", [
        ("import math", []), ("x = [1, 2]", ["lifecycle:ingest"]), ("y = sum(x)", [])])
    write_notebook(jp_root_dir / "bad.ipynb", [("import os", []), ("x = 1", ["lifecycle:trian"])])
    (jp_root_dir / "broken.ipynb").write_text("{not json", encoding="utf-8")
    (jp_root_dir / "sub").mkdir()
    return jp_root_dir


async def fetch_json(jp_fetch, *parts, **kwargs):
    response = await jp_fetch(NS, *parts, **kwargs)
    return response.code, json.loads(response.body)


async def fetch_error(jp_fetch, *parts, **kwargs):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(NS, *parts, **kwargs)
    body = info.value.response.body
    return info.value.code, (json.loads(body) if body else None)


def digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


# -- doctor ------------------------------------------------------------------------------

async def test_doctor_returns_what_the_cli_prints_as_json(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "doctor", params={"path": "untagged.ipynb"})
    assert code == 200
    cli = subprocess.run([sys.executable, "-m", "jupyter_lifecycle.cli", "doctor",
                          "untagged.ipynb", "--format", "json"], cwd=root, capture_output=True,
                         text=True)
    assert cli.returncode == 0, cli.stderr
    assert data == json.loads(cli.stdout)
    assert data["notebook"] == "untagged.ipynb"
    assert data["overall"] in ("low", "medium", "high")
    assert {s["stage"] for s in data["stages"]} and data["findings"]


async def test_doctor_findings_name_the_cells(jp_fetch, root):
    write_notebook(root / "sub" / "abs.ipynb", [
        "import pandas as pd", "df = pd.read_csv('/home/someone/data.csv')"])
    _, data = await fetch_json(jp_fetch, "doctor", params={"path": "sub/abs.ipynb"})
    assert data["notebook"] == "sub/abs.ipynb"
    paths = [f for f in data["findings"] if f["area"] == "paths"]
    assert paths, [f["check"] for f in data["findings"]]
    assert [c["id"] for c in paths[0]["cells"]] == ["c1"]
    assert paths[0]["cells"][0]["index"] == 1


async def test_doctor_never_shows_the_server_root(jp_fetch, root):
    write_notebook(root / "here.ipynb", [
        "import pandas as pd", f"df = pd.read_csv({str(root / 'sub' / 'data.csv')!r})"])
    response = await jp_fetch(NS, "doctor", params={"path": "here.ipynb"})
    assert str(root) not in response.body.decode()


async def test_doctor_does_not_write_the_notebook(jp_fetch, root):
    before = digest(root / "untagged.ipynb")
    await fetch_json(jp_fetch, "doctor", params={"path": "untagged.ipynb"})
    assert digest(root / "untagged.ipynb") == before


async def test_doctor_unreadable_notebook_is_400_with_location(jp_fetch, root):
    code, data = await fetch_error(jp_fetch, "doctor", params={"path": "broken.ipynb"})
    assert code == 400
    assert data["location"]["notebook"] == "broken.ipynb"
    assert str(root) not in data["message"]


# -- suggest -----------------------------------------------------------------------------

async def test_suggest_gives_a_stage_confidence_and_reason_per_code_cell(jp_fetch, root):
    from jupyter_lifecycle.autotag.propose import propose_file

    before = digest(root / "untagged.ipynb")
    code, data = await fetch_json(jp_fetch, "suggest", params={"path": "untagged.ipynb"})
    assert code == 200 and data["notebook"] == "untagged.ipynb"
    plan = propose_file(root / "untagged.ipynb")
    assert [(s["cell_id"], s["stage"], s["confidence"], s["reason"])
            for s in data["suggestions"]] == [
        (s.cell_id, s.stage, s.confidence, s.reason) for s in plan.suggestions]
    stages = {s["cell_id"]: s["stage"] for s in data["suggestions"]}
    assert stages["c1"] == "ingest" and stages["c2"] == "train"
    assert all(s["reason"] and 0 <= s["confidence"] <= 1 for s in data["suggestions"])
    assert data["suggestions"][1]["tags"] == ["lifecycle:ingest"]
    assert digest(root / "untagged.ipynb") == before  # read-only


async def test_suggest_keeps_the_tags_of_a_tagged_cell(jp_fetch, root):
    before = digest(root / "tagged.ipynb")
    _, data = await fetch_json(jp_fetch, "suggest", params={"path": "tagged.ipynb"})
    by_id = {s["cell_id"]: s for s in data["suggestions"]}
    assert by_id["c1"]["tags"] == ["lifecycle:ingest"]
    assert len(by_id["c2"]["tags"]) == 1 and by_id["c2"]["tags"][0].startswith("lifecycle:")
    assert digest(root / "tagged.ipynb") == before


async def test_suggest_bad_stage_tag_is_400_naming_the_cell(jp_fetch, root):
    code, data = await fetch_error(jp_fetch, "suggest", params={"path": "bad.ipynb"})
    assert code == 400
    assert "trian" in data["message"]
    assert data["location"]["notebook"] == "bad.ipynb" and data["location"]["cell_id"] == "c1"
    assert str(root) not in json.dumps(data)


# -- shared: missing, confinement, authentication -------------------------------------------

@pytest.mark.parametrize("route", ["doctor", "suggest"])
async def test_missing_notebook_or_folder_is_404(jp_fetch, root, route):
    for path in ("nope.ipynb", "sub"):
        code, data = await fetch_error(jp_fetch, route, params={"path": path})
        assert code == 404, path
        assert data["message"]


@pytest.mark.parametrize("route", ["doctor", "suggest"])
@pytest.mark.parametrize("path", ["../outside.ipynb", "sub/../../outside.ipynb",
                                  "..\\outside.ipynb", "/etc/passwd", "~/x.ipynb",
                                  "C:\\x.ipynb", ""])
async def test_paths_leaving_the_root_are_403(jp_fetch, root, route, path):
    code, data = await fetch_error(jp_fetch, route, params={"path": path})
    assert code == 403 and data["message"]


@pytest.mark.parametrize("route", ["doctor", "suggest"])
async def test_symlink_leaving_the_root_is_403(jp_fetch, root, tmp_path_factory, route):
    outside = tmp_path_factory.mktemp("outside")
    write_notebook(outside / "secret.ipynb", UNTAGGED)
    (root / "link.ipynb").symlink_to(outside / "secret.ipynb")
    code, _ = await fetch_error(jp_fetch, route, params={"path": "link.ipynb"})
    assert code == 403
    code, _ = await fetch_error(jp_fetch, route,
                                params={"path": str(root / "untagged.ipynb")})
    assert code == 403


@pytest.mark.parametrize("route", ["doctor", "suggest"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "token wrong"}])
async def test_routes_need_authentication(http_server_client, jp_base_url, root, route,
                                          headers):
    response = await http_server_client.fetch(
        f"{jp_base_url}{NS}/{route}?path=untagged.ipynb", headers=headers, raise_error=False,
        follow_redirects=False)
    assert response.code in (401, 403)
