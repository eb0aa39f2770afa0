/** Commands: one per stage ("Tag cell as Train"), untag, pick a stage, convert, analyse. */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { DisposableSet, IDisposable } from '@lumino/disposable';
import { Menu } from '@lumino/widgets';

import { LifecycleController } from './controller';
import { pipelineIcon, tagIcon } from './icons';
import { DEFAULT_TABLE, stageLabel, StageTable } from './stages';

export const CATEGORY = 'Lifecycle';

export namespace CommandIDs {
  export const tagPrefix = 'jupyter-lifecycle:tag-';
  export const untag = 'jupyter-lifecycle:untag';
  export const pickStage = 'jupyter-lifecycle:pick-stage';
  export const convert = 'jupyter-lifecycle:convert';
  export const analyze = 'jupyter-lifecycle:analyze';
  export const showSidebar = 'jupyter-lifecycle:show-sidebar';
  export const showRuns = 'jupyter-lifecycle:show-runs';
}

export function tagCommandId(stage: string): string {
  return `${CommandIDs.tagPrefix}${stage}`;
}

export class LifecycleCommands implements IDisposable {
  constructor(
    readonly app: JupyterFrontEnd,
    readonly controller: LifecycleController,
    readonly palette: ICommandPalette | null
  ) {
    const { commands } = app;
    const hasNotebook = () => controller.current !== null;
    // The cell context menu's "Lifecycle Stage" submenu, filled as stage commands appear.
    this._stageMenu = new Menu({ commands });
    this._stageMenu.title.label = 'Lifecycle Stage';
    this._stageMenu.id = 'jp-lifecycle-stage-submenu';
    this.ensureStageCommands(new StageTable(DEFAULT_TABLE));

    const own = (d: IDisposable) => this._disposables.add(d);
    own(commands.addCommand(CommandIDs.untag, {
      label: 'Remove cell stage tag',
      caption: 'Remove lifecycle:* tags: the cell inherits the stage of the tagged cell above',
      isEnabled: hasNotebook,
      execute: () => controller.tagSelected(null)
    }));
    own(commands.addCommand(CommandIDs.pickStage, {
      label: args => (args.toolbar ? '' : 'Pick cell stage…'),
      caption: 'Set the lifecycle stage of the active or selected cells',
      icon: tagIcon,
      isEnabled: hasNotebook,
      execute: () => this.openStageMenu()
    }));
    own(commands.addCommand(CommandIDs.convert, {
      label: 'Convert to pipeline',
      caption: 'Save the notebook and convert it to a tested pipeline package (nb2pipe convert)',
      icon: args => (args.toolbar ? pipelineIcon : undefined),
      isEnabled: hasNotebook,
      execute: () => controller.convert()
    }));
    own(commands.addCommand(CommandIDs.analyze, {
      label: 'Analyse notebook stages',
      caption: 'Refresh the converter diagnostics of the saved notebook',
      isEnabled: hasNotebook,
      execute: () => controller.analyze()
    }));
    this._stageMenu.addItem({ type: 'separator' });
    this._stageMenu.addItem({ command: CommandIDs.untag });
    own(app.contextMenu.addItem({ type: 'separator', selector: '.jp-Notebook .jp-Cell', rank: 20 }));
    own(
      app.contextMenu.addItem({
        type: 'submenu',
        submenu: this._stageMenu,
        selector: '.jp-Notebook .jp-Cell',
        rank: 20
      })
    );
    own(this._stageMenu);
    if (palette) {
      for (const command of [CommandIDs.untag, CommandIDs.pickStage, CommandIDs.convert, CommandIDs.analyze]) {
        own(palette.addItem({ command, category: CATEGORY }));
      }
    }
  }

  get isDisposed(): boolean {
    return this._disposables.isDisposed;
  }

  /** The stage submenu of the cell context menu (disposed with the commands). */
  get stageMenu(): Menu {
    return this._stageMenu;
  }

  /** Remove every command, palette item and menu item, and dispose the stage submenu. */
  dispose(): void {
    this._disposables.dispose();
  }

  /** Register "Tag cell as X" for every stage of a table that has none yet (custom stages). */
  ensureStageCommands(table: StageTable): void {
    const { commands } = this.app;
    for (const stage of table.stages) {
      const id = tagCommandId(stage.name);
      if (commands.hasCommand(id)) {
        continue;
      }
      if (this.isDisposed) {
        return;
      }
      this._disposables.add(commands.addCommand(id, {
        label: `Tag cell as ${stageLabel(stage.name)}`,
        caption: `Tag the active or selected cells lifecycle:${stage.name} (${stage.description})`,
        isEnabled: () => this.controller.current !== null,
        isToggled: () => this._activeStage() === stage.name,
        execute: () => this.controller.tagSelected(stage.name)
      }));
      const item = this.palette?.addItem({ command: id, category: CATEGORY });
      if (item) {
        this._disposables.add(item);
      }
      const untag = this._stageMenu.items.findIndex(item => item.type === 'separator');
      if (untag >= 0) {
        this._stageMenu.insertItem(untag, { command: id });
      } else {
        this._stageMenu.addItem({ command: id });
      }
    }
  }

  /** A menu of the current table's stages, at the active cell's toolbar (or the cell). */
  openStageMenu(): void {
    const table = this.controller.table;
    this.ensureStageCommands(table);
    const menu = new Menu({ commands: this.app.commands });
    menu.addClass('jp-lifecycle-stage-menu');
    for (const stage of table.stages) {
      menu.addItem({ command: tagCommandId(stage.name) });
    }
    menu.addItem({ type: 'separator' });
    menu.addItem({ command: CommandIDs.untag });
    const cell = this.controller.current?.content.activeCell;
    const anchor =
      (cell?.node.querySelector('.jp-cell-toolbar') as HTMLElement | null) ?? cell?.node ?? document.body;
    const rect = anchor.getBoundingClientRect();
    menu.open(rect.left, rect.bottom);
  }

  private _stageMenu: Menu;
  private _disposables = new DisposableSet();

  private _activeStage(): string | null {
    const panel = this.controller.current;
    const state = this.controller.stateOf(panel);
    const index = panel?.content.activeCellIndex ?? -1;
    return state && index >= 0 ? state.stages[index]?.explicitStage ?? null : null;
  }
}
