"""The doctor's typed records: a finding, a piece of evidence, a maturity level, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Level(str, Enum):
    """Maturity, as the lifecycle literature defines it per stage."""

    LOW = "low"        # tinkering
    MEDIUM = "medium"  # logged and reproducible by others in a clean environment
    HIGH = "high"      # automated: a production pipeline, replicated offline

    @property
    def rank(self) -> int:
        return ("low", "medium", "high").index(self.value)


class Severity(str, Enum):
    """What a finding stands in the way of: ``high`` blocks medium maturity, ``medium`` blocks
    high maturity, ``low`` is advice that blocks nothing."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high").index(self.value)

    @property
    def blocks(self) -> Level | None:
        return {"high": Level.MEDIUM, "medium": Level.HIGH}.get(self.value)


@dataclass(frozen=True)
class CellRef:
    index: int
    id: str
    stage: str
    line: int | None = None

    def to_dict(self) -> dict:
        return {"index": self.index, "id": self.id, "stage": self.stage, "line": self.line}


@dataclass(frozen=True)
class Finding:
    """One problem: a stable check id, its severity, the cells concerned and a one-line fix."""

    check: str          # stable id, "<area>.<name>", e.g. "hidden-state.later-binding"
    severity: Severity
    message: str
    fix: str
    cells: tuple[CellRef, ...] = ()
    stages: tuple[str, ...] = ()  # stages concerned when no cell is (empty: the whole notebook)

    @property
    def area(self) -> str:
        return self.check.split(".", 1)[0]

    @property
    def concerned_stages(self) -> tuple[str, ...]:
        """Stages this finding counts against; empty means every stage."""
        if self.cells:
            return tuple(dict.fromkeys(c.stage for c in self.cells))
        return self.stages

    def to_dict(self) -> dict:
        return {"check": self.check, "area": self.area, "severity": self.severity.value,
                "message": self.message, "fix": self.fix,
                "cells": [c.to_dict() for c in self.cells], "stages": list(self.concerned_stages)}


@dataclass(frozen=True)
class Evidence:
    """A fact from the run store or the converted package that the notebook is reproduced."""

    name: str       # reproduced | verified | package-tests
    present: bool | None  # None: not knowable here
    detail: str

    def to_dict(self) -> dict:
        return {"name": self.name, "present": self.present, "detail": self.detail}


@dataclass(frozen=True)
class StageMaturity:
    stage: str
    level: Level | None  # None: the notebook has no cell of this stage
    reasons: tuple[str, ...] = ()  # why it is not one level higher

    def to_dict(self) -> dict:
        return {"stage": self.stage, "level": self.level.value if self.level else None,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Report:
    notebook: str
    sha256: str
    findings: tuple[Finding, ...]
    evidence: tuple[Evidence, ...]
    stages: tuple[StageMaturity, ...]
    overall: Level
    areas: tuple[str, ...] = field(default=())

    def worst(self, stage: str, area: str) -> Severity | None:
        """The most severe finding of ``area`` that counts against ``stage``."""
        worst: Severity | None = None
        for f in self.findings:
            if f.area == area and (not f.concerned_stages or stage in f.concerned_stages):
                if worst is None or f.severity.rank > worst.rank:
                    worst = f.severity
        return worst

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "sha256": self.sha256, "overall": self.overall.value,
                "stages": [s.to_dict() for s in self.stages],
                "evidence": [e.to_dict() for e in self.evidence],
                "findings": [f.to_dict() for f in self.findings], "areas": list(self.areas)}
