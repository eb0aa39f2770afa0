"""Routes under ``/jupyter-lifecycle/``. Every one is authenticated; every path stays in the root.

=========================  ==================================================================
GET  stages?path=          the stage table for the folder of ``path`` (a notebook or folder)
GET  analyze?path=         the stage graph of a notebook (``graph_to_dict``), or 400 with the
                           bad cell's location
POST convert               ``{"path", "force": false, "out": null, "package": null}`` → files
GET  doctor?path=          the doctor's findings and maturity levels (``nb2pipe doctor
                           --format json``)
GET  suggest?path=         the auto-tagger's stage, confidence and reason per code cell;
                           read-only, the notebook is never written
GET  runs?path=&limit=     the notebook's recorded runs, newest first
GET  runs/<id>             one run record, by its id or a prefix of at least 6 characters
=========================  ==================================================================

Errors are JSON: ``{"message", "reason", "location": {notebook, cell_index, cell_id, line}}``.
Bad input is a 4xx, never a 500: a body over ``MAX_BODY_BYTES`` is 413; a body that is not a
flat JSON object, a field of the wrong type or an unknown field is 400 naming the field.
The runs routes read only a store inside the root (never one above it, never through a link)
and only runs of notebooks inside the root.
Slow work (analysis, conversion, the run store) runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import tornado
import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .body import (MAX_BODY_BYTES, BadRequest, convert_request, limit_argument,
                   parse_json_object, run_id_prefix, too_large)
from .paths import PathMissing, PathRefused, inside, resolve_api_path, run_store_path, to_api_path

NAMESPACE = "jupyter-lifecycle"


@tornado.web.stream_request_body
class LifecycleHandler(APIHandler):
    """Shared error handling: our exceptions → JSON with status and cell reference.

    The body is streamed (``data_received``) so one over the limit is refused without being
    held in memory: by its Content-Length before it is read, or once its chunks pass the limit.
    """

    def initialize(self, root_dir: str) -> None:
        self.root_dir = root_dir
        self._chunks: list[bytes] = []
        self._received = 0

    async def prepare(self):
        result = super().prepare()
        if result is not None:
            await result
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            error = too_large() if length.isdigit() else BadRequest("invalid Content-Length")
            self.fail(error.status, error.message)

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received <= MAX_BODY_BYTES:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()  # keep reading (the client is still sending) but hold nothing

    def raw_body(self) -> bytes:
        if self._received > MAX_BODY_BYTES:
            raise too_large()
        return b"".join(self._chunks)

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
        from ..capture.store import StoreError
        from ..errors import LifecycleError, OutputError
        from ..stages import StageConfigError

        try:
            return await work()
        except BadRequest as exc:
            self.fail(exc.status, exc.message)
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
        except StoreError as exc:
            self.fail(500, self.sanitize(str(exc)))
        except Exception:  # a bug: logged here, and no traceback (with its paths) in the reply
            self.log.exception("jupyter_lifecycle: %s %s failed", self.request.method,
                               self.request.path)
            self.fail(500, "internal error in jupyter_lifecycle; the server log has the details")
        return None

    def body_json(self) -> dict:
        return parse_json_object(self.raw_body())


def existing_package(path: Path, out_dir: Path | None, package: str | None):
    """(package, output directory) when convert without force would refuse an existing one."""
    from ..api import default_out_dir
    from ..codegen.common import package_name_for

    package = package or package_name_for(str(path))
    out = out_dir if out_dir is not None else default_out_dir(path, package)
    return (package, out) if out.exists() else None


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
        from ..package_name import package_name_problem

        async def work():
            request = convert_request(self.body_json())
            path = self.resolve(request.path)
            out_dir = self.resolve(request.out, must_exist=False) if request.out else None
            if request.package is not None:
                problem = package_name_problem(request.package,
                                               out_dir or path.parent / request.package)
                if problem is not None:
                    raise BadRequest(f"field 'package': {problem}")
            if request.ask and not request.force:
                exists = existing_package(path, out_dir, request.package)
                if exists is not None:
                    return {"exists": True, "package": exists[0], "out_dir": self.api_path(exists[1]),
                            "notebook": self.api_path(path), "written": False, "files": [],
                            "changed": [], "unchanged": 0, "removed": [], "errors": 0,
                            "diagnostics": [], "pipeline": None}
            result = await in_thread(convert, path, out_dir, package=request.package,
                                     force=request.force)
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
                "exists": False,
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


class DoctorHandler(LifecycleHandler):
    @tornado.web.authenticated
    async def get(self):
        from ..doctor import diagnose_context, load_context

        async def work():
            path = self.resolve(self.get_query_argument("path", None))
            report = await in_thread(lambda: diagnose_context(load_context(path),
                                                              self.api_path(path)))
            data = report.to_dict()
            for item in (*data["findings"], *data["evidence"]):
                for key in ("message", "fix", "detail"):
                    if isinstance(item.get(key), str):
                        item[key] = self.sanitize(item[key])
            for stage in data["stages"]:
                stage["reasons"] = [self.sanitize(r) for r in stage["reasons"]]
            return data

        result = await self.guarded(work)
        if result is not None:
            self.finish(json.dumps(result))


class SuggestHandler(LifecycleHandler):
    @tornado.web.authenticated
    async def get(self):
        from ..autotag.propose import propose_file

        async def work():
            path = self.resolve(self.get_query_argument("path", None))
            plan = await in_thread(propose_file, path)
            tags = {c.cell_index: c for c in plan.changes}
            return {
                "notebook": self.api_path(path),
                "suggestions": [
                    {"cell_index": s.cell_index, "cell_id": s.cell_id, "stage": s.stage,
                     "shown_stage": s.shown_stage, "parameters": s.is_parameters,
                     "confidence": s.confidence, "reason": self.sanitize(s.reason),
                     "tags": list(tags[s.cell_index].new) if s.cell_index in tags else None}
                    for s in plan.suggestions],
                "notes": [self.sanitize(n) for n in plan.notes],
            }

        result = await self.guarded(work)
        if result is not None:
            self.finish(json.dumps(result))


class RunsHandler(LifecycleHandler):
    def store_for(self, start: Path):
        """The store for ``start`` (a real path in the root); PathRefused if it would leave it."""
        from ..capture._config import ENV_STORE
        from ..capture.store import RunStore

        return RunStore(run_store_path(self.root_dir, start, os.environ.get(ENV_STORE)))

    def visible(self, record) -> bool:
        """The run's notebook lies inside the root (a run without a notebook is not shown)."""
        notebook = record.get("notebook") if isinstance(record, dict) else None
        path = notebook.get("path") if isinstance(notebook, dict) else None
        return isinstance(path, str) and inside(self.root_dir, path)

    def summarize(self, record: dict) -> dict:
        """The record, with the notebook path shown relative to the root."""
        record = dict(record)
        nb = record.get("notebook")
        if isinstance(nb, dict) and nb.get("path"):
            record["notebook"] = dict(nb, path=self.api_path(nb["path"]))
        return record

    async def one_run(self, ref: str) -> dict:
        from ..capture.store import AmbiguousRunError, RunNotFoundError

        ref = run_id_prefix(ref)
        path = self.resolve(self.get_query_argument("path", None) or ".", kind="path")
        store = self.store_for(path)
        missing = PathMissing(f"no run {ref!r}")
        if not store.exists:
            raise missing
        try:
            record = await in_thread(store.get, ref)
        except AmbiguousRunError:
            raise BadRequest(f"run id prefix {ref!r} matches more than one run; "
                             "give more characters") from None
        except RunNotFoundError:
            raise missing from None
        if not self.visible(record):
            raise missing  # a run of a notebook outside the root is not there for this server
        return self.summarize(record)

    async def notebook_runs(self) -> dict:
        path = self.resolve(self.get_query_argument("path", None))
        limit = limit_argument(self.get_query_argument("limit", ""))
        store = self.store_for(path)
        if not store.exists:
            return {"runs": [], "store": None}
        notebooks = {os.path.abspath(os.path.join(self.root_dir, self.api_path(path))),
                     str(path)}
        runs: list[dict] = []
        for notebook in notebooks:
            runs.extend(await in_thread(store.list, notebook=notebook, limit=limit))
        seen, unique = set(), []
        for run in sorted(runs, key=lambda r: str(r.get("started") or ""), reverse=True):
            if run.get("run_id") not in seen and self.visible(run):
                seen.add(run.get("run_id"))
                unique.append(self.summarize(run))
        return {"runs": unique[:limit], "store": self.api_path(store.path)}

    @tornado.web.authenticated
    async def get(self, run_id: str | None = None):
        async def work():
            return await (self.one_run(run_id) if run_id is not None else self.notebook_runs())

        result = await self.guarded(work)
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
        (url_path_join(ns, "doctor"), DoctorHandler, args),
        (url_path_join(ns, "suggest"), SuggestHandler, args),
        (url_path_join(ns, "runs"), RunsHandler, args),
        (url_path_join(ns, r"runs/([^/]+)"), RunsHandler, args),
    ])
