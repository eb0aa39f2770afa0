"""Measure the tagger against hand labels: a tagged notebook's effective stage per code cell.

The labels are what ``nb2pipe stages`` shows (``parameters`` for the parameters cell); the
tagger sees the same notebook with its stage tags (and, optionally, its ``parameters`` tag)
removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..notebook import TaggedNotebook, parse_notebook, read_notebook
from ..stages import PARAMETERS_TAG
from .tagger import suggest


@dataclass(frozen=True)
class CellVerdict:
    cell_index: int
    cell_id: str
    label: str
    proposed: str
    reason: str

    @property
    def agrees(self) -> bool:
        return self.label == self.proposed


@dataclass(frozen=True)
class Agreement:
    notebook: str
    cells: tuple[CellVerdict, ...]

    @property
    def agreed(self) -> int:
        return sum(c.agrees for c in self.cells)

    @property
    def share(self) -> float:
        return self.agreed / len(self.cells) if self.cells else 1.0


def labels(nb: TaggedNotebook) -> dict[int, str]:
    return {c.index: "parameters" if c.is_parameters else c.stage for c in nb.code_cells}


def untagged_text(text: str, tag_prefix: str, drop_parameters: bool) -> str:
    """The notebook's JSON with every stage tag (and the parameters tag, if asked) removed."""
    raw = json.loads(text)
    for cell in raw.get("cells", []):
        tags = cell.get("metadata", {}).get("tags")
        if isinstance(tags, list):
            cell["metadata"]["tags"] = [
                t for t in tags if not (isinstance(t, str) and t.startswith(tag_prefix))
                and not (drop_parameters and t == PARAMETERS_TAG)]
    return json.dumps(raw)


def measure(path: str | Path, drop_parameters: bool = True) -> Agreement:
    tagged = read_notebook(path)
    text = Path(path).read_text(encoding="utf-8")
    bare = parse_notebook(untagged_text(text, tagged.table.tag_prefix, drop_parameters),
                          str(path), tagged.table)
    truth = labels(tagged)
    verdicts = tuple(CellVerdict(s.cell_index, s.cell_id, truth[s.cell_index], s.shown_stage,
                                 s.reason) for s in suggest(bare))
    return Agreement(str(path), verdicts)
