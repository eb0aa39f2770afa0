/**
 * What a new user sees, in a real JupyterLab: runs in main-area tabs, diagnostics that do not
 * flood the sidebar, the stage chips always at hand, the convert result and its "package exists"
 * question, badges readable in the dark theme; screenshots in light and dark themes.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';
const PYTHON = process.env.LIFECYCLE_PYTHON ?? 'python3';
const SHOTS = path.resolve(__dirname, '..', 'screenshots');
const SIDEBAR = '#jp-lifecycle-sidebar';
const RUNS = '#jp-lifecycle-runs';

test.use({ autoGoto: true });

type Cell = [string, string[]?, string?];

function writeNotebook(tmpPath: string, name: string, cells: Cell[]): string {
  const file = path.join(ROOT, tmpPath, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const nb = {
    cells: cells.map(([source, tags, type], i) => {
      const cellType = type ?? 'code';
      const base: { [k: string]: unknown } = {
        cell_type: cellType,
        id: `c${i}`,
        metadata: tags?.length ? { tags } : {},
        source
      };
      if (cellType === 'code') {
        base.execution_count = null;
        base.outputs = [];
      }
      return base;
    }),
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1) + '\n');
  return file;
}

/** Two recorded runs of ``file`` in the folder's run store (A older, B newer). */
function recordRuns(tmpPath: string, file: string): void {
  fs.mkdirSync(path.join(ROOT, tmpPath, '.lifecycle'), { recursive: true });
  const script = `
import sys
from jupyter_lifecycle.capture.record import SCHEMA_VERSION
from jupyter_lifecycle.capture.store import RunStore
nb, store = sys.argv[1], sys.argv[2]
runs = (("1a2b3c4d" * 4, 20, 0.91, 10, "1.26.4", 4.2, False), ("5e6f7a8b" * 4, 21, 0.95, 50, "2.0.1", 2.1, True))
for run_id, day, acc, n, numpy, train_s, dirty in runs:
    RunStore(store).save({
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "kind": "interactive",
        "status": "completed", "started": f"2026-11-{day}T10:00:00Z",
        "ended": f"2026-11-{day}T10:00:07Z", "duration_s": 1.0 + train_s,
        "notebook": {"path": nb, "relpath": "runs.ipynb", "sha256": None},
        "params": {"n_estimators": n, "max_depth": 4},
        "metrics": {"accuracy": acc, "max_depth_reached": 4, "f1_macro_average": acc - 0.02},
        "cells": [],
        "stages": {"ingest": {"duration_s": 0.4, "cells": 1}, "prepare": {"duration_s": 0.6, "cells": 2},
                   "train": {"duration_s": train_s, "cells": 1}},
        "out_of_order": {"detected": False, "cells": []},
        "environment": {"python": "3.11.2", "implementation": "CPython", "platform": "linux",
                        "packages": {"numpy": numpy, "scikit-learn": "1.5.2"}},
        "git": {"commit": "0123456789abcdef" if day == 20 else "fedcba9876543210", "branch": "main",
                "dirty": dirty},
        "data": [{"path": "data/iris.csv", "sha256": ("a" if day == 20 else "b") * 64, "size": 4551}],
        "artifacts": [], "failure": None,
        "fingerprints": {"prepare": {"X": "f00dfeedcafe0001"}},
    })
`;
  execFileSync(PYTHON, ['-c', script, file, path.join(ROOT, tmpPath, '.lifecycle', 'runs.sqlite')]);
}

async function openNotebook(page: any, tmpPath: string, name: string): Promise<void> {
  await page.filebrowser.refresh();
  expect(await page.notebook.openByPath(`${tmpPath}/${name}`)).toBe(true);
  await page.notebook.activate(name);
  await page.locator('.jp-Notebook .jp-Cell').first().waitFor();
}

async function openSidebar(page: any): Promise<void> {
  await page.click('.lm-TabBar-tab[data-id="jp-lifecycle-sidebar"]');
  await expect(page.locator(SIDEBAR)).toBeVisible();
}

async function openRuns(page: any): Promise<void> {
  await page.click('.lm-TabBar-tab[data-id="jp-lifecycle-runs"]');
  await expect(page.locator(`${RUNS} .jp-lifecycle-run`)).toHaveCount(2);
}

async function openCompare(page: any) {
  const runs = page.locator(`${RUNS} .jp-lifecycle-run`);
  await runs.nth(0).locator('input[type="checkbox"]').check();
  await runs.nth(1).locator('input[type="checkbox"]').check();
  await page.click(`${RUNS} button[data-action="compare"]`);
  const view = page.locator('.jp-lifecycle-run-compare:visible');
  await expect(view).toBeVisible();
  return view;
}

