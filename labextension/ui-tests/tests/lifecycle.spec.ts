/**
 * The extension in a real JupyterLab (galata, Debian's chromium): sidebar tagging saved to the
 * .ipynb, a shortcut, badges, convert from the UI, the runs panel.
 *
 * Notebooks are written straight into the server's root (JUPYTERLAB_GALATA_ROOT_DIR) and the
 * saved files are read back from there.
 */
import { expect, galata, test } from '@jupyterlab/galata';
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

function notebook(cells: Cell[]): object {
  return {
    cells: cells.map(([source, tags, type], i) => {
      const cellType = type ?? 'code';
      const base: any = { cell_type: cellType, id: `c${i}`, metadata: tags?.length ? { tags } : {}, source };
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
}

function writeNotebook(tmpPath: string, name: string, cells: Cell[]): string {
  const file = path.join(ROOT, tmpPath, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(notebook(cells), null, 1) + '\n');
  return file;
}

function savedTags(file: string): (string[] | undefined)[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf-8'));
  return nb.cells.map((c: any) => c.metadata?.tags);
}

async function openNotebook(page: any, tmpPath: string, name: string): Promise<void> {
  await page.filebrowser.refresh();
  expect(await page.notebook.openByPath(`${tmpPath}/${name}`)).toBe(true);
  await page.notebook.activate(name);
  await page.locator('.jp-Notebook .jp-Cell').first().waitFor();
}

async function openSidebar(page: any): Promise<void> {
  await page.click(`.lm-TabBar-tab[data-id="jp-lifecycle-sidebar"]`);
  await expect(page.locator(SIDEBAR)).toBeVisible();
}

function badge(page: any, index: number) {
  return page.locator('.jp-Notebook .jp-Cell').nth(index).locator('> .jp-lifecycle-badge');
}

function group(page: any, stage: string) {
  return page.locator(`${SIDEBAR} .jp-lifecycle-group[data-stage="${stage}"]`);
}

const CELLS: Cell[] = [
  ['import math', []],
  ['alpha = 2', ['parameters', 'keep-me']],
  ['data = [1, 2, 3, 4]', []],
  ['doubled = [x * alpha for x in data]', []],
  ['# Evaluation', [], 'markdown'],
  ["metrics = {'total': math.fsum(doubled)}", []]
];

test.describe('Lifecycle sidebar', () => {
  test('tags cells from the sidebar; the saved notebook has the tags; badges follow', async ({
    page,
    tmpPath
  }) => {
    const file = writeNotebook(tmpPath, 'tagging.ipynb', CELLS);
    await openNotebook(page, tmpPath, 'tagging.ipynb');
    await openSidebar(page);

    // every cell starts in setup (untagged cells before any tag), dimmed as inherited
    await expect(group(page, 'setup').locator('.jp-lifecycle-row')).toHaveCount(6);
    await expect(badge(page, 2)).toHaveText('setup');
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(2)).toHaveClass(/jp-lifecycle-inherited/);
    await expect(badge(page, 1)).toHaveText('params');

    // tag cell 2 as ingest: cell 3 inherits it
    await page.notebook.selectCells(2);
    await page.click(`${SIDEBAR} button[data-stage="ingest"]`);
    await expect(badge(page, 2)).toHaveText('ingest');
    await expect(badge(page, 3)).toHaveText('ingest');
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(2)).not.toHaveClass(/jp-lifecycle-inherited/);
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(3)).toHaveClass(/jp-lifecycle-inherited/);
    await expect(group(page, 'ingest').locator('.jp-lifecycle-row')).toHaveCount(4);

    // select the markdown heading and the cell below it, tag both evaluate
    await page.notebook.selectCells(4, 5);
    await page.click(`${SIDEBAR} button[data-stage="evaluate"]`);
    await expect(group(page, 'evaluate').locator('.jp-lifecycle-row')).toHaveCount(2);
    await expect(group(page, 'ingest').locator('.jp-lifecycle-row')).toHaveCount(2);

    // re-tag the parameters cell: other tags are kept, the old stage tag replaced
    await page.notebook.selectCells(1);
    await page.click(`${SIDEBAR} button[data-stage="prepare"]`);
    await page.click(`${SIDEBAR} button[data-stage="setup"]`);

    // the row of a cell shows its first line and jumps to it
    const row = group(page, 'evaluate').locator('.jp-lifecycle-row').last();
    await expect(row).toContainText("metrics = {'total'");
    await row.click();
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(5)).toHaveClass(/jp-mod-active/);

    await page.notebook.save();
    expect(savedTags(file)).toEqual([
      undefined,
      ['parameters', 'keep-me', 'lifecycle:setup'],
      ['lifecycle:ingest'],
      undefined,
      ['lifecycle:evaluate'],
      ['lifecycle:evaluate']
    ]);

    // untag: the cell inherits again, the tags key is gone
    await page.notebook.selectCells(5);
    await page.click(`${SIDEBAR} button[data-action="untag"]`);
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(5)).toHaveClass(/jp-lifecycle-inherited/);
    await page.notebook.save();
    expect(savedTags(file)[5]).toBeUndefined();

    // a new cell joins the stage above it, live
    await page.notebook.selectCells(3);
    await page.keyboard.press('b');
    await expect(page.locator('.jp-Notebook .jp-Cell')).toHaveCount(7);
    await expect(badge(page, 4)).toHaveText('ingest');
    await expect(group(page, 'ingest').locator('.jp-lifecycle-row')).toHaveCount(3);

    fs.mkdirSync(SHOTS, { recursive: true });
    await page.notebook.selectCells(2);
    await page.locator(SIDEBAR).screenshot({ path: path.join(SHOTS, 'sidebar.png') });
    await page.screenshot({ path: path.join(SHOTS, 'lab.png') });
  });

  test('a row click keeps command mode; Shift extends and Ctrl toggles the selection', async ({
    page,
    tmpPath
  }) => {
    const file = writeNotebook(tmpPath, 'clicks.ipynb', CELLS);
    await openNotebook(page, tmpPath, 'clicks.ipynb');
    await openSidebar(page);
    const rows = group(page, 'setup').locator('.jp-lifecycle-row');
    const notebookNode = page.locator('.jp-NotebookPanel:visible .jp-Notebook');

    // start in edit mode in cell 0, as a user typing would be
    await page.locator('.jp-Notebook .jp-Cell').nth(0).locator('.jp-InputArea-editor').click();
    await expect(notebookNode).toHaveClass(/jp-mod-editMode/);

    await rows.nth(3).click();
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(3)).toHaveClass(/jp-mod-active/);
    await expect(notebookNode).toHaveClass(/jp-mod-commandMode/);
    // the next single-key shortcut acts on cells: 'b' inserts a cell, the code is untouched
    await page.keyboard.press('b');
    await expect(page.locator('.jp-Notebook .jp-Cell')).toHaveCount(7);
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(3)).toContainText('doubled = [x * alpha');
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(3)).not.toContainText('bdoubled');
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect(page.locator('.jp-Notebook .jp-Cell')).toHaveCount(6);

    // Shift-click extends the selection from the active cell; a chip tags all of it
    await rows.nth(0).click();
    await rows.nth(2).click({ modifiers: ['Shift'] });
    await expect(notebookNode).toHaveClass(/jp-mod-commandMode/);
    await page.click(`${SIDEBAR} button[data-stage="ingest"]`);
    await expect(group(page, 'ingest').locator('.jp-lifecycle-row')).toHaveCount(6);
    // Ctrl-click toggles one cell into the selection
    const ingest = group(page, 'ingest').locator('.jp-lifecycle-row');
    await ingest.nth(3).click();
    await ingest.nth(5).click({ modifiers: ['Control'] });
    await page.click(`${SIDEBAR} button[data-stage="train"]`);
    await page.notebook.save();
    const tags = savedTags(file).map(t => (t ?? []).filter(x => x.startsWith('lifecycle:')));
    expect(tags).toEqual([
      ['lifecycle:ingest'],
      ['lifecycle:ingest'],
      ['lifecycle:ingest'],
      ['lifecycle:train'],
      [],
      ['lifecycle:train']
    ]);
  });

  test('keyboard shortcut Alt+G T tags the active cell train', async ({ page, tmpPath }) => {
    const file = writeNotebook(tmpPath, 'shortcut.ipynb', CELLS);
    await openNotebook(page, tmpPath, 'shortcut.ipynb');
    await page.notebook.selectCells(3);
    await page.keyboard.press('Alt+g');
    await page.keyboard.press('t');
    await expect(badge(page, 3)).toHaveText('train');
    await expect(badge(page, 5)).toHaveText('train');
    await page.keyboard.press('Alt+g');
    await page.keyboard.press('u');
    await expect(badge(page, 3)).toHaveText('setup');
    await page.keyboard.press('Alt+g');
    await page.keyboard.press('v');
    await page.notebook.save();
    expect(savedTags(file)[3]).toEqual(['lifecycle:validate']);
  });

  test('commands are in the palette and the cell context menu', async ({ page, tmpPath }) => {
    writeNotebook(tmpPath, 'menus.ipynb', CELLS);
    await openNotebook(page, tmpPath, 'menus.ipynb');
    await page.notebook.selectCells(2);
    await page.locator('.jp-Notebook .jp-Cell').nth(2).click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Lifecycle Stage' }).click();
    await page.locator('#jp-lifecycle-stage-submenu .lm-Menu-item', { hasText: 'Tag cell as Deploy' }).click();
    await expect(badge(page, 2)).toHaveText('deploy');

    await page.keyboard.press('Control+Shift+c');
    await page.locator('#modal-command-palette input').fill('Tag cell as Monitor');
    await page.keyboard.press('Enter');
    await expect(badge(page, 2)).toHaveText('monitor');
  });

  test('cell toolbar button and property inspector pick the stage', async ({ page, tmpPath }) => {
    const file = writeNotebook(tmpPath, 'picker.ipynb', CELLS);
    await openNotebook(page, tmpPath, 'picker.ipynb');
    await page.notebook.selectCells(2);
    await page
      .locator('.jp-Notebook .jp-Cell')
      .nth(2)
      .locator('.jp-cell-toolbar [data-command="jupyter-lifecycle:pick-stage"]')
      .click();
    await page.locator('.jp-lifecycle-stage-menu .lm-Menu-item', { hasText: 'Tag cell as Explore' }).click();
    await expect(badge(page, 2)).toHaveText('explore');

    await page.click('.lm-TabBar-tab[data-id="jp-property-inspector"]');
    const inspector = page.locator('#jp-property-inspector');
    const header = inspector.locator('.jp-Collapse-header', { hasText: 'Lifecycle' });
    await header.click();
    const select = inspector.locator('select.jp-lifecycle-stage-select');
    await expect(select).toHaveValue('explore');
    await select.selectOption('deploy');
    await expect(badge(page, 2)).toHaveText('deploy');
    await page.notebook.save();
    expect(savedTags(file)[2]).toEqual(['lifecycle:deploy']);
  });

  test('diagnostics of a bad tag link to their cell', async ({ page, tmpPath }) => {
    writeNotebook(tmpPath, 'diag.ipynb', [
      ['import os', []],
      ['x = 1', ['lifecycle:trian']],
      ['y = x + 1', ['lifecycle:train']]
    ]);
    await openNotebook(page, tmpPath, 'diag.ipynb');
    await openSidebar(page);
    const item = page.locator(`${SIDEBAR} .jp-lifecycle-diagnostic.jp-mod-error`).first();
    await expect(item).toContainText("unknown stage tag 'lifecycle:trian'");
    // from edit mode in cell 2: the diagnostic's click leaves command mode on cell 1
    await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-InputArea-editor').click();
    const notebookNode = page.locator('.jp-NotebookPanel:visible .jp-Notebook');
    await expect(notebookNode).toHaveClass(/jp-mod-editMode/);
    await item.click();
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(1)).toHaveClass(/jp-mod-active/);
    await expect(notebookNode).toHaveClass(/jp-mod-commandMode/);
    // a single-key shortcut acts on cells instead of being typed into code
    await page.keyboard.press('b');
    await expect(page.locator('.jp-Notebook .jp-Cell')).toHaveCount(4);
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(1)).toContainText('x = 1');
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(1)).not.toContainText('bx = 1');
  });
});

