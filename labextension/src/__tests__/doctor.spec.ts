/**
 * The doctor's model: the heatmap rows, finding cells found by id, and the tag changes that the
 * auto-tagger's suggestions make (only untagged code cells, other tags kept, one transaction).
 */
import {
  applyTagChanges,
  findingCellIndices,
  heatmapRows,
  IDoctorReport,
  IFinding,
  ISuggestion,
  ITaggableCell,
  suggestedTagChanges
} from '../doctor';
import { ICellInfo } from '../model';
import { StageTable } from '../stages';

const table = new StageTable();

function cell(id: string, tags: string[] = [], cellType = 'code'): ICellInfo {
  return { id, cellType, tags, source: `${id} = 1`, executionCount: null };
}

function suggestion(id: string, stage: string, extra: Partial<ISuggestion> = {}): ISuggestion {
  return {
    cell_index: 0, cell_id: id, stage, shown_stage: stage, parameters: false, confidence: 0.8,
    reason: `calls for ${stage}`, tags: null, ...extra
  };
}

function report(stages: [string, 'low' | 'medium' | 'high' | null, string[]?][],
                overall: 'low' | 'medium' | 'high'): IDoctorReport {
  return {
    notebook: 'nb.ipynb', sha256: 'x', overall, evidence: [], findings: [], areas: [],
    stages: stages.map(([stage, level, reasons]) => ({ stage, level, reasons: reasons ?? [] }))
  };
}

describe('heatmapRows', () => {
  it('fills every level up to the stage level, leaves out stages without cells, ends with overall', () => {
    const rows = heatmapRows(report(
      [['setup', 'high'], ['ingest', 'medium', ['data not fingerprinted']], ['train', null],
       ['evaluate', 'low', ['no metrics logged', 'no validate gate']]], 'low'));
    expect(rows.map(r => r.stage)).toEqual(['setup', 'ingest', 'evaluate', 'overall']);
    expect(rows.map(r => r.cells.map(c => c.reached))).toEqual([
      [true, true, true], [true, true, false], [true, false, false], [true, false, false]]);
    expect(rows[0].cells.map(c => c.level)).toEqual(['low', 'medium', 'high']);
    expect(rows[1].title).toBe('ingest: medium: data not fingerprinted');
    expect(rows[2].title).toBe('evaluate: low: no metrics logged; no validate gate');
    expect(rows[3].level).toBe('low');
  });
});

describe('findingCellIndices', () => {
  const finding = (cells: [number, string][]): IFinding => ({
    check: 'hidden-state.later-binding', area: 'hidden-state', severity: 'high', message: 'm',
    fix: 'f', stages: [], cells: cells.map(([index, id]) => ({ index, id, stage: 'setup', line: 1 }))
  });

  it('finds cells by id where they are now, drops deleted ones and duplicates', () => {
    expect(findingCellIndices(finding([[1, 'b'], [2, 'gone'], [3, 'd'], [1, 'b']]), ['a', 'new', 'b', 'c', 'd']))
      .toEqual([2, 4]);
  });

  it('falls back to the saved index for a cell without an id', () => {
    expect(findingCellIndices(finding([[1, ''], [9, '']]), ['a', 'b'])).toEqual([1]);
  });
});

describe('suggestedTagChanges', () => {
  it('adds the suggested stage tag to untagged code cells only, keeping their other tags', () => {
    const cells = [
      cell('a'),
      cell('b', ['lifecycle:ingest']),
      cell('c', ['keep-me']),
      cell('m', [], 'markdown'),
      cell('d', ['lifecycle:trian']),
      cell('new')
    ];
    const changes = suggestedTagChanges(cells, [
      suggestion('a', 'setup'), suggestion('b', 'train'), suggestion('c', 'train'),
      suggestion('m', 'explore'), suggestion('d', 'train')
    ], table);
    expect(changes.map(c => [c.index, c.id, c.shown, c.before, c.after])).toEqual([
      [0, 'a', 'setup', [], ['lifecycle:setup']],
      [2, 'c', 'train', ['keep-me'], ['keep-me', 'lifecycle:train']]
    ]);
    expect(changes[1].reason).toBe('calls for train');
    expect(changes[1].confidence).toBe(0.8);
  });

  it('proposes the parameters tag unless a cell already has one', () => {
    const s = [suggestion('p', 'setup', { parameters: true, shown_stage: 'parameters' })];
    expect(suggestedTagChanges([cell('p')], s, table).map(c => [c.shown, c.after]))
      .toEqual([['parameters', ['parameters']]]);
    expect(suggestedTagChanges([cell('x', ['parameters']), cell('p')], s, table)).toEqual([]);
  });

  it('skips a stage the notebook table does not know', () => {
    expect(suggestedTagChanges([cell('a')], [suggestion('a', 'warp')], table)).toEqual([]);
  });

  it('uses the table tag prefix', () => {
    const custom = new StageTable({ ...table.toData(), tag_prefix: 'stage:' });
    const changes = suggestedTagChanges([cell('a'), cell('b', ['stage:train'])],
      [suggestion('a', 'ingest'), suggestion('b', 'setup')], custom);
    expect(changes.map(c => c.after)).toEqual([['stage:ingest']]);
  });
});

class FakeCell implements ITaggableCell {
  constructor(readonly id: string, public meta: Record<string, any> = {}) {}
  getMetadata(key: string): any {
    return this.meta[key];
  }
  setMetadata(key: string, value: any): void {
    this.meta[key] = value;
  }
}

describe('applyTagChanges', () => {
  it('writes every change in one transaction and leaves cells edited since the preview alone', () => {
    const cells = [new FakeCell('a'), new FakeCell('b', { tags: ['x'] }), new FakeCell('c')];
    const changes = suggestedTagChanges(
      cells.map(c => cell(c.id, c.meta.tags ?? [])),
      [suggestion('a', 'ingest'), suggestion('b', 'train'), suggestion('c', 'evaluate')], table);
    cells[2].setMetadata('tags', ['lifecycle:deploy']); // tagged by hand after the preview
    let transactions = 0;
    const written = applyTagChanges(cells, changes, fn => {
      transactions++;
      fn();
    });
    expect(transactions).toBe(1);
    expect(written).toEqual([0, 1]);
    expect(cells.map(c => c.meta.tags)).toEqual([['lifecycle:ingest'], ['x', 'lifecycle:train'],
      ['lifecycle:deploy']]);
  });

  it('skips a change whose cell moved', () => {
    const cells = [new FakeCell('other'), new FakeCell('a')];
    const changes = suggestedTagChanges([cell('a')], [suggestion('a', 'ingest')], table);
    expect(applyTagChanges(cells, changes)).toEqual([]);
    expect(cells.map(c => c.meta.tags)).toEqual([undefined, undefined]);
  });
});
