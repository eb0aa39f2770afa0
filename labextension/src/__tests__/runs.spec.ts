/** Run comparison logic and the main-area run views (jsdom). */
import { Widget } from '@lumino/widgets';

import { IRequester, LifecycleAPI } from '../api';
import { diffRuns, formatDelta, IRunRecord, olderFirst, stageTimings } from '../runs';
import { RunsPanel } from '../runspanel';
import { RunTabs } from '../runtabs';
import { RunCompareView, RunDetailView } from '../runview';

function run(id: string, day: number, extra: Partial<IRunRecord> = {}): IRunRecord {
  return {
    run_id: id.repeat(8),
    kind: 'interactive',
    status: 'completed',
    started: `2026-11-${day}T10:00:00Z`,
    duration_s: 3,
    params: { n: day },
    metrics: {},
    ...extra
  };
}

const A = run('a', 20, {
  metrics: { accuracy: 0.9, max_depth_score: 4, same: 1 },
  stages: { ingest: { duration_s: 1, cells: 1 }, train: { duration_s: 4, cells: 2 } },
  environment: { python: '3.11.2', implementation: 'CPython', platform: 'linux', packages: { numpy: '1.26', pandas: '2.1' } },
  git: { commit: '0123456789abcdef', branch: 'main', dirty: false },
  data: [{ path: 'data/iris.csv', sha256: 'aaaaaaaaaaaaaaaaaaaa', size: 10 }],
  fingerprints: { prepare: { X: 'f00dfeedcafe0001' } }
});
const B = run('b', 21, {
  metrics: { accuracy: 0.945, max_depth_score: 2, same: 1 },
  stages: { ingest: { duration_s: 1, cells: 1 }, train: { duration_s: 2, cells: 2 } },
  environment: { python: '3.11.2', implementation: 'CPython', platform: 'linux', packages: { numpy: '2.0', pandas: '2.1' } },
  git: { commit: 'fedcba9876543210', branch: 'main', dirty: true },
  data: [{ path: 'data/iris.csv', sha256: 'bbbbbbbbbbbbbbbbbbbb', size: 10 }],
  fingerprints: { prepare: { X: 'f00dfeedcafe0001' } }
});

describe('run comparison', () => {
  it('gives metric deltas B − A with their sign and relative to A', () => {
    const diff = diffRuns(A, B);
    const byKey = Object.fromEntries(diff.metrics.map(r => [r.key, formatDelta(r)]));
    expect(byKey).toEqual({ accuracy: '+0.045 (+5%)', max_depth_score: '−2 (−50%)', same: '' });
    expect(formatDelta({ delta: 3, relative: null, changed: true })).toBe('+3');
  });

  it('lists environment, git and data differences', () => {
    const diff = diffRuns(A, B);
    const changed = (rows: { key: string; changed: boolean }[]) => rows.filter(r => r.changed).map(r => r.key);
    expect(changed(diff.environment)).toEqual(['package numpy']);
    expect(changed(diff.git)).toEqual(['commit', 'dirty']);
    expect(changed(diff.fingerprints)).toEqual(['data data/iris.csv']);
    expect(diff.fingerprints.find(r => r.key === 'prepare.X')!.changed).toBe(false);
    expect(diff.git.find(r => r.key === 'commit')!.a).toBe('0123456789ab');
  });

  it('scales stage bars to the longest stage of both runs', () => {
    expect(stageTimings([A, B])).toEqual([
      { stage: 'ingest', durations: [1, 1], shares: [0.25, 0.25] },
      { stage: 'train', durations: [4, 2], shares: [1, 0.5] }
    ]);
    expect(stageTimings([run('c', 1)])).toEqual([]);
  });

  it('reads the older run as A', () => {
    expect(olderFirst(B, A)).toEqual([A, B]);
    expect(olderFirst(A, B)).toEqual([A, B]);
  });
});

