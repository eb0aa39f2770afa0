"""The extension's settings schemas: one command and shortcut per stage, no clash with the
shortcuts JupyterLab ships, a metadata form, a cell-toolbar button; packaging metadata."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.stages import DEFAULT_STAGES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "labextension" / "schema"


def _plugin() -> dict:
    return json.loads((SCHEMA / "plugin.json").read_text(encoding="utf-8"))


def _lab_shortcuts() -> list[tuple[tuple[str, ...], str, str]]:
    """Every shortcut in the installed JupyterLab's schemas: (keys, selector, command)."""
    candidates = [Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"]
    folder = next((c for c in candidates if c.is_dir()), None)
    if folder is None:
        pytest.skip("JupyterLab is not installed in this environment")
    found = []
    for path in folder.rglob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for shortcut in data.get("jupyter.lab.shortcuts", []):
            if shortcut.get("keys") and shortcut["keys"] != [""]:
                found.append((tuple(shortcut["keys"]), shortcut.get("selector", ""),
                              shortcut.get("command", "")))
    assert found, "no JupyterLab shortcuts found"
    return found


def test_one_tag_command_and_shortcut_per_default_stage():
    shortcuts = {s["command"]: s for s in _plugin()["jupyter.lab.shortcuts"]}
    for stage in DEFAULT_STAGES:
        assert f"jupyter-lifecycle:tag-{stage.name}" in shortcuts, stage.name
    keys = [tuple(s["keys"]) for s in shortcuts.values()]
    assert len(keys) == len(set(keys)), "two commands share a shortcut"


def test_shortcuts_do_not_clash_with_jupyterlab_defaults():
    ours = [tuple(s["keys"]) for s in _plugin()["jupyter.lab.shortcuts"]]
    for keys, _selector, command in _lab_shortcuts():
        for mine in ours:
            shorter = min(len(keys), len(mine))
            # equal, or one a prefix of the other (a chord would swallow the other's keys)
            assert keys[:shorter] != mine[:shorter], f"{mine} clashes with {keys} ({command})"


def test_stage_default_table_matches_the_typescript_defaults():
    source = (ROOT / "labextension" / "src" / "stages.ts").read_text(encoding="utf-8")
    for stage in DEFAULT_STAGES:
        assert f"stage('{stage.name}', '{stage.kind}', '{stage.color}'" in source, stage.name


def test_metadata_form_toolbar_and_settings():
    plugin = _plugin()
    form = plugin["jupyter.lab.metadataforms"][0]
    key = next(iter(form["metadataSchema"]["properties"]))
    assert form["metadataOptions"][key]["customRenderer"] == "jupyter-lifecycle:plugin.stage-field"
    assert plugin["jupyter.lab.toolbars"]["Cell"][0]["command"] == "jupyter-lifecycle:pick-stage"
    runs = json.loads((SCHEMA / "runs.json").read_text(encoding="utf-8"))
    assert runs["properties"]["captureRuns"]["default"] is False


def test_no_registry_or_machine_path_in_committed_extension_files():
    files = [ROOT / "labextension" / n for n in
             ("package.json", ".yarnrc.yml", "ui-tests/package.json", "ui-tests/.yarnrc.yml")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        registry_setting = "npmRegistry" + "Server"  # spelled apart so this file has no such setting
        assert registry_setting not in text and f"{ROOT.parent}/" not in text, path
