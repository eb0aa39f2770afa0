/**
 * The Lifecycle sidebar: the active notebook's cells grouped by effective stage (lifecycle
 * order), stage chips that tag the active or selected cells, the converter's diagnostics, and
 * the last conversion. Plain DOM, updated row by row: a tag change touches only the rows whose
 * stage changed and the two groups they move between.
 */

import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { IConvertResult } from './api';
import { countBySeverity, describeLocation, IMappedDiagnostic, splitNotes } from './diagnostics';
import { groupByStage, ICellStage, JumpMode, jumpModeOf } from './model';
import { stageLabel, textColorOn } from './stages';
import { IStagesChange, NotebookStageState } from './state';
import { el } from './dom';
import { DoctorSection, IDoctorDeps } from './doctorpanel';
import { convertedFiles, middleEllipsis } from './convertview';

export interface ISidebarActions {
  tag(stage: string | null): void;
  convert(): void;
  analyze(): void;
  jumpTo(index: number, how: JumpMode): void;
  /** Open a file (API path, relative to the server root) in the main area. */
  openFile?(path: string): void;
  /** The doctor section's server access; without it the sidebar has no doctor section. */
  doctor?: IDoctorDeps;
}

const CONVERT_LABEL = 'Convert to pipeline';

interface IGroupView {
  section: HTMLElement;
  header: HTMLElement;
  count: HTMLElement;
  list: HTMLElement;
  rows: HTMLElement[];
}

export class LifecycleSidebar extends Widget {
  constructor(readonly actions: ISidebarActions) {
    super();
    this.id = 'jp-lifecycle-sidebar';
    this.addClass('jp-lifecycle-sidebar');
    this.title.caption = 'Lifecycle stages';
    const node = this.node;
    const header = el('div', 'jp-lifecycle-header');
    this._title = el('div', 'jp-lifecycle-title', 'Lifecycle');
    const convert = el('button', 'jp-lifecycle-button jp-mod-accept', CONVERT_LABEL);
    convert.dataset.action = 'convert';
    convert.title = 'Save the notebook and convert it to a pipeline package (nb2pipe convert)';
    this._convertButton = convert;
    header.append(this._title, convert);
    this._chips = el('div', 'jp-lifecycle-chips');
    this._chips.setAttribute('role', 'toolbar');
    this._chips.setAttribute('aria-label', 'Tag the active or selected cells');
    this._diagnostics = el('div', 'jp-lifecycle-diagnostics');
    this._convertResult = el('div', 'jp-lifecycle-convert-result');
    this._groups = el('div', 'jp-lifecycle-groups');
    this._groups.setAttribute('role', 'tree');
    this._empty = el('div', 'jp-lifecycle-empty', 'Open a notebook to see its lifecycle stages.');
    this._doctor = actions.doctor ? new DoctorSection(actions.doctor) : null;
    // The header and the stage chips stay at the top while the cell list scrolls.
    const top = el('div', 'jp-lifecycle-sticky');
    top.append(header, this._chips);
    node.append(top, this._diagnostics);
    if (this._doctor) {
      node.append(this._doctor.node);
    }
    node.append(this._convertResult, this._groups, this._empty);
    node.addEventListener('click', this._onClick);
    this._renderEmpty();
  }

  get state(): NotebookStageState | null {
    return this._state;
  }

  /** Follow another notebook (or none). */
  setNotebook(panel: NotebookPanel | null, state: NotebookStageState | null): void {
    if (this._state) {
      this._state.changed.disconnect(this._onChanged, this);
      this._state.diagnosticsChanged.disconnect(this._renderDiagnostics, this);
      this._state.tableChanged.disconnect(this._renderChips, this);
    }
    if (this._panel) {
      this._panel.content.activeCellChanged.disconnect(this._onActiveCell, this);
    }
    this._panel = panel;
    this._state = state;
    this._groupViews.clear();
    this._rows = [];
    this._groups.replaceChildren();
    this._convertResult.replaceChildren();
    if (panel && state) {
      state.changed.connect(this._onChanged, this);
      state.diagnosticsChanged.connect(this._renderDiagnostics, this);
      state.tableChanged.connect(this._renderChips, this);
      panel.content.activeCellChanged.connect(this._onActiveCell, this);
      this._title.textContent = panel.context.localPath.split('/').pop() || 'Lifecycle';
      this._title.title = panel.context.path;
    }
    this._doctor?.setNotebook(panel, state ? () => state.table : null);
    this._renderEmpty();
    this._renderChips();
    this._renderDiagnostics();
    this.render({ indices: null, regroup: true });
  }