const CELLS: Cell[] = [
  ['import math', ['lifecycle:setup']],
  ['alpha = 2', ['parameters']],
  ['data = [1, 2, 3, 4]', ['lifecycle:ingest']],
  ['doubled = [x * alpha for x in data]', ['lifecycle:prepare']],
  ['## Evaluate', [], 'markdown'],
  ["metrics = {'total': math.fsum(doubled)}", ['lifecycle:evaluate']],
  ["print(metrics['total'])", []],
  ["assert metrics['total'] > 0", ['lifecycle:test']]
];

test.describe('Runs in the main area', () => {
  test('a run opens its detail tab; two runs open one compare tab, focused when reopened', async ({
    page,
    tmpPath
  }) => {
    const name = 'a_notebook_with_a_rather_long_name_for_the_runs_panel.ipynb';
    const file = writeNotebook(tmpPath, name, CELLS);
    recordRuns(tmpPath, file);
    await openNotebook(page, tmpPath, name);
    await openRuns(page);

    // the panel title names the notebook: cut with an ellipsis, the full name on hover
    const title = page.locator(`${RUNS} .jp-lifecycle-title`);
    await expect(title).toHaveText(`Runs · ${name}`);
    await expect(title).toHaveAttribute('title', `Runs of ${tmpPath}/${name}`);
    const cut = await title.evaluate((node: HTMLElement) => ({
      overflow: getComputedStyle(node).textOverflow,
      cut: node.scrollWidth > node.clientWidth
    }));
    expect(cut).toEqual({ overflow: 'ellipsis', cut: true });

    // no word broken inside a token in the sidebar: each metric stays on one line
    const metrics = page.locator(`${RUNS} .jp-lifecycle-metric`);
    for (const m of await metrics.all()) {
      const box = await m.evaluate((node: HTMLElement) => ({
        wrap: getComputedStyle(node).whiteSpace,
        // a span broken over two lines has two client rectangles
        lines: Math.max(...Array.from(node.children).map(c => c.getClientRects().length))
      }));
      expect(box.wrap).toBe('nowrap');
      expect(box.lines).toBe(1);
    }
    await expect(metrics.first()).toHaveAttribute('title', /^\w+ = /);

    // a click on a run opens its detail in the main area
    await page.locator(`${RUNS} .jp-lifecycle-run`).nth(1).locator('.jp-lifecycle-run-id').click();
    const detail = page.locator('.jp-lifecycle-run-detail:visible');
    await expect(detail).toContainText('Run 1a2b3c4d');
    await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'Run 1a2b3c4d' })).toHaveCount(1);
    expect(await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.id)).toBe(
      `jp-lifecycle-run-${'1a2b3c4d'.repeat(4)}-tab`
    );

    // compare: metrics with B − A, environment, git and data differences, timing bars
    const view = await openCompare(page);
    const accuracy = view.locator('tr', { hasText: 'accuracy' });
    await expect(accuracy.locator('.jp-lifecycle-delta')).toHaveText('+0.04 (+4.4%)');
    await expect(view.locator('tr', { hasText: 'n_estimators' }).locator('.jp-lifecycle-delta')).toHaveText(
      '+40 (+400%)'
    );
    await expect(view.locator('[data-section="environment"] tr.jp-mod-changed')).toHaveText(/package numpy\s*1\.26\.4\s*2\.0\.1/);
    await expect(view.locator('[data-section="git"] tr.jp-mod-changed')).toHaveCount(2);
    await expect(view.locator('[data-section="data fingerprints"] tr.jp-mod-changed')).toContainText('data/iris.csv');
    await expect(view.locator('.jp-lifecycle-bar-row')).toHaveCount(3);
    const widths = await view
      .locator('.jp-lifecycle-bar-row[data-stage="train"] .jp-lifecycle-bar')
      .evaluateAll((bars: HTMLElement[]) => bars.map(b => b.getBoundingClientRect().width));
    expect(widths[0]).toBeGreaterThan(widths[1] * 1.8); // 4.2 s against 2.1 s
    // a long key is never broken in the middle of a word
    const key = view.locator('td', { hasText: 'f1_macro_average' });
    await expect(key).toHaveCSS('white-space', 'nowrap');

    // reopening focuses the existing tab instead of opening another one
    await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name }).click();
    await page.click(`${RUNS} button[data-action="compare"]`);
    await expect(view).toBeVisible();
    await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'Compare' })).toHaveCount(1);
  });
});

