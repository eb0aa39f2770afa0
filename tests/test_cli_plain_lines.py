"""Diagnostics written without rich on a console without colours read exactly as rich prints them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.cli.output import Line, diagnostic_lines, esc, print_lines, shown_as_is
from jupyter_lifecycle.errors import Diagnostic, Location, Severity

from conftest import ROOT, SAMPLES

NOTEBOOKS = sorted([*SAMPLES.glob("*.ipynb"), *(ROOT / "tests/notebooks/messy").glob("*.ipynb")])
TRICKY = ["plain text", "brackets [bold]x[/bold] and [red]", "a \\[escaped] one", "ends with \\",
          "an emoji :smile: code", "a :not-an-emoji: code", "C:\\path:thing", "tab\there",
          "carriage\rreturn", "bell\x07", "wide 漢字 and é", "trailing spaces   ", "[/]", "[",
          "`!echo \"step 106: enriched\"` exported", "x = {'a': [1, 2]}", "url http://e.com:80/a",
          ":", "::", "a:b", "line\nbreak"]


def rich_prints(lines: list[Line], **console_options) -> str:
    out = io.StringIO()
    rich = Console(file=out, highlight=False, soft_wrap=True, **console_options)
    for line in lines:
        rich.print(line.markup)
    return out.getvalue()


def printed(lines: list[Line], **console_options) -> str:
    out = io.StringIO()
    print_lines(Console(file=out, highlight=False, soft_wrap=True, **console_options), lines)
    return out.getvalue()


def _diagnostic(message: str, severity=Severity.WARNING) -> Diagnostic:
    return Diagnostic(severity, "magic", message, Location(f"dir [x]/{message[:8]}.ipynb", 3, "c1"))


@pytest.mark.parametrize("message", TRICKY)
def test_a_tricky_message_prints_as_rich_prints_it(message):
    diagnostics = [_diagnostic(message), _diagnostic(message, Severity.INFO),
                   _diagnostic(message, Severity.ERROR)]
    for verbose in (False, True):
        lines = diagnostic_lines(diagnostics, verbose)
        assert printed(lines) == rich_prints(lines)
    line = Line(f"[bold]{esc(message)}[/]", message)
    assert printed([line]) == rich_prints([line])


def test_the_shortcut_is_taken_for_ordinary_lines_only():
    assert shown_as_is("nb.ipynb, cell 3, id c1, line 2: warning [magic] shell command `!ls`")
    assert not shown_as_is("an emoji :smile: code") and not shown_as_is("tab\there")
    assert not shown_as_is("a \\[escaped] one")


def test_a_terminal_still_gets_colours():
    lines = diagnostic_lines([_diagnostic("plain text", Severity.ERROR)])
    coloured = printed(lines, force_terminal=True, color_system="standard")
    assert "\x1b[" in coloured and coloured == rich_prints(lines, force_terminal=True,
                                                            color_system="standard")


def test_every_sample_notebooks_diagnostics_print_as_rich_prints_them(tmp_path):
    assert len(NOTEBOOKS) > 20
    for path in NOTEBOOKS:
        diagnostics = convert(path, tmp_path / path.stem, dry_run=True).diagnostics
        for verbose in (False, True):
            lines = diagnostic_lines(diagnostics, verbose)
            assert printed(lines) == rich_prints(lines), path.name
