"""The jupyter_server extension: every route, authentication, path confinement, errors.

Runs a real server in-process with pytest-jupyter (``jp_fetch`` sends the token).
"""

from __future__ import annotations

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

GOOD_CELLS = [
    ("import math", []),
    ("alpha = 2", ["parameters"]),
    ("data = [1, 2, 3, 4]", ["lifecycle:ingest"]),
    ("doubled = [x * alpha for x in data]", ["lifecycle:prepare"]),
    ("metrics = {'total': math.fsum(doubled)}", ["lifecycle:evaluate"]),
    ("assert metrics['total'] > 0", ["lifecycle:test"]),
]


@pytest.fixture
def jp_server_config(jp_server_config):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_lifecycle": True}}}


@pytest.fixture
def root(jp_root_dir) -> Path:
    write_notebook(jp_root_dir / "good.ipynb", GOOD_CELLS)
    (jp_root_dir / "sub").mkdir()
    write_notebook(jp_root_dir / "sub" / "bad.ipynb",
                   [("import os", []), ("x = 1", ["lifecycle:trian"])])
    return jp_root_dir


async def fetch_json(jp_fetch, *parts, **kwargs):
    response = await jp_fetch(NS, *parts, **kwargs)
    return response.code, json.loads(response.body)


async def fetch_error(jp_fetch, *parts, **kwargs):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(NS, *parts, **kwargs)
    body = info.value.response.body
    return info.value.code, (json.loads(body) if body else None)


# -- the extension is found and enabled the ordinary way ----------------------------------

def test_import_does_not_pull_in_jupyter_server():
    code = ("import sys, jupyter_lifecycle, jupyter_lifecycle.cli; "
            "print([m for m in sys.modules if m.split('.')[0] in "
            "('jupyter_server', 'jupyterlab', 'tornado', 'jupyter_lifecycle.server')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extension_points():
    import jupyter_lifecycle

    assert jupyter_lifecycle._jupyter_server_extension_points() == [
        {"module": "jupyter_lifecycle.server"}]
    assert jupyter_lifecycle._jupyter_labextension_paths() == [
        {"src": "labextension", "dest": "jupyter-lifecycle"}]
    config = Path(__file__).resolve().parents[1] / "jupyter-config" / "server-config"
    data = json.loads((config / "jupyter_lifecycle.json").read_text())
    assert data == {"ServerApp": {"jpserver_extensions": {"jupyter_lifecycle": True}}}


# -- stages ------------------------------------------------------------------------------

async def test_stages_default_table(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "stages", params={"path": "good.ipynb"})
    assert code == 200
    assert [s["name"] for s in data["stages"]][:3] == ["setup", "ingest", "explore"]
    assert data["tag_prefix"] == "lifecycle:"


async def test_stages_project_table(jp_fetch, root):
    (root / "sub" / "pyproject.toml").write_text(
        '[tool.nb2pipe]\nstages = [{ name = "feature_store", after = "prepare", color = "#3a7" }]\n'
        'aliases = { learn = "train" }\n')
    code, data = await fetch_json(jp_fetch, "stages", params={"path": "sub/bad.ipynb"})
    names = [s["name"] for s in data["stages"]]
    assert names.index("feature_store") == names.index("prepare") + 1
    code, data = await fetch_json(jp_fetch, "stages", params={"path": "sub"})
    assert "feature_store" in [s["name"] for s in data["stages"]]


async def test_stages_bad_project_config_is_400(jp_fetch, root):
    (root / "sub" / "pyproject.toml").write_text('[tool.nb2pipe]\naliases = { x = "nope" }\n')
    code, data = await fetch_error(jp_fetch, "stages", params={"path": "sub/bad.ipynb"})
    assert code == 400
    assert "nope" in data["message"]
    assert str(root) not in data["message"]


# -- analyze -----------------------------------------------------------------------------

async def test_analyze_returns_the_graph(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "analyze", params={"path": "good.ipynb"})
    assert code == 200
    assert data["notebook"] == "good.ipynb"
    assert [c["stage"] for c in data["cells"]] == [
        "setup", "setup", "ingest", "prepare", "evaluate", "test"]
    assert data["cells"][0]["inherited"] is True
    assert data["cells"][1]["is_parameters"] is True
    assert [s["name"] for s in data["stages"]][:2] == ["setup", "ingest"] or data["stages"]
    assert data["parameters"][0]["name"] == "alpha"
    assert isinstance(data["diagnostics"], list)


async def test_analyze_reports_diagnostics_with_cell_references(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "analyze", params={"path": "sub/bad.ipynb"})
    assert code == 200
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert errors and errors[0]["code"] == "unknown-stage"
    assert errors[0]["cell_index"] == 1 and errors[0]["cell_id"] == "c1"
    assert errors[0]["notebook"] == "sub/bad.ipynb"


async def test_analyze_bad_notebook_is_400_with_location(jp_fetch, root):
    (root / "broken.ipynb").write_text('{"cells": [\n  {"cell_type": "code",,}\n]}')
    code, data = await fetch_error(jp_fetch, "analyze", params={"path": "broken.ipynb"})
    assert code == 400
    assert "not valid JSON" in data["message"]
    assert data["location"]["notebook"] == "broken.ipynb"
    assert data["location"]["line"] == 2
    assert str(root) not in json.dumps(data)


async def test_analyze_non_python_notebook_is_400(jp_fetch, root):
    write_notebook(root / "r.ipynb", ["x <- 1"], language="R")
    code, data = await fetch_error(jp_fetch, "analyze", params={"path": "r.ipynb"})
    assert code == 400 and "only Python" in data["message"]


async def test_analyze_missing_file_is_404(jp_fetch, root):
    code, data = await fetch_error(jp_fetch, "analyze", params={"path": "nope.ipynb"})
    assert code == 404
    assert "nope.ipynb" in data["message"]


async def test_analyze_folder_is_404(jp_fetch, root):
    code, _ = await fetch_error(jp_fetch, "analyze", params={"path": "sub"})
    assert code == 404


# -- path confinement --------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "../outside.ipynb",
    "sub/../../outside.ipynb",
    "sub/../good.ipynb",
    "..\\outside.ipynb",
    "/etc/passwd",
    "~/x.ipynb",
    "C:\\x.ipynb",
    "",
])
async def test_paths_leaving_the_root_are_403(jp_fetch, root, path):
    for route in ("analyze", "stages", "runs"):
        if route == "stages" and path == "":
            continue  # no path: the root folder's table
        code, data = await fetch_error(jp_fetch, route, params={"path": path})
        assert code == 403, (route, path)
        assert data["message"]


