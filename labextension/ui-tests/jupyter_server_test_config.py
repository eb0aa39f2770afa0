"""Server configuration for the galata tests (never use it elsewhere: it turns security off)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