test.describe('Sidebar that never gets in the way', () => {
  test('notes collapse into one line; diagnostics scroll on their own and can be folded', async ({
    page,
    tmpPath
  }) => {
    const cells: Cell[] = [['%matplotlib inline'], ['import math', ['lifecycle:setup']], ['x = 1']];
    for (let i = 0; i < 4; i++) {
      cells.push(['x']);
    }
    for (let i = 0; i < 30; i++) {
      cells.push([`v${i} = ${i}`, ['lifecycle:trian']]); // 30 errors
    }
    writeNotebook(tmpPath, 'noisy.ipynb', cells);
    await openNotebook(page, tmpPath, 'noisy.ipynb');
    await openSidebar(page);
    const box = page.locator(`${SIDEBAR} .jp-lifecycle-diagnostics`);
    await expect(box.locator('.jp-lifecycle-diagnostic.jp-mod-error')).toHaveCount(30);
    const notes = box.locator('.jp-lifecycle-notes-line');
    await expect(notes).toHaveText(/^\d+ notes — show$/);
    await expect(box.locator('.jp-lifecycle-diagnostic.jp-mod-info')).toHaveCount(0);
    // errors first: the notes line comes after every error
    const order = await box
      .locator('li')
      .evaluateAll((lis: HTMLElement[]) => lis.map(li => (li.classList.contains('jp-lifecycle-notes-line') ? 'notes' : 'problem')));
    expect(order[order.length - 1]).toBe('notes');

    // 30 errors do not push the stage outline below the fold
    const sidebarBox = (await page.locator(SIDEBAR).boundingBox())!;
    const firstGroup = (await page.locator(`${SIDEBAR} .jp-lifecycle-group-header`).first().boundingBox())!;
    expect(firstGroup.y + firstGroup.height).toBeLessThan(sidebarBox.y + sidebarBox.height);
    const list = box.locator('.jp-lifecycle-diagnostic-list');
    expect(await list.evaluate((n: HTMLElement) => n.scrollHeight > n.clientHeight)).toBe(true);

    await notes.locator('button').click();
    await expect(box.locator('.jp-lifecycle-diagnostic.jp-mod-info').first()).toBeVisible();
    await expect(box.locator('.jp-lifecycle-notes-line')).toHaveText(/notes — hide$/);

    await box.locator('[data-action="toggle-diagnostics"]').click();
    await expect(box).toHaveClass(/jp-mod-collapsed/);
    await expect(box.locator('.jp-lifecycle-diagnostic')).toHaveCount(0);
    await expect(box).toContainText('30 errors');
  });

  test('in a long notebook the stage chips stay visible while the cell list scrolls', async ({
    page,
    tmpPath
  }) => {
    const cells: Cell[] = Array.from({ length: 150 }, (_, i) => [`value_${i} = ${i}`, i % 30 ? [] : ['lifecycle:prepare']] as Cell);
    writeNotebook(tmpPath, 'long.ipynb', cells);
    await openNotebook(page, tmpPath, 'long.ipynb');
    await openSidebar(page);
    await expect(page.locator(`${SIDEBAR} .jp-lifecycle-row`)).toHaveCount(150);
    const sidebar = page.locator(SIDEBAR);
    await sidebar.evaluate((node: HTMLElement) => (node.scrollTop = node.scrollHeight));
    expect(await sidebar.evaluate((node: HTMLElement) => node.scrollTop)).toBeGreaterThan(500);
    const chip = page.locator(`${SIDEBAR} button[data-stage="train"]`);
    const chipBox = (await chip.boundingBox())!;
    const sideBox = (await sidebar.boundingBox())!;
    expect(chipBox.y).toBeGreaterThanOrEqual(sideBox.y - 1);
    expect(chipBox.y + chipBox.height).toBeLessThan(sideBox.y + sideBox.height);
    // the chip is on top (not covered by scrolled rows) and still tags the active cell
    const hit = await chip.evaluate((node: HTMLElement) => {
      const r = node.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return top === node || node.contains(top);
    });
    expect(hit).toBe(true);
    await page.locator(`${SIDEBAR} .jp-lifecycle-row[data-index="149"]`).click();
    await expect(page.locator(`${SIDEBAR} .jp-lifecycle-row[data-index="149"]`)).toHaveClass(/jp-mod-active/);
    await chip.click();
    await expect(page.locator(`${SIDEBAR} .jp-lifecycle-group[data-stage="train"] .jp-lifecycle-row[data-index="149"]`)).toHaveCount(1);
  });
});

