"""jupyter_lifecycle: lifecycle-tagged notebooks → tested, reproducible pipelines."""

__version__ = "0.1.0"
