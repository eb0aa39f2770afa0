"""The report in a terminal: a rich heatmap (stages × areas) and the findings.

Colour where the terminal has it; every cell also carries its word, so the plain-text fallback
(a pipe, ``NO_COLOR``, a dumb terminal) says the same. Box drawing falls back to ASCII on
terminals that cannot encode it (rich's ``safe_box``).
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .maturity import AREAS
from .model import Level, Report, Severity

SEVERITY_STYLE = {Severity.HIGH: "bold white on red", Severity.MEDIUM: "black on yellow",
                  Severity.LOW: "black on cyan"}
LEVEL_STYLE = {Level.LOW: "bold white on red", Level.MEDIUM: "black on yellow",
               Level.HIGH: "bold black on green"}
CLEAN_STYLE = "black on green"
SHORT = {"hidden-state": "hidden", "randomness": "random", "parameters": "params",
         "validation": "valid.", "environment": "env"}


def heatmap(report: Report) -> Table:
    table = Table(title=f"maturity of {escape(report.notebook)}", title_justify="left",
                  caption="cells: the most severe finding (high blocks medium maturity, medium "
                  "blocks high); ok: none", caption_justify="left")
    table.add_column("stage")
    for area in AREAS:
        table.add_column(SHORT.get(area, area), justify="center")
    table.add_column("level", justify="center")
    for row in report.stages:
        if row.level is None:
            table.add_row(Text(row.stage, style="dim"), *[Text("·", style="dim")] * len(AREAS),
                          Text("absent", style="dim"))
            continue
        cells = []
        for area in AREAS:
            worst = report.worst(row.stage, area)
            cells.append(Text(" ok ", style=CLEAN_STYLE) if worst is None
                         else Text(f" {worst.value} ", style=SEVERITY_STYLE[worst]))
        table.add_row(row.stage, *cells, Text(f" {row.level.value} ", style=LEVEL_STYLE[row.level]))
    table.add_section()
    table.add_row(Text("overall", style="bold"), *[Text("")] * len(AREAS),
                  Text(f" {report.overall.value} ", style=LEVEL_STYLE[report.overall]))
    return table


def findings_table(report: Report) -> Table:
    table = Table(title=f"{len(report.findings)} finding(s)", title_justify="left")
    for column in ("check", "severity", "cells", "finding", "fix"):
        table.add_column(column, overflow="fold")
    for f in report.findings:
        cells = ", ".join(str(c.index) for c in f.cells[:8]) + (", ..." if len(f.cells) > 8 else "")
        table.add_row(f.check, Text(f.severity.value, style=SEVERITY_STYLE[f.severity]),
                      cells or "—", escape(f.message), escape(f.fix))
    return table


def evidence_lines(report: Report) -> Text:
    text = Text("evidence:\n", style="bold")
    marks = {True: ("yes", "green"), False: ("no", "red"), None: ("unknown", "yellow")}
    for e in report.evidence:
        word, colour = marks[e.present]
        text.append(f"  {e.name:14} ")
        text.append(f"{word:8}", style=colour)
        text.append(f" {e.detail}\n")
    return text


def render(report: Report) -> Group:
    return Group(heatmap(report), evidence_lines(report), findings_table(report))


def print_report(report: Report, console: Console | None = None) -> None:
    (console or Console(highlight=False, soft_wrap=False)).print(render(report))
