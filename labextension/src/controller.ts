/**
 * One NotebookStageState (+ binding, badges) per open notebook; the actions the sidebar,
 * commands and toolbar share: tag the selected cells, jump to a cell, analyse, convert.
 */

import { Notification, showDialog, Dialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { IConvertResult, LifecycleAPI, LifecycleAPIError } from './api';
import { CellDecorator } from './badges';
import { JumpMode } from './model';
import { NotebookBinding } from './binding';
import { StageTable } from './stages';
import { NotebookStageState, tagCells } from './state';

interface IEntry {
  state: NotebookStageState;
  binding: NotebookBinding | null;
  decorator: CellDecorator | null;
}

export class LifecycleController {
  constructor(
    readonly tracker: INotebookTracker,
    readonly api: LifecycleAPI,
    readonly openFile: (path: string) => void
  ) {
    tracker.widgetAdded.connect((_, panel) => this._track(panel));
    tracker.forEach(panel => this._track(panel));
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
    if (!panel) {
      return null;
    }
    await panel.context.ready;
    await panel.context.save();
    const path = panel.context.path;
    let result: IConvertResult;
    try {
      result = await this.api.convert(path, { force });
    } catch (error) {
      const err = error as LifecycleAPIError;
      if (err.status === 409 && !force) {
        const answer = await showDialog({
          title: 'The package already exists',
          body: `${err.message}\n\nRegenerate it? Only files that nb2pipe wrote and nobody edited are replaced.`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Regenerate' })]
        });
        if (answer.button.accept) {
          return this.convert(panel, true);
        }
        return null;
      }
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

  private _track(panel: NotebookPanel): void {
    if (this._entries.has(panel)) {
      return;
    }
    const state = new NotebookStageState(this.api);
    const entry: IEntry = { state, binding: null, decorator: null };
    this._entries.set(panel, entry);
    panel.disposed.connect(() => {
      entry.binding?.dispose();
      this._entries.delete(panel);
    });
    void panel.context.ready.then(() => {
      if (panel.isDisposed) {
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
      panel.context.saveState.connect((_, saveState) => {
        if (saveState === 'completed' && this.autoAnalyze) {
          void state.analyze(panel.context.path);
        }
      });
      panel.context.pathChanged.connect(() => void state.loadTable(panel.context.path));
    });
  }

  private _entries = new Map<NotebookPanel, IEntry>();
  private _stateReady = new Signal<this, NotebookPanel>(this);
  private _converted = new Signal<
    this,
    { panel: NotebookPanel; result: IConvertResult | null; error?: string }
  >(this);
}
