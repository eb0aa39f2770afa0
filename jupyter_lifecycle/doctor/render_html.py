"""The report as one self-contained HTML page (inline CSS, no script, no network), to attach
to a pull request."""

from __future__ import annotations

from html import escape

from .maturity import AREAS
from .model import Level, Report, Severity

COLOURS = {"high": "#d64541", "medium": "#f2c230", "low": "#5bc0de", "ok": "#5cb85c"}
LEVEL_COLOURS = {Level.LOW: "#d64541", Level.MEDIUM: "#f2c230", Level.HIGH: "#3c9d40"}
CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px;
       color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.sub { color: #59636e; margin-bottom: 16px; word-break: break-all; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d1d9e0; padding: 6px 10px; text-align: left; vertical-align: top; }
.heat td.c, .heat th.c { text-align: center; min-width: 64px; }
.heat td.c { font-weight: 600; color: #1f2328; }
.heat td.absent { color: #8c959f; background: #f6f8fa; }
.level { font-weight: 700; color: #fff; text-transform: uppercase; letter-spacing: .04em; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; }
.findings td:nth-child(1) { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px; }
.overall { font-size: 16px; margin: 12px 0; }
"""


def _cell(colour: str, text: str, cls: str = "c") -> str:
    return f'<td class="{cls}" style="background:{colour}">{escape(text)}</td>'


def _level(level: Level) -> str:
    return _cell(LEVEL_COLOURS[level], level.value, "c level")


def heatmap(report: Report) -> str:
    head = "".join(f'<th class="c">{escape(a)}</th>' for a in AREAS)
    rows = [f"<tr><th>stage</th>{head}<th class=\"c\">level</th></tr>"]
    for row in report.stages:
        if row.level is None:
            cells = "".join('<td class="c absent">·</td>' for _ in AREAS)
            rows.append(f'<tr><td class="absent">{escape(row.stage)}</td>{cells}'
                        '<td class="c absent">absent</td></tr>')
            continue
        cells = []
        for area in AREAS:
            worst = report.worst(row.stage, area)
            key = worst.value if worst else "ok"
            cells.append(_cell(COLOURS[key], key))
        rows.append(f"<tr><td>{escape(row.stage)}</td>{''.join(cells)}{_level(row.level)}</tr>")
    return '<table class="heat">' + "".join(rows) + "</table>"


def _sev(severity: Severity) -> str:
    return f'<span class="sev" style="background:{COLOURS[severity.value]}">{severity.value}</span>'


def findings(report: Report) -> str:
    rows = ["<tr><th>check</th><th>severity</th><th>cells</th><th>finding</th><th>fix</th></tr>"]
    for f in report.findings:
        cells = ", ".join(f"{c.index} ({escape(c.id)})" for c in f.cells[:8]) or "—"
        rows.append(f"<tr><td>{escape(f.check)}</td><td>{_sev(f.severity)}</td><td>{cells}</td>"
                    f"<td>{escape(f.message)}</td><td>{escape(f.fix)}</td></tr>")
    return '<table class="findings">' + "".join(rows) + "</table>"


def evidence(report: Report) -> str:
    words = {True: "yes", False: "no", None: "unknown"}
    rows = "".join(f"<tr><td>{escape(e.name)}</td><td>{words[e.present]}</td>"
                   f"<td>{escape(e.detail)}</td></tr>" for e in report.evidence)
    return f"<table><tr><th>evidence</th><th></th><th>detail</th></tr>{rows}</table>"


def render_html(report: Report, title: str | None = None) -> str:
    name = title or report.notebook
    legend = "".join(f'<span style="background:{COLOURS[k]}">{k}</span>'
                     for k in ("high", "medium", "low", "ok"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nb2pipe doctor: {escape(name)}</title><style>{CSS}</style></head>
<body>
<h1>nb2pipe doctor</h1>
<div class="sub">{escape(name)} · sha256 {escape(report.sha256[:16])}</div>
<div class="overall">overall maturity:
<span class="sev level" style="background:{LEVEL_COLOURS[report.overall]}">{report.overall.value}</span></div>
{heatmap(report)}
<p class="legend">most severe finding per stage and area: {legend}
(high blocks medium maturity, medium blocks high)</p>
<h2>Evidence</h2>
{evidence(report)}
<h2>{len(report.findings)} finding(s)</h2>
{findings(report)}
</body></html>
"""
