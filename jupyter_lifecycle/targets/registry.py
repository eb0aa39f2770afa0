"""The targets installed: entry points of the group ``jupyter_lifecycle.targets``, read lazily.

``TargetRegistry(entry_points=...)`` takes the entry points to use (tests pass their own);
by default those of the installed distributions, plus the built-in KFP target when the
installed metadata predates it (a source checkout run without reinstalling).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

from ..errors import LifecycleError
from .base import Target

GROUP = "jupyter_lifecycle.targets"
BUILTIN = (importlib.metadata.EntryPoint("kfp", "jupyter_lifecycle.targets.kfp:KfpTarget", GROUP),)


@dataclass(frozen=True)
class TargetEntry:
    name: str
    value: str  # module:attribute
    origin: str  # the distribution that declares it, or "built-in"
    available: bool
    problem: str | None  # why it is unavailable (install hint, import error)
    description: str


class TargetRegistry:
    def __init__(self, entry_points=None):
        if entry_points is None:
            found = list(importlib.metadata.entry_points(group=GROUP))
            names = {ep.name for ep in found}
            entry_points = found + [ep for ep in BUILTIN if ep.name not in names]
        self._entry_points = {ep.name: ep for ep in entry_points}

    def names(self) -> list[str]:
        return sorted(self._entry_points)

    def load(self, name: str) -> Target:
        """The target called ``name`` (raises LifecycleError for an unknown or broken one)."""
        ep = self._entry_points.get(name)
        if ep is None:
            raise LifecycleError(f"unknown target {name!r}; installed: "
                                 f"{', '.join(self.names()) or 'none'} (nb2pipe export --list)")
        try:
            factory = ep.load()
        except Exception as exc:
            raise LifecycleError(f"target {name!r} ({ep.value}) cannot be imported: "
                                 f"{type(exc).__name__}: {exc}") from exc
        target = factory() if isinstance(factory, type) else factory
        if not isinstance(target, Target):
            raise LifecycleError(f"target {name!r} ({ep.value}) is not a "
                                 "jupyter_lifecycle.targets.Target")
        return target

    def entries(self) -> list[TargetEntry]:
        out = []
        for name in self.names():
            ep = self._entry_points[name]
            dist = getattr(ep, "dist", None)
            origin = f"{dist.name} {dist.version}" if dist is not None else "built-in"
            try:
                target = self.load(name)
            except LifecycleError as exc:
                out.append(TargetEntry(name, ep.value, origin, False, str(exc), ""))
                continue
            problem = target.missing()
            out.append(TargetEntry(name, ep.value, origin, problem is None, problem,
                                   target.description))
        return out
