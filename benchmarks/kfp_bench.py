"""kfp.local against the plain pipeline run, side by side in one run, for one sample notebook.

    python benchmarks/kfp_bench.py [NOTEBOOK] [--repeat N]

Prints the compile time, the wall time of the package's own ``run()`` (a fresh interpreter,
as ``python -m <package>`` would) and of a kfp.local run (SubprocessRunner, this environment),
their ratio, and per step the stage's own time against the task's share of the kfp.local run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def plain_seconds(package: Path, name: str, workdir: Path) -> float:
    code = (f"import time; t = time.perf_counter(); import {name}.pipeline as p; p.run(record=False); "
            "print(time.perf_counter() - t)")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=workdir, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(package / "src")})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", nargs="?",
                        default=str(ROOT / "sample_notebooks" / "iris_classification.ipynb"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from jupyter_lifecycle import api
    from jupyter_lifecycle.targets import ExportRequest, TargetRegistry
    from jupyter_lifecycle.targets.kfp.compile import cluster_environment, compile_plan
    from jupyter_lifecycle.targets.kfp.export import make_plan

    target = TargetRegistry().load("kfp")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        result = api.convert(args.notebook, work / "pkg", package="kfp_bench_pipeline")
        package = result.out_dir
        started = time.perf_counter()
        plan, parquet = make_plan(package, {}, work)
        observed = time.perf_counter() - started
        started = time.perf_counter()
        compile_plan(plan, cluster_environment(plan, None, None, parquet))
        compiled = time.perf_counter() - started
        print(f"{Path(args.notebook).name}: {len(plan.components)} steps; observing run "
              f"{observed:.2f} s, compile {compiled:.2f} s")
        rows = []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            plain = plain_seconds(package, "kfp_bench_pipeline", work)
            outcome = target.run_local(ExportRequest(package, workdir=work),
                                       record=False)
            rows.append((plain, outcome))
        print(f"{'run':>4} {'plain s':>9} {'kfp.local s':>12} {'ratio':>7}")
        for i, (plain, outcome) in enumerate(rows, 1):
            print(f"{i:>4} {plain:9.2f} {outcome.seconds:12.2f} {outcome.seconds / plain:7.1f}x")
        plain, outcome = min(rows, key=lambda r: r[1].seconds)
        steps = len(outcome.stages)
        staged = sum(outcome.stages.values())
        overhead = (outcome.seconds - staged) / steps
        print(f"per step (best kfp.local run): stages {staged:.2f} s in all, overhead "
              f"{overhead:.2f} s per step (process start, imports, artifacts)")
        print(json.dumps({name: round(s, 4) for name, s in outcome.stages.items()}))


if __name__ == "__main__":
    main()
