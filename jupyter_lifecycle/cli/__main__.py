"""``python -m jupyter_lifecycle.cli``: the ``nb2pipe`` command."""

from . import main

main()
