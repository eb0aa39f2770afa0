"""Read an .ipynb into a TaggedNotebook: version, language and tag checks, effective stages."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import Diagnostic, Location, NotebookError, Severity
from ..stages import INJECTED_PARAMETERS_TAG, PARAMETERS_TAG, StageTable, load_stage_table
from .model import Cell, TaggedNotebook

PYTHON_LANGUAGES = {"python", "python3", "ipython", "ipython3"}


def read_notebook(path: str | Path, table: StageTable | None = None) -> TaggedNotebook:
    """Read and check a notebook file. Raises NotebookError (with the path) on bad input."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookError("no such notebook", Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"cannot read the notebook: {exc}", Location(str(path))) from None
    if table is None:
        table = load_stage_table(path.parent)
    return parse_notebook(text, str(path), table)


def parse_notebook(text: str, path: str, table: StageTable | None = None) -> TaggedNotebook:
    table = table or StageTable()
    where = Location(path)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            Location(path, line=exc.lineno),
        ) from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError("not a Jupyter notebook (no 'cells')", where)
    major = raw.get("nbformat")
    if major != 4:
        raise NotebookError(
            f"nbformat v{major} notebook; only v4 is supported. Open and save it in "
            "JupyterLab, or run `jupyter nbconvert --to notebook --inplace` to upgrade it",
            where,
        )
    _check_structure(raw, path)
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
    return TaggedNotebook(
        path=path,
        cells=tuple(cells),
        table=table,
        kernel_name=metadata.get("kernelspec", {}).get("name"),
        nbformat_minor=int(raw.get("nbformat_minor", 0)),
        diagnostics=tuple(diagnostics),
    )


def _check_structure(raw: dict, path: str) -> None:
    """The nbformat-4 shape this reader relies on, checked with the standard library: importing
    nbformat costs over a second where jupyterlab is installed (its jsonschema format checkers),
    and the CLI must stay fast. Full schema validation is nbformat's job when a notebook is run."""
    if not isinstance(raw.get("metadata", {}), dict) or not isinstance(raw.get("cells"), list):
        raise NotebookError("malformed notebook: 'cells' must be a list and 'metadata' an object",
                            Location(path))
    for index, cell in enumerate(raw["cells"]):
        where = Location(path, index, cell.get("id") if isinstance(cell, dict) else None)
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise NotebookError("malformed cell: cell_type must be code, markdown or raw", where)
        source = cell.get("source", "")
        if not isinstance(source, str) and not (
                isinstance(source, list) and all(isinstance(line, str) for line in source)):
            raise NotebookError("malformed cell: source must be a string or a list of strings", where)
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotebookError("malformed cell: metadata must be an object", where)
        tags = cell.get("metadata", {}).get("tags", [])
        if not isinstance(tags, list):
            raise NotebookError("malformed cell: metadata.tags must be a list", where)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _build_cells(raw_cells, path: str, table: StageTable) -> tuple[list[Cell], list[Diagnostic]]:
    cells: list[Cell] = []
    diagnostics: list[Diagnostic] = []
    current = table.default_stage
    seen_ids: set[str] = set()
    for index, raw in enumerate(raw_cells):
        cell_id = raw.get("id") or f"cell-{index}"
        if cell_id in seen_ids:
            diagnostics.append(Diagnostic(
                Severity.WARNING, "duplicate-cell-id",
                f"cell id {cell_id!r} is used twice; referring to it by index instead",
                Location(path, index, cell_id)))
            cell_id = f"cell-{index}"
        seen_ids.add(cell_id)
        tags = tuple(str(t) for t in raw.get("metadata", {}).get("tags", []) or ())
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
        if explicit_stage is not None:
            current = explicit_stage
        cells.append(Cell(
            index=index,
            id=cell_id,
            cell_type=raw.get("cell_type", "code"),
            source=_source(raw),
            tags=tags,
            stage=current,
            explicit_stage=explicit_stage,
            is_parameters=PARAMETERS_TAG in tags,
            is_injected_parameters=INJECTED_PARAMETERS_TAG in tags,
            execution_count=raw.get("execution_count"),
            outputs=tuple(raw.get("outputs", ()) or ()),
        ))
    return cells, diagnostics