  get doctor(): DoctorSection | null {
    return this._doctor;
  }

  /** Show that a conversion runs: the button is disabled and reads "Converting…". */
  setConverting(busy: boolean): void {
    const button = this._convertButton;
    button.classList.toggle('jp-mod-busy', busy);
    button.textContent = busy ? 'Converting…' : CONVERT_LABEL;
    button.setAttribute('aria-busy', String(busy));
    this._busy = busy;
    this._renderEmpty();
  }

  /** Show what a conversion wrote (or why it wrote nothing): files relative to the package. */
  showConvertResult(result: IConvertResult | null, error?: string): void {
    const box = this._convertResult;
    box.replaceChildren();
    if (!result && !error) {
      return;
    }
    const title = el('div', 'jp-lifecycle-section-title');
    box.append(title);
    if (error) {
      title.textContent = 'Conversion failed';
      box.append(el('div', 'jp-lifecycle-message jp-mod-error', error));
      return;
    }
    const r = result!;
    const n = r.changed.length;
    title.textContent = r.written
      ? `Wrote ${r.out_dir}/ — ${n ? `${n} file${n > 1 ? 's' : ''} changed` : 'no file changed'}, ` +
        `${r.files.length} in the package`
      : `Nothing written: ${r.errors} error${r.errors === 1 ? '' : 's'}`;
    title.title = title.textContent;
    if (r.written) {
      const list = el('ul', 'jp-lifecycle-files');
      for (const file of convertedFiles(r)) {
        const item = el('li', '');
        const link = el('button', 'jp-lifecycle-file');
        const [head, tail] = middleEllipsis(file.name);
        link.append(el('span', 'jp-lifecycle-file-head', head), el('span', 'jp-lifecycle-file-tail', tail));
        link.dataset.action = 'open-file';
        link.dataset.path = file.path;
        link.title = `Open ${file.path}`;
        item.append(link);
        list.append(item);
      }
      box.append(list);
    }
  }

  /** Redraw after a state change: changed rows, then groups when a stage changed. */
  render(change: IStagesChange): void {
    const state = this._state;
    if (!state) {
      return;
    }
    const stages = state.stages;
    if (change.indices === null) {
      for (let i = 0; i < stages.length; i++) {
        this._renderRow(i, stages[i]);
      }
      this._rows.length = stages.length;
    } else {
      for (const i of change.indices) {
        if (stages[i]) {
          this._renderRow(i, stages[i]);
        }
      }
    }
    if (change.regroup || change.indices === null) {
      this._layoutGroups();
    }
  }

  private _onChanged(_: NotebookStageState, change: IStagesChange): void {
    this.render(change);
  }

  private _renderRow(index: number, cell: ICellStage): void {
    let row = this._rows[index];
    if (!row) {
      row = el('div', 'jp-lifecycle-row');
      row.setAttribute('role', 'treeitem');
      row.append(el('span', 'jp-lifecycle-row-count'), el('span', 'jp-lifecycle-row-text'));
      this._rows[index] = row;
    }
    row.dataset.index = String(index);
    row.dataset.stage = cell.stage;
    const count = row.firstChild as HTMLElement;
    const text = row.lastChild as HTMLElement;
    const countText =
      cell.cellType === 'code'
        ? `[${cell.executionCount ?? ' '}]`
        : cell.cellType === 'markdown'
          ? 'md'
          : 'raw';
    if (count.textContent !== countText) {
      count.textContent = countText;
    }
    const line = cell.firstLine || '(empty)';
    if (text.textContent !== line) {
      text.textContent = line;
    }
    row.classList.toggle('jp-lifecycle-inherited', cell.inherited);
    row.classList.toggle('jp-lifecycle-parameters', cell.isParameters);
    row.classList.toggle('jp-lifecycle-markdown', cell.cellType !== 'code');
    row.classList.toggle('jp-mod-warning', cell.unknownTags.length > 0 || cell.conflicting.length > 0);
    row.classList.toggle('jp-mod-active', this._panel?.content.activeCellIndex === index);
    row.title =
      (cell.isParameters ? 'parameters cell · ' : '') +
      (cell.inherited
        ? cell.cellType === 'code'
          ? `untagged: ${cell.stage}, the stage of the nearest tagged cell above that is not skip or explore`
          : `untagged heading: shows ${cell.stage}, the stage of its section`
        : `tagged ${cell.stage}`) +
      (cell.unknownTags.length ? ` · unknown tag ${cell.unknownTags.join(', ')}` : '');
  }

