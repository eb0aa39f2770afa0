import {
  changedIndices,
  computeStages,
  explicitStageOf,
  firstLine,
  groupByStage,
  ICellInfo,
  retag
} from '../model';
import { DEFAULT_TABLE, StageTable, stageLabel, textColorOn } from '../stages';

const table = new StageTable();

function cell(source: string, tags: string[] = [], cellType = 'code', id?: string): ICellInfo {
  return { id: id ?? source, cellType, tags, source, executionCount: null };
}

describe('effective stages', () => {
  it('gives untagged cells before any tag the default stage', () => {
    const stages = computeStages([cell('import os'), cell('x = 1')], table);
    expect(stages.map(s => s.stage)).toEqual(['setup', 'setup']);
    expect(stages.every(s => s.inherited)).toBe(true);
  });

  it('lets an untagged cell inherit the nearest tagged cell above it', () => {
    const stages = computeStages(
      [
        cell('import os'),
        cell('df = load()', ['lifecycle:ingest']),
        cell('df.head()'),
        cell('model.fit()', ['lifecycle:train']),
        cell('score = 1')
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual(['setup', 'ingest', 'ingest', 'train', 'train']);
    expect(stages.map(s => s.inherited)).toEqual([true, false, true, false, true]);
    expect(stages[1].explicitStage).toBe('ingest');
    expect(stages[2].explicitStage).toBeNull();
  });

  it('lets a tagged markdown heading tag its section', () => {
    const stages = computeStages(
      [cell('# Training', ['lifecycle:train'], 'markdown'), cell('fit()')],
      table
    );
    expect(stages[1].stage).toBe('train');
    expect(stages[1].inherited).toBe(true);
  });

  it('resolves aliases to stage names and flags unknown and conflicting tags', () => {
    const stages = computeStages(
      [
        cell('a', ['lifecycle:fit']),
        cell('b', ['lifecycle:nope']),
        cell('c', ['lifecycle:eda', 'lifecycle:train'])
      ],
      table
    );
    expect(stages[0].stage).toBe('train');
    expect(stages[1].stage).toBe('train');
    expect(stages[1].unknownTags).toEqual(['lifecycle:nope']);
    expect(stages[2].stage).toBe('explore');
    expect(stages[2].conflicting).toEqual(['explore', 'train']);
  });

  it('marks the papermill parameters cell and keeps its stage', () => {
    const stages = computeStages([cell('alpha = 1', ['parameters'])], table);
    expect(stages[0].isParameters).toBe(true);
    expect(stages[0].stage).toBe('setup');
  });

  it('uses custom stages and default stage from the server table', () => {
    const custom = new StageTable({
      ...DEFAULT_TABLE,
      default_stage: 'ingest',
      stages: [
        ...DEFAULT_TABLE.stages,
        { name: 'feature_store', kind: 'pipeline', color: '#33aa77', description: '', aliases: ['fs'] }
      ]
    });
    const stages = computeStages([cell('x'), cell('y', ['lifecycle:fs'])], custom);
    expect(stages.map(s => s.stage)).toEqual(['ingest', 'feature_store']);
  });

  it('is fast enough for 1,000 cells', () => {
    const cells = Array.from({ length: 1000 }, (_, i) =>
      cell(`x${i} = ${i}`, i % 10 === 0 ? [`lifecycle:${table.names[i % 11]}`] : [], 'code', `c${i}`)
    );
    const t0 = Date.now();
    for (let k = 0; k < 20; k++) {
      computeStages(cells, table);
    }
    expect((Date.now() - t0) / 20).toBeLessThan(20);
  });
});

describe('grouping', () => {
  it('groups cells by effective stage in lifecycle order', () => {
    const stages = computeStages(
      [
        cell('t', ['lifecycle:test']),
        cell('i', ['lifecycle:ingest']),
        cell('i2'),
        cell('s', ['lifecycle:setup'])
      ],
      table
    );
    const groups = groupByStage(stages, table);
    expect(groups.map(g => g.stage.name)).toEqual(['setup', 'ingest', 'test']);
    expect(groups[1].cells.map(c => c.index)).toEqual([1, 2]);
  });

  it('can include empty stages', () => {
    const groups = groupByStage([], table, { includeEmpty: true });
    expect(groups.map(g => g.stage.name)).toEqual(table.names);
  });
});

describe('tag edits', () => {
  it('replaces stage tags and keeps other tags in order', () => {
    expect(retag(['keep', 'lifecycle:eda', 'parameters'], 'train', table)).toEqual([
      'keep',
      'parameters',
      'lifecycle:train'
    ]);
  });

  it('writes the canonical name for an alias', () => {
    expect(retag([], 'fit', table)).toEqual(['lifecycle:train']);
  });

  it('untags', () => {
    expect(retag(['lifecycle:train', 'lifecycle:x', 'other'], null, table)).toEqual(['other']);
    expect(retag(undefined, null, table)).toEqual([]);
  });

  it('refuses unknown stages', () => {
    expect(() => retag([], 'nope', table)).toThrow(/unknown stage/);
  });
});

describe('helpers', () => {
  it('takes the first non-blank line', () => {
    expect(firstLine('\n\n   import os  \nx')).toBe('import os');
    expect(firstLine('')).toBe('');
    expect(firstLine('a'.repeat(100), 10)).toBe('aaaaaaaaa…');
  });

  it('reports the explicit stage of a tag list', () => {
    expect(explicitStageOf(['foo', 'lifecycle:metrics'], table)).toEqual([
      'evaluate',
      [],
      ['evaluate']
    ]);
  });

  it('finds the rows whose display changed', () => {
    const before = computeStages([cell('a'), cell('b'), cell('c')], table);
    const after = computeStages([cell('a'), cell('b', ['lifecycle:train']), cell('c')], table);
    expect(changedIndices(before, after)).toEqual([1, 2]);
  });

  it('picks readable text colours', () => {
    expect(textColorOn('#d62728')).toBe('#ffffff');
    expect(textColorOn('#bcbd22')).toBe('#000000');
    expect(textColorOn('#fff')).toBe('#000000');
    expect(textColorOn('not a colour')).toBe('#000000');
  });

  it('labels stages', () => {
    expect(stageLabel('train')).toBe('Train');
    expect(stageLabel('feature_store')).toBe('Feature store');
  });
});
