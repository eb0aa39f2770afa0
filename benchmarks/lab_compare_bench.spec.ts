/**
 * Benchmark (run on demand: `make bench-lab`): how long from a click on Compare (two runs of 50
 * metrics each) to the compare tab shown in the main area, measured in the page with
 * performance.now(): `open` when the tab's table is in the DOM, `frame` at the next animation
 * frame (what the user sees). Then with a real click (Playwright's mouse), from the pointerdown
 * event's timeStamp: `dom` when a MutationObserver sees the metrics table, `paint` once the
 * frame showing it has been rendered (a task queued from the next animation frame).
 * Side by side, an empty main-area tab opened the same way (`empty`): what JupyterLab's tab
 * activation and frame cost without our view.
 * Target: ≤ 200 ms. Prints the medians; never fails on the numbers.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';
const PYTHON = process.env.LIFECYCLE_PYTHON ?? 'python3';
const METRICS = Number(process.env.BENCH_METRICS ?? 50);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 10);

test.use({ autoGoto: true });

test(`Compare click → compare tab shown, 2 runs of ${METRICS} metrics`, async ({ page, tmpPath }) => {
  const dir = path.join(ROOT, tmpPath);
  fs.mkdirSync(path.join(dir, '.lifecycle'), { recursive: true });
  const nb = {
    cells: [{ cell_type: 'code', id: 'c0', execution_count: null, outputs: [], metadata: {}, source: 'x = 1' }],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5
  };
  const file = path.join(dir, 'bench.ipynb');
  fs.writeFileSync(file, JSON.stringify(nb));
  const script = `
import sys
from jupyter_lifecycle.capture.record import SCHEMA_VERSION
from jupyter_lifecycle.capture.store import RunStore
nb, store, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for k, run_id in enumerate(("1a2b3c4d" * 4, "5e6f7a8b" * 4)):
    RunStore(store).save({
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "kind": "interactive",
        "status": "completed", "started": f"2026-11-2{k}T10:00:00Z", "ended": f"2026-11-2{k}T10:00:05Z",
        "duration_s": 5.0, "notebook": {"path": nb, "relpath": "bench.ipynb", "sha256": None},
        "params": {f"param_{i}": i * (k + 1) for i in range(20)},
        "metrics": {f"metric_number_{i}": (i + 1) * (1.0 + 0.01 * k) for i in range(n)},
        "cells": [], "stages": {f"stage_{i}": {"duration_s": 0.1 * (i + 1 + k), "cells": 1} for i in range(8)},
        "out_of_order": {"detected": False, "cells": []},
        "environment": {"python": "3.11.2", "implementation": "CPython", "platform": "linux",
                        "packages": {f"package_{i}": f"1.{i + k}" for i in range(40)}},
        "git": {"commit": "0123456789abcdef", "branch": "main", "dirty": bool(k)},
        "data": [], "artifacts": [], "failure": None, "fingerprints": {},
    })
`;
  execFileSync(PYTHON, ['-c', script, file, path.join(dir, '.lifecycle', 'runs.sqlite'), String(METRICS)]);
  await page.filebrowser.refresh();
  expect(await page.notebook.openByPath(`${tmpPath}/bench.ipynb`)).toBe(true);
  await page.click('.lm-TabBar-tab[data-id="jp-lifecycle-runs"]');
  const runs = page.locator('#jp-lifecycle-runs .jp-lifecycle-run');
  await expect(runs).toHaveCount(2);
  await runs.nth(0).locator('input[type="checkbox"]').check();
  await runs.nth(1).locator('input[type="checkbox"]').check();

  const result = await page.evaluate(async repeat => {
    const app = (window as any).jupyterapp;
    const button = document.querySelector('#jp-lifecycle-runs button[data-action="compare"]') as HTMLElement;
    const nextFrame = () => new Promise<void>(r => requestAnimationFrame(() => r()));
    const samples: { open: number; frame: number }[] = [];
    const empties: { open: number; frame: number }[] = [];
    for (let k = 0; k < repeat; k++) {
      // an empty MainAreaWidget (the class of our tabs), added and activated like ours
      const ours = (Array.from(app.shell.widgets('main')) as any[]).find(w =>
        String(w.id).startsWith('jp-lifecycle-compare-')
      );
      if (ours) {
        const Tab = ours.constructor;
        const Plain = Object.getPrototypeOf(Tab);
        const e0 = performance.now();
        const tab = new Tab({ content: new Plain() });
        tab.id = `lifecycle-bench-empty-${k}`;
        tab.title.label = 'empty';
        app.shell.add(tab, 'main');
        app.shell.activateById(tab.id);
        void tab.node.getBoundingClientRect().height;
        const e1 = performance.now();
        await nextFrame();
        empties.push({ open: e1 - e0, frame: performance.now() - e0 });
        tab.dispose();
        await nextFrame();
      }
      // close the tab so every sample builds the view afresh
      for (const w of Array.from(app.shell.widgets('main')) as any[]) {
        if (String(w.id).startsWith('jp-lifecycle-compare-')) {
          w.dispose();
        }
      }
      await nextFrame();
      const t0 = performance.now();
      button.click();
      const table = document.querySelector('.jp-lifecycle-run-compare [data-section="metrics"] table');
      void (table as HTMLElement).getBoundingClientRect().height;
      const t1 = performance.now();
      await nextFrame();
      const t2 = performance.now();
      samples.push({ open: t1 - t0, frame: t2 - t0 });
    }
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      open: median(samples.map(s => s.open)),
      frame: median(samples.map(s => s.frame)),
      emptyOpen: empties.length ? median(empties.map(s => s.open)) : NaN,
      emptyFrame: empties.length ? median(empties.map(s => s.frame)) : NaN,
      rows: document.querySelectorAll('.jp-lifecycle-run-compare [data-section="metrics"] tbody tr').length
    };
  }, REPEAT);
  expect(result.rows).toBe(METRICS);

  const clicks: { dom: number; paint: number }[] = [];
  for (let k = 0; k < REPEAT; k++) {
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      for (const w of Array.from(app.shell.widgets('main')) as any[]) {
        if (String(w.id).startsWith('jp-lifecycle-compare-')) {
          w.dispose();
        }
      }
      await new Promise<void>(r => requestAnimationFrame(() => r()));
      let start = -1;
      const onDown = (event: Event) => {
        start = start < 0 ? event.timeStamp : start;
      };
      document.addEventListener('pointerdown', onDown, { capture: true });
      (window as any).__lifecycleBench = new Promise(resolve => {
        const observer = new MutationObserver(() => {
          const table = document.querySelector('.jp-lifecycle-run-compare [data-section="metrics"] table');
          if (start < 0 || !table || !table.isConnected) {
            return;
          }
          const dom = performance.now() - start;
          observer.disconnect();
          document.removeEventListener('pointerdown', onDown, { capture: true });
          requestAnimationFrame(() => setTimeout(() => resolve({ dom, paint: performance.now() - start })));
        });
        observer.observe(document.body, { subtree: true, childList: true });
      });
    });
    await page.click('#jp-lifecycle-runs button[data-action="compare"]');
    clicks.push(await page.evaluate(() => (window as any).__lifecycleBench));
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `compare tab, 2 runs x ${METRICS} metrics (median of ${REPEAT}, target <= 200 ms):\n` +
      `  Compare button.click(): open ${result.open.toFixed(1)} ms, next frame ${result.frame.toFixed(1)} ms; ` +
      `an empty tab: open ${result.emptyOpen.toFixed(1)} ms, next frame ${result.emptyFrame.toFixed(1)} ms\n` +
      `  real click, from pointerdown: dom ${median(clicks.map(c => c.dom)).toFixed(1)} ms, ` +
      `painted ${median(clicks.map(c => c.paint)).toFixed(1)} ms`
  );
});
