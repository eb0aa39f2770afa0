/**
 * The doctor section of the Lifecycle sidebar: the maturity heatmap (stage × level) and the
 * findings of ``nb2pipe doctor`` for the saved notebook, each finding linking to its cells; and
 * *Suggest stages*: the auto-tagger's stage previewed on every untagged code cell (a marker on
 * the cell, nothing in the notebook), written on *Apply* in one undoable step.
 */

import { NotebookPanel } from '@jupyterlab/notebook';

import { LifecycleAPI, LifecycleAPIError } from './api';
import { cellInfo } from './binding';
import { el } from './dom';
import {
  applyTagChanges,
  findingCellIndices,
  heatmapRows,
  IDoctorReport,
  ITagChange,
  LEVELS,
  suggestedTagChanges
} from './doctor';
import { JumpMode } from './model';
import { StageTable, textColorOn } from './stages';

export interface IDoctorDeps {
  api: LifecycleAPI;
  jumpTo(index: number, how: JumpMode): void;
}

const PREVIEW_CLASS = 'jp-lifecycle-suggestion';

export class DoctorSection {
  readonly node: HTMLElement;

  constructor(readonly deps: IDoctorDeps) {
    const node = (this.node = el('section', 'jp-lifecycle-doctor jp-mod-collapsed'));
    const header = el('div', 'jp-lifecycle-section-title jp-lifecycle-doctor-header');
    const toggle = el('button', 'jp-lifecycle-doctor-toggle', 'Doctor');
    toggle.dataset.action = 'doctor-toggle';
    toggle.title = 'Show or hide the maturity report (nb2pipe doctor)';
    toggle.setAttribute('aria-expanded', 'false');
    const buttons = el('span', 'jp-lifecycle-doctor-buttons');
    const run = el('button', 'jp-lifecycle-link', 'check');
    run.dataset.action = 'doctor-run';
    run.title = 'Check the saved notebook: hidden state, seeds, paths, parameters, logging, tests';
    const suggest = el('button', 'jp-lifecycle-link', 'Suggest stages');
    suggest.dataset.action = 'doctor-suggest';
    suggest.title = 'Preview a stage for every untagged code cell (nb2pipe tag --auto)';
    buttons.append(run, suggest);
    header.append(toggle, buttons);
    this._status = el('div', 'jp-lifecycle-doctor-status');
    this._body = el('div', 'jp-lifecycle-doctor-body');
    this._preview = el('div', 'jp-lifecycle-doctor-preview');
    node.append(header, this._preview, this._status, this._body);
    node.addEventListener('click', this._onClick);
  }

  get changes(): ReadonlyArray<ITagChange> {
    return this._changes;
  }

  /** Follow a notebook; ``table`` gives its stage table when needed (it may be reloaded). */
  setNotebook(panel: NotebookPanel | null, table: (() => StageTable) | null): void {
    this.discard();
    this._panel = panel;
    this._table = table;
    this._report = null;
    this._status.textContent = '';
    this._body.replaceChildren();
    if (this.expanded && panel) {
      void this.run();
    }
  }

  get expanded(): boolean {
    return !this.node.classList.contains('jp-mod-collapsed');
  }

  setExpanded(open: boolean): void {
    this.node.classList.toggle('jp-mod-collapsed', !open);
    this.node.querySelector('.jp-lifecycle-doctor-toggle')!.setAttribute('aria-expanded', String(open));
  }

  /** Ask the server's doctor about the saved notebook and draw the report. */
  async run(): Promise<void> {
    const panel = this._panel;
    if (!panel) {
      return;
    }
    this.setExpanded(true);
    this._status.textContent = 'Checking the saved notebook…';
    try {
      const report = await this.deps.api.doctor(panel.context.path);
      if (panel !== this._panel) {
        return;
      }
      this._report = report;
      this._status.textContent = `Overall maturity: ${report.overall} · ${report.findings.length} finding(s)`;
      this._renderReport(report);
    } catch (error) {
      if (panel === this._panel) {
        this._status.textContent = `Doctor failed: ${(error as LifecycleAPIError).message}`;
      }
    }
  }

