import { IRequester, LifecycleAPI, LifecycleAPIError } from '../api';
import { countBySeverity, describeLocation, mapDiagnostics } from '../diagnostics';
import { ICellInfo } from '../model';
import { compareRuns, formatDuration, formatValue, scalarMetrics } from '../runs';
import { DEFAULT_TABLE, StageTable } from '../stages';
import { IStagesChange, ITaggable, NotebookStageState, tagCells } from '../state';

class MockRequester implements IRequester {
  calls: { endPoint: string; init?: RequestInit }[] = [];
  constructor(private handler: (endPoint: string, init?: RequestInit) => any) {}
  async request<T>(endPoint: string, init?: RequestInit): Promise<T> {
    this.calls.push({ endPoint, init });
    const result = this.handler(endPoint, init);
    if (result instanceof Error) {
      throw result;
    }
    return result as T;
  }
}

function cell(id: string, tags: string[] = [], source = id): ICellInfo {
  return { id, cellType: 'code', tags, source, executionCount: null };
}

class FakeCell implements ITaggable {
  constructor(public metadata: { [k: string]: any } = {}) {}
  getMetadata(key: string) {
    return this.metadata[key];
  }
  setMetadata(key: string, value: any) {
    this.metadata[key] = value;
  }
  deleteMetadata(key: string) {
    delete this.metadata[key];
  }
}

describe('NotebookStageState', () => {
  it('recomputes stages on a tag change and reports only changed rows', () => {
    const state = new NotebookStageState(new LifecycleAPI(new MockRequester(() => ({}))));
    const changes: IStagesChange[] = [];
    state.changed.connect((_, c) => changes.push(c));
    state.setCells([cell('a'), cell('b'), cell('c', ['lifecycle:test']), cell('d')]);
    expect(changes.pop()).toEqual({ indices: null, regroup: true });
    state.updateCell(1, cell('b', ['lifecycle:train']));
    expect(state.stages.map(s => s.stage)).toEqual(['setup', 'train', 'test', 'test']);
    expect(changes.pop()).toEqual({ indices: [1], regroup: true });
  });

  it('updates one row on a source edit without regrouping', () => {
    const state = new NotebookStageState(new LifecycleAPI(new MockRequester(() => ({}))));
    state.setCells([cell('a'), cell('b')]);
    const changes: IStagesChange[] = [];
    state.changed.connect((_, c) => changes.push(c));
    state.updateCell(1, { ...cell('b'), source: '\n# new first line\nx' });
    expect(state.stages[1].firstLine).toBe('# new first line');
    expect(changes).toEqual([{ indices: [1], regroup: false }]);
    state.updateCell(1, { ...cell('b'), source: '\n# new first line\ny' });
    expect(changes.length).toBe(1); // nothing visible changed
  });

  it('loads the stage table of the folder and falls back to the defaults', async () => {
    const custom = {
      ...DEFAULT_TABLE,
      stages: [
        ...DEFAULT_TABLE.stages,
        { name: 'feature_store', kind: 'pipeline', color: '#3a7', description: '', aliases: [] }
      ]
    };
    const requester = new MockRequester(() => custom);
    const state = new NotebookStageState(new LifecycleAPI(requester));
    state.setCells([cell('a', ['lifecycle:feature_store'])]);
    expect(state.stages[0].unknownTags).toEqual(['lifecycle:feature_store']);
    await state.loadTable('dir/nb.ipynb');
    expect(requester.calls[0].endPoint).toBe('stages?path=dir%2Fnb.ipynb');
    expect(state.stages[0].stage).toBe('feature_store');

    const failing = new NotebookStageState(
      new LifecycleAPI(new MockRequester(() => new LifecycleAPIError('down', 0)))
    );
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const table = await failing.loadTable('nb.ipynb');
    expect(table.names).toEqual(DEFAULT_TABLE.stages.map(s => s.name));
  });

  it('maps analysis diagnostics onto the current cells', async () => {
    const requester = new MockRequester(() => ({
      notebook: 'nb.ipynb',
      stages_table: DEFAULT_TABLE,
      cells: [],
      stages: [],
      diagnostics: [
        { severity: 'warning', code: 'w', message: 'later', cell_index: 1, cell_id: 'b', line: 2 },
        { severity: 'error', code: 'e', message: 'first', cell_index: 0, cell_id: 'a', line: 1 }
      ]
    }));
    const state = new NotebookStageState(new LifecycleAPI(requester));
    state.setCells([cell('a'), cell('b')]);
    await state.analyze('nb.ipynb');
    expect(state.analysisStatus).toBe('ok');
    expect(state.diagnostics.map(d => [d.code, d.cellIndex])).toEqual([
      ['e', 0],
      ['w', 1]
    ]);
    // the cells moved: diagnostics follow the ids
    state.setCells([cell('b'), cell('a')]);
    expect(state.diagnostics.map(d => [d.code, d.cellIndex])).toEqual([
      ['e', 1],
      ['w', 0]
    ]);
  });

  it('turns a bad-notebook error into a diagnostic on its cell', async () => {
    const requester = new MockRequester(
      () =>
        new LifecycleAPIError('unknown stage tag', 400, {
          notebook: 'nb.ipynb',
          cell_index: 1,
          cell_id: 'b',
          line: 1
        })
    );
    const state = new NotebookStageState(new LifecycleAPI(requester));
    state.setCells([cell('a'), cell('b')]);
    await state.analyze('nb.ipynb');
    expect(state.analysisStatus).toBe('error');
    expect(state.diagnostics).toHaveLength(1);
    expect(state.diagnostics[0].cellIndex).toBe(1);
    expect(state.diagnostics[0].message).toBe('unknown stage tag');
  });

  it('sends convert as a POST with the path', async () => {
    const requester = new MockRequester(() => ({ files: [] }));
    const api = new LifecycleAPI(requester);
    await api.convert('a b/nb.ipynb', { force: true });
    expect(requester.calls[0].endPoint).toBe('convert');
    expect(requester.calls[0].init?.method).toBe('POST');
    expect(JSON.parse(requester.calls[0].init?.body as string)).toEqual({
      path: 'a b/nb.ipynb',
      force: true
    });
  });
});

