"""The effective stage of every cell, from the cells' own stage tags.

* A cell tagged with a stage has that stage.
* A ``skip`` or ``explore`` tag (a stage of kind ``skip`` or ``notebook``) marks its own cell
  only, unless it tags a markdown heading: then it covers the heading's section, down to the
  next heading of the same or a higher level, or the next cell tagged with another stage.
* Any other untagged cell takes the stage of the nearest tagged cell above it that is not
  ``skip``/``explore``; cells before any such tag take the table's default stage (``setup``).
* An untagged markdown heading whose section starts with a tagged cell shows that cell's stage
  (display only: markdown is never exported).

``capture/layout.py`` and the sidebar (``labextension/src/model.ts``) repeat this rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from ..stages import StageTable

LOCAL_KINDS = ("skip", "notebook")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")


class StagedCell(Protocol):
    cell_type: str
    source: str
    explicit_stage: str | None


def heading_level(cell_type: str, source: str) -> int | None:
    """1-6 when the markdown cell starts with a heading (``## x`` or an underlined line)."""
    if cell_type != "markdown":
        return None
    lines = source.lstrip("\r\n").splitlines()
    if not lines:
        return None
    if match := _ATX.match(lines[0]):
        return len(match.group(1))
    if len(lines) > 1 and lines[0].strip() and (match := _SETEXT.match(lines[1])):
        return 1 if match.group(1)[0] == "=" else 2
    return None


def effective_stages(cells: Sequence[StagedCell], table: StageTable) -> list[str]:
    """One stage per cell, in order. O(number of cells)."""
    local = {s.name for s in table.stages if s.kind in LOCAL_KINDS}
    base = table.default_stage
    section: tuple[str, int] | None = None  # a skip/explore heading's (stage, level)
    stages: list[str] = []
    levels: list[int | None] = []
    covered: list[bool] = []  # inside a skip/explore heading's section
    for cell in cells:
        level = heading_level(cell.cell_type, cell.source)
        levels.append(level)
        explicit = cell.explicit_stage
        if explicit is None:
            if section is not None and level is not None and level <= section[1]:
                section = None
            covered.append(section is not None)
            stages.append(section[0] if section is not None else base)
            continue
        covered.append(False)
        if explicit in local:
            if level is not None:
                section = (explicit, level)
            elif section is not None and section[0] != explicit:
                section = None  # the same tag again inside the section keeps it
            stages.append(explicit)
        else:
            base, section = explicit, None
            stages.append(explicit)
    _headings_take_their_section(cells, stages, levels, covered)
    return stages


def _headings_take_their_section(cells, stages: list[str], levels, covered) -> None:
    """An untagged heading whose section starts with a tagged cell (only untagged markdown in
    between) shows that cell's stage, and so does the markdown between: ``## Train`` above a
    cell tagged ``train`` reads as the start of train, not the end of the stage above."""
    i = 0
    while i < len(cells):
        level = levels[i]
        if level is None or cells[i].explicit_stage is not None or covered[i]:
            i += 1
            continue
        j = i + 1
        while j < len(cells) and cells[j].explicit_stage is None \
                and cells[j].cell_type == "markdown" \
                and (levels[j] is None or levels[j] > level):
            j += 1
        if j < len(cells) and cells[j].explicit_stage is not None:
            stages[i:j] = [cells[j].explicit_stage] * (j - i)
        i = j if j > i else i + 1
