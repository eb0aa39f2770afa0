"""Routes under ``/jupyter-lifecycle/``. Every one is authenticated; every path stays in the root.

=========================  ==================================================================
GET  stages?path=          the stage table for the folder of ``path`` (a notebook or folder)
GET  analyze?path=         the stage graph of a notebook (``graph_to_dict``), or 400 with the
                           bad cell's location
POST convert               ``{"path", "force": false, "out": null, "package": null}`` → files
GET  runs?path=&limit=     the notebook's recorded runs, newest first
GET  runs/<id>             one run record
=========================  ==================================================================

Errors are JSON: ``{"message", "reason", "location": {notebook, cell_index, cell_id, line}}``.
Slow work (analysis, conversion, the run store) runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .paths import PathMissing, PathRefused, resolve_api_path, to_api_path

NAMESPACE = "jupyter-lifecycle"


class LifecycleHandler(APIHandler):
    """Shared error handling: our exceptions → JSON with status and cell reference."""

    def initialize(self, root_dir: str) -> None:
        self.root_dir = root_dir

    # -- helpers -----------------------------------------------------------------------------
    def resolve(self, api_path: str | None, **kwargs) -> Path:
        return resolve_api_path(self.root_dir, api_path, **kwargs)

    def api_path(self, path) -> str:
        return to_api_path(self.root_dir, path)

    def location_dict(self, location) -> dict | None:
        if location is None:
            return None
        notebook = location.notebook
        if notebook:
            notebook = self.api_path(notebook)
        return {"notebook": notebook, "cell_index": location.cell_index,
                "cell_id": location.cell_id, "line": location.line}

    def fail(self, status: int, message: str, location=None, reason: str | None = None) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "reason": reason or self._reason,
                                "location": self.location_dict(location)}))

    def sanitize(self, message: str) -> str:
        """Messages name files relative to the root, never by their machine path."""
        real_root = os.path.realpath(self.root_dir)
        for root in {real_root, os.path.abspath(self.root_dir)}:
            message = message.replace(root + os.sep, "").replace(root, ".")
        return message

    async def guarded(self, work):
        """Run ``work`` and turn our exceptions into JSON errors; None when it failed."""
        from ..errors import LifecycleError, OutputError
        from ..stages import StageConfigError

        try:
            return await work()
        except PathRefused as exc:
            self.fail(403, str(exc))
        except PathMissing as exc:
            self.fail(404, str(exc))
        except OutputError as exc:
            self.fail(409, self.sanitize(exc.message), exc.location)
        except LifecycleError as exc:
            self.fail(400, self.sanitize(exc.message), exc.location)
        except StageConfigError as exc:
            self.fail(400, self.sanitize(str(exc)))
        return None

    def body_json(self) -> dict:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "the request body must be a JSON object")
        return body


async def in_thread(fn, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))


class StagesHandler(LifecycleHandler):
    @tornado.web.authenticated
    async def get(self):
        from ..stages import load_stage_table

        async def work():
            path = self.resolve(self.get_query_argument("path", "") or ".", kind="path")
            folder = path if path.is_dir() else path.parent
            return (await in_thread(load_stage_table, folder)).to_dict()

        result = await self.guarded(work)
        if result is not None:
            self.finish(json.dumps(result))


class AnalyzeHandler(LifecycleHandler):
    @tornado.web.authenticated
    async def get(self):
        from ..api import load_graph
        from ..graph.render import graph_to_dict

        async def work():
            path = self.resolve(self.get_query_argument("path", None))
            graph = await in_thread(load_graph, path)
            data = graph_to_dict(graph)
            api_path = self.api_path(path)
            data["notebook"] = api_path
            for diagnostic in data.get("diagnostics", []):
                diagnostic["notebook"] = api_path
                diagnostic["message"] = self.sanitize(diagnostic["message"])
            return data

        result = await self.guarded(work)
        if result is not None:
            self.finish(json.dumps(result))


class ConvertHandler(LifecycleHandler):
    @tornado.web.authenticated
    async def post(self):
        from ..api import convert

        body = self.body_json()

        async def work():
            path = self.resolve(body.get("path"))
            out = body.get("out")
            out_dir = self.resolve(out, must_exist=False) if out else None
            package = body.get("package") or None
            if package is not None and not isinstance(package, str):
                raise PathRefused("package must be a string")
            force = body.get("force", False)
            if not isinstance(force, bool):
                raise tornado.web.HTTPError(400, "force must be true or false")
            result = await in_thread(convert, path, out_dir, package=package, force=force)
            real_out = result.out_dir
            # The default output (next to the notebook) is inside the root; check anyway.
            resolve_api_path(self.root_dir, self.api_path(real_out), must_exist=False)
            plan = result.plan
            changed = sorted([*plan.create, *plan.update]) if plan is not None else []
            unchanged = len(plan.unchanged) if plan is not None else 0
            removed = sorted(plan.remove) if plan is not None else []
            files = [str(f.path) for f in result.files]
            pipeline = next((f for f in files if f.endswith(f"{result.package}/pipeline.py")), None)
            out_api = self.api_path(real_out)
            return {
                "notebook": self.api_path(path),
                "package": result.package,
                "out_dir": out_api,
                "written": result.written,
                "files": files,
                "changed": changed,
                "unchanged": unchanged,
                "removed": removed,
                "errors": len(result.errors),
                "diagnostics": [dict(d.to_dict(), notebook=self.api_path(path),
                                     message=self.sanitize(d.message))
                                for d in result.diagnostics],
                "pipeline": f"{out_api}/{pipeline}" if pipeline and result.written else None,
            }

        result = await self.guarded(work)
        if result is not None:
            self.finish(json.dumps(result))


def _store_for(notebook: Path):
    from ..capture.store import RunStore

    try:
        from ..capture._config import store_for
    except ImportError:  # pragma: no cover - the capture package changed its layout
        store_for = None
    if store_for is not None:
        return RunStore(store_for(notebook))
    folder = notebook.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / m).exists() for m in (".lifecycle", ".git", "pyproject.toml")):
            return RunStore(candidate / ".lifecycle" / "runs.sqlite")
    return RunStore(folder / ".lifecycle" / "runs.sqlite")


class RunsHandler(LifecycleHandler):
    def summarize(self, record: dict) -> dict:
        """The record, with the notebook path shown relative to the root."""
        record = dict(record)
        nb = record.get("notebook")
        if isinstance(nb, dict) and nb.get("path"):
            record["notebook"] = dict(nb, path=self.api_path(nb["path"]))
        return record

    @tornado.web.authenticated
    async def get(self, run_id: str | None = None):
        try:
            from ..capture.store import RunNotFoundError, StoreError
        except ImportError:
            self.fail(501, "the run store is not available in this version of jupyter_lifecycle")
            return

        async def work():
            if run_id:
                path = self.resolve(self.get_query_argument("path", None) or ".", kind="path")
                store = _store_for(path if path.is_file() else path / "_")
                try:
                    return self.summarize(await in_thread(store.get, run_id))
                except RunNotFoundError as exc:
                    raise PathMissing(self.sanitize(str(exc))) from None
            path = self.resolve(self.get_query_argument("path", None))
            try:
                limit = max(1, min(500, int(self.get_query_argument("limit", "50"))))
            except ValueError:
                raise tornado.web.HTTPError(400, "limit must be an integer") from None
            store = _store_for(path)
            if not store.exists:
                return {"runs": [], "store": None}
            notebooks = {os.path.abspath(os.path.join(self.root_dir, self.api_path(path))),
                         str(path)}
            runs: list[dict] = []
            for notebook in notebooks:
                runs.extend(await in_thread(store.list, notebook=notebook, limit=limit))
            seen, unique = set(), []
            for run in sorted(runs, key=lambda r: str(r.get("started") or ""), reverse=True):
                if run.get("run_id") not in seen:
                    seen.add(run.get("run_id"))
                    unique.append(self.summarize(run))
            return {"runs": unique[:limit], "store": self.api_path(store.path)}

        try:
            result = await self.guarded(work)
        except StoreError as exc:
            self.fail(500, self.sanitize(str(exc)))
            return
        if result is not None:
            self.finish(json.dumps(result, default=repr))


def setup_handlers(web_app, root_dir: str) -> None:
    base_url = web_app.settings["base_url"]
    ns = url_path_join(base_url, NAMESPACE)
    args = {"root_dir": root_dir}
    web_app.add_handlers(".*$", [
        (url_path_join(ns, "stages"), StagesHandler, args),
        (url_path_join(ns, "analyze"), AnalyzeHandler, args),
        (url_path_join(ns, "convert"), ConvertHandler, args),
        (url_path_join(ns, "runs"), RunsHandler, args),
        (url_path_join(ns, r"runs/([^/]+)"), RunsHandler, args),
    ])