async def test_absolute_path_to_a_file_inside_the_root_is_refused(jp_fetch, root):
    code, _ = await fetch_error(jp_fetch, "analyze", params={"path": str(root / "good.ipynb")})
    assert code == 403


async def test_symlink_leaving_the_root_is_403(jp_fetch, root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write_notebook(outside / "secret.ipynb", GOOD_CELLS)
    (root / "link.ipynb").symlink_to(outside / "secret.ipynb")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    for path in ("link.ipynb", "linkdir/secret.ipynb"):
        code, _ = await fetch_error(jp_fetch, "analyze", params={"path": path})
        assert code == 403, path
    code, _ = await fetch_error(jp_fetch, "convert", method="POST",
                                body=json.dumps({"path": "link.ipynb"}))
    assert code == 403
    assert not any(p.is_dir() for p in outside.iterdir())


async def test_symlink_inside_the_root_is_allowed(jp_fetch, root):
    (root / "alias.ipynb").symlink_to(root / "good.ipynb")
    code, data = await fetch_json(jp_fetch, "analyze", params={"path": "alias.ipynb"})
    assert code == 200 and data["notebook"] == "good.ipynb"


async def test_convert_output_outside_the_root_is_403(jp_fetch, root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("out")
    for out in ("../escape", str(outside / "pkg"), "sub/../../escape"):
        code, _ = await fetch_error(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb", "out": out}))
        assert code == 403, out
    assert list(outside.iterdir()) == []
    assert not (root.parent / "escape").exists()


# -- authentication ----------------------------------------------------------------------

@pytest.mark.parametrize("route,method", [
    ("stages?path=good.ipynb", "GET"), ("analyze?path=good.ipynb", "GET"),
    ("runs?path=good.ipynb", "GET"), ("runs/abcdef", "GET"), ("convert", "POST"),
])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "token wrong"}])
async def test_routes_need_authentication(http_server_client, jp_base_url, root, route, method,
                                          headers):
    body = json.dumps({"path": "good.ipynb"}) if method == "POST" else None
    response = await http_server_client.fetch(f"{jp_base_url}{NS}/{route}", method=method,
                                              body=body, headers=headers, raise_error=False,
                                              follow_redirects=False)
    assert response.code in (401, 403)
    assert not (root / "good_pipeline").exists()


