"""What each KFP component receives and hands on: a plan built from the package's steps and
what one in-process run observed (``observe.py``). Refuses, all at once, every value that would
cross a step boundary without a faithful serializer, naming the variable, its type and the two
steps."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import LifecycleError
from .kinds import KINDS, Kind
from .structure import PackageLayout, Step

METRICS = "metrics"
KFP_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool", "list": "list",
             "dict": "dict"}


class ExportError(LifecycleError):
    """The pipeline cannot be exported as it is (one line per problem)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kfp_type: str  # int | float | str | bool | list | dict
    default: object  # the Params default: the compiled pipeline's default
    value: object  # the value the export observed with (a -p value, else the default)


@dataclass(frozen=True)
class Incoming:
    argument: str  # the component's parameter name
    keyword: str  # the stage function's keyword
    producer: str  # the step that made it
    output: str  # the producer's output artifact
    kind: Kind


@dataclass(frozen=True)
class Outgoing:
    name: str  # the pipeline variable
    argument: str  # the component's output artifact (the variable's name)
    position: int  # which of the stage's return values, -1 for the only one
    kind: Kind


@dataclass(frozen=True)
class RngLink:
    """The global random state handed from ``producer``'s ``output`` artifact (``rng.py``)."""

    argument: str  # the component's input artifact
    producer: str
    output: str


@dataclass(frozen=True)
class Component:
    step: Step
    incoming: tuple[Incoming, ...]
    params: tuple[tuple[str, str], ...]  # (component parameter, stage keyword / pipeline parameter)
    outgoing: tuple[Outgoing, ...]
    logs_metrics: bool  # logs the ``metrics`` it returns as KFP metrics
    rng_in: RngLink | None = None  # restores the random state an earlier step left
    rng_out: str | None = None  # the output artifact it saves the random state to

    @property
    def task(self) -> str:
        """The task's name in KFP (and its folder in a local run)."""
        return self.step.name.replace("_", "-")


@dataclass(frozen=True)
class Plan:
    layout: PackageLayout
    parameters: tuple[Parameter, ...]
    components: tuple[Component, ...]
    metrics: dict  # what the observing run computed, for comparison
    failure: str | None = None  # the observing run's error (a gate), when it still saw every value


def _parameters(observed: list[dict]) -> tuple[Parameter, ...]:
    out, problems = [], []
    for p in observed:
        kfp_type = KFP_TYPES.get(p["type"])
        if kfp_type is None and p["type"] == "Any" and type(p["value"]).__name__ in KFP_TYPES:
            kfp_type = KFP_TYPES[type(p["value"]).__name__]  # untyped: typed by its value
        if kfp_type is None:
            problems.append(f"parameter {p['name']!r} ({p['type']}, value {p['value']!r}) has no "
                            "KFP type: KFP parameters are int, float, str, bool, list or dict")
        out.append(Parameter(p["name"], kfp_type or "str", p["default"], p["value"]))
    if problems:
        raise ExportError("; ".join(problems))
    return tuple(out)


def needed(layout: PackageLayout) -> dict[str, list[str]]:
    """{step: [outputs a later step reads, and ``metrics`` from its last maker]}."""
    wanted: dict[str, list[str]] = {}
    for index, step in enumerate(layout.steps):
        for argument in step.inputs:
            producer = layout.producer(index, argument.name)
            if producer is not None and argument.name not in wanted.setdefault(producer.name, []):
                wanted[producer.name].append(argument.name)
    last = layout.producer(len(layout.steps), METRICS)
    if last is not None and METRICS not in wanted.setdefault(last.name, []):
        wanted[last.name].append(METRICS)
    return wanted


def _unique(name: str, taken: set[str], suffix: str) -> str:
    while name in taken:
        name = f"{name}_{suffix}"
    taken.add(name)
    return name


def _rng_span(layout: PackageLayout, observed: dict) -> range:
    """The steps that hand the global random state on: from the first step that changed it to the
    last one, when at least two did (one alone starts from fresh entropy in either run)."""
    changed = [i for i, step in enumerate(layout.steps) if step.name in observed.get("rng", ())]
    return range(changed[0], changed[-1] + 1) if len(changed) > 1 else range(0)


def build_plan(layout: PackageLayout, observed: dict, notebook: str) -> Plan:
    values = observed["values"]
    problems = []
    consumers: dict[tuple[str, str], list[str]] = {}
    for index, step in enumerate(layout.steps):
        for argument in step.inputs:
            producer = layout.producer(index, argument.name)
            if producer is None:
                problems.append(f"step {step.name!r} reads {argument.name!r}, which no earlier "
                                "step makes")
                continue
            consumers.setdefault((producer.name, argument.name), []).append(step.name)
    for (producer, name), readers in consumers.items():
        seen = values.get(producer, {}).get(name)
        if seen is None:
            problems.append(f"{notebook}: variable {name!r} from step {producer!r} to step "
                            f"{readers[0]!r} was never seen: the export's run of the pipeline "
                            f"stopped before ({observed.get('error')})")
        elif seen["problem"]:
            problems.append(f"{notebook}: variable {name!r} ({seen['type']}) cannot pass from step "
                            f"{producer!r} to step {readers[0]!r}: {seen['problem']}")
    if problems:
        raise ExportError("\n".join(problems) + "\nKFP steps exchange pandas, numpy, scikit-learn "
                          "estimators and plain JSON values (str, int, float, bool, None, lists, "
                          "dicts with string keys); make the value one of those, or compute it "
                          "inside the step that uses it")
    wanted = needed(layout)
    last_metrics = layout.producer(len(layout.steps), METRICS)
    components = []
    artifacts: dict[tuple[str, str], str] = {}  # (step, variable) → its output artifact
    span = _rng_span(layout, observed)
    rng_from: tuple[str, str] | None = None  # (step, artifact) holding the state so far
    for index, step in enumerate(layout.steps):
        taken: set[str] = {"kfp_metrics"}
        outgoing = []
        for position, name in enumerate(step.outputs):
            seen = values.get(step.name, {}).get(name)
            if name in wanted.get(step.name, ()) and seen is not None and seen["kind"]:
                if seen["problem"]:  # metrics nobody reads but the record: kept out, not fatal
                    continue
                outgoing.append(Outgoing(name, _unique(name, taken, "out"),
                                         position if len(step.outputs) > 1 else -1,
                                         KINDS[seen["kind"]]))
        incoming = []
        for argument in step.inputs:
            producer = layout.producer(index, argument.name)
            kind = KINDS[values[producer.name][argument.name]["kind"]]  # type: ignore[union-attr]
            incoming.append(Incoming(_unique(argument.name, taken, "in"), argument.keyword,
                                     producer.name,  # type: ignore[union-attr]
                                     artifacts[(producer.name, argument.name)], kind))  # type: ignore[union-attr]
        artifacts.update({(step.name, o.name): o.argument for o in outgoing})
        params = tuple((_unique(a.name, taken, "param"), a.name) for a in step.params)
        logs = last_metrics is step and any(o.argument == METRICS for o in outgoing)
        rng_in = (RngLink(_unique("rng_state_in", taken, "in"), *rng_from)
                  if index in span and rng_from else None)
        rng_out = _unique("rng_state", taken, "out") if index in span[:-1] else None
        rng_from = (step.name, rng_out) if rng_out else None
        components.append(Component(step, tuple(incoming), params, tuple(outgoing), logs,
                                    rng_in, rng_out))
    return Plan(layout, _parameters(observed["params"]), tuple(components),
                observed.get("metrics") or {}, observed.get("error"))
