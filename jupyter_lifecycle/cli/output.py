"""What every ``nb2pipe`` command shares: exit codes, the rich console, one-line failures and
diagnostics. rich is imported inside the functions, so ``nb2pipe --help`` stays fast."""

from __future__ import annotations

import sys

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


def print_diagnostics(diagnostics, verbose: bool = False) -> None:
    """Warnings and errors one per line; informational notes counted unless ``verbose``."""
    err = console(stderr=True)
    notes = [d for d in diagnostics if d.severity.value == "info"]
    if notes and not verbose:
        err.print(f"[blue]{len(notes)} note(s)[/] (display-only statements and magics left "
                  "out of the exported code); -v lists them")
    for d in diagnostics:
        if d.severity.value == "info" and not verbose:
            continue
        colour = _SEVERITY_COLOURS[d.severity.value]
        err.print(f"{esc(d.location)}: [{colour}]{d.severity.value}[/] "
                  f"[dim]\\[{d.code}][/] {esc(d.message)}")


def load_graph(path: str, use_cache: bool = True):
    """The stage graph of the notebook at ``path``, or exit 2 with the reader's message."""
    from ..api import load_graph as load
    from ..errors import LifecycleError

    try:
        return load(path, use_cache=use_cache)
    except LifecycleError as exc:
        fail(exc)
