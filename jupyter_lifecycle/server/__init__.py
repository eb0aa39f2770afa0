"""The jupyter_server extension: thin JSON handlers over the same API as ``nb2pipe``.

Imported only by jupyter_server (``jupyter_lifecycle._jupyter_server_extension_points`` points
here), never by ``import jupyter_lifecycle`` or the CLI.
"""

from __future__ import annotations

from .handlers import NAMESPACE, setup_handlers


def _load_jupyter_server_extension(server_app) -> None:
    setup_handlers(server_app.web_app, server_app.root_dir)
    server_app.log.info("jupyter_lifecycle: routes registered under /%s/", NAMESPACE)


# Older jupyter_server / notebook spell it without the underscore.
load_jupyter_server_extension = _load_jupyter_server_extension

__all__ = ["NAMESPACE", "setup_handlers", "_load_jupyter_server_extension"]
