/**
 * One NotebookStageState (+ binding, badges) per open notebook; the actions the sidebar,
 * commands and toolbar share: tag the selected cells, jump to a cell, analyse, convert.
 */

import { Notification, showDialog, Dialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IConvertResult, LifecycleAPI, LifecycleAPIError } from './api';
import { CellDecorator } from './badges';
import { JumpMode } from './model';
import { NotebookBinding } from './binding';
import { StageTable } from './stages';
import { NotebookStageState, tagCells } from './state';
import { ILifecycleModel } from './tokens';

/** The "package exists" question, for a GUI: what regenerating keeps, no command-line flags. */
export const EXISTS_DIALOG = {
  title: 'Replace the generated package?',
  body: (outDir: string) =>
    `The package ${outDir}/ already exists. Regenerating it rewrites the files generated from ` +
    'this notebook; files edited by hand are never overwritten.',
  accept: 'Regenerate'
};

export interface IConverting {
  panel: NotebookPanel;
  busy: boolean;
}

interface IEntry {
  state: NotebookStageState;
  binding: NotebookBinding | null;
  decorator: CellDecorator | null;
  /** Disconnects the notebook context's listeners. */
  disconnect: () => void;
}

export class LifecycleController implements ILifecycleModel, IDisposable {
  constructor(
    readonly tracker: INotebookTracker,
    readonly api: LifecycleAPI,
    readonly openFile: (path: string) => void,
    /** Ask the user whether to regenerate an existing package (a dialog; replaceable in tests). */
    readonly confirmRegenerate: (outDir: string) => Promise<boolean> = askRegenerate
  ) {
    tracker.widgetAdded.connect(this._onWidgetAdded, this);
    tracker.forEach(panel => this._track(panel));
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Stop following notebooks and take the badges, bindings and listeners off every one. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.tracker.widgetAdded.disconnect(this._onWidgetAdded, this);
    for (const panel of Array.from(this._entries.keys())) {
      this._untrack(panel);
    }
    Signal.clearData(this);
  }

  /** Emitted when a conversion starts (busy) and ends. */
  get converting(): ISignal<this, IConverting> {
    return this._converting;
  }

  /** Whether a conversion of this notebook is running. */
  isConverting(panel: NotebookPanel | null): boolean {
    return panel !== null && this._busy.has(panel);
  }

  /** Emitted when a notebook's state is ready (model bound), and on conversions. */
  get stateReady(): ISignal<this, NotebookPanel> {
    return this._stateReady;
  }

  get converted(): ISignal<this, { panel: NotebookPanel; result: IConvertResult | null; error?: string }> {
    return this._converted;
  }

  /** Whether to re-analyse after each save (setting). */
  autoAnalyze = true;

  stateOf(panel: NotebookPanel | null): NotebookStageState | null {
    return panel ? this._entries.get(panel)?.state ?? null : null;
  }

  get current(): NotebookPanel | null {
    return this.tracker.currentWidget;
  }

  /** The table used for commands when no notebook is open. */
  get table(): StageTable {
    return this.stateOf(this.current)?.table ?? new StageTable();
  }

  /** Tag the active cell, or every selected cell, of the current notebook. */
  tagSelected(stage: string | null, panel: NotebookPanel | null = this.current): number {
    const state = this.stateOf(panel);
    if (!panel || !state || !panel.content.model) {
      return 0;
    }
    const notebook = panel.content;
    const cells = notebook.widgets.filter(w => notebook.isSelectedOrActive(w)).map(w => w.model);
    const shared = panel.content.model.sharedModel;
    return tagCells(cells, stage, state.table, fn => shared.transact(fn));
  }

  /**
   * Make cell ``index`` the active cell (``replace``), extend the selection to it (Shift) or
   * toggle it in the selection (Ctrl/Cmd), and scroll it into view, leaving the notebook in
   * command mode with the keyboard on the notebook: never in a cell's editor, so the next
   * single-key shortcut acts on cells instead of being typed into code.
   *
   * ``Notebook.scrollToCell`` is not used: it resets the selection and activates the cell,
   * which focuses its editor and switches to edit mode.
   */
  jumpTo(index: number, how: JumpMode = 'replace', panel: NotebookPanel | null = this.current): void {
    if (!panel || index < 0 || index >= panel.content.widgets.length) {
      return;
    }
    const notebook = panel.content;
    notebook.mode = 'command';
    const cell = notebook.widgets[index];
    if (how === 'extend') {
      notebook.extendContiguousSelectionTo(index);
    } else if (how === 'toggle' && index !== notebook.activeCellIndex) {
      if (notebook.isSelected(cell)) {
        notebook.deselect(cell);
      } else {
        notebook.select(cell);
      }
    } else {
      notebook.deselectAll();
      notebook.activeCellIndex = index;
    }
    notebook.node.focus({ preventScroll: true });
    void notebook.scrollToItem(index, 'center').catch(() => undefined);
  }

