/**
 * Main-area views of recorded runs: one run's detail, and two runs compared (params, metrics
 * with B − A deltas, environment and git differences, per-stage timings as bars, data
 * fingerprints). Plain DOM tables; the bars are divs sized in percent.
 */

import { Widget } from '@lumino/widgets';

import { el } from './dom';
import {
  diffRuns,
  environmentOf,
  fingerprintsOf,
  formatDelta,
  formatDuration,
  formatStarted,
  formatValue,
  gitOf,
  ICompareRow,
  IDiffRow,
  IRunRecord,
  IStageTiming,
  stageTimings
} from './runs';

export function shortId(run: IRunRecord): string {
  return run.run_id.slice(0, 8);
}

function section(title: string, ...content: HTMLElement[]): HTMLElement {
  const box = el('section', 'jp-lifecycle-view-section');
  box.dataset.section = title.toLowerCase();
  box.append(el('h3', 'jp-lifecycle-view-heading', title), ...content);
  return box;
}

function cell(tag: 'td' | 'th', text: string, className = ''): HTMLElement {
  const node = el(tag, className, text);
  node.title = text;
  return node;
}

function table(headers: string[], rows: HTMLElement[]): HTMLElement {
  const t = el('table', 'jp-lifecycle-view-table');
  const head = el('tr', '');
  head.append(...headers.map(h => cell('th', h)));
  t.append(el('thead', ''), el('tbody', ''));
  t.tHead!.append(head);
  t.tBodies[0].append(...rows);
  return t;
}

function empty(text: string): HTMLElement {
  return el('div', 'jp-lifecycle-dim jp-lifecycle-view-empty', text);
}

/** The rows of a text section; unchanged rows are hidden behind a "show N unchanged" toggle. */
function diffTable(rows: IDiffRow[], a: string, b: string): HTMLElement {
  if (!rows.length) {
    return empty('not recorded');
  }
  const trs = rows.map(r => {
    const tr = el('tr', r.changed ? 'jp-mod-changed' : 'jp-lifecycle-same');
    tr.append(cell('td', r.key, 'jp-lifecycle-view-key'), cell('td', r.a), cell('td', r.b));
    return tr;
  });
  const changed = rows.filter(r => r.changed).length;
  const box = el('div', 'jp-lifecycle-view-diff jp-mod-hide-same');
  const note = el(
    'button',
    'jp-lifecycle-link',
    changed === rows.length ? '' : `${rows.length - changed} unchanged — show`
  );
  note.dataset.action = 'toggle-same';
  note.hidden = changed === rows.length;
  box.append(table(['', a, b], trs), note);
  if (!changed) {
    box.prepend(empty('no difference'));
  }
  return box;
}

function valueRows(rows: ICompareRow[]): HTMLElement[] {
  return rows.map(r => {
    const tr = el('tr', r.changed ? 'jp-mod-changed' : '');
    const delta = cell('td', formatDelta(r), 'jp-lifecycle-delta');
    if (r.delta !== null && r.changed) {
      delta.classList.add(r.delta > 0 ? 'jp-mod-up' : 'jp-mod-down');
    }
    tr.append(cell('td', r.key, 'jp-lifecycle-view-key'), cell('td', r.a), cell('td', r.b), delta);
    return tr;
  });
}

/** Horizontal bars, one row per stage and one bar per run. */
function timingChart(timings: IStageTiming[], labels: string[]): HTMLElement {
  if (!timings.length) {
    return empty('no stage timings recorded');
  }
  const chart = el('div', 'jp-lifecycle-bars');
  chart.setAttribute('role', 'img');
  chart.setAttribute(
    'aria-label',
    timings
      .map(t => `${t.stage}: ${t.durations.map(d => formatDuration(d) || '–').join(' vs ')}`)
      .join('; ')
  );
  for (const t of timings) {
    const row = el('div', 'jp-lifecycle-bar-row');
    row.dataset.stage = t.stage;
    row.append(el('span', 'jp-lifecycle-bar-stage', t.stage));
    const bars = el('div', 'jp-lifecycle-bar-group');
    t.durations.forEach((d, i) => {
      const line = el('div', `jp-lifecycle-bar-line jp-mod-run-${i}`);
      const bar = el('span', 'jp-lifecycle-bar');
      bar.style.width = `calc((100% - 70px) * ${t.shares[i].toFixed(4)})`;
      line.title = `${labels[i]}: ${formatDuration(d) || 'not run'}`;
      line.append(bar, el('span', 'jp-lifecycle-bar-value', formatDuration(d) || '–'));
      bars.append(line);
    });
    row.append(bars);
    chart.append(row);
  }
  return chart;
}

