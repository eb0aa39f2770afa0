"""The server's promises under hostile input, on a real server (pytest-jupyter's ``jp_fetch``).

The runs routes read only a store inside the root and only runs of notebooks inside it; run ids
need a prefix long enough to name one run; every route bounds its body (413), refuses bodies and
fields of the wrong shape with a 400 naming the field, and no error names a machine path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("pytest_jupyter")
pytest.importorskip("jupyter_server")

from conftest import write_notebook  # noqa: E402
from test_server import GOOD_CELLS, _record, fetch_error, fetch_json  # noqa: E402

from jupyter_lifecycle.capture.store import RunStore  # noqa: E402
from jupyter_lifecycle.server.body import MAX_BODY_BYTES  # noqa: E402

pytest_plugins = ["pytest_jupyter.jupyter_server"]

GOOD_ID, OTHER_ID, OUTSIDE_ID = "a" * 32, "b" * 32, "d" * 32


@pytest.fixture
def jp_server_config(jp_server_config):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_lifecycle": True}}}


@pytest.fixture
def root(jp_root_dir, monkeypatch) -> Path:
    monkeypatch.delenv("JUPYTER_LIFECYCLE_STORE", raising=False)
    write_notebook(jp_root_dir / "good.ipynb", GOOD_CELLS)
    return jp_root_dir


def fill(store_path: Path, *records) -> RunStore:
    store = RunStore(store_path)
    for record in records:
        store.save(record)
    return store


def good_run(root: Path, run_id: str = GOOD_ID) -> dict:
    return _record(run_id, root / "good.ipynb", "2026-11-20T10:00:00Z", {"acc": 0.9}, {})


def assert_no_machine_path(data, *paths: Path) -> None:
    text = json.dumps(data)
    for path in paths:
        for shown in {str(path), os.path.realpath(path)}:
            assert shown not in text, (shown, text)


# -- the store: inside the root only ----------------------------------------------------------

async def test_a_store_above_the_root_is_never_read(jp_fetch, root):
    """No marker in the root: capture's lookup would climb to the parent; the server does not."""
    fill(root.parent / ".lifecycle" / "runs.sqlite", good_run(root))
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert code == 200 and data == {"runs": [], "store": None}
    code, data = await fetch_error(jp_fetch, "runs", GOOD_ID)
    assert code == 404 and data["message"] == f"no run {GOOD_ID!r}"


async def test_a_configured_store_outside_the_root_is_not_read(jp_fetch, root, tmp_path_factory,
                                                               monkeypatch):
    outside = tmp_path_factory.mktemp("elsewhere") / "runs.sqlite"
    fill(outside, good_run(root))
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(outside))
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert code == 200 and data["runs"] == []
    code, _ = await fetch_error(jp_fetch, "runs", GOOD_ID)
    assert code == 404


async def test_a_configured_store_inside_the_root_is_read(jp_fetch, root, monkeypatch):
    inside = root / "records" / "runs.sqlite"
    fill(inside, good_run(root))
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(inside))
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert [r["run_id"] for r in data["runs"]] == [GOOD_ID]
    assert data["store"] == "records/runs.sqlite"


async def test_a_project_store_in_a_subfolder_of_the_root(jp_fetch, root):
    project = root / "project"
    (project / "nb").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    write_notebook(project / "nb" / "n.ipynb", GOOD_CELLS)
    run = _record(GOOD_ID, project / "nb" / "n.ipynb", "2026-11-20T10:00:00Z", {}, {})
    fill(project / ".lifecycle" / "runs.sqlite", run)
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "project/nb/n.ipynb"})
    assert [r["run_id"] for r in data["runs"]] == [GOOD_ID]
    assert data["store"] == "project/.lifecycle/runs.sqlite"
    assert data["runs"][0]["notebook"]["path"] == "project/nb/n.ipynb"


