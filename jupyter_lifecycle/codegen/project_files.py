"""Text files of the generated project: pyproject.toml (dependency ranges), requirements.lock
(exact pins) and README.md."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass

# importlib.metadata and packaging are imported where used (~0.15 s): a warm conversion takes
# these files from the render cache and never needs them.
from ..graph import StageGraph
from .common import GeneratedFile, header_lines, notebook_name


_METADATA_SUFFIXES = (".dist-info", ".egg-info", ".egg-link", ".pth")


def _environment_stamp() -> list:
    """Changes whenever a distribution is installed or removed: per import path folder, the
    distribution metadata it holds and its mtime (an install or upgrade adds or replaces a
    folder there). Folders without metadata (the script's folder, the current one under
    ``python -m``) do not count, so writing the package next to the notebook, or starting
    nb2pipe another way, does not force another scan."""
    stamp: list = [sys.prefix]
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith(_METADATA_SUFFIXES))
            if names:
                stamp.append((os.path.abspath(entry), os.stat(entry or ".").st_mtime_ns, names))
        except NotADirectoryError:  # a zip file on the path
            try:
                stamp.append((entry, os.stat(entry).st_mtime_ns))
            except OSError:
                pass
        except OSError:
            pass
    return stamp


def distributions_key() -> str:
    return hashlib.sha256(repr(("module-distributions", _environment_stamp())).encode()).hexdigest()


def scan_distributions() -> dict[str, list[str]]:
    """Top-level module → distributions providing it. Reads every installed distribution's
    metadata (~0.3 s): kept in the store until the environment changes."""
    from importlib import metadata

    return metadata.packages_distributions()


def module_distributions(store=None) -> dict[str, list[str]]:
    key = distributions_key() if store is not None else None
    hit = store.get_text(key) if store is not None else None
    if hit is not None:
        return json.loads(hit)
    mapping = scan_distributions()
    if store is not None:
        store.put_text(key, json.dumps(mapping))
    return mapping


@dataclass(frozen=True)
class Requirement:
    """A distribution the package needs, at the version installed where it was converted."""

    name: str
    version: str

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def compatible(self) -> str:
        """``~=`` on the installed version: same major version from 1.0 on (``~=2.1``), same minor
        version before it (``~=0.13.2``), a pre-release and later (``~=2.0.0rc1``); a version of
        one number gets ``>=``."""
        from packaging.version import InvalidVersion, Version

        try:
            version = Version(self.version)
        except InvalidVersion:
            return self.pin
        release = version.release
        if len(release) < 2:
            return f"{self.name}>={version.public}"
        if version.is_prerelease:  # ~=2.0 would leave out 2.0.0rc1 itself
            return f"{self.name}~={version.public}"
        kept = release[:3] if release[0] == 0 and len(release) >= 3 else release[:2]
        return f"{self.name}~={'.'.join(map(str, kept))}"


def _requirement(dist: str) -> Requirement | None:
    from importlib import metadata

    try:
        return Requirement(metadata.metadata(dist)["Name"] or dist, metadata.version(dist))
    except metadata.PackageNotFoundError:
        return None


def requirements(modules, store=None) -> tuple[list[Requirement], list[str]]:
    """The installed distributions providing ``modules``, and the modules none provides."""
    from packaging.utils import canonicalize_name

    mapping = module_distributions(store)
    found: dict[str, Requirement] = {}
    unresolved: list[str] = []
    for mod in modules:
        if mod in sys.stdlib_module_names or mod == "__future__":
            continue
        requirement = _requirement(mapping[mod][0]) if mapping.get(mod) else None
        if requirement is None:
            unresolved.append(mod)
        else:
            found[canonicalize_name(requirement.name)] = requirement
    return sorted(found.values(), key=lambda r: r.name.lower()), unresolved


def locked(roots: list[tuple[Requirement, str]]) -> dict[str, tuple[Requirement, list[str]]]:
    """The ``(requirement, needed by)`` roots and everything they require here, transitively
    (environment markers evaluated, extras not followed): canonical name → (requirement, what
    needs it)."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement
    from packaging.utils import canonicalize_name

    found: dict[str, tuple[Requirement, list[str]]] = {}
    todo = list(roots)
    while todo:
        requirement, needed_by = todo.pop()
        key = canonicalize_name(requirement.name)
        if key in found:
            if needed_by not in found[key][1]:
                found[key][1].append(needed_by)
            continue
        found[key] = (requirement, [needed_by])
        for spec in metadata.requires(requirement.name) or []:
            try:
                dependency = PackagingRequirement(spec)
            except InvalidRequirement:
                continue
            if dependency.marker is not None and not dependency.marker.evaluate({"extra": ""}):
                continue
            installed = _requirement(dependency.name)
            if installed is not None:
                todo.append((installed, requirement.name))
    return dict(sorted(found.items()))


