"""Other tools' cell tags the reader recognises: Kale's tags and nbdev's ``#|`` directives.

The reader honours their ``skip`` (Kale's ``skip`` tag, nbdev's ``#| hide``) on cells that carry
no stage tag of ours, and says once which command maps the rest (``nb2pipe tag --from``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KALE_TAGS = frozenset({"imports", "functions", "pipeline-parameters", "pipeline-metrics", "skip"})
KALE_PREFIXES = ("step:", "block:", "prev:", "limit:")
# ``#| export``, ``#|export``, and the older ``# export`` / ``#export`` of nbdev 1.
_NBDEV_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([A-Za-z_][\w-]*)(.*)$")
_NBDEV_OLD = re.compile(r"^\s*#\s*(export|exports|exporti|hide|default_exp)\b(.*)$")
NBDEV_SKIP = frozenset({"hide"})


def is_kale_tag(tag: str) -> bool:
    return tag in KALE_TAGS or tag.startswith(KALE_PREFIXES)


def nbdev_directives(source: str) -> tuple[tuple[str, str], ...]:
    """(directive, argument) of the comment lines at the top of a cell: ``#| export`` → export."""
    found = []
    for line in source.splitlines():
        if not line.strip():
            continue
        match = _NBDEV_DIRECTIVE.match(line) or _NBDEV_OLD.match(line)
        if match is None:
            break
        found.append((match.group(1).lower(), match.group(2).strip()))
    return tuple(found)


def cell_dialect(tags: Iterable[str], source: str, cell_type: str) -> str | None:
    """"kale" or "nbdev" when the cell carries that tool's tags or directives."""
    if any(is_kale_tag(t) for t in tags):
        return "kale"
    if cell_type == "code" and nbdev_directives(source):
        return "nbdev"
    return None


def foreign_skip(tags: Iterable[str], source: str, cell_type: str) -> str | None:
    """The dialect whose ``skip`` this cell carries, or None."""
    if cell_type != "code":
        return None
    if "skip" in tags:
        return "kale"
    if any(name in NBDEV_SKIP for name, _ in nbdev_directives(source)):
        return "nbdev"
    return None


DIALECT_NAMES = {"kale": "Kale", "nbdev": "nbdev"}


def migration_hint(dialect: str, path: str, skipped: int) -> str:
    what = {"kale": "Kale tags (steps, imports, pipeline-parameters, ...)",
            "nbdev": "nbdev directives (#| export, #| hide, ...)"}[dialect]
    honoured = f"its skip is honoured ({skipped} cell(s) skipped); " if skipped else ""
    return (f"the notebook carries {what}: {honoured}`nb2pipe tag --from {dialect} {path} --write` "
            "maps the rest onto lifecycle stages")
