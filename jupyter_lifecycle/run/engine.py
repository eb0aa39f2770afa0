"""The papermill engine ``lifecycle``: papermill's nbclient engine, plus experiment capture.

* every ``execute_request`` carries the cell's id in its metadata (``{"cellId": id}``, as
  JupyterLab sends it), so IPython's ``pre_run_cell`` sees ``info.cell_id`` and capture can map
  cells to stages — nbclient's own ``kc.execute`` sends no metadata, so the request is built
  with ``kc.session.msg("execute_request", content, metadata=...)`` and sent on the shell channel;
* the kernel starts with ``--ext=jupyter_lifecycle`` and the capture configuration in its
  environment (kind ``papermill``, the run id, the input notebook, the store, the output path);
  before the first cell a silent request hands capture the executed notebook's cells (with
  papermill's injected-parameters cell, which the input notebook does not have);
* after the last cell (or the failing one) a silent request calls ``finish_run(status)`` in the
  kernel through ``user_expressions`` and gets the record back as JSON; the record is embedded
  in the output notebook under ``metadata["lifecycle"]["run"]``.

Usable from papermill itself: ``papermill --engine lifecycle in.ipynb out.ipynb``.
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
import uuid

from nbclient.exceptions import CellExecutionError
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

from .kernel_log import kernel_log_tail

ENGINE_NAME = "lifecycle"
EXTENSION = "jupyter_lifecycle"
METADATA_KEY = "lifecycle"
FINISH_TIMEOUT_S = 300

_CAPTURE = "__import__('jupyter_lifecycle.capture', fromlist=['_'])"


def cell_layout(nb) -> list[dict]:
    """What capture needs of each cell: id, type, tags, and whether it has source."""
    return [{"id": cell.get("id"), "cell_type": cell.get("cell_type"),
             "metadata": {"tags": list(cell.get("metadata", {}).get("tags", []) or [])},
             "source": "x" if str(cell.get("source", "")).strip() else ""}
            for cell in nb.cells]


class LifecycleNotebookClient(PapermillNotebookClient):
    """papermill's notebook client, sending cell ids and driving capture in the kernel."""

    def __init__(self, nb_man, *, lifecycle: dict | None = None, **kw):
        super().__init__(nb_man, **kw)
        self.lifecycle = lifecycle if lifecycle is not None else {}
        self._cell_id: str | None = None

    # -- cell ids ------------------------------------------------------------------------------
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._cell_id = cell.get("id")
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        finally:
            self._cell_id = None

    execute_cell = run_sync(async_execute_cell)

    def _send_cell_ids(self) -> None:
        kc, client = self.kc, self

        def execute(code, silent=False, store_history=True, user_expressions=None,
                    allow_stdin=None, stop_on_error=True):
            content = {"code": code, "silent": silent, "store_history": store_history,
                       "user_expressions": user_expressions or {},
                       "allow_stdin": kc.allow_stdin if allow_stdin is None else allow_stdin,
                       "stop_on_error": stop_on_error}
            metadata = {"cellId": client._cell_id} if client._cell_id and not silent else {}
            msg = kc.session.msg("execute_request", content, metadata=metadata)
            kc.shell_channel.send(msg)
            return msg["header"]["msg_id"]

        kc.execute = execute

    # -- capture -------------------------------------------------------------------------------
    def _capture_call(self, expression: str, timeout: float | None = None):
        """Evaluate ``expression`` (which returns a JSON string) silently in the kernel."""
        saved = self.timeout
        if timeout is not None:
            self.timeout = timeout
        try:
            msg_id = self.kc.execute("", silent=True, store_history=False,
                                     user_expressions={"lifecycle": expression})
            reply = self.wait_for_reply(msg_id)
        finally:
            self.timeout = saved
        if reply is None:
            raise RuntimeError("the kernel did not answer")
        content = reply.get("content", {})
        value = content.get("user_expressions", {}).get("lifecycle")
        if content.get("status") != "ok" or not value:
            raise RuntimeError(f"{content.get('ename', 'error')}: {content.get('evalue', '')}")
        if value.get("status") != "ok":
            raise RuntimeError(f"{value.get('ename')}: {value.get('evalue')}")
        return json.loads(ast.literal_eval(value["data"]["text/plain"]))

    def _begin(self) -> None:
        layout = json.dumps(cell_layout(self.nb))
        try:
            started = self._capture_call(f"{_CAPTURE}._engine_begin({layout!r})")
            self.lifecycle["kernel_run_id"] = started.get("run_id")
        except Exception as exc:
            self.lifecycle["problem"] = (f"experiment capture could not start in the kernel "
                                         f"({exc}); is jupyter_lifecycle installed in the "
                                         f"kernel's environment?")

    def _finish(self, status: str) -> None:
        if self.lifecycle.get("problem"):
            return
        try:
            record = self._capture_call(f"{_CAPTURE}._engine_finish({status!r})",
                                        timeout=FINISH_TIMEOUT_S)
        except Exception as exc:
            self.lifecycle["problem"] = f"the run record could not be collected ({exc})"
            return
        if record is None:
            self.lifecycle["problem"] = "capture was not loaded in the kernel: no run record"
            return
        self.lifecycle["record"] = record
        self.nb.metadata.setdefault(METADATA_KEY, {})["run"] = record

    def papermill_execute_cells(self):
        self._send_cell_ids()
        self._begin()
        on_cell = self.lifecycle.get("on_cell")
        status = "failed"
        try:
            for index, cell in enumerate(self.nb.cells):
                try:
                    self.lifecycle["current_cell"] = (index, cell.get("id"))
                    self.nb_man.cell_start(cell, index)
                    self.execute_cell(cell, index)
                except CellExecutionError as ex:
                    self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                    self.lifecycle["failed_cell"] = index
                    break
                finally:
                    self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
                    if on_cell is not None:
                        on_cell(index + 1, len(self.nb.cells))
            else:
                status = "completed"
        finally:
            self._finish(status)


