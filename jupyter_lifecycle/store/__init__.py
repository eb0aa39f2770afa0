"""Run store for tools (CLI, server): the kernel-side sqlite store plus exporters (MLflow)."""

from ..capture.store import RunStore

__all__ = ["RunStore"]
