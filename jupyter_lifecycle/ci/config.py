"""The CI configuration of a generated package: a parameter matrix and metric tolerances.

Declared in ``[tool.nb2pipe.ci]`` of the notebook's project (the nearest pyproject.toml above the
notebook, where ``[tool.nb2pipe]`` also extends the stages) or of the generated pyproject.toml,
or given to ``nb2pipe convert --ci-matrix FILE`` (YAML, JSON or TOML with the same keys)::

    [[tool.nb2pipe.ci.matrix]]
    name = "small-forest"
    params = { n_estimators = 5 }

    [tool.nb2pipe.ci.metrics]
    accuracy = { min = 0.85 }
    log_loss = { max = 0.5 }
    f1_macro = { equals = 0.93, tolerance = 0.05 }

The entry ``default`` (the notebook's own parameters) always comes first.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LifecycleError

DEFAULT_ENTRY = "default"
ENTRY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
BOUND_KEYS = frozenset({"min", "max", "equals", "tolerance"})


class CiConfigError(LifecycleError):
    """The CI matrix or the metric tolerances are malformed (exit code 2)."""


@dataclass(frozen=True)
class MatrixEntry:
    """One rerun of ``run.ipynb``: a name (also the artifact's) and the parameters it changes."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def params_dict(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def params_json(self) -> str:
        return json.dumps(self.params_dict, sort_keys=True)


@dataclass(frozen=True)
class MetricBound:
    """Where a metric must stay: ``min <= value <= max``, or ``|value - equals| <= tolerance``."""

    metric: str
    min: float | None = None
    max: float | None = None
    equals: float | None = None
    tolerance: float | None = None

    def as_table(self) -> dict[str, float]:
        return {k: v for k, v in (("min", self.min), ("max", self.max), ("equals", self.equals),
                                  ("tolerance", self.tolerance)) if v is not None}


@dataclass(frozen=True)
class CiConfig:
    matrix: tuple[MatrixEntry, ...] = (MatrixEntry(DEFAULT_ENTRY),)
    metrics: tuple[MetricBound, ...] = ()
    source: str | None = None  # the file it was read from (None: defaults)

    @property
    def declared(self) -> bool:
        """True when there is more than the default entry (written to pyproject.toml)."""
        return len(self.matrix) > 1 or bool(self.metrics)

    def to_toml(self) -> str:
        """The ``[tool.nb2pipe.ci]`` section of the generated pyproject.toml ("" for defaults)."""
        if not self.declared:
            return ""
        lines = ["", "# CI: `.github/workflows/` reruns run.ipynb for each entry (the entry `default`,",
                 "# the notebook's parameters, always runs) and fails when a metric leaves its bounds."]
        for entry in self.matrix[1:]:
            params = ", ".join(f"{k} = {_toml_value(v)}" for k, v in entry.params)
            lines += ["", "[[tool.nb2pipe.ci.matrix]]", f"name = {_toml_value(entry.name)}",
                      f"params = {{ {params} }}" if params else "params = {}"]
        if self.metrics:
            lines += ["", "[tool.nb2pipe.ci.metrics]"]
            for bound in self.metrics:
                body = ", ".join(f"{k} = {_toml_value(v)}" for k, v in bound.as_table().items())
                lines.append(f"{_toml_key(bound.metric)} = {{ {body} }}")
        return "\n".join(lines) + "\n"


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _toml_value(value: Any) -> str:
    """A TOML literal for a JSON-like value (JSON strings are valid TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML literal for {type(value).__name__}")


def read_config_file(path: str | Path, param_names: tuple[str, ...] | None = None) -> CiConfig:
    """The CI configuration in a YAML, JSON or TOML file (a pyproject.toml's ``[tool.nb2pipe.ci]``
    too). Raises CiConfigError naming the file and the field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CiConfigError(f"{path}: cannot read the CI matrix: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
            data = data.get("tool", {}).get("nb2pipe", {}).get("ci", data) if "tool" in data else data
        elif suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise CiConfigError(f"{path}: the CI matrix must be a .yaml, .yml, .json or .toml file")
    except CiConfigError:
        raise
    except Exception as exc:  # tomllib, json and yaml errors: say where
        raise CiConfigError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
    return parse_config(data if data is not None else {}, str(path), param_names)


def config_from_pyproject(path: Path, param_names: tuple[str, ...] | None = None) -> CiConfig | None:
    """``[tool.nb2pipe.ci]`` of a generated pyproject.toml; None when there is none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CiConfigError(f"{path}: cannot read [tool.nb2pipe.ci]: {exc}") from None
    table = data.get("tool", {}).get("nb2pipe", {}).get("ci")
    return None if table is None else parse_config(table, f"{path} [tool.nb2pipe.ci]", param_names)


def conversion_config(notebook: Path, out: Path, ci_matrix: str | Path | None,
                      param_names: tuple[str, ...]) -> CiConfig:
    """The configuration a conversion writes: ``--ci-matrix`` first, then ``[tool.nb2pipe.ci]`` of
    the notebook's project, then the one the generated pyproject.toml already holds (kept across
    regenerations), else the defaults. The project's table is the user's file, so it wins over
    the generated copy; a hand edit there is protected like any edited generated file."""
    from ..stages import find_pyproject

    if ci_matrix is not None:
        return read_config_file(ci_matrix, param_names)
    project = find_pyproject(notebook.resolve().parent)
    if project is not None and project.resolve() != (out / "pyproject.toml").resolve():
        found = config_from_pyproject(project, param_names)
        if found is not None:
            return found
    return config_from_pyproject(out / "pyproject.toml", param_names) or CiConfig()


def parse_config(data: Any, source: str, param_names: tuple[str, ...] | None = None) -> CiConfig:
    """Validate a ``{matrix: [...], metrics: {...}}`` mapping. ``param_names``: the notebook's
    parameters (an entry may set only those); None: not checked."""
    if not isinstance(data, dict):
        raise CiConfigError(f"{source}: expected a mapping with `matrix` and `metrics`, "
                            f"got {type(data).__name__}")
    unknown = sorted(set(data) - {"matrix", "metrics"})
    if unknown:
        raise CiConfigError(f"{source}: unknown field {unknown[0]!r} (expected `matrix`, `metrics`)")
    return CiConfig(matrix=_matrix(data.get("matrix", []), source, param_names),
                    metrics=_metrics(data.get("metrics", {}), source), source=source)


def _matrix(raw: Any, source: str, param_names: tuple[str, ...] | None) -> tuple[MatrixEntry, ...]:
    if not isinstance(raw, list):
        raise CiConfigError(f"{source}: matrix: expected a list of {{name, params}} entries")
    entries = [MatrixEntry(DEFAULT_ENTRY)]
    for i, item in enumerate(raw):
        where = f"{source}: matrix[{i}]"
        if not isinstance(item, dict):
            raise CiConfigError(f"{where}: expected a mapping with `name` and `params`")
        extra = sorted(set(item) - {"name", "params"})
        if extra:
            raise CiConfigError(f"{where}: unknown field {extra[0]!r} (expected `name`, `params`)")
        name = item.get("name")
        if not isinstance(name, str) or not ENTRY_NAME.match(name):
            raise CiConfigError(f"{where}.name: {name!r} must be a word of letters, digits, "
                                "'_', '-' or '.' (it names the CI job and its artifact)")
        if name == DEFAULT_ENTRY or name in (e.name for e in entries):
            raise CiConfigError(f"{where}.name: {name!r} is used twice (`default`, the notebook's "
                                "own parameters, is always there)")
        params = item.get("params", {})
        if not isinstance(params, dict):
            raise CiConfigError(f"{where}.params: expected a mapping of parameter names to values")
        for key, value in params.items():
            if param_names is not None and key not in param_names:
                known = ", ".join(param_names) or "none"
                raise CiConfigError(f"{where}.params.{key}: the notebook has no such parameter "
                                    f"(its parameters: {known})")
            if not _json_like(value):
                raise CiConfigError(f"{where}.params.{key}: {value!r} is not a JSON value")
        entries.append(MatrixEntry(name, tuple(params.items())))
    return tuple(entries)


def _json_like(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, list):
        return all(_json_like(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_like(v) for k, v in value.items())
    return False


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CiConfigError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _metrics(raw: Any, source: str) -> tuple[MetricBound, ...]:
    if not isinstance(raw, dict):
        raise CiConfigError(f"{source}: metrics: expected a mapping of metric names to bounds")
    bounds = []
    for name, spec in raw.items():
        where = f"{source}: metrics.{name}"
        if not isinstance(spec, dict) or not spec:
            raise CiConfigError(f"{where}: expected {{min = .., max = ..}} or "
                                "{equals = .., tolerance = ..}")
        extra = sorted(set(spec) - BOUND_KEYS)
        if extra:
            raise CiConfigError(f"{where}.{extra[0]}: unknown bound (expected min, max, equals, "
                                "tolerance)")
        values = {k: _number(v, f"{where}.{k}") for k, v in spec.items()}
        if "equals" in values and ("min" in values or "max" in values):
            raise CiConfigError(f"{where}: give either min/max or equals/tolerance, not both")
        if "tolerance" in values and "equals" not in values:
            raise CiConfigError(f"{where}.tolerance: needs `equals`")
        if values.get("tolerance", 0.0) < 0:
            raise CiConfigError(f"{where}.tolerance: must not be negative")
        if "min" in values and "max" in values and values["min"] > values["max"]:
            raise CiConfigError(f"{where}: min {values['min']} is above max {values['max']}")
        if "equals" in values:
            values.setdefault("tolerance", 0.0)
        bounds.append(MetricBound(str(name), **values))
    return tuple(bounds)

