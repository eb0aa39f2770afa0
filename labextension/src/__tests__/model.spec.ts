import {
  changedIndices,
  computeStages,
  explicitStageOf,
  firstLine,
  groupByStage,
  headingLevel,
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

  it('keeps a skip or explore tag on its own code cell', () => {
    const stages = computeStages(
      [
        cell('df = load()', ['lifecycle:ingest']),
        cell('print(df)', ['lifecycle:skip']),
        cell('df = df.dropna()'),
        cell('df.plot()', ['lifecycle:eda']),
        cell('rows = len(df)')
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual(['ingest', 'skip', 'ingest', 'explore', 'ingest']);
    expect(stages.map(s => s.inherited)).toEqual([false, false, true, false, true]);
  });

  it('gives cells after a leading skip the default stage', () => {
    const stages = computeStages([cell('!pip install x', ['lifecycle:skip']), cell('import os')], table);
    expect(stages.map(s => s.stage)).toEqual(['skip', 'setup']);
  });

  it('lets a skip-tagged heading cover its section down to the next heading of its level', () => {
    const stages = computeStages(
      [
        cell('x = 1', ['lifecycle:prepare']),
        cell('## Scratch', ['lifecycle:skip'], 'markdown'),
        cell('x.describe()'),
        cell('### Deeper', [], 'markdown'),
        cell('x.plot()'),
        cell('Train\n-----', [], 'markdown'),
        cell('model = fit(x)')
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual([
      'prepare', 'skip', 'skip', 'skip', 'skip', 'prepare', 'prepare'
    ]);
  });

  it('keeps a heading section when a cell inside repeats its tag', () => {
    const stages = computeStages(
      [
        cell('x = 1', ['lifecycle:ingest']),
        cell('## Explore', ['lifecycle:explore'], 'markdown'),
        cell('x.describe()', ['lifecycle:explore']),
        cell('x.plot()'),
        cell('scratch()', ['lifecycle:skip']),
        cell('y = x')
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual([
      'ingest', 'explore', 'explore', 'explore', 'skip', 'ingest'
    ]);
  });

  it('shows an untagged heading with the stage its section starts with', () => {
    const stages = computeStages(
      [
        cell('x = 1', ['lifecycle:prepare']),
        cell('## Train', [], 'markdown'),
        cell('We fit a forest.', [], 'markdown'),
        cell('### Fit', [], 'markdown'),
        cell('model = fit(x)', ['lifecycle:train']),
        cell('## More', [], 'markdown'),
        cell('y = 2')
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual([
      'prepare', 'train', 'train', 'train', 'train', 'train', 'train'
    ]);
    expect(stages[1].inherited).toBe(true);
  });

  it('keeps a heading inside a skip section skipped', () => {
    const stages = computeStages(
      [
        cell('## Scratch', ['lifecycle:skip'], 'markdown'),
        cell('### Try', [], 'markdown'),
        cell('model = fit()', ['lifecycle:train'])
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual(['skip', 'skip', 'train']);
  });

  it('ends a skip heading section at the next tagged cell', () => {
    const stages = computeStages(
      [
        cell('# Look around', ['lifecycle:explore'], 'markdown'),
        cell('df.head()'),
        cell('model = fit()', ['lifecycle:train']),
        cell('score = 1')
      ],
      table
    );
    expect(stages.map(s => s.stage)).toEqual(['explore', 'explore', 'train', 'train']);
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

describe('headings', () => {
  it('reads ATX and setext headings at the start of a markdown cell only', () => {
    expect(headingLevel('markdown', '## Train')).toBe(2);
    expect(headingLevel('markdown', '\n#### x')).toBe(4);
    expect(headingLevel('markdown', 'Title\n=====')).toBe(1);
    expect(headingLevel('markdown', 'Part\n---')).toBe(2);
    expect(headingLevel('markdown', '#hashtag')).toBeNull();
    expect(headingLevel('markdown', 'text\n\n## later')).toBeNull();
    expect(headingLevel('code', '# comment')).toBeNull();
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