def lock_file(graph: StageGraph, dist_name: str, runtime: list[Requirement],
              test: list[Requirement]) -> GeneratedFile:
    """``requirements.lock``: the exact versions the package was converted and tested with."""
    lines = [*header_lines(graph),
             f"# The exact versions that converted {notebook_name(graph)} (Python "
             f"{sys.version_info.major}.{sys.version_info.minor}, {sys.platform}),",
             "# with all they need in turn. To install exactly these:",
             "#   pip install --no-deps -r requirements.lock -e ."]
    roots = [(r, dist_name) for r in runtime] + [(r, f"{dist_name}[test]") for r in test]
    for requirement, needed_by in locked(roots).values():
        lines.append(requirement.pin)
        lines.append("    # via " + ", ".join(sorted(needed_by, key=str.lower)))
    return GeneratedFile("requirements.lock", "\n".join(lines) + "\n",
                         "imports of the notebook, installed distributions")


def split_modules(graph: StageGraph) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The imported top-level modules the package needs at run time, and those only its tests use."""
    definitions = graph.definitions
    runtime_names = {u for node in graph.stages for u in node.uses}
    for name in graph.helpers:
        definition = definitions[name]
        runtime_names.update(definition.global_reads)
        runtime_names.update(definition.reads)
    test_names = {u for t in graph.tests for u in t.uses}

    def modules(names) -> set[str]:
        return {definitions[n].spec.top_module for n in names if n in definitions
                and definitions[n].spec is not None and definitions[n].spec.top_module}

    test_only = modules(test_names) - modules(runtime_names)
    return (tuple(m for m in graph.imported_modules if m not in test_only),
            tuple(m for m in graph.imported_modules if m in test_only))


def _toml_list(items: list[str]) -> str:
    if not items:
        return "[]"
    return "[\n" + "".join(f'  "{i}",\n' for i in items) + "]"


def _installed(*dists: str) -> list[Requirement]:
    return [r for r in map(_requirement, dists) if r is not None]


def project_files(graph: StageGraph, package: str, store=None,
                  ci=None) -> tuple[list[GeneratedFile], list[str]]:
    """``pyproject.toml`` (``~=`` ranges) and ``requirements.lock`` (exact pins), and the imported
    modules no installed distribution provides. ``ci`` (a CiConfig) adds ``[tool.nb2pipe.ci]``."""
    from packaging.utils import canonicalize_name

    runtime_modules, test_modules = split_modules(graph)
    runtime, unresolved = requirements(runtime_modules, store)
    test_only, unresolved_tests = requirements(test_modules, store)
    test = sorted({canonicalize_name(r.name): r for r in [*test_only, *_installed("pytest")]}.values(),
                  key=lambda r: r.name.lower())
    dist_name = package.replace("_", "-")
    text = "\n".join(header_lines(graph)) + f"""
[build-system]
requires = ["hatchling>=1.5"]
build-backend = "hatchling.build"

[project]
name = "{dist_name}"
version = "0.1.0"
description = "Pipeline generated from {notebook_name(graph)}"
readme = "README.md"
requires-python = ">={sys.version_info.major}.{sys.version_info.minor}"
# Compatible ranges; requirements.lock pins the versions the notebook was converted with.
dependencies = {_toml_list([r.compatible for r in runtime])}

[project.optional-dependencies]
test = {_toml_list([r.compatible for r in test])}
notebook = {_toml_list([r.compatible for r in _installed("papermill", "ipykernel")])}
yaml = {_toml_list([r.compatible for r in _installed("PyYAML")])}

[project.scripts]
{dist_name} = "{package}.__main__:main"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
""" + (ci.to_toml() if ci is not None else "")
    return ([GeneratedFile("pyproject.toml", text, "imports of the notebook"),
             lock_file(graph, dist_name, runtime, test)], [*unresolved, *unresolved_tests])


def readme(graph: StageGraph, package: str) -> GeneratedFile:
    name = notebook_name(graph)
    rows = []
    for node in graph.stages:
        cells = ", ".join(str(c.index) for c in node.cells)
        rows.append(f"| `{node.name}` | {cells} | {', '.join(node.inputs + node.params) or '—'} "
                    f"| {', '.join(node.outputs) or '—'} |")
    params = "\n".join(f"| `{p.name}` | {p.type_name} | `{p.value_code}` |" for p in graph.params) \
        or "| — | | |"
    first = graph.params[0] if graph.params else None
    example = f" --{first.name.replace('_', '-')} {first.value_code}" if first else ""
    rerun = f" -p {first.name} {first.value_code}" if first else ""
    text = "\n".join(f"<!-- {line[2:]} -->" for line in header_lines(graph)) + f"""

# {package}

The pipeline of `{name}`, one function per lifecycle stage, generated by nb2pipe.

## Run

```
pip install -e ".[test,notebook]"
python -m {package}{example}          # prints the metrics as JSON
python -m {package} --params-file params.json
```

From Python: `from {package} import run, Params; run(Params(...))` returns every value that
crosses a stage boundary, by name.

## Test

```
pytest
```

## Rerun as a notebook

```
papermill run.ipynb out.ipynb{rerun}
```

## Stages

| stage | notebook cells | inputs | outputs |
|---|---|---|---|
""" + "\n".join(rows) + f"""

## Parameters

| name | type | default |
|---|---|---|
{params}
"""
    return GeneratedFile("README.md", text, "stage graph")