test.describe('Convert and runs', () => {
  test('convert from the UI writes the package and opens pipeline.py', async ({ page, tmpPath }) => {
    writeNotebook(tmpPath, 'demo.ipynb', [
      ['import math', []],
      ['alpha = 2', ['parameters']],
      ['data = [1, 2, 3, 4]', ['lifecycle:ingest']],
      ['doubled = [x * alpha for x in data]', ['lifecycle:prepare']],
      ["metrics = {'total': math.fsum(doubled)}", ['lifecycle:evaluate']],
      ["assert metrics['total'] > 0", ['lifecycle:test']]
    ]);
    await openNotebook(page, tmpPath, 'demo.ipynb');
    await openSidebar(page);
    await page.click(`${SIDEBAR} button[data-action="convert"]`);
    await expect(page.locator('.lm-TabBar-tab', { hasText: 'pipeline.py' })).toBeVisible({ timeout: 60000 });
    await expect(page.locator(`${SIDEBAR} .jp-lifecycle-convert-result`)).toContainText(/Wrote .*demo_pipeline\//);
    const pkg = path.join(ROOT, tmpPath, 'demo_pipeline');
    expect(fs.existsSync(path.join(pkg, 'src', 'demo_pipeline', 'pipeline.py'))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'pyproject.toml'))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'tests'))).toBe(true);
  });

  test('the runs panel lists the recorded runs and compares two', async ({ page, tmpPath }) => {
    const file = writeNotebook(tmpPath, 'runs.ipynb', CELLS);
    fs.mkdirSync(path.join(ROOT, tmpPath, '.lifecycle'), { recursive: true });
    const script = `
import sys
from jupyter_lifecycle.capture.record import SCHEMA_VERSION
from jupyter_lifecycle.capture.store import RunStore
nb, store = sys.argv[1], sys.argv[2]
for run_id, day, acc, n in (("1a2b3c4d" * 4, 20, 0.91, 10), ("5e6f7a8b" * 4, 21, 0.95, 50)):
    RunStore(store).save({
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "kind": "interactive",
        "status": "completed", "started": f"2026-11-{day}T10:00:00Z",
        "ended": f"2026-11-{day}T10:00:03Z", "duration_s": 3.2,
        "notebook": {"path": nb, "relpath": "runs.ipynb", "sha256": None},
        "params": {"n_estimators": n, "alpha": 2}, "metrics": {"accuracy": acc, "f1": acc - 0.02},
        "cells": [], "stages": {}, "out_of_order": {"detected": False, "cells": []},
        "environment": {}, "git": {}, "data": {}, "artifacts": [], "failure": None,
        "fingerprints": {},
    })
`;
    execFileSync(PYTHON, ['-c', script, file, path.join(ROOT, tmpPath, '.lifecycle', 'runs.sqlite')]);
    await openNotebook(page, tmpPath, 'runs.ipynb');
    await page.click(`.lm-TabBar-tab[data-id="jp-lifecycle-runs"]`);
    const runs = page.locator(`${RUNS} .jp-lifecycle-run`);
    await expect(runs).toHaveCount(2);
    await expect(runs.first()).toContainText('5e6f7a8b');
    await expect(runs.first()).toContainText('accuracy');
    await expect(runs.first()).toContainText('0.95');
    await runs.nth(0).locator('input[type="checkbox"]').check();
    await runs.nth(1).locator('input[type="checkbox"]').check();
    await page.click(`${RUNS} button[data-action="compare"]`);
    const view = page.locator('.jp-lifecycle-run-compare:visible');
    await expect(view).toContainText('n_estimators');
    await expect(view.locator('tr.jp-mod-changed')).toHaveCount(3);
    await expect(view.locator('tr.jp-mod-changed', { hasText: 'n_estimators' })).toContainText('+40');
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator(RUNS).screenshot({ path: path.join(SHOTS, 'runs.png') });
  });
});

