/**
 * The Runs panel: the active notebook's recorded runs (newest first) with their metrics. A click
 * on a run opens its detail in the main area; tick two runs and Compare opens the comparison
 * there too (the sidebar is too narrow for a table).
 */

import { Widget } from '@lumino/widgets';

import { LifecycleAPI } from './api';
import { formatDuration, formatStarted, formatValue, IRunRecord, olderFirst, scalarMetrics } from './runs';
import { el } from './dom';

export interface IRunsActions {
  /** Show one run (a main-area tab). */
  openRun(run: IRunRecord): void;
  /** Compare two runs, the older first (a main-area tab). */
  openCompare(a: IRunRecord, b: IRunRecord): void;
}

export class RunsPanel extends Widget {
  constructor(
    readonly api: LifecycleAPI,
    readonly actions: IRunsActions
  ) {
    super();
    this.id = 'jp-lifecycle-runs';
    this.addClass('jp-lifecycle-runs');
    this.title.caption = 'Lifecycle runs';
    const header = el('div', 'jp-lifecycle-header');
    this._title = el('div', 'jp-lifecycle-title', 'Runs');
    const refresh = el('button', 'jp-lifecycle-button', 'Refresh');
    refresh.dataset.action = 'refresh';
    this._compareButton = el('button', 'jp-lifecycle-button', 'Compare');
    this._compareButton.dataset.action = 'compare';
    this._compareButton.title = 'Tick two runs to compare them';
    header.append(this._title, refresh, this._compareButton);
    this._status = el('div', 'jp-lifecycle-message');
    this._list = el('div', 'jp-lifecycle-run-list');
    this._list.setAttribute('role', 'list');
    this.node.append(header, this._status, this._list);
    this.node.addEventListener('click', this._onClick);
    this.node.addEventListener('change', this._onTick);
    this._updateCompareButton();
  }

  get runs(): ReadonlyArray<IRunRecord> {
    return this._runs;
  }

  /** Follow another notebook (API path, or null). */
  setPath(path: string | null): void {
    if (path === this._path) {
      return;
    }
    this._path = path;
    this._ticked = [];
    this._title.textContent = path ? `Runs · ${path.split('/').pop()}` : 'Runs';
    this._title.title = path ? `Runs of ${path}` : '';
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const path = this._path;
    if (!path) {
      this._runs = [];
      this._status.textContent = 'Open a notebook to see its recorded runs.';
      this._renderList();
      return;
    }
    this._status.textContent = 'Loading runs…';
    try {
      const data = await this.api.runs(path);
      if (path !== this._path) {
        return;
      }
      this._runs = data.runs;
      this._status.title = data.store ? `run store: ${data.store}` : '';
      this._status.textContent = data.runs.length
        ? `${data.runs.length} run(s) recorded`
        : 'No runs recorded for this notebook yet. Turn on "Capture runs" in the settings, ' +
          'or run it with `nb2pipe run`.';
    } catch (error) {
      this._runs = [];
      this._status.textContent = `Cannot list runs: ${(error as Error).message}`;
    }
    this._ticked = this._ticked.filter(id => this._runs.some(r => r.run_id === id));
    this._renderList();
    this._updateCompareButton();
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  private _renderList(): void {
    const rows = this._runs.map(run => this._runRow(run));
    this._list.replaceChildren(...rows);
  }

  private _runRow(run: IRunRecord): HTMLElement {
    const row = el('div', `jp-lifecycle-run jp-mod-${run.status ?? 'unknown'}`);
    row.setAttribute('role', 'listitem');
    row.dataset.runId = run.run_id;
    row.dataset.action = 'open';
    row.title = `Open run ${run.run_id.slice(0, 8)}`;
    const top = el('div', 'jp-lifecycle-run-top');
    const tick = el('input', 'jp-lifecycle-run-tick');
    tick.type = 'checkbox';
    tick.checked = this._ticked.includes(run.run_id);
    tick.dataset.runId = run.run_id;
    tick.setAttribute('aria-label', `select run ${run.run_id.slice(0, 8)} to compare`);
    top.append(
      tick,
      el('span', 'jp-lifecycle-run-id', run.run_id.slice(0, 8)),
      el('span', 'jp-lifecycle-run-status', run.status ?? ''),
      el('span', 'jp-lifecycle-run-kind', run.kind ?? ''),
      el('span', 'jp-lifecycle-run-started', formatStarted(run.started)),
      el('span', 'jp-lifecycle-run-duration', formatDuration(run.duration_s))
    );
    const metrics = el('div', 'jp-lifecycle-run-metrics');
    const scalars = scalarMetrics(run);
    if (!scalars.length) {
      metrics.append(el('span', 'jp-lifecycle-dim', 'no metrics'));
    }
    for (const [name, value] of scalars) {
      const m = el('span', 'jp-lifecycle-metric');
      const text = formatValue(value);
      m.title = `${name} = ${text}`;
      m.append(el('span', 'jp-lifecycle-metric-name', name), el('span', 'jp-lifecycle-metric-value', text));
      metrics.append(m);
    }
    row.append(top, metrics);
    return row;
  }

  /** The two ticked runs, the older first. */
  get ticked(): [IRunRecord, IRunRecord] | null {
    const runs = this._ticked.map(id => this._runs.find(r => r.run_id === id));
    return runs.length === 2 && runs[0] && runs[1] ? olderFirst(runs[0], runs[1]) : null;
  }

  private _updateCompareButton(): void {
    this._compareButton.disabled = this._ticked.length !== 2;
  }

  private _onTick = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const id = input.dataset.runId;
    if (!id) {
      return;
    }
    this._ticked = this._ticked.filter(t => t !== id);
    if (input.checked) {
      this._ticked.push(id);
      while (this._ticked.length > 2) {
        const dropped = this._ticked.shift()!;
        const box = this._list.querySelector(`input[data-run-id="${dropped}"]`) as HTMLInputElement | null;
        if (box) {
          box.checked = false;
        }
      }
    }
    this._updateCompareButton();
  };

  private _onClick = (event: MouseEvent): void => {
    const clicked = event.target as HTMLElement;
    const target = clicked.closest('[data-action]') as HTMLElement | null;
    if (!target || clicked.closest('input')) {
      return;
    }
    if (target.dataset.action === 'refresh') {
      void this.refresh();
    } else if (target.dataset.action === 'compare') {
      const pair = this.ticked;
      if (pair) {
        this.actions.openCompare(...pair);
      }
    } else if (target.dataset.action === 'open') {
      const run = this._runs.find(r => r.run_id === target.dataset.runId);
      if (run) {
        this.actions.openRun(run);
      }
    }
  };

  private _path: string | null = null;
  private _runs: IRunRecord[] = [];
  private _ticked: string[] = [];
  private _title: HTMLElement;
  private _status: HTMLElement;
  private _list: HTMLElement;
  private _compareButton: HTMLButtonElement;
}
