/** Main-area tabs of run details and comparisons: one tab per run or pair, focused when reopened. */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { runsIcon } from './icons';
import { IRunRecord } from './runs';
import { IRunsActions } from './runspanel';
import { compareViewId, RunCompareView, RunDetailView } from './runview';

export class RunTabs implements IRunsActions, IDisposable {
  constructor(readonly shell: JupyterFrontEnd.IShell) {}

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The open tab for a view id, if any. */
  find(id: string): MainAreaWidget | null {
    return this._open.get(id) ?? null;
  }

  openRun(run: IRunRecord): MainAreaWidget {
    return this._show(`jp-lifecycle-run-${run.run_id}`, () => new RunDetailView(run));
  }

  openCompare(a: IRunRecord, b: IRunRecord): MainAreaWidget {
    return this._show(compareViewId(a, b), () => new RunCompareView(a, b));
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const tab of Array.from(this._open.values())) {
      tab.dispose();
    }
    this._open.clear();
  }

  private _show(id: string, make: () => Widget): MainAreaWidget {
    let tab = this._open.get(id);
    if (!tab || tab.isDisposed) {
      const content = make();
      tab = new MainAreaWidget({ content });
      tab.id = `${id}-tab`;
      tab.addClass('jp-lifecycle-run-tab');
      tab.title.label = content.title.label;
      tab.title.caption = content.title.caption;
      tab.title.icon = runsIcon;
      tab.title.closable = true;
      this._open.set(id, tab);
      tab.disposed.connect(() => {
        if (this._open.get(id) === tab) {
          this._open.delete(id);
        }
      });
      this.shell.add(tab, 'main');
    }
    this.shell.activateById(tab.id);
    return tab;
  }

  private _isDisposed = false;
  private _open = new Map<string, MainAreaWidget>();
}
