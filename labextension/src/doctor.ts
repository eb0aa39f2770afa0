/**
 * The doctor's report and the auto-tagger's suggestions as the server sends them, and the pure
 * functions the sidebar draws from: the maturity heatmap, where a finding's cells are now, and
 * the tag changes a set of suggestions makes (unit-tested).
 */

import { ICellInfo } from './model';
import { PARAMETERS_TAG, StageTable } from './stages';

export type Level = 'low' | 'medium' | 'high';
export const LEVELS: ReadonlyArray<Level> = ['low', 'medium', 'high'];

export interface IFindingCell {
  index: number;
  id: string;
  stage: string;
  line: number | null;
}

export interface IFinding {
  check: string;
  area: string;
  severity: 'low' | 'medium' | 'high';
  message: string;
  fix: string;
  cells: IFindingCell[];
  stages: string[];
}

export interface IStageMaturity {
  stage: string;
  level: Level | null;
  reasons: string[];
}

export interface IDoctorReport {
  notebook: string;
  sha256: string;
  overall: Level;
  stages: IStageMaturity[];
  evidence: { name: string; present: boolean | null; detail: string }[];
  findings: IFinding[];
  areas: string[];
}

export interface ISuggestion {
  cell_index: number;
  cell_id: string;
  stage: string;
  shown_stage: string;
  parameters: boolean;
  confidence: number;
  reason: string;
  tags: string[] | null;
}

export interface ISuggestResult {
  notebook: string;
  suggestions: ISuggestion[];
  notes: string[];
}

/** One square of the heatmap: does the stage reach ``level``? */
export interface IHeatCell {
  level: Level;
  reached: boolean;
}

export interface IHeatRow {
  stage: string;
  level: Level | null;
  cells: IHeatCell[];
  /** The tooltip: the level and why it is not one higher. */
  title: string;
}

/**
 * Rows of the stage × level heatmap: one per stage that has cells (in the report's order, which
 * is lifecycle order), then ``overall``. A stage at ``medium`` fills ``low`` and ``medium``.
 */
export function heatmapRows(report: IDoctorReport): IHeatRow[] {
  const row = (stage: string, level: Level | null, reasons: ReadonlyArray<string>): IHeatRow => {
    const rank = level === null ? -1 : LEVELS.indexOf(level);
    const why = reasons.length ? `: ${reasons.join('; ')}` : '';
    return {
      stage,
      level,
      cells: LEVELS.map((l, i) => ({ level: l, reached: i <= rank })),
      title: level === null ? `${stage}: no cells` : `${stage}: ${level}${why}`
    };
  };
  const rows = report.stages.filter(s => s.level !== null).map(s => row(s.stage, s.level, s.reasons));
  rows.push(row('overall', report.overall, []));
  return rows;
}

/**
 * The cells of a finding as indices in the notebook now: found by cell id (cells may have moved
 * since the file was saved), else by the saved index when that cell has no id. Cells that are
 * gone are left out.
 */
export function findingCellIndices(finding: IFinding, cellIds: ReadonlyArray<string>): number[] {
  const out: number[] = [];
  for (const c of finding.cells) {
    const index = c.id ? cellIds.indexOf(c.id) : c.index < cellIds.length ? c.index : -1;
    if (index >= 0 && !out.includes(index)) {
      out.push(index);
    }
  }
  return out;
}

/** A proposed change of one cell's tags. */
export interface ITagChange {
  index: number;
  id: string;
  /** What the cell will show: a stage name, or ``parameters``. */
  shown: string;
  confidence: number;
  reason: string;
  before: string[];
  after: string[];
}

/**
 * The tags ``suggestions`` would add to the cells as they are now: only code cells without a
 * stage tag of ours (any tag with the table's prefix, even an unknown stage) change; they keep
 * every tag they have and gain one. Matched by cell id, so cells added since the save get none.
 * A proposed ``parameters`` cell gets papermill's tag unless some cell already carries it.
 */
export function suggestedTagChanges(
  cells: ReadonlyArray<ICellInfo>,
  suggestions: ReadonlyArray<ISuggestion>,
  table: StageTable
): ITagChange[] {
  const byId = new Map(suggestions.map(s => [s.cell_id, s]));
  const hasParameters = cells.some(c => c.tags.includes(PARAMETERS_TAG));
  const changes: ITagChange[] = [];
  cells.forEach((cell, index) => {
    const s = byId.get(cell.id);
    if (!s || cell.cellType !== 'code' || cell.tags.some(t => t.startsWith(table.tagPrefix))) {
      return;
    }
    let tag: string;
    if (s.parameters) {
      if (hasParameters) {
        return;
      }
      tag = PARAMETERS_TAG;
    } else {
      if (!table.get(s.stage)) {
        return; // a stage this notebook's table does not know
      }
      tag = table.tagFor(s.stage);
    }
    changes.push({
      index,
      id: cell.id,
      shown: s.parameters ? PARAMETERS_TAG : s.stage,
      confidence: s.confidence,
      reason: s.reason,
      before: [...cell.tags],
      after: [...cell.tags, tag]
    });
  });
  return changes;
}

/** What ``applyTagChanges`` writes to: a cell model's id and metadata. */
export interface ITaggableCell {
  readonly id: string;
  getMetadata(key: string): any;
  setMetadata(key: string, value: any): void;
}

/**
 * Write ``changes`` into the cell models in one ``transact`` (one undo step in JupyterLab). A
 * cell whose id or tags differ from the preview (edited meanwhile) is left alone. Returns the
 * indices written.
 */
export function applyTagChanges(
  cells: ReadonlyArray<ITaggableCell>,
  changes: ReadonlyArray<ITagChange>,
  transact: (fn: () => void) => void = fn => fn()
): number[] {
  const written: number[] = [];
  transact(() => {
    for (const change of changes) {
      const cell = cells[change.index];
      if (!cell || cell.id !== change.id) {
        continue;
      }
      const raw = cell.getMetadata('tags');
      const tags: string[] = Array.isArray(raw) ? raw.map(String) : [];
      if (tags.length !== change.before.length || tags.some((t, i) => t !== change.before[i])) {
        continue;
      }
      cell.setMetadata('tags', [...change.after]);
      written.push(change.index);
    }
  });
  return written;
}
