/**
 * The doctor section of the Lifecycle sidebar in a real JupyterLab: the maturity heatmap and
 * findings linking to their cells, and Suggest stages: previewed on the untagged cells, applied on
 * confirmation through the notebook model, removed again by the notebook's undo.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';
const SHOTS = path.resolve(__dirname, '..', 'screenshots');
const SIDEBAR = '#jp-lifecycle-sidebar';
const DOCTOR = `${SIDEBAR} .jp-lifecycle-doctor`;

test.use({ autoGoto: true });

type Cell = [string, string[], string?];

const CELLS: Cell[] = [
  ['import pandas as pd\nfrom sklearn.linear_model import LogisticRegression', []],
  ["df = pd.read_csv('data.csv')", ['keep-me']],
  ['df = df.dropna()', ['lifecycle:prepare']],
  ["model = LogisticRegression(C=0.5)\nmodel.fit(df[['x']], df['y'])", []],
  ['## Evaluate', [], 'markdown'],
  ["score = model.score(df[['x']], df['y'])\nprint(score)", []]
];

function writeNotebook(tmpPath: string, name: string): string {
  const file = path.join(ROOT, tmpPath, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const cells = CELLS.map(([source, tags, type], i) => {
    const cellType = type ?? 'code';
    const base: any = { cell_type: cellType, id: `c${i}`, metadata: tags.length ? { tags } : {}, source };
    if (cellType === 'code') {
      base.execution_count = null;
      base.outputs = [];
    }
    return base;
  });
  const nb = {
    cells,
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1) + '\n');
  return file;
}

function savedTags(file: string): (string[] | undefined)[] {
  return JSON.parse(fs.readFileSync(file, 'utf-8')).cells.map((c: any) => c.metadata?.tags);
}

function cellNode(page: any, index: number) {
  return page.locator('.jp-NotebookPanel:visible .jp-Notebook .jp-Cell').nth(index);
}

test('doctor heatmap and findings link to cells; Suggest stages previews, applies, undoes', async ({
  page,
  tmpPath
}) => {
  const file = writeNotebook(tmpPath, 'untagged.ipynb');
  const original = fs.readFileSync(file, 'utf-8');
  await page.filebrowser.refresh();
  expect(await page.notebook.openByPath(`${tmpPath}/untagged.ipynb`)).toBe(true);
  await page.notebook.activate('untagged.ipynb');
  await cellNode(page, 0).waitFor();
  await page.click('.lm-TabBar-tab[data-id="jp-lifecycle-sidebar"]');
  await expect(page.locator(SIDEBAR)).toBeVisible();
  const notebookNode = page.locator('.jp-NotebookPanel:visible .jp-Notebook');

  // the doctor: collapsed at first; opening it checks the saved notebook
  await expect(page.locator(DOCTOR)).toHaveClass(/jp-mod-collapsed/);
  await page.click(`${DOCTOR} [data-action="doctor-toggle"]`);
  const heatmap = page.locator(`${DOCTOR} .jp-lifecycle-heatmap`);
  await expect(heatmap.locator('tr[data-stage="overall"]')).toHaveAttribute('data-level', 'low');
  await expect(heatmap.locator('tr[data-stage="setup"] td.jp-mod-low')).toHaveCount(1);
  await expect(heatmap.locator('tr[data-stage="setup"] td.jp-mod-none')).toHaveCount(2);

  // a finding jumps to its cell and leaves the notebook in command mode
  await cellNode(page, 0).locator('.jp-InputArea-editor').click();
  await expect(notebookNode).toHaveClass(/jp-mod-editMode/);
  await page.click(`${DOCTOR} .jp-lifecycle-finding[data-check="logging.metric-not-recorded"]`);
  await expect(cellNode(page, 5)).toHaveClass(/jp-mod-active/);
  await expect(notebookNode).toHaveClass(/jp-mod-commandMode/);

  // Suggest stages: a marker on each untagged code cell, nothing in the notebook yet
  await page.notebook.selectCells(1);
  await page.click(`${DOCTOR} [data-action="doctor-suggest"]`);
  const markers = page.locator('.jp-Notebook .jp-Cell > .jp-lifecycle-suggestion');
  await expect(markers).toHaveCount(4);
  await expect(cellNode(page, 3).locator('> .jp-lifecycle-suggestion')).toHaveText('train?');
  await expect(cellNode(page, 2).locator('> .jp-lifecycle-suggestion')).toHaveCount(0);
  await expect(page.locator(`${DOCTOR} .jp-lifecycle-suggested`)).toHaveCount(4);
  await expect(cellNode(page, 3).locator('> .jp-lifecycle-badge')).toHaveText('prepare');
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.locator(SIDEBAR).screenshot({ path: path.join(SHOTS, 'doctor.png') });

  // confirm: the tags are written, other tags kept, the selection untouched
  await page.click(`${DOCTOR} [data-action="doctor-apply"]`);
  await expect(markers).toHaveCount(0);
  await expect(cellNode(page, 3).locator('> .jp-lifecycle-badge')).toHaveText('train');
  await expect(cellNode(page, 1)).toHaveClass(/jp-mod-active/);
  await page.notebook.save();
  expect(savedTags(file)).toEqual([
    ['lifecycle:setup'],
    ['keep-me', 'lifecycle:ingest'],
    ['lifecycle:prepare'],
    ['lifecycle:train'],
    undefined,
    ['lifecycle:evaluate']
  ]);
  const sources = (text: string) =>
    JSON.parse(text).cells.map((c: any) => ([] as string[]).concat(c.source).join(''));
  expect(sources(fs.readFileSync(file, 'utf-8'))).toEqual(sources(original));

  // the notebook's undo takes them all back in one step
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:undo-cell-action'));
  await expect(cellNode(page, 3).locator('> .jp-lifecycle-badge')).toHaveText('prepare');
  await page.notebook.save();
  expect(savedTags(file)).toEqual([undefined, ['keep-me'], ['lifecycle:prepare'], undefined,
    undefined, undefined]);
});