  /** Preview the auto-tagger's stages on the untagged code cells. */
  async suggest(): Promise<void> {
    const panel = this._panel;
    const table = this._table?.();
    const model = panel?.content.model;
    if (!panel || !table || !model) {
      return;
    }
    this.discard();
    this._preview.textContent = 'Suggesting stages…';
    let result;
    try {
      result = await this.deps.api.suggest(panel.context.path);
    } catch (error) {
      if (panel === this._panel) {
        this._preview.replaceChildren(
          el('div', 'jp-lifecycle-message jp-mod-error',
            `Suggest stages failed: ${(error as LifecycleAPIError).message}`));
      }
      return;
    }
    if (panel !== this._panel) {
      return;
    }
    const infos = [];
    for (let i = 0; i < model.cells.length; i++) {
      infos.push(cellInfo(model.cells.get(i)));
    }
    this._changes = suggestedTagChanges(infos, result.suggestions, table);
    this._renderPreview(result.notes, panel.context.model.dirty);
  }

  /** Write the previewed tags through the notebook model: one undo step. */
  apply(): number {
    const model = this._panel?.content.model;
    if (!model || !this._changes.length) {
      this.discard();
      return 0;
    }
    const cells = [];
    for (let i = 0; i < model.cells.length; i++) {
      cells.push(model.cells.get(i));
    }
    const written = applyTagChanges(cells, this._changes, fn => model.sharedModel.transact(fn));
    this.discard();
    this._preview.replaceChildren(
      el('div', 'jp-lifecycle-message', `Tagged ${written.length} cell(s); Undo (Z) removes the tags.`));
    return written.length;
  }

  /** Drop the preview: the markers on the cells and the list. */
  discard(): void {
    this._changes = [];
    this._preview.replaceChildren();
    this._panel?.content.node.querySelectorAll(`.${PREVIEW_CLASS}`).forEach(n => n.remove());
  }

  private _renderPreview(notes: ReadonlyArray<string>, dirty: boolean): void {
    const box = this._preview;
    box.replaceChildren();
    const changes = this._changes;
    const panel = this._panel!;
    const table = this._table!();
    box.append(el('div', 'jp-lifecycle-doctor-subtitle', changes.length
      ? `Suggested stages for ${changes.length} untagged cell(s)`
      : 'No untagged code cell to suggest a stage for'));
    if (dirty) {
      box.append(el('div', 'jp-lifecycle-message', 'From the saved notebook: save to include unsaved edits.'));
    }
    for (const note of notes) {
      box.append(el('div', 'jp-lifecycle-message', note));
    }
    const list = el('ul', 'jp-lifecycle-doctor-list');
    for (const change of changes) {
      const item = el('li', 'jp-lifecycle-doctor-item jp-lifecycle-suggested');
      item.dataset.action = 'doctor-jump';
      item.dataset.index = String(change.index);
      const chip = this._chip(change.shown, table);
      item.append(chip, el('span', 'jp-lifecycle-doctor-text',
        `cell ${change.index} · ${Math.round(change.confidence * 100)}% · ${change.reason}`));
      list.append(item);
      const widget = panel.content.widgets[change.index];
      if (widget) {
        const marker = this._chip(`${change.shown}?`, table);
        marker.classList.add(PREVIEW_CLASS);
        marker.title = `Suggested: ${change.shown} (${Math.round(change.confidence * 100)}%) — ${change.reason}`;
        widget.node.appendChild(marker);
      }
    }
    box.append(list);
    const buttons = el('div', 'jp-lifecycle-doctor-confirm');
    if (changes.length) {
      const apply = el('button', 'jp-lifecycle-button jp-mod-accept', `Apply ${changes.length}`);
      apply.dataset.action = 'doctor-apply';
      apply.title = 'Tag these cells as suggested (one undo step)';
      buttons.append(apply);
    }
    const discard = el('button', 'jp-lifecycle-button', changes.length ? 'Discard' : 'Close');
    discard.dataset.action = 'doctor-discard';
    buttons.append(discard);
    box.append(buttons);
  }

