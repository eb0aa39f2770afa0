"""Read an .ipynb into a TaggedNotebook: version, language and tag checks, effective stages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

from ..errors import Diagnostic, Location, NotebookError, Severity
from ..stages import INJECTED_PARAMETERS_TAG, PARAMETERS_TAG, StageTable, load_stage_table
from .dialects import cell_dialect, foreign_skip, migration_hint, with_printed_metrics
from .effective import effective_stages
from .model import Cell, TaggedNotebook
from .structure import MAX_NOTEBOOK_BYTES, too_big, check_notebook, load_json

PYTHON_LANGUAGES = {"python", "python3", "ipython", "ipython3"}
# nbformat 4.5's cell id: what provenance comments and ``--cell`` can quote safely.
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def read_notebook(path: str | Path, table: StageTable | None = None) -> TaggedNotebook:
    """Read and check a notebook file. Raises NotebookError (with the path) on bad input."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(too_big(size), Location(str(path)))
        data = path.read_bytes()
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise NotebookError("no such notebook", Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"cannot read the notebook: {exc}", Location(str(path))) from None
    if table is None:
        table = load_stage_table(path.parent)
    return replace(parse_notebook(text, str(path), table), sha256=hashlib.sha256(data).hexdigest())


def parse_notebook(text: str, path: str, table: StageTable | None = None) -> TaggedNotebook:
    table = table or StageTable()
    where = Location(path)
    raw = load_json(text, path)
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError("not a Jupyter notebook (no 'cells')", where)
    major = raw.get("nbformat")
    if major != 4:
        major = major if isinstance(major, int) else repr(major)[:20]
        raise NotebookError(
            f"nbformat v{major} notebook; only v4 is supported. Open and save it in "
            "JupyterLab, or run `jupyter nbconvert --to notebook --inplace` to upgrade it",
            where,
        )
    check_notebook(raw, path)
    nb = raw
    metadata = nb.get("metadata") or {}
    language = (
        metadata.get("kernelspec", {}).get("language")
        or metadata.get("language_info", {}).get("name")
        or "python"
    )
    if str(language).lower() not in PYTHON_LANGUAGES:
        kernel = metadata.get("kernelspec", {}).get("name", language)
        raise NotebookError(
            f"kernel {kernel!r} runs {language}; only Python notebooks can be converted", where
        )
    cells, diagnostics = _build_cells(nb["cells"], path, table)
    cells, printed, found = with_printed_metrics(cells, path)
    return TaggedNotebook(
        path=path,
        cells=tuple(cells),
        table=table,
        kernel_name=metadata.get("kernelspec", {}).get("name"),
        nbformat_minor=raw.get("nbformat_minor", 0),
        diagnostics=tuple(diagnostics + found),
        printed_metrics=printed,
    )


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _build_cells(raw_cells, path: str, table: StageTable) -> tuple[list[Cell], list[Diagnostic]]:
    cells: list[Cell] = []
    diagnostics: list[Diagnostic] = []
    seen_ids: set[str] = set()
    dialect: tuple[str, int, str] | None = None  # the first foreign dialect: (name, index, id)
    skipped = 0
    for index, raw in enumerate(raw_cells):
        cell_id = raw.get("id") or f"cell-{index}"
        if not _CELL_ID.fullmatch(cell_id):
            diagnostics.append(Diagnostic(
                Severity.WARNING, "invalid-cell-id",
                f"cell id {cell_id!r} is not an nbformat id (1-64 letters, digits, - or _); "
                "referring to it by index instead", Location(path, index)))
            cell_id = _fallback_id(index, seen_ids)
        elif cell_id in seen_ids:
            diagnostics.append(Diagnostic(
                Severity.WARNING, "duplicate-cell-id",
                f"cell id {cell_id!r} is used twice; referring to it by index instead",
                Location(path, index, cell_id)))
            cell_id = _fallback_id(index, seen_ids)
        seen_ids.add(cell_id)
        tags = tuple(raw.get("metadata", {}).get("tags", []))
        explicit: list[str] = []
        for tag in tags:
            if not tag.startswith(table.tag_prefix):
                continue
            name = tag[len(table.tag_prefix):]
            stage = table.get(name)
            if stage is None:
                diagnostics.append(Diagnostic(
                    Severity.ERROR, "unknown-stage",
                    f"unknown stage tag {tag!r}; known stages: {', '.join(table.names)}",
                    Location(path, index, cell_id, 1)))
            elif stage.name not in explicit:
                explicit.append(stage.name)
        if len(explicit) > 1:
            diagnostics.append(Diagnostic(
                Severity.ERROR, "several-stages",
                f"cell has several stage tags ({', '.join(explicit)}); keep one",
                Location(path, index, cell_id, 1)))
        explicit_stage = explicit[0] if explicit else None
        source = _source(raw)
        migrated = explicit or PARAMETERS_TAG in tags  # carries our tags too: nothing to map
        if dialect is None and not migrated \
                and (name := cell_dialect(tags, source, raw["cell_type"])):
            dialect = (name, index, cell_id)
        if explicit_stage is None and table.get("skip") is not None \
                and foreign_skip(tags, source, raw["cell_type"]):
            explicit_stage, skipped = "skip", skipped + 1
        is_code = raw["cell_type"] == "code"
        cells.append(Cell(
            index=index,
            id=cell_id,
            cell_type=raw["cell_type"],
            source=source,
            tags=tags,
            stage=explicit_stage or table.default_stage,  # the rule below sets it
            explicit_stage=explicit_stage,
            is_parameters=PARAMETERS_TAG in tags,
            is_injected_parameters=INJECTED_PARAMETERS_TAG in tags,
            execution_count=raw.get("execution_count") if is_code else None,
            outputs=tuple(raw.get("outputs", ())) if is_code else (),
        ))
    cells = [cell if cell.stage == stage else replace(cell, stage=stage)
             for cell, stage in zip(cells, effective_stages(cells, table))]
    if dialect is not None:
        name, index, cell_id = dialect
        diagnostics.append(Diagnostic(Severity.WARNING, "foreign-tags",
                                      migration_hint(name, path, skipped),
                                      Location(path, index, cell_id, 1)))
    return cells, diagnostics


def _fallback_id(index: int, taken: set[str]) -> str:
    """``cell-<index>``, or with a suffix when a cell already carries that id."""
    candidate, n = f"cell-{index}", 1
    while candidate in taken:
        candidate, n = f"cell-{index}-{n}", n + 1
    return candidate
