/**
 * Stage badge and coloured left border on every cell of a notebook, redrawn only for the cells
 * whose effective stage changed (a tag change touches the tagged cell and the untagged cells
 * below it, up to the next tag).
 */

import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';

import { ICellStage } from './model';
import { StageTable, textColorOn } from './stages';
import { IStagesChange, NotebookStageState } from './state';

const BADGE_CLASS = 'jp-lifecycle-badge';
const DECORATED_CLASS = 'jp-lifecycle-cell';
const INHERITED_CLASS = 'jp-lifecycle-inherited';
const PARAMS_CLASS = 'jp-lifecycle-parameters';

interface IApplied {
  key: string;
  badge: HTMLElement;
}

export class CellDecorator implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    readonly state: NotebookStageState
  ) {
    state.changed.connect(this._onChanged, this);
    this.decorate(null);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Stop following the state and take the badge and edge off every cell. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.state.changed.disconnect(this._onChanged, this);
    for (const cell of this.panel.content.widgets) {
      undecorate(cell);
    }
  }

  /** Redraw the given cells (null: all of them). */
  decorate(indices: number[] | null): void {
    const widgets = this.panel.content.widgets;
    const stages = this.state.stages;
    const table = this.state.table;
    if (indices === null) {
      for (let i = 0; i < widgets.length && i < stages.length; i++) {
        apply(widgets[i], stages[i], table, this._applied);
      }
      return;
    }
    for (const i of indices) {
      if (widgets[i] && stages[i]) {
        apply(widgets[i], stages[i], table, this._applied);
      }
    }
  }

  private _onChanged(_: NotebookStageState, change: IStagesChange): void {
    this.decorate(change.indices);
  }

  private _isDisposed = false;
  private _applied = new WeakMap<Cell, IApplied>();
}

function apply(
  cell: Cell,
  stage: ICellStage,
  table: StageTable,
  applied: WeakMap<Cell, IApplied>
): void {
  const color = table.color(stage.stage);
  const key = `${stage.stage}|${stage.inherited}|${stage.isParameters}|${color}|${stage.unknownTags.length}`;
  const node = cell.node;
  const previous = applied.get(cell);
  if (previous && previous.key === key && previous.badge.parentNode === node) {
    return;
  }
  node.classList.add(DECORATED_CLASS);
  node.classList.toggle(INHERITED_CLASS, stage.inherited);
  node.classList.toggle(PARAMS_CLASS, stage.isParameters);
  node.dataset.lifecycleStage = stage.stage;
  node.style.setProperty('--jp-lifecycle-color', color);
  node.style.setProperty('--jp-lifecycle-on-color', textColorOn(color));
  let badge = previous?.badge;
  if (!badge || badge.parentNode !== node) {
    badge = document.createElement('div');
    badge.className = BADGE_CLASS;
    node.appendChild(badge);
  }
  applied.set(cell, { key, badge });
  badge.textContent = stage.isParameters ? 'params' : stage.stage;
  badge.title = badgeTitle(stage);
}

export function badgeTitle(stage: ICellStage): string {
  if (stage.isParameters) {
    return `parameters cell (papermill); stage ${stage.stage}`;
  }
  if (stage.unknownTags.length) {
    return `unknown stage tag ${stage.unknownTags.join(', ')}; showing ${stage.stage}`;
  }
  return stage.inherited
    ? `stage ${stage.stage}: untagged, from the nearest tagged cell above that is not skip or explore`
    : `stage ${stage.stage} (tagged)`;
}

function undecorate(cell: Cell): void {
  const node = cell.node;
  node.classList.remove(DECORATED_CLASS, INHERITED_CLASS, PARAMS_CLASS);
  delete node.dataset.lifecycleStage;
  node.style.removeProperty('--jp-lifecycle-color');
  node.style.removeProperty('--jp-lifecycle-on-color');
  node.querySelector(`:scope > .${BADGE_CLASS}`)?.remove();
}
