"""labextension/ui-tests/run.sh talks to the JupyterLab it started, never to another server.

Another Jupyter server stands in as a small HTTP server answering 404 (as a Jupyter server does
for a file it does not have). Playwright only lists the tests (``--list``): no browser needed.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_SH = ROOT / "labextension" / "ui-tests" / "run.sh"
VENV_BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (VENV_BIN / "jupyter-lab").exists()
        or not (RUN_SH.parent / "node_modules" / ".bin" / "playwright").exists(),
        reason="needs JupyterLab in this environment and the ui-tests' node_modules",
    ),
]


class _Other(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Other.paths.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(port: int) -> http.server.HTTPServer:
    server = http.server.HTTPServer(("127.0.0.1", port), _Other)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    env.update({"VENV_BIN": str(VENV_BIN), **extra_env})
    return subprocess.run(
        ["bash", str(RUN_SH), "--list"], env=env, capture_output=True, text=True, timeout=240
    )


def test_run_sh_refuses_a_port_another_server_answers_on():
    port = _free_port()
    other = _serve(port)
    _Other.paths.clear()
    try:
        proc = _run({"PORT": str(port)})
    finally:
        other.shutdown()
    assert proc.returncode != 0, proc.stdout
    assert "did not start" in proc.stderr or "did not answer" in proc.stderr, proc.stderr
    assert "Total:" not in proc.stdout  # playwright never ran against the other server
    assert all(p.startswith("/api/contents/galata-server-") for p in _Other.paths), _Other.paths


def test_run_sh_picks_a_free_port_while_another_server_holds_the_old_fixed_one():
    try:
        other = _serve(8899)
    except OSError:
        other = None  # something already holds 8899: the same situation
    try:
        proc = _run({})
    finally:
        if other:
            other.shutdown()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Total:" in proc.stdout, proc.stdout
