#!/usr/bin/env python
"""Benchmark experiment capture: per-cell overhead of the hooks, and environment + git capture.

    python benchmarks/capture_bench.py                 # 10,000 cells per variant
    python benchmarks/capture_bench.py --cells 2000 --hook-calls 20000

It prints (never asserts):

1. **Through jupyter_client**: two real kernels, one plain and one with ``%load_ext
   jupyter_lifecycle``, each execute ``pass`` N times, sent like JupyterLab sends cells (with a
   ``cellId``), in interleaved blocks so machine load hits both alike; per-cell wall time of each
   and the difference (target: overhead <= 5 us per cell). A round trip costs ~1 ms, so this
   difference is noisy; the next two figures isolate it.
2. **Inside the kernel**: ``shell.run_cell("pass", cell_id=...)`` N times with and without the
   hooks registered (IPython's own per-cell machinery, no messaging; best of 20 rounds).
3. **Hooks alone**: ``pre_run_cell`` + ``post_run_cell`` 100,000 times, called directly and
   through IPython's ``events.trigger`` (with and without the hooks registered): the figure to
   hold against the 5 us target, since 1. and 2. are dominated by machine noise.
4. **Environment + git capture once** (target <= 200 ms), in a fresh process that imported the
   iris sample's stack (numpy, pandas, scikit-learn, joblib), next to what
   ``importlib.metadata.packages_distributions()`` alone costs there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_CELL_US = 5.0
TARGET_ENV_MS = 200.0


def _kernel(env: dict, cwd: str):
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, **env}, cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def _send(kc, code: str, cell_id: str | None, silent: bool = False) -> str:
    content = {"code": code, "silent": silent, "store_history": not silent,
               "user_expressions": {}, "allow_stdin": False, "stop_on_error": False}
    msg = kc.session.msg("execute_request", content,
                         metadata={"cellId": cell_id} if cell_id else {})
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def _run(kc, code: str) -> dict:
    """Execute silently and return the reply content."""
    msg_id = _send(kc, code, None, silent=True)
    while True:
        reply = kc.get_shell_msg(timeout=600)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def _value(kc, expression: str):
    msg_id = kc.execute("", silent=True, user_expressions={"v": expression})
    while True:
        reply = kc.get_shell_msg(timeout=600)
        if reply["parent_header"].get("msg_id") == msg_id:
            return json.loads(eval(reply["content"]["user_expressions"]["v"]["data"]["text/plain"]))


def _block(kc, n: int, offset: int) -> float:
    """Send n `pass` cells (pipelined), wait for all replies; seconds per cell."""
    start = time.perf_counter()
    pending = {_send(kc, "pass", f"cell-{offset + i}") for i in range(n)}
    while pending:
        reply = kc.get_shell_msg(timeout=600)
        pending.discard(reply["parent_header"].get("msg_id"))
    return (time.perf_counter() - start) / n


def through_jupyter_client(cells: int, blocks: int, tmp: str) -> tuple[float, float]:
    env = {"JUPYTER_LIFECYCLE_STORE": os.path.join(tmp, "runs.sqlite"),
           "JUPYTER_LIFECYCLE_KIND": "papermill"}  # no background flushes during the timing
    plain, captured = _kernel(env, tmp), _kernel(env, tmp)
    try:
        assert _run(captured[1], "%load_ext jupyter_lifecycle")["status"] == "ok"
        per = max(1, cells // blocks)
        _block(plain[1], 200, 0), _block(captured[1], 200, 0)  # warm up
        a, b = [], []
        for i in range(blocks):
            a.append(_block(plain[1], per, i * per))
            b.append(_block(captured[1], per, i * per))
        recorded = _value(captured[1], "__import__('json').dumps(len(get_ipython()."
                                       "_jupyter_lifecycle_recorder.run.cells))")
        print(f"  cells recorded by the captured kernel: {recorded}")
        return statistics.median(a), statistics.median(b)
    finally:
        for km, kc in (plain, captured):
            kc.stop_channels()
            km.shutdown_kernel(now=True)


IN_KERNEL = """
import json, time
from IPython import get_ipython
shell = get_ipython()
def timed(n, label):
    start = time.perf_counter()
    for i in range(n):
        shell.run_cell("pass", store_history=True, cell_id=f"{label}-{i}")
    return (time.perf_counter() - start) / n
import jupyter_lifecycle
rec = shell._jupyter_lifecycle_recorder
results = {"plain": [], "captured": []}
for round_ in range(__ROUNDS__):
    rec.uninstall()
    results["plain"].append(timed(__N__, "p"))
    rec.install()
    results["captured"].append(timed(__N__, "c"))