async def test_a_symlinked_lifecycle_folder_is_refused(jp_fetch, root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside_store")
    fill(outside / "runs.sqlite", good_run(root))
    (root / ".lifecycle").symlink_to(outside, target_is_directory=True)
    for parts, params in ((("runs",), {"path": "good.ipynb"}), (("runs", GOOD_ID), {})):
        code, data = await fetch_error(jp_fetch, *parts, params=params)
        assert code == 403, parts
        assert ".lifecycle is a link" in data["message"]
        assert_no_machine_path(data, root, outside)


async def test_a_symlinked_store_file_is_refused(jp_fetch, root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside_file")
    fill(outside / "runs.sqlite", good_run(root))
    (root / ".lifecycle").mkdir()
    (root / ".lifecycle" / "runs.sqlite").symlink_to(outside / "runs.sqlite")
    code, data = await fetch_error(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert code == 403 and ".lifecycle/runs.sqlite is a link" in data["message"]
    assert_no_machine_path(data, root, outside)


# -- runs: only those of notebooks inside the root ------------------------------------------

@pytest.fixture
def mixed_store(root, tmp_path_factory) -> RunStore:
    outside_nb = tmp_path_factory.mktemp("other_project") / "secret.ipynb"
    return fill(root / ".lifecycle" / "runs.sqlite",
                good_run(root),
                _record(OUTSIDE_ID, outside_nb, "2026-11-23T10:00:00Z", {"secret": 1}, {}),
                _record("e" * 32, root / ".." / "escape.ipynb", "2026-11-23T11:00:00Z", {}, {}),
                {**good_run(root, "f" * 32), "notebook": None})


async def test_runs_of_notebooks_outside_the_root_are_not_returned(jp_fetch, root, mixed_store):
    assert len(mixed_store.list()) == 4
    for ref in (OUTSIDE_ID, OUTSIDE_ID[:6], "e" * 32, "f" * 32):
        code, data = await fetch_error(jp_fetch, "runs", ref)
        assert code == 404 and data["message"] == f"no run {ref!r}", ref
    code, data = await fetch_json(jp_fetch, "runs", GOOD_ID[:6])
    assert code == 200 and data["run_id"] == GOOD_ID
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb"})
    assert [r["run_id"] for r in data["runs"]] == [GOOD_ID]


@pytest.mark.parametrize("ref", ["a", "aaaaa", " aaaaa "])
async def test_a_run_prefix_needs_six_characters(jp_fetch, root, mixed_store, ref):
    code, data = await fetch_error(jp_fetch, "runs", ref)
    assert code == 400 and "at least 6 characters" in data["message"]


async def test_an_ambiguous_run_prefix_is_refused(jp_fetch, root):
    first, second = "abcdef" + "0" * 26, "abcdef" + "1" * 26
    fill(root / ".lifecycle" / "runs.sqlite", good_run(root, first), good_run(root, second))
    code, data = await fetch_error(jp_fetch, "runs", "abcdef")
    assert code == 400 and "matches more than one run" in data["message"]
    assert first not in data["message"] and second not in data["message"]
    code, data = await fetch_json(jp_fetch, "runs", "abcdef1")
    assert data["run_id"] == second


async def test_run_errors_name_no_machine_path(jp_fetch, root):
    (root / ".lifecycle").mkdir()
    (root / ".lifecycle" / "runs.sqlite").write_bytes(b"not a database" * 100)
    errors = [await fetch_error(jp_fetch, "runs", params={"path": "good.ipynb"}),
              await fetch_error(jp_fetch, "runs", GOOD_ID),
              await fetch_error(jp_fetch, "runs", params={"path": "missing.ipynb"})]
    assert [code for code, _ in errors] == [500, 500, 404]
    assert ".lifecycle/runs.sqlite" in errors[0][1]["message"]
    for _, data in errors:
        assert_no_machine_path(data, root, root.parent)


# -- bodies: bounded, JSON objects of typed fields ---------------------------------------------

def convert_body(**fields) -> str:
    return json.dumps({"path": "good.ipynb", **fields})


async def test_a_body_over_the_limit_is_413(jp_fetch, root):
    padding = "x" * (MAX_BODY_BYTES + 1 - len(json.dumps({"path": ""})))
    body = json.dumps({"path": padding})
    assert len(body) == MAX_BODY_BYTES + 1
    code, data = await fetch_error(jp_fetch, "convert", method="POST", body=body)
    assert code == 413 and str(MAX_BODY_BYTES) in data["message"]
    at_limit = json.dumps({"path": padding[:-1]})
    code, data = await fetch_error(jp_fetch, "convert", method="POST", body=at_limit)
    assert code == 403 and data["message"] == "invalid path: File name too long"  # it was read
    code, _ = await fetch_error(jp_fetch, "analyze", params={"path": "good.ipynb"}, body=body,
                                allow_nonstandard_methods=True)
    assert code == 413


async def test_a_path_too_long_for_the_file_system_is_refused_not_500(jp_fetch, root):
    for route in ("analyze", "runs"):
        code, data = await fetch_error(jp_fetch, route, params={"path": "n" * 5000 + ".ipynb"})
        assert code == 403 and data["message"].startswith("invalid path"), route


async def test_a_chunked_body_over_the_limit_is_413(jp_fetch, root):
    async def produce(write):
        for _ in range(4):
            await write(b" " * (MAX_BODY_BYTES // 2))

    code, data = await fetch_error(jp_fetch, "convert", method="POST", body_producer=produce)
    assert code == 413 and str(MAX_BODY_BYTES) in data["message"]
    assert not (root / "good_pipeline").exists()


@pytest.mark.parametrize("body,needle", [
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ('{"path": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
    (b"\xff\xfe{}", "not JSON"),
    ("[1, 2]", "JSON object"),
    ('"good.ipynb"', "JSON object"),
])
async def test_bodies_of_the_wrong_shape_are_400(jp_fetch, root, body, needle):
    code, data = await fetch_error(jp_fetch, "convert", method="POST", body=body)
    assert code == 400 and needle in data["message"]


@pytest.mark.parametrize("fields,field", [
    ({"path": 5}, "path"),
    ({"path": ["good.ipynb"]}, "path"),
    ({"out": ["x"]}, "out"),
    ({"out": 1}, "out"),
    ({"package": 5}, "package"),
    ({"package": {"name": "x"}}, "package"),
    ({"force": "false"}, "force"),
    ({"force": "true"}, "force"),
    ({"force": 1}, "force"),
    ({"froce": True}, "froce"),
])
async def test_fields_of_the_wrong_type_are_400_naming_the_field(jp_fetch, root, fields, field):
    code, data = await fetch_error(jp_fetch, "convert", method="POST", body=convert_body(**fields))
    assert code == 400 and f"'{field}'" in data["message"], data
    assert not (root / "good_pipeline").exists()


@pytest.mark.parametrize("package,needle", [
    ("class", "keyword"),
    ("None", "keyword"),
    ("os", "standard-library module os"),
    ("json", "standard-library module json"),
    ("pytest", "installed module pytest"),
    ("données", "not ASCII"),
    ("_private", "start with a letter"),
    ("not-valid", "identifier"),
])
async def test_unusable_package_names_are_400(jp_fetch, root, package, needle):
    code, data = await fetch_error(jp_fetch, "convert", method="POST",
                                   body=convert_body(package=package, out="pkg"))
    assert code == 400 and needle in data["message"] and "'package'" in data["message"], data
    assert not (root / "pkg").exists()


def nested_lists(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("content,needle", [
    ({"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, "'cells' must be a list"),
    ({"cells": [], "metadata": {"kernelspec": "python"}, "nbformat": 4, "nbformat_minor": 5},
     "kernelspec"),
    ({"cells": [{"cell_type": "code", "id": ["x"], "source": "", "metadata": {}, "outputs": [],
                 "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
     "'id' must be a string"),
    ({"cells": [], "metadata": {"deep": nested_lists(200)}, "nbformat": 4, "nbformat_minor": 5},
     "nested"),
])
async def test_malformed_notebooks_are_400_on_every_route(jp_fetch, root, content, needle):
    (root / "bad.ipynb").write_text(json.dumps(content), encoding="utf-8")
    for code, data in (await fetch_error(jp_fetch, "analyze", params={"path": "bad.ipynb"}),
                       await fetch_error(jp_fetch, "convert", method="POST",
                                         body=json.dumps({"path": "bad.ipynb"}))):
        assert code == 400 and needle in data["message"], data
        assert data["location"]["notebook"] == "bad.ipynb"
        assert_no_machine_path(data, root)
    assert not (root / "bad_pipeline").exists()


async def test_a_huge_limit_argument_is_clamped_and_a_bad_one_is_400(jp_fetch, root):
    fill(root / ".lifecycle" / "runs.sqlite", good_run(root))
    code, data = await fetch_json(jp_fetch, "runs", params={"path": "good.ipynb", "limit": "9" * 30})
    assert code == 200 and len(data["runs"]) == 1
    code, data = await fetch_error(jp_fetch, "runs", params={"path": "good.ipynb", "limit": "9" * 5000})
    assert code == 400 and "'limit'" in data["message"]

