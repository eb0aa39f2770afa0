"""What each step returns: the values later steps, test cells and the run's results read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from .dataflow import Dataflow
from .model import Definition, StageNode, TestNode


def assign_outputs(flow: Dataflow, tests: Iterable[TestNode], definitions: Mapping[str, Definition],
                   result_names: tuple[str, ...]) -> tuple[StageNode, ...]:
    """The steps with their outputs: what a later step takes from them; what a test reads, from
    the latest step up to its ``until`` that produces it; every public value the last step binds
    (what a user looks for after the notebook); and each result name, from its latest step."""
    stages = flow.nodes
    produced, order = flow.produced, flow.order
    outputs: dict[str, list[str]] = {s.name: [] for s in stages}
    needed: dict[str, set[str]] = {s.name: set() for s in stages}  # what outputs holds

    def need(stage_name: str, value: str) -> None:
        if value not in needed[stage_name]:
            needed[stage_name].add(value)
            outputs[stage_name].append(value)

    for node in stages:
        for value, provider in node.providers.items():
            need(provider, value)
    for test in tests:
        upto = [s for s in produced if order[s] <= order[test.until]] if test.until else []
        for value in test.reads:
            provider = next((s for s in reversed(upto) if value in produced[s]), None)
            if provider is not None:
                need(provider, value)
    if stages:
        last = stages[-1]
        for block in last.blocks:
            for names in block.names:
                for value in names.defines:
                    if value not in definitions and not value.startswith("_"):
                        need(last.name, value)
    for result in result_names:
        provider = next((n.name for n in reversed(stages) if result in produced[n.name]), None)
        if provider is not None:
            need(provider, result)
    return tuple(replace(n, outputs=tuple(outputs[n.name])) for n in stages)
