"""What every ``nb2pipe`` command shares: exit codes, the rich console, one-line failures and
diagnostics. rich is imported inside the functions, so ``nb2pipe --help`` stays fast."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

EXIT_OK = 0
EXIT_DIAGNOSTICS = 1  # the notebook has errors, a run failed, a gate or a comparison failed
EXIT_FAILED = EXIT_DIAGNOSTICS
EXIT_INPUT = 2  # bad usage or input
EPILOG = "Exit codes: 0 ok, 1 the notebook has errors (diagnostics), 2 usage or input error."
SHORT_ID = 8  # run ids as every command prints them; --json has them whole
_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def console(stderr: bool = False, *, soft_wrap: bool = True):
    """A rich console; 120 columns when writing to a pipe or a log without ``COLUMNS`` (rich's
    default of 80 would fold the tables)."""
    import os

    from rich.console import Console

    out = Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap)
    if not out.is_terminal and not os.environ.get("COLUMNS"):
        out.width = 120
    return out


def print_trimmed(out, *renderables) -> None:
    """``out.print`` each renderable without the spaces rich pads its lines with (a table's
    title or cells at the line's end), so the output has no trailing spaces."""
    import re

    trailing = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$")
    for renderable in renderables:
        with out.capture() as captured:
            out.print(renderable, soft_wrap=False)  # text wraps between words
        out.file.write("".join(trailing.sub(r"\1", line) + "\n"
                               for line in captured.get().rstrip("\n").split("\n")))
        out.file.flush()


def table_console(stderr: bool = False):
    """A console for tables and aligned rows: long lines wrap instead of running on."""
    return console(stderr, soft_wrap=False)


def esc(value) -> str:
    """``value`` as text with rich markup escaped."""
    from rich.markup import escape

    return escape(str(value))


def short_id(run_id: str) -> str:
    """A run's id as printed: its first ``SHORT_ID`` characters (``runs show`` takes any unique
    prefix)."""
    return run_id[:SHORT_ID]


def fail(error, code: int = EXIT_INPUT) -> None:
    """Print one clear message (a LifecycleError or a string) on stderr and exit ``code``."""
    console(stderr=True).print(f"[bold red]error:[/] {esc(error)}")
    sys.exit(code)


@dataclass(frozen=True)
class Line:
    """One line of output: rich markup, and the text it shows without colours."""

    markup: str
    text: str


def print_diagnostics(diagnostics, verbose: bool = False) -> None:
    """Warnings and errors one per line; informational notes counted unless ``verbose``."""
    print_lines(console(stderr=True), diagnostic_lines(diagnostics, verbose))


def diagnostic_lines(diagnostics, verbose: bool = False) -> list[Line]:
    lines: list[Line] = []
    notes = [d for d in diagnostics if d.severity.value == "info"]
    if notes and not verbose:
        count = f"{len(notes)} note(s)"
        rest = " (display-only statements and magics left out of the exported code); -v lists them"
        lines.append(Line(f"[blue]{count}[/]{rest}", count + rest))
    for d in diagnostics:
        if d.severity.value == "info" and not verbose:
            continue
        colour = _SEVERITY_COLOURS[d.severity.value]
        lines.append(Line(f"{esc(d.location)}: [{colour}]{d.severity.value}[/] "
                          f"[dim]\\[{d.code}][/] {esc(d.message)}",
                          f"{d.location}: {d.severity.value} [{d.code}] {d.message}"))
    return lines


def print_lines(out, lines: list[Line]) -> None:
    """Each line through rich where it styles or changes it, else its text as it is (rich's
    markup parsing and rendering were 0.02 s of a warm 2,000-cell convert)."""
    plain = not out.is_terminal and out.color_system is None and not out.is_jupyter
    for line in lines:
        if plain and shown_as_is(line.text):
            out.file.write(line.text + "\n")
        else:
            out.print(line.markup)
    out.file.flush()


_REWRITTEN = re.compile(r"[\x00-\x1f\x7f\\]|:\S*:")  # control codes, escapes, :emoji: codes


def shown_as_is(text: str) -> bool:
    """rich would print ``text`` (its markup escaped) unchanged on a console without colours."""
    return _REWRITTEN.search(text) is None


def load_graph(path: str, use_cache: bool = True):
    """The stage graph of the notebook at ``path``, or exit 2 with the reader's message."""
    from ..api import load_graph as load
    from ..errors import LifecycleError

    try:
        return load(path, use_cache=use_cache)
    except LifecycleError as exc:
        fail(exc)
