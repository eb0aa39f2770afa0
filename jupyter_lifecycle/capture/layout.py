"""The notebook's cell layout as capture needs it: cell id → position and effective stage.

Read with the standard ``json`` module (never nbformat). The rules are the converter's:
a code cell's stage is its ``lifecycle:<stage>`` tag (aliases resolved), else the stage of the
nearest tagged cell above it that is not ``skip``/``explore``, else ``setup``; a ``skip`` or
``explore`` tag marks its own cell only, or the section of the markdown heading it tags (down to
the next heading of the same or a higher level, or the next cell tagged with another stage);
cells tagged ``parameters`` / ``injected-parameters`` are stage ``parameters``. A cell's index is
its position in the notebook the user has: in the layout the engine hands over (papermill's
executed notebook), papermill's injected-parameters cell has none and does not shift the cells
after it.

"The last cell of a stage" is the last non-empty code cell of that stage in notebook order:
when it finishes, the stage's values are fingerprinted (``JUPYTER_LIFECYCLE_BOUNDARIES``) and,
for ``evaluate``, the ``metrics`` dict is read. A Kale ``pipeline-metrics`` cell of stage evaluate
binds ``metrics`` to the values it prints after it runs (``printed_metrics``), as the converted
pipeline does.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from .printed_metrics import PIPELINE_METRICS_TAG, SourceCell, plan_printed_metrics

TAG_PREFIX = "lifecycle:"
DEFAULT_STAGE = "setup"
PARAMETERS = "parameters"
INJECTED = "injected-parameters"  # papermill's tag on the cell it adds
PARAMETER_TAGS = ("parameters", INJECTED)
LOCAL_STAGES = frozenset({"skip", "explore"})  # the default table's stages of kind skip/notebook
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")

# The default aliases of the stage table (jupyter_lifecycle/stages.py), repeated here because
# capture imports nothing else of ours; projects add theirs in [tool.nb2pipe] of pyproject.toml.
DEFAULT_ALIASES = {
    "config": "setup", "imports": "setup", "load": "ingest", "data": "ingest", "eda": "explore",
    "preprocess": "prepare", "features": "prepare", "fit": "train", "training": "train",
    "eval": "evaluate", "metrics": "evaluate", "gate": "validate", "check": "validate",
    "export": "deploy", "serve": "deploy", "drift": "monitor", "tests": "test", "ignore": "skip",
}


@dataclass(frozen=True)
class CellPlace:
    index: int | None  # position among all cells of the user's notebook; None: papermill's cell
    stage: str
    tags: tuple[str, ...]


@dataclass
class Layout:
    path: str | None
    cells: dict[str, CellPlace] = field(default_factory=dict)
    last_of_stage: dict[str, str] = field(default_factory=dict)  # stage → cell id
    printed_metrics: dict[str, str] = field(default_factory=dict)  # cell id → the line to run after it
    mtime_ns: int | None = None
    source: str = "file"  # "file" | "engine"

    def place(self, cell_id: str | None) -> CellPlace | None:
        return self.cells.get(cell_id) if cell_id else None

    def added_by_papermill(self, cell_id: str | None) -> bool:
        place = self.place(cell_id)
        return place is not None and place.index is None


def _aliases(notebook: str | None) -> dict[str, str]:
    aliases = dict(DEFAULT_ALIASES)
    if not notebook:
        return aliases
    folder = os.path.dirname(os.path.abspath(notebook))
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return aliases
        folder = parent
    try:
        import tomllib

        with open(candidate, "rb") as handle:
            table = tomllib.load(handle).get("tool", {}).get("nb2pipe", {})
    except Exception:  # a broken pyproject is the converter's to report, not capture's
        return aliases
    extra = table.get("aliases")
    if isinstance(extra, dict):
        aliases.update({str(k): str(v) for k, v in extra.items()})
    for stage in table.get("stages", []) or []:
        if isinstance(stage, dict) and isinstance(stage.get("name"), str):
            for alias in stage.get("aliases", []) or []:
                aliases[str(alias)] = stage["name"]
    return aliases


def _heading_level(cell) -> int | None:
    """1-6 when a markdown cell starts with a heading (``## x`` or an underlined line)."""
    if cell.get("cell_type") != "markdown":
        return None
    source = cell.get("source", "")
    lines = ("".join(source) if isinstance(source, list) else str(source)).lstrip("\r\n").splitlines()
    if not lines:
        return None
    if match := _ATX.match(lines[0]):
        return len(match.group(1))
    if len(lines) > 1 and lines[0].strip() and (match := _SETEXT.match(lines[1])):
        return 1 if match.group(1)[0] == "=" else 2
    return None


def build_layout(cells, *, path: str | None = None, aliases: dict[str, str] | None = None,
                 mtime_ns: int | None = None, source: str = "file") -> Layout:
    """``cells``: the notebook's ``cells`` list (dicts with id, cell_type, metadata.tags, source)."""
    aliases = DEFAULT_ALIASES if aliases is None else aliases
    layout = Layout(path=path, mtime_ns=mtime_ns, source=source)
    base, section = DEFAULT_STAGE, None  # section: a skip/explore heading's (stage, level)
    code: list[SourceCell] = []
    added = 0  # papermill's injected cells so far (engine layouts only)
    for index, cell in enumerate(cells):
        metadata = cell.get("metadata") or {}
        tags = tuple(str(t) for t in (metadata.get("tags") or ()))
        injected = source == "engine" and INJECTED in tags
        position = None if injected else index - added
        added += injected
        explicit = None
        for tag in tags:
            if tag.startswith(TAG_PREFIX):
                name = tag[len(TAG_PREFIX):]
                explicit = aliases.get(name, name)
                break
        level = _heading_level(cell)
        if explicit is None:
            if section is not None and level is not None and level <= section[1]:
                section = None
            current = section[0] if section is not None else base
        elif explicit in LOCAL_STAGES:
            if level is not None:
                section = (explicit, level)
            elif section is not None and section[0] != explicit:
                section = None  # the same tag again inside the section keeps it
            current = explicit
        else:
            base, section, current = explicit, None, explicit
        if cell.get("cell_type") != "code":
            continue
        stage = PARAMETERS if any(t in PARAMETER_TAGS for t in tags) else current
        cell_id = cell.get("id")
        source_text = cell.get("source", "")
        if isinstance(source_text, list):
            source_text = "".join(source_text)
        code.append(SourceCell(index, cell_id if isinstance(cell_id, str) else "", str(source_text),
                               tags, stage))
        if not isinstance(cell_id, str) or not cell_id:
            continue
        layout.cells[cell_id] = CellPlace(position, stage, tags)
        if source_text.strip():
            layout.last_of_stage[stage] = cell_id
    layout.printed_metrics = {c.cell_id: c.code for c in plan_printed_metrics(code).cells if c.cell_id}
    return layout


def with_file_sources(cells, path: str | None):
    """``cells`` (the engine's, whose sources are placeholders) with the sources of the notebook
    file at ``path``, by cell id, when a Kale pipeline-metrics cell needs them; else as given."""
    if not path or not any(PIPELINE_METRICS_TAG in ((c.get("metadata") or {}).get("tags") or ())
                           for c in cells):
        return cells
    try:
        with open(path, encoding="utf-8") as handle:
            sources = {c.get("id"): c.get("source", "") for c in json.load(handle).get("cells", [])}
    except (OSError, ValueError, AttributeError):
        return cells
    return [dict(c, source=sources[c.get("id")]) if c.get("id") in sources else c for c in cells]


def read_layout(path: str | None) -> Layout | None:
    """The layout of the notebook at ``path``, or None when it cannot be read."""
    if not path:
        return None
    try:
        mtime_ns = os.stat(path).st_mtime_ns
        with open(path, encoding="utf-8") as handle:
            nb = json.load(handle)
        cells = nb.get("cells")
        if not isinstance(cells, list):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    return build_layout(cells, path=path, aliases=_aliases(path), mtime_ns=mtime_ns)