test.describe('Capture runs setting', () => {
  test.use({
    mockSettings: { ...galata.DEFAULT_SETTINGS, 'jupyter-lifecycle:runs': { captureRuns: true } }
  });

  test('loads the capture extension in the kernel when it starts', async ({ page, tmpPath }) => {
    writeNotebook(tmpPath, 'capture.ipynb', [
      ['print(sorted(get_ipython().extension_manager.loaded))', []]
    ]);
    await openNotebook(page, tmpPath, 'capture.ipynb');
    await page.notebook.run();
    await page.notebook.waitForRun(0);
    expect((await page.notebook.getCellTextOutput(0))!.join('')).toContain('jupyter_lifecycle');
  });
});

test('badges read in the dark theme too', async ({ page, tmpPath }) => {
  writeNotebook(tmpPath, 'dark.ipynb', [
    ['import os', ['lifecycle:setup']],
    ['fit()', ['lifecycle:train']],
    ['check()', ['lifecycle:test']]
  ]);
  await page.theme.setDarkTheme();
  await openNotebook(page, tmpPath, 'dark.ipynb');
  // text on the yellow-green test badge is black, on the red train badge white
  await expect(badge(page, 1)).toHaveCSS('color', 'rgb(255, 255, 255)');
  await expect(badge(page, 2)).toHaveCSS('color', 'rgb(0, 0, 0)');
  await openSidebar(page);
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'lab-dark.png') });
  await page.theme.setLightTheme();
});

