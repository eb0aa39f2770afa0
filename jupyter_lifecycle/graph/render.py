"""The stage graph as text, Mermaid, Graphviz dot, or a JSON-able dict (CLI and server)."""

from __future__ import annotations

from .model import StageGraph


def _edges(graph: StageGraph) -> list[tuple[str, str, str]]:
    """(from, to, label) edges: parameters → stage, stage → stage, stage → test."""
    edges: list[tuple[str, str, str]] = []
    for node in graph.stages:
        by_source: dict[str, list[str]] = {}
        for value, provider in node.providers.items():
            by_source.setdefault(provider, []).append(value)
        if node.params:
            edges.append(("parameters", node.name, ", ".join(node.params)))
        for provider, values in by_source.items():
            edges.append((provider, node.name, ", ".join(values)))
    for test in graph.tests:
        if test.until:
            edges.append((test.until, f"test_cell_{test.cell.index}", ", ".join(test.reads)))
    return edges


def render_text(graph: StageGraph) -> str:
    lines = [f"{graph.notebook.path}: {len(graph.stages)} stage(s)"]
    if graph.params:
        lines.append("parameters: " + ", ".join(f"{p.name}={p.value_code}" for p in graph.params))
    for node in graph.stages:
        cells = ", ".join(str(c.index) for c in node.cells)
        lines.append(f"{node.name} (cells {cells})")
        for value, provider in node.providers.items():
            lines.append(f"  ← {value} from {provider}")
        for p in node.params:
            lines.append(f"  ← {p} from parameters")
        if node.outputs:
            lines.append("  → " + ", ".join(node.outputs))
    for test in graph.tests:
        lines.append(f"test cell {test.cell.index} after {test.until or 'parameters'}: "
                     + (", ".join(test.reads) or "no pipeline values"))
    return "\n".join(lines)


def render_mermaid(graph: StageGraph) -> str:
    lines = ["flowchart LR"]
    if any(n.params for n in graph.stages):
        lines.append("  parameters[/parameters/]")
    for node in graph.stages:
        shape = f"{{{{{node.name}}}}}" if node.kind == "gate" else f"[{node.name}]"
        lines.append(f"  {node.name}{shape}")
    for test in graph.tests:
        if test.until:
            lines.append(f"  test_cell_{test.cell.index}([test cell {test.cell.index}])")
    for src, dst, label in _edges(graph):
        lines.append(f"  {src} -->|{label.replace('|', '/')}| {dst}")
    return "\n".join(lines)


def render_dot(graph: StageGraph) -> str:
    lines = ["digraph pipeline {", "  rankdir=LR;", "  node [shape=box];"]
    if any(n.params for n in graph.stages):
        lines.append('  parameters [shape=parallelogram];')
    for node in graph.stages:
        shape = "hexagon" if node.kind == "gate" else "box"
        colour = graph.notebook.table[node.stage].color
        lines.append(f'  "{node.name}" [shape={shape}, color="{colour}"];')
    for src, dst, label in _edges(graph):
        lines.append(f'  "{src}" -> "{dst}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines)


def graph_to_dict(graph: StageGraph) -> dict:
    nb = graph.notebook
    return {
        "notebook": nb.path,
        "stages_table": nb.table.to_dict(),
        "cells": [
            {"index": c.index, "id": c.id, "cell_type": c.cell_type, "stage": c.stage,
             "explicit_stage": c.explicit_stage, "inherited": c.inherited,
             "is_parameters": c.is_parameters, "first_line": c.first_line,
             "execution_count": c.execution_count}
            for c in nb.cells
        ],
        "parameters": [{"name": p.name, "type": p.type_name, "default": p.value_code}
                       for p in graph.params],
        "stages": [
            {"name": n.name, "stage": n.stage, "kind": n.kind, "cells": [c.id for c in n.cells],
             "inputs": list(n.inputs), "params": list(n.params), "outputs": list(n.outputs),
             "providers": dict(n.providers), "uses": list(n.uses)}
            for n in graph.stages
        ],
        "tests": [{"cell": t.cell.id, "until": t.until, "reads": list(t.reads)} for t in graph.tests],
        "diagnostics": [d.to_dict() for d in graph.diagnostics],
    }