async def test_post_with_a_cookie_but_no_xsrf_is_refused(jp_serverapp, http_server_client,
                                                         jp_base_url, root):
    """A browser session (login cookie) must send the XSRF token with a POST; GET works."""
    token = jp_serverapp.identity_provider.token
    login = await http_server_client.fetch(f"{jp_base_url}api/status?token={token}")
    cookies = "; ".join(c.split(";")[0] for c in login.headers.get_list("Set-Cookie"))
    assert cookies
    ok = await http_server_client.fetch(f"{jp_base_url}{NS}/stages?path=good.ipynb",
                                        headers={"Cookie": cookies})
    assert ok.code == 200
    refused = await http_server_client.fetch(
        f"{jp_base_url}{NS}/convert", method="POST", body=json.dumps({"path": "good.ipynb"}),
        headers={"Cookie": cookies}, raise_error=False)
    assert refused.code == 403
    assert b"_xsrf" in refused.body
    assert not (root / "good_pipeline").exists()


# -- convert -----------------------------------------------------------------------------

async def test_convert_writes_the_package_under_the_root(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "convert", method="POST",
                                  body=json.dumps({"path": "good.ipynb"}))
    assert code == 200
    assert data["written"] is True and data["errors"] == 0
    assert data["package"] == "good_pipeline"
    assert data["out_dir"] == "good_pipeline"
    assert data["pipeline"] == "good_pipeline/src/good_pipeline/pipeline.py"
    assert (root / data["pipeline"]).is_file()
    assert "pyproject.toml" in data["files"]
    assert set(data["changed"]) == set(data["files"]) | {".nb2pipe-manifest.json"} or data["changed"]
    for rel in data["files"]:
        assert (root / "good_pipeline" / rel).is_file()
    assert str(root) not in json.dumps(data)

    # a second convert without force refuses to touch the existing package
    code, again = await fetch_error(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb"}))
    assert code == 409 and again["message"]
    code, forced = await fetch_json(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb", "force": True}))
    assert code == 200 and forced["written"] and forced["changed"] == []


async def test_convert_to_a_chosen_folder_and_package(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "convert", method="POST", body=json.dumps(
        {"path": "good.ipynb", "out": "sub/pkg", "package": "mypkg"}))
    assert code == 200 and data["out_dir"] == "sub/pkg" and data["package"] == "mypkg"
    assert (root / "sub" / "pkg" / "src" / "mypkg" / "pipeline.py").is_file()


async def test_convert_with_errors_writes_nothing(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "convert", method="POST",
                                  body=json.dumps({"path": "sub/bad.ipynb"}))
    assert code == 200
    assert data["written"] is False and data["errors"] >= 1 and data["pipeline"] is None
    assert data["diagnostics"][0]["cell_id"] == "c1"
    assert not (root / "sub" / "bad_pipeline").exists()


async def test_convert_bad_requests(jp_fetch, root):
    code, _ = await fetch_error(jp_fetch, "convert", method="POST", body="not json")
    assert code == 400
    code, data = await fetch_error(jp_fetch, "convert", method="POST", body=json.dumps({}))
    assert code == 400 and "'path'" in data["message"]
    code, _ = await fetch_error(jp_fetch, "convert", method="POST",
                                body=json.dumps({"path": "missing.ipynb"}))
    assert code == 404
    code, data = await fetch_error(jp_fetch, "convert", method="POST", body=json.dumps(
        {"path": "good.ipynb", "package": "not-valid"}))
    assert code == 400 and "identifier" in data["message"]


# -- runs --------------------------------------------------------------------------------

def _record(run_id: str, notebook: Path, started: str, metrics: dict, params: dict) -> dict:
    from jupyter_lifecycle.capture.record import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "kind": "interactive",
        "status": "completed", "started": started, "ended": started, "duration_s": 1.5,
        "notebook": {"path": str(notebook), "relpath": notebook.name, "sha256": None},
        "params": params, "metrics": metrics, "cells": [], "stages": {},
        "out_of_order": {"detected": False, "cells": []}, "environment": {}, "git": {},
        "data": {}, "artifacts": [], "failure": None, "fingerprints": {},
    }


@pytest.fixture
def store(root):
    store_mod = pytest.importorskip("jupyter_lifecycle.capture.store")
    (root / ".lifecycle").mkdir()
    store = store_mod.RunStore(root / ".lifecycle" / "runs.sqlite")
    nb = root / "good.ipynb"
    store.save(_record("a" * 32, nb, "2026-11-20T10:00:00Z", {"acc": 0.9}, {"alpha": 2}))
    store.save(_record("b" * 32, nb, "2026-11-21T10:00:00Z", {"acc": 0.95}, {"alpha": 3}))
    store.save(_record("c" * 32, root / "sub" / "bad.ipynb", "2026-11-22T10:00:00Z", {}, {}))
    return store


async def test_runs_of_a_notebook_newest_first(jp_fetch, root, store):
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert code == 200
    assert [r["run_id"][0] for r in data["runs"]] == ["b", "a"]
    assert data["runs"][0]["metrics"] == {"acc": 0.95}
    assert data["runs"][0]["notebook"]["path"] == "good.ipynb"
    assert data["store"] == ".lifecycle/runs.sqlite"
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb", "limit": "1"})
    assert len(data["runs"]) == 1


async def test_one_run_by_id_or_prefix(jp_fetch, root, store):
    code, data = await fetch_json(jp_fetch, "runs", "a" * 32, params={"path": "good.ipynb"})
    assert code == 200 and data["params"] == {"alpha": 2}
    code, data = await fetch_json(jp_fetch, "runs", "bbbbbb")
    assert data["run_id"] == "b" * 32 and data["notebook"]["path"] == "good.ipynb"
    code, data = await fetch_error(jp_fetch, "runs", "ffffff")
    assert code == 404 and data["message"] == "no run 'ffffff'"


async def test_runs_without_a_store(jp_fetch, root):
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert code == 200 and data == {"runs": [], "store": None}


async def test_runs_bad_limit_is_400(jp_fetch, root):
    code, _ = await fetch_error(jp_fetch, "runs", params={"path": "good.ipynb", "limit": "x"})
    assert code == 400


async def test_convert_force_never_deletes_through_a_crafted_manifest(jp_fetch, root, tmp_path_factory):
    import hashlib

    outside = tmp_path_factory.mktemp("outside") / "victim.txt"
    outside.write_text("precious\n")
    code, data = await fetch_json(jp_fetch, "convert", method="POST",
                                  body=json.dumps({"path": "good.ipynb"}))
    assert code == 200 and data["written"]
    manifest_path = root / "good_pipeline" / ".nb2pipe-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    manifest["files"][str(outside)] = digest
    manifest["files"]["../" * 12 + str(outside).lstrip("/")] = digest
    manifest_path.write_text(json.dumps(manifest))
    code, error = await fetch_error(jp_fetch, "convert", method="POST",
                                    body=json.dumps({"path": "good.ipynb", "force": True}))
    assert code == 409 and "cannot be trusted" in error["message"]
    assert outside.read_text() == "precious\n"
    assert str(root) not in json.dumps(error)


async def test_convert_force_must_be_a_boolean(jp_fetch, root):
    await fetch_json(jp_fetch, "convert", method="POST", body=json.dumps({"path": "good.ipynb"}))
    code, _ = await fetch_error(jp_fetch, "convert", method="POST",
                                body=json.dumps({"path": "good.ipynb", "force": "false"}))
    assert code == 400