abstract class RunView extends Widget {
  constructor() {
    super();
    this.addClass('jp-lifecycle-run-view');
    this.node.tabIndex = -1;
    this.node.addEventListener('click', event => {
      const target = (event.target as HTMLElement).closest('[data-action="toggle-same"]');
      if (target) {
        const box = target.parentElement!;
        const hidden = box.classList.toggle('jp-mod-hide-same');
        target.textContent = target.textContent!.replace(/show|hide/, hidden ? 'show' : 'hide');
      }
    });
  }
}

/** One run: when and how it ran, its params and metrics, stage timings, environment, data. */
export class RunDetailView extends RunView {
  constructor(readonly run: IRunRecord) {
    super();
    this.addClass('jp-lifecycle-run-detail');
    const id = shortId(run);
    this.id = `jp-lifecycle-run-${run.run_id}`;
    this.title.label = `Run ${id}`;
    this.title.caption = `Run ${run.run_id}`;
    const facts = el('div', 'jp-lifecycle-view-facts');
    for (const [k, v] of [
      ['status', run.status ?? ''],
      ['kind', run.kind ?? ''],
      ['started', formatStarted(run.started)],
      ['duration', formatDuration(run.duration_s)]
    ]) {
      const f = el('span', 'jp-lifecycle-view-fact');
      f.append(el('span', 'jp-lifecycle-dim', k), el('span', '', v || '–'));
      facts.append(f);
    }
    const pairs = (values: { [k: string]: unknown } | null | undefined) => {
      const keys = Object.keys(values || {}).sort();
      return keys.length
        ? table(
            ['', 'value'],
            keys.map(k => {
              const tr = el('tr', '');
              tr.append(cell('td', k, 'jp-lifecycle-view-key'), cell('td', formatValue(values![k])));
              return tr;
            })
          )
        : empty('none recorded');
    };
    this.node.append(
      el('h2', 'jp-lifecycle-view-title', `Run ${id}`),
      facts,
      section('Params', pairs(run.params)),
      section('Metrics', pairs(run.metrics)),
      section('Stage timings', timingChart(stageTimings([run]), [id])),
      section('Environment', pairs(environmentOf(run))),
      section('Git', pairs(gitOf(run))),
      section('Data fingerprints', pairs(fingerprintsOf(run)))
    );
  }
}

/** Two runs side by side; A is the older run, deltas read B − A. */
export class RunCompareView extends RunView {
  constructor(first: IRunRecord, second: IRunRecord) {
    super();
    this.addClass('jp-lifecycle-run-compare');
    const [a, b] = [first, second];
    this.id = compareViewId(a, b);
    const la = `A ${shortId(a)}`;
    const lb = `B ${shortId(b)}`;
    this.title.label = `Compare ${shortId(a)} · ${shortId(b)}`;
    this.title.caption = `Runs ${a.run_id} (A) and ${b.run_id} (B)`;
    const diff = diffRuns(a, b);
    const legend = el('div', 'jp-lifecycle-view-facts');
    for (const [i, run, label] of [[0, a, la], [1, b, lb]] as const) {
      const f = el('span', `jp-lifecycle-view-fact jp-mod-run-${i}`);
      f.append(
        el('span', 'jp-lifecycle-bar-swatch'),
        el('span', '', `${label} · ${run.status ?? ''} · ${formatStarted(run.started)} · ${formatDuration(run.duration_s)}`)
      );
      legend.append(f);
    }
    const values = (rows: ICompareRow[]) =>
      rows.length ? table(['', la, lb, 'B − A'], valueRows(rows)) : empty('none recorded');
    this.node.append(
      el('h2', 'jp-lifecycle-view-title', `Compare runs ${shortId(a)} and ${shortId(b)}`),
      legend,
      section('Metrics', values(diff.metrics)),
      section('Params', values(diff.params)),
      section('Stage timings', timingChart(diff.timings, [la, lb])),
      section('Environment', diffTable(diff.environment, la, lb)),
      section('Git', diffTable(diff.git, la, lb)),
      section('Data fingerprints', diffTable(diff.fingerprints, la, lb))
    );
  }
}

export function compareViewId(a: IRunRecord, b: IRunRecord): string {
  return `jp-lifecycle-compare-${a.run_id}-${b.run_id}`;
}
