/**
 * Stage badges next to the input prompt: on a one-line cell the badge must not cover the
 * `[n]:` prompt, nor reach into the cell below, in the light and the dark theme.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';
const SHOTS = path.resolve(__dirname, '..', 'screenshots');

test.use({ autoGoto: true });

/** One-line code cells (executed, with one- to three-digit counts), tagged and inherited. */
const CELLS: [string, string[], number | null][] = [
  ['import os', ['lifecycle:setup'], 1],
  ['x = 1', [], 12],
  ['y = 2', ['lifecycle:evaluate'], 123],
  ['z = 3', [], null],
  ['w = 4', ['parameters'], 7],
  ['v = 5', ['lifecycle:deploy'], 45]
];

interface IBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

test.beforeEach(async ({ tmpPath }) => {
  const nb = {
    cells: CELLS.map(([source, tags, count], i) => ({
      cell_type: 'code',
      id: `c${i}`,
      execution_count: count,
      metadata: tags.length ? { tags } : {},
      outputs: [],
      source
    })),
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.mkdirSync(path.join(ROOT, tmpPath), { recursive: true });
  fs.writeFileSync(path.join(ROOT, tmpPath, 'oneline.ipynb'), JSON.stringify(nb));
});

for (const theme of ['light', 'dark']) {
  test(`a badge leaves the prompt of a one-line cell uncovered (${theme} theme)`, async ({
    page,
    tmpPath
  }) => {
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    }
    await page.filebrowser.refresh();
    expect(await page.notebook.openByPath(`${tmpPath}/oneline.ipynb`)).toBe(true);
    await page.notebook.activate('oneline.ipynb');
    const badges = page.locator('.jp-Notebook .jp-Cell > .jp-lifecycle-badge');
    await expect(badges).toHaveCount(CELLS.length);
    await expect(page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-InputPrompt')).toHaveText(
      '[123]:'
    );
    const boxes = await page.evaluate(() => {
      const rect = (r: DOMRect) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
      const cells = document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell'
      );
      return Array.from(cells).map(cell => {
        const prompt = cell.querySelector('.jp-InputArea .jp-InputPrompt')!;
        // the prompt's text as drawn: "[12]:" right-aligned in the prompt column
        const range = document.createRange();
        range.selectNodeContents(prompt);
        return {
          badge: rect(cell.querySelector(':scope > .jp-lifecycle-badge')!.getBoundingClientRect()),
          prompt: rect(prompt.getBoundingClientRect()),
          text: rect(range.getBoundingClientRect()),
          cell: rect(cell.getBoundingClientRect()),
          promptText: prompt.textContent
        };
      });
    });
    const overlap = (a: IBox, b: IBox) =>
      a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    for (const [i, box] of boxes.entries()) {
      const where = `cell ${i} (${box.promptText})`;
      expect(box.text.right - box.text.left, where).toBeGreaterThan(0);
      expect(overlap(box.badge, box.text), `badge covers the prompt of ${where}`).toBe(false);
      // under the prompt, inside the prompt column and inside its own cell
      expect(box.badge.left, where).toBeGreaterThanOrEqual(box.prompt.left);
      expect(box.badge.right, where).toBeLessThanOrEqual(box.prompt.right);
      expect(box.badge.bottom, `badge of ${where} reaches the cell below`).toBeLessThanOrEqual(
        box.cell.bottom
      );
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook').screenshot({
      path: path.join(SHOTS, `badges-oneline-${theme}.png`)
    });
    if (theme === 'dark') {
      await page.theme.setLightTheme();
    }
  });
}
