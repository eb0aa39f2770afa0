/**
 * Feeds a notebook's cell models into a NotebookStageState and keeps it live: cells added,
 * removed or moved (full recompute), tags / source / execution count of one cell (one row).
 */

import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';

import { ICellInfo } from './model';
import { NotebookStageState } from './state';

export function cellInfo(model: ICellModel): ICellInfo {
  const tags = model.getMetadata('tags');
  const count = model.type === 'code' ? (model as ICodeCellModel).executionCount ?? null : null;
  return {
    id: model.id,
    cellType: model.type,
    tags: Array.isArray(tags) ? tags.map(String) : [],
    source: model.sharedModel.getSource(),
    executionCount: count
  };
}

export class NotebookBinding implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    readonly state: NotebookStageState
  ) {
    const model = panel.content.model;
    if (model) {
      model.cells.changed.connect(this._onCellsChanged, this);
      this._resync();
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.panel.content.model?.cells.changed.disconnect(this._onCellsChanged, this);
    for (const model of this._connected) {
      this._disconnect(model);
    }
    this._connected.clear();
    this._index.clear();
  }

  /** Index of a cell model now (kept up to date on every structural change). */
  indexOf(model: ICellModel): number {
    return this._index.get(model) ?? -1;
  }

  private _onCellsChanged(): void {
    this._resync();
  }

  private _resync(): void {
    const cells = this.panel.content.model?.cells;
    if (!cells) {
      return;
    }
    const seen = new Set<ICellModel>();
    const infos: ICellInfo[] = [];
    this._index.clear();
    for (let i = 0; i < cells.length; i++) {
      const model = cells.get(i);
      seen.add(model);
      this._index.set(model, i);
      if (!this._connected.has(model)) {
        this._connect(model);
      }
      infos.push(cellInfo(model));
    }
    for (const model of this._connected) {
      if (!seen.has(model)) {
        this._disconnect(model);
        this._connected.delete(model);
      }
    }
    this.state.setCells(infos);
  }

  private _connect(model: ICellModel): void {
    this._connected.add(model);
    model.metadataChanged.connect(this._onCellChanged, this);
    model.contentChanged.connect(this._onCellChanged, this);
    model.stateChanged.connect(this._onStateChanged, this);
  }

  private _disconnect(model: ICellModel): void {
    model.metadataChanged.disconnect(this._onCellChanged, this);
    model.contentChanged.disconnect(this._onCellChanged, this);
    model.stateChanged.disconnect(this._onStateChanged, this);
  }

  private _onStateChanged(model: ICellModel, change: { name: string }): void {
    if (change.name === 'executionCount') {
      this._onCellChanged(model);
    }
  }

  private _onCellChanged(model: ICellModel): void {
    const index = this._index.get(model);
    if (index !== undefined) {
      this.state.updateCell(index, cellInfo(model));
    }
  }

  private _isDisposed = false;
  private _connected = new Set<ICellModel>();
  private _index = new Map<ICellModel, number>();
}
