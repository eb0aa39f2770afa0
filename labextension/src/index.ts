/**
 * jupyter-lifecycle: the JupyterLab side of jupyter_lifecycle.
 *
 * - ``jupyter-lifecycle:plugin``: Lifecycle sidebar, cell badges, tag commands and shortcuts,
 *   cell-toolbar stage picker, property-inspector stage form, diagnostics, convert. Provides
 *   ``ILifecycleModel`` (tokens.ts).
 * - ``jupyter-lifecycle:runs``: the Runs panel, run detail and compare tabs in the main area,
 *   and the optional run capture in kernels. Requires ``ILifecycleModel``.
 */

import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IFormRendererRegistry } from '@jupyterlab/ui-components';

import { LifecycleAPI } from './api';
import { CommandIDs, LifecycleCommands } from './commands';
import { LifecycleController } from './controller';
import { runsIcon, stagesIcon } from './icons';
import { RunsPanel } from './runspanel';
import { RunTabs } from './runtabs';
import { LifecycleSidebar } from './sidebar';
import { stageFieldRenderer } from './stageform';
import { ILifecycleModel } from './tokens';

export { ILifecycleModel } from './tokens';

const PLUGIN_ID = 'jupyter-lifecycle:plugin';
const RUNS_PLUGIN_ID = 'jupyter-lifecycle:runs';
const CAPTURE_CODE = '%load_ext jupyter_lifecycle';

export const plugin: JupyterFrontEndPlugin<ILifecycleModel> = {
  id: PLUGIN_ID,
  description: 'Lifecycle stages of notebook cells: sidebar, badges, commands, diagnostics, convert.',
  autoStart: true,
  provides: ILifecycleModel,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer, IFormRendererRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    formRegistry: IFormRendererRegistry | null
  ): ILifecycleModel => {
    const api = new LifecycleAPI();
    const openFile = (path: string) => void app.commands.execute('docmanager:open', { path });
    const controller = new LifecycleController(tracker, api, openFile);
    const commands = new LifecycleCommands(app, controller, palette);

    const sidebar = new LifecycleSidebar({
      tag: stage => controller.tagSelected(stage),
      convert: () => void app.commands.execute(CommandIDs.convert),
      analyze: () => void controller.analyze(),
      jumpTo: (index, how) => controller.jumpTo(index, how),
      openFile,
      doctor: { api, jumpTo: (index, how) => controller.jumpTo(index, how) }
    });
    // Gone with the app (or a reload): commands, the stage submenu and every cell's badge.
    sidebar.disposed.connect(() => {
      commands.dispose();
      controller.dispose();
    });
    sidebar.title.icon = stagesIcon;
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, sidebar.id);
    app.commands.addCommand(CommandIDs.showSidebar, {
      label: 'Show Lifecycle sidebar',
      execute: () => app.shell.activateById(sidebar.id)
    });
    palette?.addItem({ command: CommandIDs.showSidebar, category: 'Lifecycle' });

    const follow = () => {
      const panel = tracker.currentWidget;
      const state = controller.stateOf(panel);
      if (panel && state && panel.content.model) {
        commands.ensureStageCommands(state.table);
        sidebar.setNotebook(panel, state);
      } else {
        sidebar.setNotebook(null, null);
      }
    };
    tracker.currentChanged.connect(follow);
    controller.stateReady.connect((_, panel) => {
      const state = controller.stateOf(panel)!;
      state.tableChanged.connect((_, table) => commands.ensureStageCommands(table));
      if (panel === tracker.currentWidget) {
        follow();
      }
    });
    controller.converted.connect((_, { panel, result, error }) => {
      if (panel === tracker.currentWidget) {
        sidebar.showConvertResult(result, error);
      }
    });
    controller.converting.connect((_, { panel, busy }) => {
      if (panel === tracker.currentWidget) {
        sidebar.setConverting(busy);
      }
    });
    tracker.currentChanged.connect(() =>
      sidebar.setConverting(controller.isConverting(tracker.currentWidget))
    );
    follow();

    formRegistry?.addRenderer(`${PLUGIN_ID}.stage-field`, {
      fieldRenderer: stageFieldRenderer(tracker, controller)
    });

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(settings => {
        const apply = () => {
          controller.autoAnalyze = settings.get('analyzeOnSave').composite !== false;
          document.body.classList.toggle(
            'jp-lifecycle-hide-badges',
            settings.get('showBadges').composite === false
          );
        };
        settings.changed.connect(apply);
        apply();
      }).catch(reason => console.error('jupyter-lifecycle: cannot load settings', reason));
    }
    return controller;
  }
};

export const runsPlugin: JupyterFrontEndPlugin<void> = {
  id: RUNS_PLUGIN_ID,
  description: 'The runs recorded for the active notebook, and optional run capture in kernels.',
  autoStart: true,
  requires: [INotebookTracker, ILifecycleModel],
  optional: [ISettingRegistry, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    model: ILifecycleModel,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    const tabs = new RunTabs(app.shell);
    const panel = new RunsPanel(model.api, tabs);
    panel.disposed.connect(() => tabs.dispose());
    panel.title.icon = runsIcon;
    app.shell.add(panel, 'left', { rank: 651 });
    restorer?.add(panel, panel.id);
    app.commands.addCommand(CommandIDs.showRuns, {
      label: 'Show Lifecycle runs',
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: CommandIDs.showRuns, category: 'Lifecycle' });
    const follow = () => panel.setPath(tracker.currentWidget?.context.path ?? null);
    tracker.currentChanged.connect(follow);
    follow();

    // Capture: `%load_ext jupyter_lifecycle`, silently, as the first request a new kernel gets
    // (requests queue until the kernel is connected, so it runs before any cell), and again
    // after each restart.
    let capture = false;
    const loaded = new WeakSet<Kernel.IKernelConnection>();
    const load = (kernel: Kernel.IKernelConnection | null | undefined) => {
      if (!capture || !kernel || kernel.isDisposed || loaded.has(kernel)) {
        return;
      }
      loaded.add(kernel);
      try {
        kernel.requestExecute({ code: CAPTURE_CODE, silent: true, store_history: false });
      } catch (reason) {
        loaded.delete(kernel);
        console.warn('jupyter-lifecycle: cannot load run capture', reason);
      }
    };
    const watch = (nb: NotebookPanel) => {
      nb.sessionContext.kernelChanged.connect((_, change) => load(change.newValue));
      nb.sessionContext.statusChanged.connect((_, status) => {
        const kernel = nb.sessionContext.session?.kernel;
        if (kernel && (status === 'restarting' || status === 'autorestarting')) {
          loaded.delete(kernel); // a restarted kernel has forgotten the extension
        } else if (status === 'idle') {
          load(kernel);
        }
        // A notebook run finishes: its run may have been recorded.
        if (status === 'idle' && nb === tracker.currentWidget && panel.isVisible) {
          scheduleRefresh();
        }
      });
      load(nb.sessionContext.session?.kernel);
    };
    let timer = 0;
    const scheduleRefresh = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void panel.refresh(), 1500);
    };
    tracker.widgetAdded.connect((_, nb) => watch(nb));
    tracker.forEach(watch);

    if (settingRegistry) {
      void settingRegistry.load(RUNS_PLUGIN_ID).then(settings => {
        const apply = () => {
          capture = settings.get('captureRuns').composite === true;
          if (capture) {
            tracker.forEach(nb => load(nb.sessionContext.session?.kernel));
          }
        };
        settings.changed.connect(apply);
        apply();
      }).catch(reason => console.error('jupyter-lifecycle: cannot load settings', reason));
    }
  }
};

export default [plugin, runsPlugin];
