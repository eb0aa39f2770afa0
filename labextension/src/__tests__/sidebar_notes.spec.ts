/**
 * The sidebar's diagnostics that do not flood (notes collapsed into one line, problems first,
 * the area collapsible), the convert progress, and the convert result as a list of files.
 */
import { Signal } from '@lumino/signaling';

import { IConvertResult, IRequester, LifecycleAPI } from '../api';
import { convertedFiles, middleEllipsis } from '../convertview';
import { splitNotes } from '../diagnostics';
import { ICellInfo } from '../model';
import { ISidebarActions, LifecycleSidebar } from '../sidebar';
import { NotebookStageState } from '../state';

function cell(id: string, tags: string[] = []): ICellInfo {
  return { id, cellType: 'code', tags, source: `${id} = 1`, executionCount: null };
}

function fakePanel(): any {
  const content = { activeCellChanged: new Signal<any, any>({}), activeCellIndex: 0 };
  return { content, context: { localPath: 'nb.ipynb', path: 'dir/nb.ipynb' } };
}

const note = (i: number) => ({
  severity: 'info',
  code: 'magic',
  message: `note ${i}`,
  cell_index: 0,
  cell_id: 'a',
  line: 1
});

async function setup(diagnostics: object[]) {
  const requester: IRequester = {
    request: async <T>() => ({ notebook: 'nb.ipynb', cells: [], stages: [], diagnostics }) as unknown as T
  };
  const state = new NotebookStageState(new LifecycleAPI(requester));
  state.setCells([cell('a'), cell('b')]);
  const calls: unknown[][] = [];
  const actions: ISidebarActions = {
    tag: stage => calls.push(['tag', stage]),
    convert: () => calls.push(['convert']),
    analyze: () => calls.push(['analyze']),
    jumpTo: (index, how) => calls.push(['jump', index, how]),
    openFile: path => calls.push(['open', path])
  };
  const sidebar = new LifecycleSidebar(actions);
  document.body.appendChild(sidebar.node);
  sidebar.setNotebook(fakePanel(), state);
  await state.analyze('dir/nb.ipynb');
  return { sidebar, calls };
}

const q = (s: LifecycleSidebar, sel: string) => s.node.querySelector(sel) as HTMLElement;
const items = (s: LifecycleSidebar) =>
  Array.from(s.node.querySelectorAll('.jp-lifecycle-diagnostic')).map(li => li.className.split('jp-mod-')[1]);

describe('diagnostics', () => {
  it('collapses informational notes into one line, warnings and errors first', async () => {
    const { sidebar } = await setup([
      ...[1, 2, 3, 4, 5, 6].map(note),
      { severity: 'warning', code: 'w', message: 'warned', cell_index: 1, cell_id: 'b', line: 1 },
      { severity: 'error', code: 'e', message: 'broken', cell_index: 1, cell_id: 'b', line: 1 }
    ]);
    expect(items(sidebar)).toEqual(['error', 'warning']);
    const line = q(sidebar, '.jp-lifecycle-notes-line');
    expect(line.textContent).toBe('6 notes — show');
    (line.querySelector('button') as HTMLElement).click();
    expect(items(sidebar)).toEqual(['error', 'warning', 'info', 'info', 'info', 'info', 'info', 'info']);
    expect(q(sidebar, '.jp-lifecycle-notes-line').textContent).toBe('6 notes — hide');
    expect(q(sidebar, '.jp-lifecycle-diagnostics').textContent).toContain('1 error, 1 warning, 6 notes');
  });

  it('collapses the whole diagnostics area and keeps it collapsed on the next analysis', async () => {
    const { sidebar } = await setup([note(1), { severity: 'error', code: 'e', message: 'x', cell_index: 0, cell_id: 'a', line: 1 }]);
    q(sidebar, '[data-action="toggle-diagnostics"]').click();
    expect(q(sidebar, '.jp-lifecycle-diagnostics').classList.contains('jp-mod-collapsed')).toBe(true);
    expect(sidebar.node.querySelectorAll('.jp-lifecycle-diagnostic')).toHaveLength(0);
    expect(q(sidebar, '[data-action="toggle-diagnostics"]').getAttribute('aria-expanded')).toBe('false');
    // the summary stays readable in the collapsed header
    expect(q(sidebar, '.jp-lifecycle-diagnostics').textContent).toContain('1 error, 1 note');
    sidebar.setNotebook(fakePanel(), sidebar.state);
    expect(sidebar.node.querySelectorAll('.jp-lifecycle-diagnostic')).toHaveLength(0);
    q(sidebar, '[data-action="toggle-diagnostics"]').click();
    expect(items(sidebar)).toEqual(['error']);
  });

  it('splits notes from problems', () => {
    const { problems, notes } = splitNotes([note(1), { ...note(2), severity: 'warning' }]);
    expect(problems.map(d => d.message)).toEqual(['note 2']);
    expect(notes.map(d => d.message)).toEqual(['note 1']);
  });

  it('keeps the stage chips and the header in one sticky block above the diagnostics', async () => {
    const { sidebar } = await setup([]);
    const sticky = q(sidebar, '.jp-lifecycle-sticky');
    expect(sticky.querySelector('.jp-lifecycle-chips')).not.toBeNull();
    expect(sticky.querySelector('.jp-lifecycle-header')).not.toBeNull();
    expect(sticky.querySelector('.jp-lifecycle-diagnostics')).toBeNull();
  });
});