class LifecycleEngine(NBClientEngine):
    """papermill engine ``lifecycle`` (entry point group ``papermill.engine``)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 **kwargs):
        lifecycle = kwargs.pop("lifecycle", None)
        lifecycle = lifecycle if lifecycle is not None else {}
        input_path = kwargs.get("input_path")
        run_id = lifecycle.setdefault("run_id", uuid.uuid4().hex)
        env = dict(os.environ)
        env.update({"JUPYTER_LIFECYCLE_KIND": "papermill", "JUPYTER_LIFECYCLE_RUN_ID": run_id})
        notebook = lifecycle.get("notebook") or (input_path if isinstance(input_path, str)
                                                 else None)
        if notebook:
            env["JUPYTER_LIFECYCLE_NOTEBOOK"] = os.path.abspath(notebook)
        if nb_man.output_path and isinstance(nb_man.output_path, str) \
                and "://" not in nb_man.output_path:
            env["JUPYTER_LIFECYCLE_OUTPUT"] = os.path.abspath(nb_man.output_path)
        for key, name in (("store", "JUPYTER_LIFECYCLE_STORE"),
                          ("boundaries", "JUPYTER_LIFECYCLE_BOUNDARIES")):
            value = lifecycle.get(key)
            if value:
                env[name] = value if isinstance(value, str) else (
                    json.dumps(value) if key == "boundaries" else os.fspath(value))
        execution_timeout = execution_timeout or kwargs.get("timeout")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        extra = list(kwargs.pop("extra_arguments", None) or [])
        if not any(arg.startswith("--ext=") and EXTENSION in arg for arg in extra):
            extra.append(f"--ext={EXTENSION}")
        final_kwargs = merge_kwargs(
            kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=quiet_papermill_logger(), log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, extra_arguments=extra)
        client = LifecycleNotebookClient(nb_man, lifecycle=lifecycle, **final_kwargs)
        # The kernel's own log (ipykernel's "running over TCP without encryption" warning and
        # the like, not cell output) goes to a file, never to our user's terminal.
        if lifecycle.get("kernel_stderr") is not None:
            return client.execute(env=env, stderr=lifecycle["kernel_stderr"])
        with tempfile.TemporaryFile("w+") as kernel_log:
            try:
                return client.execute(env=env, stderr=kernel_log)
            except Exception:
                lifecycle["kernel_log"] = kernel_log_tail(kernel_log)
                raise


def quiet_papermill_logger():
    """papermill's logger, quiet: without a handler Python prints its warnings on stderr
    (our commands report what matters themselves); a handler configured by the caller stays."""
    import logging

    from papermill.log import logger

    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    return logger