  private _layoutGroups(): void {
    const state = this._state!;
    const groups = groupByStage(state.stages, state.table);
    const wanted: HTMLElement[] = [];
    for (const group of groups) {
      const name = group.stage.name;
      let view = this._groupViews.get(name);
      if (!view) {
        view = this._makeGroup(name);
        this._groupViews.set(name, view);
      }
      view.section.style.setProperty('--jp-lifecycle-color', group.stage.color);
      view.section.style.setProperty('--jp-lifecycle-on-color', textColorOn(group.stage.color));
      view.count.textContent = String(group.cells.length);
      view.header.title = `${group.stage.description} (${group.stage.kind})`;
      const rows = group.cells.map(c => this._rows[c.index]);
      if (rows.length !== view.rows.length || rows.some((r, i) => r !== view!.rows[i])) {
        view.list.replaceChildren(...rows);
        view.rows = rows;
      }
      wanted.push(view.section);
    }
    const current = Array.from(this._groups.children);
    if (current.length !== wanted.length || wanted.some((s, i) => s !== current[i])) {
      this._groups.replaceChildren(...wanted);
    }
    for (const [name, view] of this._groupViews) {
      if (!wanted.includes(view.section)) {
        view.rows = [];
        view.list.replaceChildren();
        this._groupViews.delete(name);
      }
    }
  }

  private _makeGroup(name: string): IGroupView {
    const section = el('section', 'jp-lifecycle-group');
    section.dataset.stage = name;
    const header = el('div', 'jp-lifecycle-group-header');
    header.dataset.action = 'toggle-group';
    const chip = el('span', 'jp-lifecycle-chip', name);
    const count = el('span', 'jp-lifecycle-group-count');
    header.append(chip, count);
    const list = el('div', 'jp-lifecycle-group-list');
    list.setAttribute('role', 'group');
    section.append(header, list);
    return { section, header, count, list, rows: [] };
  }

  private _renderChips(): void {
    const chips = this._chips;
    chips.replaceChildren();
    const state = this._state;
    if (!state) {
      return;
    }
    chips.append(el('span', 'jp-lifecycle-chips-label', 'Tag cell(s):'));
    for (const stage of state.table.stages) {
      const chip = el('button', 'jp-lifecycle-chip jp-lifecycle-chip-button', stage.name);
      chip.dataset.action = 'tag';
      chip.dataset.stage = stage.name;
      chip.title = `Tag the active or selected cells as ${stageLabel(stage.name)}: ${stage.description}`;
      chip.style.setProperty('--jp-lifecycle-color', stage.color);
      chip.style.setProperty('--jp-lifecycle-on-color', textColorOn(stage.color));
      chips.append(chip);
    }
    const untag = el('button', 'jp-lifecycle-chip jp-lifecycle-untag', 'untag');
    untag.dataset.action = 'untag';
    untag.title = 'Remove the stage tag: the cells inherit the stage of the tagged cell above';
    chips.append(untag);
  }