const RESULT: IConvertResult = {
  exists: false,
  package: 'demo_pipeline',
  out_dir: 'work/demo_pipeline',
  written: true,
  files: ['pyproject.toml', 'src/demo_pipeline/pipeline.py', 'tests/test_pipeline.py'],
  changed: ['src/demo_pipeline/pipeline.py', 'src/demo_pipeline/stages/a_very_long_stage_module_name.py'],
  diagnostics: [],
  errors: 0,
  pipeline: 'work/demo_pipeline/src/demo_pipeline/pipeline.py'
};

describe('convert result', () => {
  it('lists the changed files relative to the package; a click opens the file from the root', async () => {
    const { sidebar, calls } = await setup([]);
    sidebar.showConvertResult(RESULT);
    const links = Array.from(sidebar.node.querySelectorAll('.jp-lifecycle-file')) as HTMLElement[];
    expect(links.map(l => l.textContent)).toEqual(RESULT.changed);
    expect(links[0].title).toBe('Open work/demo_pipeline/src/demo_pipeline/pipeline.py');
    expect(links[1].querySelector('.jp-lifecycle-file-tail')!.textContent).toBe('ong_stage_module_name.py');
    links[0].click();
    expect(calls).toEqual([['open', 'work/demo_pipeline/src/demo_pipeline/pipeline.py']]);
    expect(q(sidebar, '.jp-lifecycle-convert-result').textContent).toContain(
      'Wrote work/demo_pipeline/ — 2 files changed, 3 in the package'
    );
  });

  it('shows the progress: the button is disabled and reads Converting…', async () => {
    const { sidebar } = await setup([]);
    const button = q(sidebar, 'button[data-action="convert"]') as HTMLButtonElement;
    sidebar.setConverting(true);
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe('Converting…');
    expect(button.getAttribute('aria-busy')).toBe('true');
    sidebar.setConverting(false);
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe('Convert to pipeline');
  });

  it('joins package paths to the output folder, and cuts long paths in the middle', () => {
    expect(convertedFiles({ ...RESULT, out_dir: '.', changed: ['a.py'] })).toEqual([{ name: 'a.py', path: 'a.py' }]);
    expect(convertedFiles({ ...RESULT, changed: [] }).map(f => f.path)).toEqual([
      'work/demo_pipeline/pyproject.toml',
      'work/demo_pipeline/src/demo_pipeline/pipeline.py',
      'work/demo_pipeline/tests/test_pipeline.py'
    ]);
    expect(middleEllipsis('src/pkg/pipeline.py')).toEqual(['src/pkg/', 'pipeline.py']);
    expect(middleEllipsis('pyproject.toml')).toEqual(['', 'pyproject.toml']);
    expect(middleEllipsis('a/abcdefghij.py', 5)).toEqual(['a/abcdefgh', 'ij.py']);
  });
});