  private _chip(name: string, table: StageTable): HTMLElement {
    const chip = el('span', 'jp-lifecycle-chip', name);
    const color = table.color(name);
    chip.style.setProperty('--jp-lifecycle-color', color);
    chip.style.setProperty('--jp-lifecycle-on-color', textColorOn(color));
    return chip;
  }

  private _renderReport(report: IDoctorReport): void {
    const body = this._body;
    body.replaceChildren();
    const heat = el('table', 'jp-lifecycle-heatmap');
    heat.setAttribute('aria-label', 'Maturity per stage');
    const head = el('tr', '');
    head.append(el('th', '', 'stage'), ...LEVELS.map(l => el('th', '', l)));
    heat.append(head);
    for (const row of heatmapRows(report)) {
      const tr = el('tr', row.stage === 'overall' ? 'jp-lifecycle-heat-overall' : '');
      tr.dataset.stage = row.stage;
      tr.dataset.level = row.level ?? '';
      tr.title = row.title;
      tr.append(el('th', '', row.stage));
      for (const cell of row.cells) {
        const td = el('td', `jp-lifecycle-heat jp-mod-${cell.reached ? cell.level : 'none'}`,
          cell.reached ? '■' : '·');
        td.setAttribute('aria-label', `${row.stage} ${cell.level}: ${cell.reached ? 'reached' : 'not reached'}`);
        tr.append(td);
      }
      heat.append(tr);
    }
    body.append(heat);
    const ids: string[] = [];
    const model = this._panel?.content.model;
    for (let i = 0; model && i < model.cells.length; i++) {
      ids.push(model.cells.get(i).id);
    }
    const list = el('ul', 'jp-lifecycle-doctor-list jp-lifecycle-findings');
    for (const f of report.findings) {
      const item = el('li', `jp-lifecycle-doctor-item jp-lifecycle-finding jp-mod-${f.severity}`);
      item.dataset.check = f.check;
      const indices = findingCellIndices(f, ids);
      if (indices.length) {
        item.dataset.action = 'doctor-jump';
        item.dataset.index = String(indices[0]);
      }
      item.append(el('span', 'jp-lifecycle-severity', f.severity),
        el('span', 'jp-lifecycle-doctor-text', f.message));
      const where = el('span', 'jp-lifecycle-doctor-where', `${f.check} · fix: ${f.fix}`);
      for (const index of indices) {
        const link = el('button', 'jp-lifecycle-link', `cell ${index}`);
        link.dataset.action = 'doctor-jump';
        link.dataset.index = String(index);
        where.append(link);
      }
      item.append(where);
      list.append(item);
    }
    body.append(list);
  }

  private _onClick = (event: MouseEvent): void => {
    const target = (event.target as HTMLElement).closest('[data-action]') as HTMLElement | null;
    if (!target || !this.node.contains(target)) {
      return;
    }
    switch (target.dataset.action) {
      case 'doctor-toggle':
        this.setExpanded(!this.expanded);
        if (this.expanded && !this._report) {
          void this.run();
        }
        break;
      case 'doctor-run':
        void this.run();
        break;
      case 'doctor-suggest':
        void this.suggest();
        break;
      case 'doctor-apply':
        this.apply();
        break;
      case 'doctor-discard':
        this.discard();
        break;
      case 'doctor-jump':
        this.deps.jumpTo(Number(target.dataset.index), 'replace');
        break;
    }
    event.stopPropagation();
  };

  private _panel: NotebookPanel | null = null;
  private _table: (() => StageTable) | null = null;
  private _report: IDoctorReport | null = null;
  private _changes: ITagChange[] = [];
  private _status: HTMLElement;
  private _body: HTMLElement;
  private _preview: HTMLElement;
}
