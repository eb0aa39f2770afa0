"""Typed records of the auto-tagger: one suggestion per code cell, and the plan to write them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suggestion:
    """The stage proposed for one code cell, how sure the tagger is, and why (one line)."""

    cell_index: int
    cell_id: str
    stage: str  # a stage name of the table; for the parameters cell the stage it would inherit
    confidence: float  # 0..1
    reason: str
    is_parameters: bool = False  # propose (or keep) papermill's `parameters` tag on this cell

    @property
    def shown_stage(self) -> str:
        """What ``nb2pipe stages`` shows for the cell once tagged."""
        return "parameters" if self.is_parameters else self.stage


@dataclass(frozen=True)
class TagChange:
    """The tags of one cell before and after applying a plan."""

    cell_index: int
    cell_id: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class TagPlan:
    """Suggestions for a notebook, the tag changes they make, and notes (dialect findings)."""

    notebook: str
    suggestions: tuple[Suggestion, ...]
    changes: tuple[TagChange, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> tuple[TagChange, ...]:
        return tuple(c for c in self.changes if c.old != c.new)
