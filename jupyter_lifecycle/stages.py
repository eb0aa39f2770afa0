"""The stage taxonomy, declared as data and extendable from ``[tool.nb2pipe]``.

Stage kinds decide what the converter does with a stage's cells:

* ``pipeline``: exported as one function in ``stages/<name>.py`` and called by ``pipeline.run``.
* ``gate``: exported like ``pipeline``; its ``assert`` statements raise ``ValidationFailed``.
* ``notebook``: stays in the notebook (``explore``), never exported.
* ``test``: becomes pytest tests.
* ``skip``: never exported, never analysed for dataflow.
"""

from __future__ import annotations

import keyword
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LifecycleError

TAG_PREFIX = "lifecycle:"
PARAMETERS_TAG = "parameters"
INJECTED_PARAMETERS_TAG = "injected-parameters"
KINDS = ("pipeline", "gate", "notebook", "test", "skip")
# Names a stage cannot take: where a read comes from in the stage graph (not a stage), and the
# modules of a generated package (a stage becomes ``stages/<name>.py`` and ``_stage_<name>``).
RESERVED_STAGE_NAMES = frozenset({
    "param", "definition", "builtin", "missing",
    "pipeline", "params", "helpers", "errors", "stages",
})


@dataclass(frozen=True)
class Stage:
    name: str
    kind: str
    color: str
    description: str
    aliases: tuple[str, ...] = ()

    @property
    def exported(self) -> bool:
        return self.kind in ("pipeline", "gate")


# Order is lifecycle order: the pipeline calls exported stages in this order.
DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("setup", "pipeline", "#6c757d", "imports, helpers, configuration", ("config", "imports")),
    Stage("ingest", "pipeline", "#1f77b4", "data extraction and loading", ("load", "data")),
    Stage("explore", "notebook", "#17becf", "exploratory analysis; stays in the notebook", ("eda",)),
    Stage("prepare", "pipeline", "#2ca02c", "cleaning, features, splits", ("preprocess", "features")),
    Stage("train", "pipeline", "#d62728", "model training", ("fit", "training")),
    Stage("evaluate", "pipeline", "#9467bd", "offline metrics", ("eval", "metrics")),
    Stage("validate", "gate", "#ff7f0e", "acceptance gates on metrics and data", ("gate", "check")),
    Stage("deploy", "pipeline", "#8c564b", "serialize, package, serve", ("export", "serve")),
    Stage("monitor", "pipeline", "#e377c2", "drift and health checks", ("drift",)),
    Stage("test", "test", "#bcbd22", "becomes pytest tests", ("tests",)),
    Stage("skip", "skip", "#7f7f7f", "never exported", ("ignore",)),
)


class StageConfigError(LifecycleError, ValueError):
    """The stage table (defaults plus ``[tool.nb2pipe]``) is unusable (exit code 2)."""


def stage_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a stage, or None when it can."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return "must be a Python identifier that is not a keyword"
    if name in RESERVED_STAGE_NAMES:
        return ("is reserved: it names a module of the generated package or a source of values "
                f"in the stage graph ({', '.join(sorted(RESERVED_STAGE_NAMES))})")
    return None


@dataclass(frozen=True)
class StageTable:
    stages: tuple[Stage, ...] = DEFAULT_STAGES
    tag_prefix: str = TAG_PREFIX
    default_stage: str = "setup"
    _lookup: dict[str, Stage] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        lookup: dict[str, Stage] = {}
        for stage in self.stages:
            problem = stage_name_problem(stage.name)
            if problem:
                raise StageConfigError(f"stage name {stage.name!r} {problem}")
            if stage.kind not in KINDS:
                raise StageConfigError(f"stage {stage.name!r}: kind must be one of {KINDS}")
            for key in (stage.name, *stage.aliases):
                if key in lookup:
                    raise StageConfigError(f"stage name or alias {key!r} is declared twice")
                lookup[key] = stage
        self._lookup.update(lookup)
        if self.default_stage not in lookup:
            raise StageConfigError(f"default stage {self.default_stage!r} is not a stage")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def get(self, name: str) -> Stage | None:
        """The stage for a name or alias, or None."""
        return self._lookup.get(name)

    def __getitem__(self, name: str) -> Stage:
        stage = self.get(name)
        if stage is None:
            raise KeyError(name)
        return stage

    def order(self, name: str) -> int:
        return self.names.index(self[name].name)

    def tag_for(self, name: str) -> str:
        return f"{self.tag_prefix}{self[name].name}"

    def to_dict(self) -> dict:
        return {
            "tag_prefix": self.tag_prefix,
            "default_stage": self.default_stage,
            "stages": [
                {"name": s.name, "kind": s.kind, "color": s.color,
                 "description": s.description, "aliases": list(s.aliases)}
                for s in self.stages
            ],
        }


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` (like jupytext's config discovery)."""
    start = start.resolve()
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_stage_table(near: Path | None = None) -> StageTable:
    """The default table, extended by ``[tool.nb2pipe]`` of the nearest pyproject.toml.

    ``stages`` adds stages: ``{name, kind = "pipeline", after = "<stage>", color, description,
    aliases}``; ``aliases`` maps extra tag names onto stages; ``default_stage`` names the stage of
    untagged cells before any tag.
    """
    pyproject = find_pyproject(near) if near is not None else None
    if pyproject is None:
        return StageTable()
    try:
        config = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("nb2pipe", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StageConfigError(f"{pyproject}: cannot read [tool.nb2pipe]: {exc}") from exc
    return table_from_config(config, source=str(pyproject))


def table_from_config(config: dict, source: str = "[tool.nb2pipe]") -> StageTable:
    stages = list(DEFAULT_STAGES)
    for entry in config.get("stages", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise StageConfigError(f"{source}: each entry of stages needs a name")
        after = entry.get("after", stages[-1].name)
        names = [s.name for s in stages]
        if after not in names:
            raise StageConfigError(f"{source}: stage {entry['name']!r} comes after unknown stage {after!r}")
        stage = Stage(
            name=entry["name"],
            kind=entry.get("kind", "pipeline"),
            color=entry.get("color", "#888888"),
            description=entry.get("description", ""),
            aliases=tuple(entry.get("aliases", ())),
        )
        stages.insert(names.index(after) + 1, stage)
    extra_aliases = config.get("aliases", {})
    for alias, target in extra_aliases.items():
        for i, stage in enumerate(stages):
            if stage.name == target:
                stages[i] = Stage(stage.name, stage.kind, stage.color, stage.description,
                                  stage.aliases + (alias,))
                break
        else:
            raise StageConfigError(f"{source}: alias {alias!r} points at unknown stage {target!r}")
    try:
        return StageTable(
            stages=tuple(stages),
            tag_prefix=config.get("tag_prefix", TAG_PREFIX),
            default_stage=config.get("default_stage", "setup"),
        )
    except StageConfigError as exc:
        raise StageConfigError(f"{source}: {exc}") from None