describe('run views', () => {
  it('shows every section of a comparison, with a bar per stage and run', () => {
    const view = new RunCompareView(A, B);
    const sections = Array.from(view.node.querySelectorAll('.jp-lifecycle-view-section')).map(
      s => s.getAttribute('data-section')
    );
    expect(sections).toEqual(['metrics', 'params', 'stage timings', 'environment', 'git', 'data fingerprints']);
    expect(view.node.querySelectorAll('.jp-lifecycle-bar')).toHaveLength(4);
    const train = view.node.querySelector('.jp-lifecycle-bar-row[data-stage="train"]')!;
    expect(Array.from(train.querySelectorAll('.jp-lifecycle-bar-value')).map(v => v.textContent)).toEqual(['4 s', '2 s']);
    const accuracy = Array.from(view.node.querySelectorAll('tr')).find(tr => tr.textContent!.startsWith('accuracy'))!;
    expect(accuracy.querySelector('.jp-lifecycle-delta')!.textContent).toBe('+0.045 (+5%)');
    expect(accuracy.querySelector('.jp-lifecycle-delta')!.classList.contains('jp-mod-up')).toBe(true);
    // unchanged environment rows are hidden behind one toggle
    const env = view.node.querySelector('[data-section="environment"]')!;
    expect(env.querySelector('[data-action="toggle-same"]')!.textContent).toBe('4 unchanged — show');
    // a long name is never broken: the full text is on hover
    const cellNode = Array.from(view.node.querySelectorAll('td')).find(td => td.textContent === 'max_depth_score')!;
    expect(cellNode.title).toBe('max_depth_score');
  });

  it('shows one run', () => {
    const view = new RunDetailView(A);
    expect(view.title.label).toBe('Run aaaaaaaa');
    expect(view.node.querySelector('[data-section="metrics"]')!.textContent).toContain('accuracy0.9');
    expect(view.node.querySelectorAll('.jp-lifecycle-bar')).toHaveLength(2);
  });
});

class FakeShell {
  added: Widget[] = [];
  activated: string[] = [];
  add(widget: Widget): void {
    this.added.push(widget);
    Widget.attach(widget, document.body);
  }
  activateById(id: string): void {
    this.activated.push(id);
  }
}

describe('runs panel and tabs', () => {
  it('opens a run on a row click, and the compare tab of the two ticked runs (older first)', async () => {
    const requester: IRequester = { request: async <T>() => ({ runs: [B, A], store: '.lifecycle/runs.sqlite' }) as unknown as T };
    const calls: string[][] = [];
    const panel = new RunsPanel(new LifecycleAPI(requester), {
      openRun: r => calls.push(['run', r.run_id]),
      openCompare: (a, b) => calls.push(['compare', a.run_id, b.run_id])
    });
    Widget.attach(panel, document.body);
    panel.setPath('some/folder/a-rather-long-notebook-name.ipynb');
    await panel.refresh();
    const title = panel.node.querySelector('.jp-lifecycle-title') as HTMLElement;
    expect(title.textContent).toBe('Runs · a-rather-long-notebook-name.ipynb');
    expect(title.title).toBe('Runs of some/folder/a-rather-long-notebook-name.ipynb');
    const rows = panel.node.querySelectorAll('.jp-lifecycle-run');
    (rows[1].querySelector('.jp-lifecycle-run-id') as HTMLElement).click();
    const ticks = Array.from(panel.node.querySelectorAll('input[type="checkbox"]')) as HTMLInputElement[];
    for (const t of ticks) {
      t.click(); // ticking is not opening
    }
    (panel.node.querySelector('button[data-action="compare"]') as HTMLElement).click();
    expect(calls).toEqual([
      ['run', A.run_id],
      ['compare', A.run_id, B.run_id]
    ]);
  });

  it('opens each view once in the main area and focuses it when opened again', () => {
    const shell = new FakeShell();
    const tabs = new RunTabs(shell as never);
    const first = tabs.openCompare(A, B);
    const again = tabs.openCompare(A, B);
    expect(again).toBe(first);
    expect(shell.added).toHaveLength(1);
    expect(shell.activated).toEqual([first.id, first.id]);
    tabs.openRun(A);
    expect(shell.added).toHaveLength(2);
    first.dispose();
    expect(tabs.openCompare(A, B)).not.toBe(first);
    tabs.dispose();
    expect(shell.added.every(w => w.isDisposed)).toBe(true);
  });
});