test.describe('Convert', () => {
  test('shows progress, lists the files, asks before regenerating, logs no console error', async ({
    page,
    tmpPath
  }) => {
    const errors: string[] = [];
    const conflicts: string[] = [];
    page.on('console', (msg: any) => {
      if (msg.type() === 'error') {
        errors.push(msg.text());
      }
    });
    page.on('response', (response: any) => {
      if (response.status() === 409) {
        conflicts.push(response.url());
      }
    });
    writeNotebook(tmpPath, 'demo.ipynb', CELLS);
    await openNotebook(page, tmpPath, 'demo.ipynb');
    await openSidebar(page);
    const button = page.locator(`${SIDEBAR} button[data-action="convert"]`);
    await button.click();
    await expect(button).toHaveText('Converting…');
    await expect(button).toBeDisabled();
    await expect(page.locator('.lm-TabBar-tab', { hasText: 'pipeline.py' })).toBeVisible({ timeout: 60000 });
    await expect(button).toHaveText('Convert to pipeline');
    const result = page.locator(`${SIDEBAR} .jp-lifecycle-convert-result`);
    await expect(result).toContainText(/Wrote .*demo_pipeline\//);
    const files = result.locator('.jp-lifecycle-file');
    // relative to the package: no folder of the package in front
    await expect(files.filter({ hasText: /^src\/demo_pipeline\/pipeline\.py$/ })).toHaveCount(1);
    for (const text of await files.allTextContents()) {
      expect(text.startsWith('demo_pipeline/')).toBe(false);
    }

    // again: the package exists; the question is written for a GUI
    await button.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toBeVisible({ timeout: 60000 });
    await expect(dialog.locator('.jp-Dialog-header')).toHaveText('Replace the generated package?');
    const body = (await dialog.locator('.jp-Dialog-body').textContent())!;
    expect(body).toContain('files edited by hand are never overwritten');
    expect(body).not.toMatch(/--\w/);
    await dialog.locator('button', { hasText: 'Regenerate' }).click();
    await expect(result).toContainText('no file changed', { timeout: 60000 });

    // every file of the package is listed; a click opens it
    await files.filter({ hasText: 'pyproject.toml' }).click();
    await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'pyproject.toml' })).toBeVisible();
    expect(conflicts).toEqual([]);
    expect(errors).toEqual([]);
  });
});

/** WCAG contrast ratio of two colours, in the page, from computed styles (alpha resolved). */
async function contrast(page: any, index: number) {
  return page.evaluate((i: number) => {
    type RGBA = [number, number, number, number];
    const parse = (text: string): RGBA | null => {
      let m = /rgba?\(([^)]+)\)/.exec(text);
      if (m) {
        const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
      }
      m = /color\(srgb ([^)]+)\)/.exec(text);
      if (m) {
        const p = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
        return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
      }
      return null;
    };
    const over = (top: RGBA, bottom: RGBA): RGBA => [
      top[0] * top[3] + bottom[0] * (1 - top[3]),
      top[1] * top[3] + bottom[1] * (1 - top[3]),
      top[2] * top[3] + bottom[2] * (1 - top[3]),
      1
    ];
    const background = (node: Element | null): RGBA => {
      if (!node) {
        return [255, 255, 255, 1];
      }
      const c = parse(getComputedStyle(node).backgroundColor);
      if (!c || c[3] === 0) {
        return background(node.parentElement);
      }
      return c[3] < 1 ? over(c, background(node.parentElement)) : c;
    };
    const lum = (c: RGBA) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const ratio = (a: RGBA, b: RGBA) => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[i] as HTMLElement;
    const badge = cell.querySelector(':scope > .jp-lifecycle-badge') as HTMLElement;
    const cellBg = background(cell);
    const badgeStyle = getComputedStyle(badge);
    const badgeBg = parse(badgeStyle.backgroundColor)![3] === 0 ? cellBg : over(parse(badgeStyle.backgroundColor)!, cellBg);
    const text = over(parse(badgeStyle.color)!, badgeBg);
    const border = over(parse(badgeStyle.borderLeftColor)!, cellBg);
    const edge = over(parse(getComputedStyle(cell).boxShadow)!, cellBg);
    return {
      text: ratio(text, badgeBg),
      border: ratio(border, cellBg),
      edge: ratio(edge, cellBg),
      opacity: Number(badgeStyle.opacity)
    };
  }, index);
}

