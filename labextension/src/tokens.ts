/** What the Lifecycle plugin provides to other plugins (ours and other extensions'). */

import { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import { LifecycleAPI } from './api';
import { NotebookStageState } from './state';

/** The lifecycle model of the open notebooks: their stage states and the server API. */
export interface ILifecycleModel {
  /** The typed server API (``/jupyter-lifecycle/...``). */
  readonly api: LifecycleAPI;
  /** The stage state of an open notebook (null until its model is bound, or for none). */
  stateOf(panel: NotebookPanel | null): NotebookStageState | null;
  /** Emitted when a notebook's state is ready (its model bound). */
  readonly stateReady: ISignal<unknown, NotebookPanel>;
}

export const ILifecycleModel = new Token<ILifecycleModel>(
  'jupyter-lifecycle:ILifecycleModel',
  'The lifecycle stages of the open notebooks (effective stage of each cell, diagnostics) and ' +
    'the jupyter_lifecycle server API.'
);
