/**
 * The stage table: names, lifecycle order, kinds, colours and aliases.
 *
 * The server sends the table of a notebook's folder (``/jupyter-lifecycle/stages``), which a
 * project may extend in ``[tool.nb2pipe]``; the defaults below mirror
 * ``jupyter_lifecycle/stages.py`` and are used while the server has not answered or is absent.
 */

export interface IStage {
  name: string;
  kind: string;
  color: string;
  description: string;
  aliases: string[];
}

export interface IStageTableData {
  tag_prefix: string;
  default_stage: string;
  stages: IStage[];
}

export const PARAMETERS_TAG = 'parameters';

function stage(
  name: string,
  kind: string,
  color: string,
  description: string,
  aliases: string[]
): IStage {
  return { name, kind, color, description, aliases };
}

export const DEFAULT_TABLE: IStageTableData = {
  tag_prefix: 'lifecycle:',
  default_stage: 'setup',
  stages: [
    stage('setup', 'pipeline', '#6c757d', 'imports, helpers, configuration', ['config', 'imports']),
    stage('ingest', 'pipeline', '#1f77b4', 'data extraction and loading', ['load', 'data']),
    stage('explore', 'notebook', '#17becf', 'exploratory analysis; stays in the notebook', ['eda']),
    stage('prepare', 'pipeline', '#2ca02c', 'cleaning, features, splits', ['preprocess', 'features']),
    stage('train', 'pipeline', '#d62728', 'model training', ['fit', 'training']),
    stage('evaluate', 'pipeline', '#9467bd', 'offline metrics', ['eval', 'metrics']),
    stage('validate', 'gate', '#ff7f0e', 'acceptance gates on metrics and data', ['gate', 'check']),
    stage('deploy', 'pipeline', '#8c564b', 'serialize, package, serve', ['export', 'serve']),
    stage('monitor', 'pipeline', '#e377c2', 'drift and health checks', ['drift']),
    stage('test', 'test', '#bcbd22', 'becomes pytest tests', ['tests']),
    stage('skip', 'skip', '#7f7f7f', 'never exported', ['ignore'])
  ]
};

/** A stage table with lookups by name or alias. Immutable. */
export class StageTable {
  readonly tagPrefix: string;
  readonly defaultStage: string;
  readonly stages: ReadonlyArray<IStage>;
  private readonly _lookup = new Map<string, IStage>();
  private readonly _order = new Map<string, number>();

  constructor(data: IStageTableData = DEFAULT_TABLE) {
    this.tagPrefix = data.tag_prefix || DEFAULT_TABLE.tag_prefix;
    this.stages = data.stages.map(s => ({ ...s, aliases: [...(s.aliases || [])] }));
    this.stages.forEach((s, i) => {
      this._order.set(s.name, i);
      for (const key of [s.name, ...s.aliases]) {
        if (!this._lookup.has(key)) {
          this._lookup.set(key, s);
        }
      }
    });
    this.defaultStage = this._lookup.has(data.default_stage)
      ? this._lookup.get(data.default_stage)!.name
      : this.stages[0]?.name ?? 'setup';
  }

  get names(): string[] {
    return this.stages.map(s => s.name);
  }

  /** The stage for a name or alias, or undefined. */
  get(name: string): IStage | undefined {
    return this._lookup.get(name);
  }

  /** Lifecycle position of a stage name (unknown names sort last). */
  order(name: string): number {
    return this._order.get(name) ?? this.stages.length;
  }

  color(name: string): string {
    return this.get(name)?.color ?? '#888888';
  }

  tagFor(name: string): string {
    const s = this.get(name);
    return `${this.tagPrefix}${s ? s.name : name}`;
  }

  /** The stage named by a tag (``lifecycle:<name or alias>``), or null for other tags. */
  stageOfTag(tag: string): IStage | null | undefined {
    if (!tag.startsWith(this.tagPrefix)) {
      return null; // not a stage tag
    }
    return this.get(tag.slice(this.tagPrefix.length)); // undefined: unknown stage
  }

  /** Whether another table has the same content (to skip needless re-renders). */
  equals(other: StageTable): boolean {
    return JSON.stringify(this.toData()) === JSON.stringify(other.toData());
  }

  toData(): IStageTableData {
    return {
      tag_prefix: this.tagPrefix,
      default_stage: this.defaultStage,
      stages: this.stages.map(s => ({ ...s, aliases: [...s.aliases] }))
    };
  }
}

/** Title case for labels: ``train`` → ``Train``, ``feature_store`` → ``Feature store``. */
export function stageLabel(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Black or white text, whichever reads better on ``color`` (WCAG relative luminance). */
export function textColorOn(color: string): string {
  const rgb = parseColor(color);
  if (!rgb) {
    return '#000000';
  }
  const lin = rgb.map(c => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  const luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  // contrast with white: 1.05 / (L + 0.05); with black: (L + 0.05) / 0.05
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#000000';
}

function parseColor(color: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) {
    return null;
  }
  let hex = m[1];
  if (hex.length === 3) {
    hex = hex
      .split('')
      .map(c => c + c)
      .join('');
  }
  return [0, 2, 4].map(i => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}