test('dark theme: inherited badges and edges reach 3:1; the active-cell bar leaves the badge alone', async ({
  page,
  tmpPath
}) => {
  writeNotebook(tmpPath, 'dark.ipynb', [
    ['import os', ['lifecycle:setup']],
    ['path = os.getcwd()'],
    ['data = open(path).read()', ['lifecycle:ingest']],
    ['rows = data.splitlines()'],
    ['model = fit(rows)', ['lifecycle:train']],
    ['model.save()'],
    ['def deploy(): pass', ['lifecycle:deploy']],
    ['deploy()']
  ]);
  await page.theme.setDarkTheme();
  await openNotebook(page, tmpPath, 'dark.ipynb');
  for (const index of [0, 1, 2, 3, 4, 5, 6, 7]) {
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(index).locator('> .jp-lifecycle-badge')).toBeVisible();
    const c = await contrast(page, index);
    expect(c.opacity).toBe(1);
    expect(c.text).toBeGreaterThanOrEqual(3);
    expect(c.border).toBeGreaterThanOrEqual(3);
    expect(c.edge).toBeGreaterThanOrEqual(3);
  }
  for (const index of [1, 3]) {
    await page.notebook.selectCells(index);
    const overlap = await page.evaluate((i: number) => {
      const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[i];
      const badge = cell.querySelector(':scope > .jp-lifecycle-badge')!.getBoundingClientRect();
      const bars = Array.from(cell.querySelectorAll('.jp-Collapser'))
        .filter(b => getComputedStyle(b).backgroundColor !== 'rgba(0, 0, 0, 0)')
        .map(b => b.getBoundingClientRect())
        .filter(r => r.width > 0 && r.height > 0);
      const hits = bars.filter(
        r => r.left < badge.right && badge.left < r.right && r.top < badge.bottom && badge.top < r.bottom
      );
      return { bars: bars.length, hits: hits.length };
    }, index);
    expect(overlap.bars).toBeGreaterThan(0);
    expect(overlap.hits).toBe(0);
  }
  await page.theme.setLightTheme();
});

test('screenshots: sidebar, compare tab and doctor, light and dark', async ({ page, tmpPath }) => {
  const file = writeNotebook(tmpPath, 'runs.ipynb', CELLS);
  recordRuns(tmpPath, file);
  fs.mkdirSync(SHOTS, { recursive: true });
  await openNotebook(page, tmpPath, 'runs.ipynb');
  for (const theme of ['light', 'dark']) {
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    } else {
      await page.theme.setLightTheme();
    }
    await page.notebook.activate('runs.ipynb');
    await openSidebar(page);
    await expect(page.locator(`${SIDEBAR} .jp-lifecycle-group`).first()).toBeVisible();
    await page.notebook.selectCells(6);
    await page.screenshot({ path: path.join(SHOTS, `sidebar-${theme}.png`) });

    const doctor = page.locator(`${SIDEBAR} .jp-lifecycle-doctor`);
    if (await doctor.evaluate((n: HTMLElement) => n.classList.contains('jp-mod-collapsed'))) {
      await page.click(`${SIDEBAR} [data-action="doctor-toggle"]`);
    }
    await expect(doctor.locator('.jp-lifecycle-heatmap')).toBeVisible({ timeout: 60000 });
    await page.locator(SIDEBAR).screenshot({ path: path.join(SHOTS, `doctor-${theme}.png`) });
    await page.click(`${SIDEBAR} [data-action="doctor-toggle"]`);

    await openRuns(page);
    const runs = page.locator(`${RUNS} .jp-lifecycle-run input[type="checkbox"]`);
    for (const box of await runs.all()) {
      if (!(await box.isChecked())) {
        await box.check();
      }
    }
    await page.click(`${RUNS} button[data-action="compare"]`);
    await expect(page.locator('.jp-lifecycle-run-compare:visible')).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, `compare-${theme}.png`) });
  }
  await page.theme.setLightTheme();
  for (const name of ['sidebar', 'doctor', 'compare']) {
    for (const theme of ['light', 'dark']) {
      expect(fs.statSync(path.join(SHOTS, `${name}-${theme}.png`)).size).toBeGreaterThan(10000);
    }
  }
  // The README's images (docs/lab-<name>-<theme>.png), refreshed on request:
  // LIFECYCLE_DOCS_SHOTS=<the repository's docs folder> run.sh -g screenshots
  const docs = process.env.LIFECYCLE_DOCS_SHOTS;
  if (docs) {
    for (const name of ['sidebar', 'doctor', 'compare']) {
      for (const theme of ['light', 'dark']) {
        fs.copyFileSync(path.join(SHOTS, `${name}-${theme}.png`), path.join(docs, `lab-${name}-${theme}.png`));
      }
    }
  }
});
