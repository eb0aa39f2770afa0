"""Compare the notebook's and the pipeline's stage-boundary fingerprints and metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MATCH, MISMATCH, UNHASHABLE, MISSING = "match", "mismatch", "unhashable", "missing"
NONDETERMINISTIC = "nondeterministic"  # two runs of the notebook itself disagree on it


@dataclass(frozen=True)
class ValueCheck:
    stage: str
    name: str
    notebook: str | None
    pipeline: str | None
    status: str  # match | mismatch | unhashable | missing | nondeterministic


@dataclass
class Comparison:
    values: list[ValueCheck] = field(default_factory=list)
    metrics: list[tuple[str, object, object, str]] = field(default_factory=list)  # name, nb, pipe, status

    @property
    def ok(self) -> bool:
        bad = (MISMATCH, MISSING, NONDETERMINISTIC)
        return not any(v.status in bad for v in self.values) and \
            not any(m[3] in bad for m in self.metrics) and self.compared > 0

    @property
    def compared(self) -> int:
        """How many values and metrics were proven equal: zero proves nothing."""
        return sum(v.status == MATCH for v in self.values) + sum(m[3] == MATCH for m in self.metrics)

    @property
    def nondeterministic(self) -> list[str]:
        return [f"{v.stage}.{v.name}" for v in self.values if v.status == NONDETERMINISTIC] + \
            [f"metric {m[0]}" for m in self.metrics if m[3] == NONDETERMINISTIC]

    def stage_status(self, stage: str) -> str:
        statuses = {v.status for v in self.values if v.stage == stage}
        for worst in (MISMATCH, MISSING, NONDETERMINISTIC, UNHASHABLE):
            if worst in statuses:
                return worst
        return MATCH

    @property
    def first_mismatch(self) -> str | None:
        for v in self.values:
            if v.status in (MISMATCH, MISSING):
                return v.stage
        return None

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "first_mismatch": self.first_mismatch,
            "values": [v.__dict__ for v in self.values],
            "metrics": [{"name": n, "notebook": a, "pipeline": b, "status": s} for n, a, b, s in self.metrics],
        }


def compare(boundaries: dict[str, list[str]], notebook: dict, pipeline: dict,
            nb_metrics: dict | None, pipe_metrics: dict | None) -> Comparison:
    """``notebook``/``pipeline``: {stage: {name: fingerprint or None}} from each side."""
    result = Comparison()
    for stage, names in boundaries.items():
        nb_stage = notebook.get(stage)
        pipe_stage = pipeline.get(stage)
        for name in names:
            a = nb_stage.get(name) if nb_stage else None
            b = pipe_stage.get(name) if pipe_stage else None
            if nb_stage is None or pipe_stage is None or name not in nb_stage or name not in pipe_stage:
                status = MISSING
            elif a is None or b is None:
                status = UNHASHABLE
            else:
                status = MATCH if a == b else MISMATCH
            result.values.append(ValueCheck(stage, name, a, b, status))
    nb_metrics, pipe_metrics = nb_metrics or {}, pipe_metrics or {}
    for name in sorted(set(nb_metrics) | set(pipe_metrics)):
        a, b = nb_metrics.get(name), pipe_metrics.get(name)
        if name not in nb_metrics or name not in pipe_metrics:
            status = MISSING
        elif isinstance(a, float) or isinstance(b, float):
            status = MATCH if isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else MISMATCH
        else:
            status = MATCH if a == b else MISMATCH
        result.metrics.append((name, a, b, status))
    return result


def mark_nondeterministic(comparison: Comparison, first: dict, second: dict,
                          first_metrics: dict | None, second_metrics: dict | None) -> Comparison:
    """Values (and metrics) on which two runs of the notebook disagree are not the conversion's
    fault: they become ``nondeterministic`` instead of ``mismatch``, and so does every mismatch
    in or after the first step where the notebook disagrees with itself."""
    differ = [(first.get(v.stage) or {}).get(v.name) != (second.get(v.stage) or {}).get(v.name)
              for v in comparison.values]
    metrics_differ = any((first_metrics or {}).get(n) != (second_metrics or {}).get(n)
                         for n, *_ in comparison.metrics)
    # From the first step where the notebook disagrees with itself on, a mismatch may come from
    # that randomness (a value with few outcomes can agree twice by chance): blame no step there.
    steps = list(dict.fromkeys(v.stage for v in comparison.values))
    random_from = next((steps.index(v.stage) for v, d in zip(comparison.values, differ) if d), None)
    values = []
    for v, d in zip(comparison.values, differ):
        downstream = random_from is not None and steps.index(v.stage) >= random_from
        if v.status == MISMATCH and (d or downstream):
            v = ValueCheck(v.stage, v.name, v.notebook, v.pipeline, NONDETERMINISTIC)
        values.append(v)
    random = random_from is not None or metrics_differ
    metrics = [(name, a, b, NONDETERMINISTIC if status == MISMATCH and random else status)
               for name, a, b, status in comparison.metrics]
    return Comparison(values, metrics)