describe('tagCells', () => {
  const table = new StageTable();

  it('sets the stage tag on every cell and keeps other tags', () => {
    const cells = [new FakeCell({ tags: ['x', 'lifecycle:eda'] }), new FakeCell()];
    let transactions = 0;
    const n = tagCells(cells, 'train', table, fn => {
      transactions++;
      fn();
    });
    expect(n).toBe(2);
    expect(transactions).toBe(1);
    expect(cells[0].metadata.tags).toEqual(['x', 'lifecycle:train']);
    expect(cells[1].metadata.tags).toEqual(['lifecycle:train']);
  });

  it('removes the tags key when untagging leaves none, and skips unchanged cells', () => {
    const cells = [new FakeCell({ tags: ['lifecycle:train'] }), new FakeCell({ other: 1 })];
    expect(tagCells(cells, null, table)).toBe(1);
    expect(cells[0].metadata).toEqual({});
    expect(cells[1].metadata).toEqual({ other: 1 });
  });
});

describe('diagnostics', () => {
  it('falls back to the index for reader-made ids and sorts by severity', () => {
    const mapped = mapDiagnostics(
      [
        { severity: 'info', code: 'i', message: '', cell_index: null, cell_id: null, line: null },
        { severity: 'error', code: 'e', message: '', cell_index: 1, cell_id: 'cell-1', line: 3 },
        { severity: 'warning', code: 'gone', message: '', cell_index: 5, cell_id: 'zz', line: 1 }
      ],
      ['x', 'y']
    );
    expect(mapped.map(d => [d.code, d.cellIndex])).toEqual([
      ['e', 1],
      ['gone', null],
      ['i', null]
    ]);
    expect(describeLocation(mapped[0])).toBe('cell 1, line 3');
    expect(describeLocation(mapped[2])).toBe('notebook');
    expect(countBySeverity(mapped)).toEqual({ error: 1, warning: 1, info: 1 });
  });
});

describe('runs', () => {
  const a = { run_id: 'a', params: { n: 10, lr: 0.1 }, metrics: { acc: 0.9, f1: 0.8, cm: [[1]] } };
  const b = { run_id: 'b', params: { n: 20, lr: 0.1 }, metrics: { acc: 0.95 } };

  it('compares params and metrics of two runs', () => {
    const rows = compareRuns(a, b);
    const acc = rows.find(r => r.key === 'acc')!;
    expect(acc.changed).toBe(true);
    expect(acc.delta).toBeCloseTo(0.05);
    expect(rows.find(r => r.key === 'lr')!.changed).toBe(false);
    expect(rows.find(r => r.key === 'f1')!.b).toBe('–');
    expect(rows.filter(r => r.section === 'params').map(r => r.key)).toEqual(['lr', 'n']);
  });

  it('lists scalar metrics and formats values', () => {
    expect(scalarMetrics(a).map(([k]) => k)).toEqual(['acc', 'f1']);
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(12)).toBe('12');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(3.21)).toBe('3.2 s');
  });
});