  private _renderDiagnostics(): void {
    const box = this._diagnostics;
    box.replaceChildren();
    const state = this._state;
    if (!state) {
      return;
    }
    box.classList.toggle('jp-mod-collapsed', this._diagnosticsCollapsed);
    const header = el('div', 'jp-lifecycle-section-title');
    const diagnostics = state.diagnostics;
    const counts = countBySeverity(diagnostics);
    const status = state.analysisStatus;
    const summary =
      status === 'running'
        ? 'Analysing…'
        : status === 'idle'
          ? 'Not analysed yet'
          : diagnostics.length
            ? Object.entries(counts)
                .map(([k, n]) => `${n} ${k === 'info' ? 'note' : k}${n > 1 ? 's' : ''}`)
                .join(', ')
            : 'No problems found';
    const toggle = el('button', 'jp-lifecycle-collapse', `Diagnostics: ${summary}`);
    toggle.dataset.action = 'toggle-diagnostics';
    toggle.setAttribute('aria-expanded', String(!this._diagnosticsCollapsed));
    toggle.title = this._diagnosticsCollapsed ? 'Show the diagnostics' : 'Hide the diagnostics';
    header.append(toggle);
    const refresh = el('button', 'jp-lifecycle-link', 'refresh');
    refresh.dataset.action = 'analyze';
    refresh.title = 'Analyse the saved notebook again';
    header.append(refresh);
    box.append(header);
    if (this._diagnosticsCollapsed) {
      return;
    }
    const { problems, notes } = splitNotes(diagnostics);
    const list = el('ul', 'jp-lifecycle-diagnostic-list');
    for (const d of problems) {
      list.append(this._diagnosticItem(d));
    }
    if (notes.length) {
      const line = el('li', 'jp-lifecycle-notes-line');
      const more = el(
        'button',
        'jp-lifecycle-link',
        `${notes.length} note${notes.length > 1 ? 's' : ''} — ${this._notesShown ? 'hide' : 'show'}`
      );
      more.dataset.action = 'toggle-notes';
      more.setAttribute('aria-expanded', String(this._notesShown));
      line.append(more);
      list.append(line);
      if (this._notesShown) {
        for (const d of notes) {
          list.append(this._diagnosticItem(d));
        }
      }
    }
    box.append(list);
  }

  private _diagnosticItem(d: IMappedDiagnostic): HTMLElement {
    const item = el('li', `jp-lifecycle-diagnostic jp-mod-${d.severity}`);
    if (d.cellIndex !== null) {
      item.dataset.action = 'jump';
      item.dataset.index = String(d.cellIndex);
    }
    item.append(
      el('span', 'jp-lifecycle-severity', d.severity),
      el('span', 'jp-lifecycle-diagnostic-message', d.message),
      el('span', 'jp-lifecycle-diagnostic-where', `${describeLocation(d)} · ${d.code}`)
    );
    return item;
  }

  private _renderEmpty(): void {
    const none = !this._state;
    this._empty.hidden = !none;
    this._groups.hidden = none;
    this._convertButton.disabled = none || this._busy;
    if (none) {
      this._title.textContent = 'Lifecycle';
    }
  }

  private _onActiveCell(): void {
    const active = this._panel?.content.activeCellIndex ?? -1;
    this._rows.forEach((row, i) => {
      if (row.classList.contains('jp-mod-active') !== (i === active)) {
        row.classList.toggle('jp-mod-active', i === active);
      }
    });
  }

  private _onClick = (event: MouseEvent): void => {
    const target = (event.target as HTMLElement).closest('[data-action], .jp-lifecycle-row') as
      | HTMLElement
      | null;
    if (!target || !this.node.contains(target)) {
      return;
    }
    if (target.classList.contains('jp-lifecycle-row')) {
      this.actions.jumpTo(Number(target.dataset.index), jumpModeOf(event));
      return;
    }
    switch (target.dataset.action) {
      case 'tag':
        this.actions.tag(target.dataset.stage!);
        break;
      case 'untag':
        this.actions.tag(null);
        break;
      case 'convert':
        this.actions.convert();
        break;
      case 'analyze':
        this.actions.analyze();
        break;
      case 'jump':
        this.actions.jumpTo(Number(target.dataset.index), 'replace');
        break;
      case 'toggle-diagnostics':
        this._diagnosticsCollapsed = !this._diagnosticsCollapsed;
        this._renderDiagnostics();
        break;
      case 'toggle-notes':
        this._notesShown = !this._notesShown;
        this._renderDiagnostics();
        break;
      case 'open-file':
        this.actions.openFile?.(target.dataset.path!);
        break;
      case 'toggle-group':
        target.parentElement?.classList.toggle('jp-mod-collapsed');
        break;
    }
  };

  private _panel: NotebookPanel | null = null;
  private _convertButton: HTMLButtonElement;
  private _busy = false;
  private _diagnosticsCollapsed = false;
  private _notesShown = false;
  private _state: NotebookStageState | null = null;
  private _title: HTMLElement;
  private _chips: HTMLElement;
  private _diagnostics: HTMLElement;
  private _convertResult: HTMLElement;
  private _groups: HTMLElement;
  private _empty: HTMLElement;
  private _rows: HTMLElement[] = [];
  private _doctor: DoctorSection | null;
  private _groupViews = new Map<string, IGroupView>();
}