  async analyze(panel: NotebookPanel | null = this.current): Promise<void> {
    const state = this.stateOf(panel);
    if (panel && state) {
      await state.analyze(panel.context.path);
    }
  }

  /** Save, convert with the server's `nb2pipe convert`, report, open pipeline.py. */
  async convert(panel: NotebookPanel | null = this.current, force = false): Promise<IConvertResult | null> {
    if (!panel || this._busy.has(panel)) {
      return null;
    }
    this._busy.add(panel);
    this._converting.emit({ panel, busy: true });
    let result: IConvertResult | null = null;
    try {
      result = await this._convert(panel, force);
    } finally {
      this._busy.delete(panel);
      this._converting.emit({ panel, busy: false });
    }
    if (result?.exists && !force) {
      // An expected answer, not an error: ask, then regenerate.
      if (await this.confirmRegenerate(result.out_dir)) {
        return this.convert(panel, true);
      }
      return null;
    }
    return result;
  }

  private async _convert(panel: NotebookPanel, force: boolean): Promise<IConvertResult | null> {
    await panel.context.ready;
    await panel.context.save();
    const path = panel.context.path;
    let result: IConvertResult;
    try {
      result = await this.api.convert(path, { force, ask: true });
    } catch (error) {
      const err = error as LifecycleAPIError;
      const where = err.location?.cell_index !== null && err.location?.cell_index !== undefined
        ? ` (cell ${err.location.cell_index}${err.location.line ? `, line ${err.location.line}` : ''})`
        : '';
      Notification.error(`Convert failed: ${err.message}${where}`, { autoClose: 8000 });
      this._converted.emit({ panel, result: null, error: `${err.message}${where}` });
      if (err.location?.cell_index !== null && err.location?.cell_index !== undefined) {
        this.jumpTo(err.location.cell_index, 'replace', panel);
      }
      return null;
    }
    if (result.exists) {
      return result;
    }
    this._converted.emit({ panel, result });
    if (result.written) {
      Notification.success(
        `Converted to ${result.out_dir}/ (package ${result.package}): ` +
          `${result.changed.length} file(s) changed`,
        { autoClose: 5000 }
      );
      if (result.pipeline) {
        this.openFile(result.pipeline);
      }
    } else {
      Notification.warning(
        `Nothing written: the notebook has ${result.errors} error(s); see Diagnostics in the Lifecycle sidebar`,
        { autoClose: 8000 }
      );
    }
    void this.analyze(panel);
    return result;
  }

  private _onWidgetAdded(_: INotebookTracker, panel: NotebookPanel): void {
    this._track(panel);
  }

  private _untrack(panel: NotebookPanel): void {
    const entry = this._entries.get(panel);
    if (!entry) {
      return;
    }
    this._entries.delete(panel);
    entry.disconnect();
    entry.decorator?.dispose();
    entry.binding?.dispose();
    entry.decorator = null;
    entry.binding = null;
  }

  private _track(panel: NotebookPanel): void {
    if (this._entries.has(panel)) {
      return;
    }
    const state = new NotebookStageState(this.api);
    const entry: IEntry = { state, binding: null, decorator: null, disconnect: () => undefined };
    this._entries.set(panel, entry);
    panel.disposed.connect(() => this._untrack(panel));
    void panel.context.ready.then(() => {
      if (panel.isDisposed || this._entries.get(panel) !== entry) {
        return;
      }
      entry.binding = new NotebookBinding(panel, state);
      entry.decorator = new CellDecorator(panel, state);
      this._stateReady.emit(panel);
      void state.loadTable(panel.context.path).then(() => {
        if (this.autoAnalyze) {
          void state.analyze(panel.context.path);
        }
      });
      const onSave = (_: unknown, saveState: string) => {
        if (saveState === 'completed' && this.autoAnalyze) {
          void state.analyze(panel.context.path);
        }
      };
      const onPath = () => void state.loadTable(panel.context.path);
      panel.context.saveState.connect(onSave);
      panel.context.pathChanged.connect(onPath);
      entry.disconnect = () => {
        panel.context.saveState.disconnect(onSave);
        panel.context.pathChanged.disconnect(onPath);
      };
    });
  }

  private _isDisposed = false;
  private _busy = new Set<NotebookPanel>();
  private _converting = new Signal<this, IConverting>(this);
  private _entries = new Map<NotebookPanel, IEntry>();
  private _stateReady = new Signal<this, NotebookPanel>(this);
  private _converted = new Signal<
    this,
    { panel: NotebookPanel; result: IConvertResult | null; error?: string }
  >(this);
}

async function askRegenerate(outDir: string): Promise<boolean> {
  const answer = await showDialog({
    title: EXISTS_DIALOG.title,
    body: EXISTS_DIALOG.body(outDir),
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: EXISTS_DIALOG.accept })]
  });
  return answer.button.accept;
}
