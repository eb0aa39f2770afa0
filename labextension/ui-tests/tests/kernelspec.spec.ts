/**
 * Opening a notebook must not mark it modified: once its kernel is up, JupyterLab writes the
 * kernel's spec and language_info into the notebook's metadata, and any difference makes the
 * notebook dirty. The install registers the kernel under ipykernel's own name and display name,
 * and the samples carry what ipykernel reports, so opening one changes nothing.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';
const SAMPLE = path.resolve(__dirname, '..', '..', '..', 'sample_notebooks', 'iris_classification.ipynb');

test.use({ autoGoto: true });

/** Open NAME, wait until its kernel's info and spec were applied to the model, return dirty. */
async function dirtyAfterKernelStart(page: any, tmpPath: string, name: string): Promise<boolean> {
  await page.filebrowser.refresh();
  expect(await page.notebook.openByPath(`${tmpPath}/${name}`)).toBe(true);
  await page.notebook.activate(name);
  return page.evaluate(async () => {
    const app = (window as unknown as { jupyterapp: any }).jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session.kernel;
    // JupyterLab applies language_info and the kernelspec in callbacks on these two promises,
    // registered before ours: once ours resolve, both updates have happened
    await kernel.info;
    await kernel.spec;
    await new Promise<void>(resolve => requestAnimationFrame(() => resolve()));
    return panel.context.model.dirty as boolean;
  });
}

test('opening a sample notebook does not mark it modified', async ({ page, tmpPath }) => {
  const sample = JSON.parse(fs.readFileSync(SAMPLE, 'utf-8'));
  fs.mkdirSync(path.join(ROOT, tmpPath), { recursive: true });
  fs.writeFileSync(path.join(ROOT, tmpPath, 'sample.ipynb'), JSON.stringify(sample, null, 1));
  expect(await dirtyAfterKernelStart(page, tmpPath, 'sample.ipynb')).toBe(false);
});

test('a notebook saved with another kernel display name is marked modified', async ({
  page,
  tmpPath
}) => {
  // the control: the check above would see a rewrite of the kernelspec
  const sample = JSON.parse(fs.readFileSync(SAMPLE, 'utf-8'));
  sample.metadata.kernelspec.display_name = 'Python 3 (some other install)';
  fs.mkdirSync(path.join(ROOT, tmpPath), { recursive: true });
  fs.writeFileSync(path.join(ROOT, tmpPath, 'other.ipynb'), JSON.stringify(sample, null, 1));
  expect(await dirtyAfterKernelStart(page, tmpPath, 'other.ipynb')).toBe(true);
});
