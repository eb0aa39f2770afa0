/**
 * The lifecycle state of one open notebook: its stage table, every cell's effective stage, and
 * the converter's diagnostics. Independent of JupyterLab widgets: the binding feeds it cell
 * infos, views listen to its signals (unit-tested with the server API mocked).
 */

import { ISignal, Signal } from '@lumino/signaling';

import { IAnalysis, LifecycleAPI, LifecycleAPIError } from './api';
import { IDiagnostic, IMappedDiagnostic, mapDiagnostics } from './diagnostics';
import {
  changedIndices,
  computeStages,
  firstLine,
  ICellInfo,
  ICellStage,
  retag,
  sameTags
} from './model';
import { StageTable } from './stages';

export interface IStagesChange {
  /** Indices whose row or badge must be redrawn; null: everything (structure or table). */
  indices: number[] | null;
  /** Whether any effective stage changed (groups must be re-laid out). */
  regroup: boolean;
}

export type AnalysisStatus = 'idle' | 'running' | 'ok' | 'error';

export class NotebookStageState {
  constructor(
    readonly api: LifecycleAPI,
    table: StageTable = new StageTable()
  ) {
    this._table = table;
  }

  get table(): StageTable {
    return this._table;
  }

  get cells(): ReadonlyArray<ICellInfo> {
    return this._cells;
  }

  get stages(): ReadonlyArray<ICellStage> {
    return this._stages;
  }

  get diagnostics(): ReadonlyArray<IMappedDiagnostic> {
    return this._diagnostics;
  }

  get analysisStatus(): AnalysisStatus {
    return this._analysisStatus;
  }

  /** The error of the last analysis (a bad notebook), with its cell when known. */
  get analysisError(): LifecycleAPIError | null {
    return this._analysisError;
  }

  get changed(): ISignal<this, IStagesChange> {
    return this._changed;
  }

  get diagnosticsChanged(): ISignal<this, void> {
    return this._diagnosticsChanged;
  }

  get tableChanged(): ISignal<this, StageTable> {
    return this._tableChanged;
  }

  setTable(table: StageTable): void {
    if (table.equals(this._table)) {
      return;
    }
    this._table = table;
    this._stages = computeStages(this._cells, table);
    this._tableChanged.emit(table);
    this._changed.emit({ indices: null, regroup: true });
  }

  /** Fetch the stage table of the notebook's folder; keep the current one on failure. */
  async loadTable(path: string): Promise<StageTable> {
    try {
      const data = await this.api.stages(path);
      this.setTable(new StageTable(data));
    } catch (error) {
      console.warn('jupyter-lifecycle: using the default stage table:', error);
    }
    return this._table;
  }

  /** Replace all cells (notebook opened, cells added, removed or moved). */
  setCells(cells: ICellInfo[]): void {
    this._cells = cells.slice();
    this._stages = computeStages(this._cells, this._table);
    this._remapDiagnostics();
    this._changed.emit({ indices: null, regroup: true });
  }

  /**
   * One cell changed (tags, source or execution count). Tag changes recompute the effective
   * stages (O(n)) and report only the cells whose display changed; other changes touch one row.
   */
  updateCell(index: number, info: ICellInfo): void {
    const old = this._cells[index];
    if (!old) {
      return;
    }
    this._cells[index] = info;
    if (!sameTags(old.tags, info.tags) || old.cellType !== info.cellType || old.id !== info.id) {
      const before = this._stages;
      this._stages = computeStages(this._cells, this._table);
      const indices = changedIndices(before, this._stages);
      const regroup = indices.some(i => before[i]?.stage !== this._stages[i].stage);
      if (old.id !== info.id) {
        this._remapDiagnostics();
      }
      if (indices.length) {
        this._changed.emit({ indices, regroup });
      }
      return;
    }
    const stage = this._stages[index];
    const line = info.source === old.source ? stage.firstLine : firstLine(info.source);
    if (line !== stage.firstLine || info.executionCount !== stage.executionCount) {
      this._stages[index] = { ...stage, firstLine: line, executionCount: info.executionCount };
      this._changed.emit({ indices: [index], regroup: false });
    }
  }

  /** Ask the server for the converter's diagnostics of the saved notebook. */
  async analyze(path: string): Promise<IAnalysis | null> {
    const generation = ++this._analysisGeneration;
    this._analysisStatus = 'running';
    this._diagnosticsChanged.emit();
    try {
      const analysis = await this.api.analyze(path);
      if (generation !== this._analysisGeneration) {
        return null; // a newer analysis is under way
      }
      this._analysisError = null;
      this._rawDiagnostics = analysis.diagnostics || [];
      this._analysisStatus = 'ok';
      if (analysis.stages_table) {
        this.setTable(new StageTable(analysis.stages_table));
      }
      this._remapDiagnostics();
      return analysis;
    } catch (error) {
      if (generation !== this._analysisGeneration) {
        return null;
      }
      const err =
        error instanceof LifecycleAPIError
          ? error
          : new LifecycleAPIError(String((error as Error)?.message ?? error), 0);
      this._analysisError = err;
      this._analysisStatus = 'error';
      // A bad notebook is one error diagnostic pointing at its cell.
      this._rawDiagnostics = [
        {
          severity: 'error',
          code: err.status === 0 ? 'server' : 'notebook',
          message: err.message,
          cell_index: err.location?.cell_index ?? null,
          cell_id: err.location?.cell_id ?? null,
          line: err.location?.line ?? null
        }
      ];
      this._remapDiagnostics();
      return null;
    }
  }

  private _remapDiagnostics(): void {
    this._diagnostics = mapDiagnostics(
      this._rawDiagnostics,
      this._cells.map(c => c.id)
    );
    this._diagnosticsChanged.emit();
  }

  private _table: StageTable;
  private _cells: ICellInfo[] = [];
  private _stages: ICellStage[] = [];
  private _rawDiagnostics: IDiagnostic[] = [];
  private _diagnostics: IMappedDiagnostic[] = [];
  private _analysisStatus: AnalysisStatus = 'idle';
  private _analysisError: LifecycleAPIError | null = null;
  private _analysisGeneration = 0;
  private _changed = new Signal<this, IStagesChange>(this);
  private _diagnosticsChanged = new Signal<this, void>(this);
  private _tableChanged = new Signal<this, StageTable>(this);
}

/** What tagging needs of a cell model (JupyterLab's ICellModel has these). */
export interface ITaggable {
  getMetadata(key: string): any;
  setMetadata(key: string, value: any): void;
  deleteMetadata(key: string): void;
}

/**
 * Set (or, with null, remove) the stage tag of cells; other tags are kept. Returns how many
 * cells changed. ``transact`` groups the edits into one undo step.
 */
export function tagCells(
  cells: ReadonlyArray<ITaggable>,
  stage: string | null,
  table: StageTable,
  transact: (fn: () => void) => void = fn => fn()
): number {
  let changed = 0;
  transact(() => {
    for (const cell of cells) {
      const raw = cell.getMetadata('tags');
      const tags: string[] = Array.isArray(raw) ? raw.map(String) : [];
      const next = retag(tags, stage, table);
      if (sameTags(tags, next)) {
        continue;
      }
      if (next.length) {
        cell.setMetadata('tags', next);
      } else {
        cell.deleteMetadata('tags');
      }
      changed++;
    }
  });
  return changed;
}
