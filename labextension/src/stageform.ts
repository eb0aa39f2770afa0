/**
 * The stage picker of the property inspector (``jupyter.lab.metadataforms`` in the schema):
 * a select that shows the active cell's effective stage and writes its ``lifecycle:*`` tag.
 */

import { INotebookTracker } from '@jupyterlab/notebook';
import React from 'react';

import { LifecycleController } from './controller';

export function stageFieldRenderer(
  tracker: INotebookTracker,
  controller: LifecycleController
): (props: unknown) => JSX.Element {
  return function StageField(): JSX.Element {
    const [, setTick] = React.useState(0);
    React.useEffect(() => {
      const rerender = () => setTick(t => t + 1);
      tracker.activeCellChanged.connect(rerender);
      let cell = tracker.activeCell;
      cell?.model.metadataChanged.connect(rerender);
      const follow = () => {
        cell?.model.metadataChanged.disconnect(rerender);
        cell = tracker.activeCell;
        cell?.model.metadataChanged.connect(rerender);
      };
      tracker.activeCellChanged.connect(follow);
      return () => {
        tracker.activeCellChanged.disconnect(rerender);
        tracker.activeCellChanged.disconnect(follow);
        cell?.model.metadataChanged.disconnect(rerender);
      };
    }, []);
    const panel = tracker.currentWidget;
    const state = controller.stateOf(panel);
    const index = panel?.content.activeCellIndex ?? -1;
    const info = state && index >= 0 ? state.stages[index] : undefined;
    const table = controller.table;
    const value = info?.explicitStage ?? '';
    const onChange = (event: React.ChangeEvent<HTMLSelectElement>) => {
      controller.tagSelected(event.target.value || null);
    };
    const options = [
      React.createElement(
        'option',
        { key: '', value: '' },
        info ? `(untagged: inherits ${info.stage})` : '(untagged)'
      ),
      ...table.stages.map(s =>
        React.createElement('option', { key: s.name, value: s.name }, `${s.name} — ${s.description}`)
      )
    ];
    return React.createElement(
      'div',
      { className: 'jp-lifecycle-stage-field form-group' },
      React.createElement('label', { className: 'control-label' }, 'Lifecycle stage'),
      React.createElement(
        'select',
        {
          className: 'form-control jp-lifecycle-stage-select',
          value,
          onChange,
          disabled: !info,
          'aria-label': 'Lifecycle stage'
        },
        ...options
      )
    );
  };
}
