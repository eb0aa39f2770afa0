"""``nb2pipe``: thin click commands over ``jupyter_lifecycle.api``; rich for tables.

One click group; each command group lives in its own module and shares the helpers of
``output`` (console, one-line failures, diagnostics, exit codes).
Exit codes: 0 ok · 1 the notebook has errors (diagnostics) · 2 bad usage or input.
Heavy imports (libcst, nbformat, rich) happen inside commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import click

from .ci import ci
from .convert import convert
from .doctor import doctor
from .export import export
from .graph_view import graph, stages
from .output import EPILOG
from .run import run
from .runs import runs
from .tag import tag
from .verify import verify


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyter-lifecycle", prog_name="nb2pipe")
def main() -> None:
    """Turn lifecycle-tagged notebooks into tested, reproducible pipeline packages.

    Tag cells with `lifecycle:<stage>` (setup, ingest, explore, prepare, train, evaluate,
    validate, deploy, monitor, test, skip); untagged cells take the stage of the tagged cell
    above (skip and explore tags mark their own cell only).
    """


for command in (convert, stages, tag, graph, verify, run, runs, doctor):
    main.add_command(command)
main.add_command(ci)
main.add_command(export)
