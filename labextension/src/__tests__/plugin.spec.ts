/**
 * The plugins share the lifecycle model through a Token; the controller and the commands take
 * everything they added off again (badges, listeners, commands, the stage submenu); convert
 * handles "the package exists" as an answer (a question to the user), not as an error.
 */
import { CommandRegistry } from '@lumino/commands';
import { DisposableDelegate } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

import { IRequester, LifecycleAPI } from '../api';
import { CommandIDs, LifecycleCommands } from '../commands';
import { EXISTS_DIALOG, LifecycleController } from '../controller';
import plugins, { ILifecycleModel } from '../index';

function fakePanel(): any {
  const cellNode = document.createElement('div');
  const panel: any = {
    isDisposed: false,
    context: {
      ready: Promise.resolve(),
      path: 'dir/nb.ipynb',
      save: async () => undefined,
      saveState: new Signal<any, string>({}),
      pathChanged: new Signal<any, string>({})
    },
    content: { model: null, widgets: [{ node: cellNode }], activeCellChanged: new Signal<any, any>({}) }
  };
  panel.disposed = new Signal<any, void>(panel);
  return panel;
}

function fakeTracker(panel: any): any {
  return { widgetAdded: new Signal<any, any>({}), currentWidget: panel, forEach: (fn: (p: any) => void) => fn(panel) };
}

function requester(answers: (endPoint: string, init?: RequestInit) => unknown, log: string[]): IRequester {
  return {
    request: async <T>(endPoint: string, init?: RequestInit) => {
      log.push(init?.body ? `${endPoint} ${init.body}` : endPoint);
      return answers(endPoint, init) as T;
    }
  };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('plugins', () => {
  it('provide the lifecycle model through a token the runs plugin requires', () => {
    const [main, runs] = plugins;
    expect(main.provides).toBe(ILifecycleModel);
    expect(runs.requires).toContain(ILifecycleModel);
    expect(ILifecycleModel.name).toBe('jupyter-lifecycle:ILifecycleModel');
  });
});

describe('LifecycleController', () => {
  it('takes the badges off and stops listening when the notebook or the controller goes away', async () => {
    const panel = fakePanel();
    const log: string[] = [];
    const api = new LifecycleAPI(requester(() => null, log));
    const controller = new LifecycleController(fakeTracker(panel), api, () => undefined);
    await flush();
    const state = controller.stateOf(panel)!;
    const node: HTMLElement = panel.content.widgets[0].node;
    state.setCells([{ id: 'a', cellType: 'code', tags: ['lifecycle:train'], source: 'x = 1', executionCount: null }]);
    expect(node.querySelector('.jp-lifecycle-badge')!.textContent).toBe('train');

    panel.disposed.emit(undefined);
    expect(node.querySelector('.jp-lifecycle-badge')).toBeNull();
    expect(controller.stateOf(panel)).toBeNull();
    state.setCells([{ id: 'a', cellType: 'code', tags: ['lifecycle:test'], source: 'x = 1', executionCount: null }]);
    expect(node.querySelector('.jp-lifecycle-badge')).toBeNull();

    const other = fakePanel();
    const second = new LifecycleController(fakeTracker(other), api, () => undefined);
    await flush();
    second.stateOf(other)!.setCells([{ id: 'b', cellType: 'code', tags: [], source: '', executionCount: null }]);
    expect(other.content.widgets[0].node.querySelector('.jp-lifecycle-badge')).not.toBeNull();
    second.dispose();
    expect(second.isDisposed).toBe(true);
    expect(other.content.widgets[0].node.querySelector('.jp-lifecycle-badge')).toBeNull();
    expect(second.stateOf(other)).toBeNull();
  });

  it('asks before regenerating an existing package, then converts with force', async () => {
    const panel = fakePanel();
    const log: string[] = [];
    const written = {
      exists: false, package: 'nb_pipeline', out_dir: 'dir/nb_pipeline', written: true, files: ['pyproject.toml'],
      changed: [], diagnostics: [], errors: 0, pipeline: 'dir/nb_pipeline/src/nb_pipeline/pipeline.py'
    };
    const api = new LifecycleAPI(
      requester((endPoint, init) => {
        if (endPoint !== 'convert') {
          return null;
        }
        const body = JSON.parse(String(init!.body));
        return body.force ? written : { ...written, exists: true, written: false, pipeline: null };
      }, log)
    );
    const asked: string[] = [];
    const opened: string[] = [];
    const busy: boolean[] = [];
    const controller = new LifecycleController(fakeTracker(panel), api, p => opened.push(p), async outDir => {
      asked.push(outDir);
      return true;
    });
    controller.converting.connect((_, c) => busy.push(c.busy));
    await flush();
    const result = await controller.convert(panel);
    expect(asked).toEqual(['dir/nb_pipeline']);
    expect(log.filter(l => l.startsWith('convert'))).toEqual([
      'convert {"path":"dir/nb.ipynb","force":false,"ask":true}',
      'convert {"path":"dir/nb.ipynb","force":true,"ask":true}'
    ]);
    expect(result!.written).toBe(true);
    expect(opened).toEqual(['dir/nb_pipeline/src/nb_pipeline/pipeline.py']);
    expect(busy).toEqual([true, false, true, false]);
    expect(controller.isConverting(panel)).toBe(false);
  });

  it('words the "package exists" question for a GUI', () => {
    const text = `${EXISTS_DIALOG.title} ${EXISTS_DIALOG.body('dir/nb_pipeline')} ${EXISTS_DIALOG.accept}`;
    expect(text).not.toMatch(/--\w/);
    expect(EXISTS_DIALOG.title).toMatch(/^[A-Z][a-z ]+\?$/); // sentence case
    expect(EXISTS_DIALOG.body('x')).toContain('files edited by hand are never overwritten');
  });
});

describe('LifecycleCommands', () => {
  it('removes its commands, menu items and the stage submenu when disposed', () => {
    const commands = new CommandRegistry();
    const contextItems: DisposableDelegate[] = [];
    const app: any = {
      commands,
      contextMenu: {
        addItem: () => {
          const d = new DisposableDelegate(() => undefined);
          contextItems.push(d);
          return d;
        }
      }
    };
    const controller: any = { current: null, table: undefined, stateOf: () => null };
    const lc = new LifecycleCommands(app, controller, null);
    expect(commands.hasCommand(CommandIDs.untag)).toBe(true);
    expect(commands.hasCommand('jupyter-lifecycle:tag-train')).toBe(true);
    const menu = lc.stageMenu;
    lc.dispose();
    expect(commands.hasCommand(CommandIDs.untag)).toBe(false);
    expect(commands.hasCommand('jupyter-lifecycle:tag-train')).toBe(false);
    expect(menu.isDisposed).toBe(true);
    expect(contextItems.length).toBe(2);
    expect(contextItems.every(d => d.isDisposed)).toBe(true);
  });
});