RESULT = json.dumps({k: min(v) for k, v in results.items()})
"""


def inside_kernel(cells: int, tmp: str) -> tuple[float, float]:
    env = {"JUPYTER_LIFECYCLE_STORE": os.path.join(tmp, "runs.sqlite"),
           "JUPYTER_LIFECYCLE_KIND": "papermill"}
    km, kc = _kernel(env, tmp)
    try:
        assert _run(kc, "%load_ext jupyter_lifecycle")["status"] == "ok"
        rounds = 20
        code = IN_KERNEL.replace("__ROUNDS__", str(rounds)).replace("__N__", str(max(1, cells // rounds)))
        reply = _run(kc, code)
        assert reply["status"] == "ok", reply
        result = _value(kc, "RESULT")
        return result["plain"], result["captured"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def hooks_alone(calls: int) -> tuple[float, float, float]:
    """(direct pre+post per cell, IPython's events.trigger without / with the hooks)."""
    os.environ["JUPYTER_LIFECYCLE_KIND"] = "papermill"
    os.environ["JUPYTER_LIFECYCLE_STORE"] = os.path.join(tempfile.gettempdir(), "never-written")
    from IPython.core.interactiveshell import (ExecutionInfo, ExecutionResult,
                                               InteractiveShell)

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_lifecycle")
    recorder = shell._jupyter_lifecycle_recorder
    info = ExecutionInfo("pass", True, False, True, "cell-id")
    result = ExecutionResult(info)
    result.execution_count = 1
    pre, post, trigger = recorder.pre_run_cell, recorder.post_run_cell, shell.events.trigger
    rounds = 10
    n = max(1, calls // rounds)

    def direct():
        start = time.perf_counter()
        for _ in range(n):
            pre(info)
            post(result)
        return (time.perf_counter() - start) / n

    def triggered():
        start = time.perf_counter()
        for _ in range(n):
            trigger("pre_run_cell", info)
            trigger("post_run_cell", result)
        return (time.perf_counter() - start) / n

    direct_t, plain_t, hooked_t = [], [], []
    for _ in range(rounds):
        direct_t.append(direct())
        recorder.uninstall()
        plain_t.append(triggered())
        recorder.install()
        hooked_t.append(triggered())
    recorder.uninstall()
    return min(direct_t), min(plain_t), min(hooked_t)


ENV_PROBE = """
import json, sys, time
baseline = frozenset(m.partition(".")[0] for m in sys.modules)
import joblib, numpy, pandas, sklearn.ensemble, sklearn.model_selection, sklearn.metrics
from jupyter_lifecycle.capture.environment import environment, run_modules
from jupyter_lifecycle.capture.gitinfo import git_info
t0 = time.perf_counter()
env = environment(run_modules(baseline, ["import joblib\\nimport numpy as np"]))
t1 = time.perf_counter()
git = git_info(sys.argv[1])
t2 = time.perf_counter()
env2 = environment(run_modules(baseline))
t3 = time.perf_counter()
import importlib.metadata
t4 = time.perf_counter()
importlib.metadata.packages_distributions()
t5 = time.perf_counter()
print(json.dumps({"env_ms": (t1 - t0) * 1e3, "git_ms": (t2 - t1) * 1e3,
                  "env_warm_ms": (t3 - t2) * 1e3, "pd_ms": (t5 - t4) * 1e3,
                  "packages": len(env["packages"]), "git": git is not None}))
"""


def env_and_git() -> dict:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", ENV_PROBE, str(ROOT)], capture_output=True,
                             text=True, check=True)
        runs.append(json.loads(out.stdout))
    return {k: statistics.median(r[k] for r in runs) if isinstance(runs[0][k], float)
            else runs[0][k] for k in runs[0]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--hook-calls", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"capture benchmark (python {sys.version.split()[0]}; targets: <= {TARGET_CELL_US:g} us "
          f"per cell, <= {TARGET_ENV_MS:g} ms for environment + git)")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"1. {args.cells:,} `pass` cells per kernel through jupyter_client "
              f"({args.blocks} interleaved blocks)")
        plain, captured = through_jupyter_client(args.cells, args.blocks, tmp)
        print(f"  without capture {plain * 1e6:9.1f} us/cell")
        print(f"  with capture    {captured * 1e6:9.1f} us/cell")
        print(f"  overhead        {(captured - plain) * 1e6:9.1f} us/cell (round-trip noise is "
              f"tens of us)")
        print(f"2. {args.cells:,} run_cell('pass') inside one kernel, hooks off / on")
        plain, captured = inside_kernel(args.cells, tmp)
        print(f"  without capture {plain * 1e6:9.1f} us/cell")
        print(f"  with capture    {captured * 1e6:9.1f} us/cell")
        print(f"  overhead        {(captured - plain) * 1e6:9.2f} us/cell")
    direct, plain, hooked = hooks_alone(args.hook_calls)
    print(f"3. hooks alone, {args.hook_calls:,} pre+post pairs (best of 10 rounds)")
    print(f"  called directly                 {direct * 1e6:6.2f} us per cell")
    print(f"  through IPython's events.trigger {hooked * 1e6:6.2f} us per cell, "
          f"{plain * 1e6:.2f} us with no hooks: overhead {(hooked - plain) * 1e6:.2f} us")
    env = env_and_git()
    print("4. environment + git capture once (fresh process, median of 3)")
    print(f"  environment {env['env_ms']:7.1f} ms ({env['packages']} distributions pinned); "
          f"again in the same process {env['env_warm_ms']:.1f} ms")
    print(f"  git         {env['git_ms']:7.1f} ms" + ("" if env["git"] else " (not a repository)"))
    print(f"  total       {env['env_ms'] + env['git_ms']:7.1f} ms "
          f"(importlib.metadata.packages_distributions() alone: {env['pd_ms']:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
