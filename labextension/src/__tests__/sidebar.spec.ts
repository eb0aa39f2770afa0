/**
 * The sidebar's DOM against a fake notebook panel (jsdom): grouping, live regrouping on a tag
 * change touching only the rows that changed, clicks routed to the actions, diagnostics.
 */
import { Signal } from '@lumino/signaling';

import { IRequester, LifecycleAPI } from '../api';
import { ICellInfo } from '../model';
import { ISidebarActions, LifecycleSidebar } from '../sidebar';
import { NotebookStageState } from '../state';

function cell(id: string, tags: string[] = [], source = `${id} = 1`): ICellInfo {
  return { id, cellType: 'code', tags, source, executionCount: null };
}

function fakePanel(): any {
  const content = { activeCellChanged: new Signal<any, any>({}), activeCellIndex: 0 };
  return { content, context: { localPath: 'dir/nb.ipynb', path: 'dir/nb.ipynb' } };
}

function setup(cells: ICellInfo[], analysis: any = null) {
  const requester: IRequester = {
    request: async <T>() => analysis as T
  };
  const state = new NotebookStageState(new LifecycleAPI(requester));
  state.setCells(cells);
  const calls: any[] = [];
  const actions: ISidebarActions = {
    tag: stage => calls.push(['tag', stage]),
    convert: () => calls.push(['convert']),
    analyze: () => calls.push(['analyze']),
    jumpTo: (index, how) => calls.push(['jump', index, how])
  };
  const sidebar = new LifecycleSidebar(actions);
  document.body.appendChild(sidebar.node);
  sidebar.setNotebook(fakePanel(), state);
  return { state, sidebar, calls };
}

function groups(sidebar: LifecycleSidebar): [string, string[]][] {
  return Array.from(sidebar.node.querySelectorAll('.jp-lifecycle-group')).map(g => [
    g.getAttribute('data-stage')!,
    Array.from(g.querySelectorAll('.jp-lifecycle-row-text')).map(r => r.textContent!)
  ]);
}

describe('LifecycleSidebar', () => {
  it('groups rows by effective stage in lifecycle order', () => {
    const { sidebar } = setup([cell('a'), cell('t', ['lifecycle:train']), cell('i', ['lifecycle:ingest']), cell('j')]);
    expect(groups(sidebar)).toEqual([
      ['setup', ['a = 1']],
      ['ingest', ['i = 1', 'j = 1']],
      ['train', ['t = 1']]
    ]);
    const rows = sidebar.node.querySelectorAll('.jp-lifecycle-row');
    expect(rows[0].classList.contains('jp-lifecycle-inherited')).toBe(true);
    expect(sidebar.node.querySelector('.jp-lifecycle-title')!.textContent).toBe('nb.ipynb');
  });

  it('moves only the changed rows when a tag changes, reusing the row elements', () => {
    const { sidebar, state } = setup([cell('a'), cell('b'), cell('c', ['lifecycle:test']), cell('d')]);
    const before = Array.from(sidebar.node.querySelectorAll('.jp-lifecycle-row'));
    state.updateCell(1, cell('b', ['lifecycle:prepare']));
    expect(groups(sidebar)).toEqual([
      ['setup', ['a = 1']],
      ['prepare', ['b = 1']],
      ['test', ['c = 1', 'd = 1']]
    ]);
    const after = Array.from(sidebar.node.querySelectorAll('.jp-lifecycle-row'));
    expect(new Set(after)).toEqual(new Set(before));
    state.updateCell(1, cell('b', [], 'renamed = 2'));
    expect(groups(sidebar)[0]).toEqual(['setup', ['a = 1', 'renamed = 2']]);
  });

  it('keeps a skip or explore tag on its own row and says where an untagged row comes from', () => {
    const { sidebar, state } = setup([
      cell('a', ['lifecycle:prepare']),
      cell('b'),
      cell('c'),
      cell('d')
    ]);
    state.updateCell(1, cell('b', ['lifecycle:skip']));
    state.updateCell(2, cell('c', ['lifecycle:explore']));
    expect(groups(sidebar)).toEqual([
      ['explore', ['c = 1']],
      ['prepare', ['a = 1', 'd = 1']],
      ['skip', ['b = 1']]
    ]);
    const below = sidebar.node.querySelector('.jp-lifecycle-row[data-index="3"]') as HTMLElement;
    expect(below.classList.contains('jp-lifecycle-inherited')).toBe(true);
    expect(below.title).toContain('prepare');
    expect(below.title).toContain('not skip or explore');
  });

  it('shows an untagged heading in the section it starts, a tagged one in its own stage', () => {
    const md = (id: string, source: string, tags: string[] = []): ICellInfo => ({
      id,
      cellType: 'markdown',
      tags,
      source,
      executionCount: null
    });
    const { sidebar } = setup([
      cell('a', ['lifecycle:prepare']),
      md('h', '## Train'),
      cell('fit', ['lifecycle:train']),
      md('e', '## Evaluate', ['lifecycle:evaluate']),
      cell('score')
    ]);
    expect(groups(sidebar)).toEqual([
      ['prepare', ['a = 1']],
      ['train', ['## Train', 'fit = 1']],
      ['evaluate', ['## Evaluate', 'score = 1']]
    ]);
    const heading = sidebar.node.querySelector('.jp-lifecycle-row[data-index="1"]') as HTMLElement;
    expect(heading.title).toContain('untagged heading: shows train');
  });

  it('routes clicks on chips, rows and the convert button to the actions', () => {
    const { sidebar, calls } = setup([cell('a'), cell('b')]);
    (sidebar.node.querySelector('button[data-stage="train"]') as HTMLElement).click();
    (sidebar.node.querySelector('button[data-action="untag"]') as HTMLElement).click();
    (sidebar.node.querySelector('button[data-action="convert"]') as HTMLElement).click();
    const row = sidebar.node.querySelectorAll('.jp-lifecycle-row')[1] as HTMLElement;
    row.dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: true }));
    row.dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true }));
    row.dispatchEvent(new MouseEvent('click', { bubbles: true, metaKey: true }));
    row.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(calls).toEqual([
      ['tag', 'train'],
      ['tag', null],
      ['convert'],
      ['jump', 1, 'extend'],
      ['jump', 1, 'toggle'],
      ['jump', 1, 'toggle'],
      ['jump', 1, 'replace']
    ]);
  });

  it('lists diagnostics that jump to their cell', async () => {
    const { sidebar, state, calls } = setup([cell('a'), cell('b')], {
      notebook: 'nb.ipynb',
      cells: [],
      stages: [],
      diagnostics: [
        { severity: 'error', code: 'undefined-name', message: "reads 'x'", cell_index: 1, cell_id: 'b', line: 1 }
      ]
    });
    await state.analyze('nb.ipynb');
    const item = sidebar.node.querySelector('.jp-lifecycle-diagnostic.jp-mod-error') as HTMLElement;
    expect(item.textContent).toContain("reads 'x'");
    expect(sidebar.node.querySelector('.jp-lifecycle-diagnostics')!.textContent).toContain('1 error');
    item.click();
    expect(calls).toEqual([['jump', 1, 'replace']]);
  });

  it('shows an empty state without a notebook', () => {
    const { sidebar } = setup([cell('a')]);
    sidebar.setNotebook(null, null);
    expect((sidebar.node.querySelector('.jp-lifecycle-empty') as HTMLElement).hidden).toBe(false);
    expect(sidebar.node.querySelectorAll('.jp-lifecycle-row')).toHaveLength(0);
  });
});
