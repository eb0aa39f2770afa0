"""jupyter_lifecycle: lifecycle-tagged notebooks → tested, reproducible pipelines."""

__version__ = "0.1.0"

# Experiment capture, imported only when used (``import jupyter_lifecycle`` stays cheap).
_CAPTURE_API = ("log_metric", "log_param", "track_data", "finish_run")


def load_ipython_extension(ip):
    """``%load_ext jupyter_lifecycle``: record this kernel's runs (see ``jupyter_lifecycle.capture``)."""
    from .capture import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip):
    from .capture import unload_ipython_extension as unload

    unload(ip)


def __getattr__(name):
    if name in _CAPTURE_API:
        from . import capture

        return getattr(capture, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_CAPTURE_API])


# JupyterLab and jupyter_server discover these; both are plain functions returning data, so
# neither ``import jupyter_lifecycle`` nor the CLI imports jupyter_server or jupyterlab.
def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyter-lifecycle"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyter_lifecycle.server"}]
