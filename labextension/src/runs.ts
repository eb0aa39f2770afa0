/** Run records from the run store, and the comparison of two runs (plain data, unit-tested). */

export interface IRunRecord {
  run_id: string;
  kind?: string;
  status?: string;
  started?: string | number | null;
  duration_s?: number | null;
  notebook?: string | null;
  params?: { [name: string]: unknown } | null;
  metrics?: { [name: string]: unknown } | null;
  stages?: unknown;
  [key: string]: unknown;
}

export interface ICompareRow {
  section: 'params' | 'metrics';
  key: string;
  a: string;
  b: string;
  changed: boolean;
  /** b - a for two numbers, else null. */
  delta: number | null;
  /** (b - a) / |a| for two numbers with a non-zero a, else null. */
  relative: number | null;
}

/** A short, stable text for a param or metric value. */
export function formatValue(value: unknown): string {
  if (value === undefined) {
    return '–';
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      return String(value);
    }
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(+value.toFixed(4));
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

/** ``2026-11-22 14:03`` for an ISO string or epoch seconds; '' when missing. */
export function formatStarted(started: IRunRecord['started']): string {
  if (started === null || started === undefined || started === '') {
    return '';
  }
  const date = typeof started === 'number' ? new Date(started * 1000) : new Date(started);
  if (isNaN(date.getTime())) {
    return String(started);
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) {
    return '';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 120) {
    return `${+seconds.toFixed(1)} s`;
  }
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Scalar metrics of a run (what fits in a list row), name → value. */
export function scalarMetrics(run: IRunRecord): [string, unknown][] {
  const metrics = run.metrics || {};
  return Object.keys(metrics)
    .sort()
    .filter(k => {
      const v = metrics[k];
      return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
    })
    .map(k => [k, metrics[k]]);
}

/** Params and metrics of two runs side by side; keys of both, sorted; changed rows flagged. */
export function compareRuns(a: IRunRecord, b: IRunRecord): ICompareRow[] {
  const rows: ICompareRow[] = [];
  for (const section of ['params', 'metrics'] as const) {
    const left = (a[section] || {}) as { [k: string]: unknown };
    const right = (b[section] || {}) as { [k: string]: unknown };
    const keys = Array.from(new Set([...Object.keys(left), ...Object.keys(right)])).sort();
    for (const key of keys) {
      const va = left[key];
      const vb = right[key];
      const fa = formatValue(va);
      const fb = formatValue(vb);
      rows.push({
        section,
        key,
        a: fa,
        b: fb,
        changed: JSON.stringify(va) !== JSON.stringify(vb),
        delta: typeof va === 'number' && typeof vb === 'number' ? vb - va : null,
        relative: typeof va === 'number' && typeof vb === 'number' && va !== 0 ? (vb - va) / Math.abs(va) : null
      });
    }
  }
  return rows;
}

/** ``+0.04 (+4.4%)``: the delta B − A with its sign, and relative to A; '' when not numeric. */
export function formatDelta(row: Pick<ICompareRow, 'delta' | 'relative' | 'changed'>): string {
  if (row.delta === null || !row.changed) {
    return '';
  }
  const sign = (n: number) => (n > 0 ? '+' : n < 0 ? '−' : '±');
  const text = `${sign(row.delta)}${formatValue(Math.abs(row.delta))}`;
  if (row.relative === null) {
    return text;
  }
  const pct = Math.abs(row.relative) * 100;
  const shown = pct >= 100 ? pct.toFixed(0) : pct >= 10 ? pct.toFixed(1) : pct.toPrecision(2);
  return `${text} (${sign(row.relative)}${+shown}%)`;
}

/** One row of a text section (environment, git, data): the two values and whether they differ. */
export interface IDiffRow {
  key: string;
  a: string;
  b: string;
  changed: boolean;
}

function asObject(value: unknown): { [k: string]: unknown } {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as { [k: string]: unknown })
    : {};
}

function diffMaps(a: { [k: string]: unknown }, b: { [k: string]: unknown }): IDiffRow[] {
  const keys = Array.from(new Set([...Object.keys(a), ...Object.keys(b)])).sort();
  return keys.map(key => ({
    key,
    a: formatValue(a[key]),
    b: formatValue(b[key]),
    changed: JSON.stringify(a[key]) !== JSON.stringify(b[key])
  }));
}

/** The environment of a run, flattened: python, implementation, platform, then each package. */
export function environmentOf(run: IRunRecord): { [k: string]: unknown } {
  const env = asObject(run.environment);
  const out: { [k: string]: unknown } = {};
  for (const key of ['python', 'implementation', 'platform']) {
    if (env[key] !== undefined) {
      out[key] = env[key];
    }
  }
  const packages = asObject(env.packages);
  for (const name of Object.keys(packages)) {
    out[`package ${name}`] = packages[name];
  }
  return out;
}

/** The git state of a run: commit (short), branch, dirty. */
export function gitOf(run: IRunRecord): { [k: string]: unknown } {
  const git = asObject(run.git);
  const out: { [k: string]: unknown } = {};
  if (typeof git.commit === 'string') {
    out.commit = git.commit.slice(0, 12);
  }
  for (const key of ['branch', 'dirty']) {
    if (git[key] !== undefined) {
      out[key] = git[key];
    }
  }
  return out;
}

/** Data and artifact files (their sha256, shortened) and the stages' value fingerprints. */
export function fingerprintsOf(run: IRunRecord): { [k: string]: unknown } {
  const out: { [k: string]: unknown } = {};
  const short = (v: unknown) => (typeof v === 'string' ? v.slice(0, 12) : v);
  for (const section of ['data', 'artifacts']) {
    const files = run[section];
    if (Array.isArray(files)) {
      for (const entry of files) {
        const e = asObject(entry);
        out[`${section === 'data' ? 'data' : 'artifact'} ${String(e.path)}`] = short(e.sha256);
      }
    }
  }
  const prints = asObject(run.fingerprints);
  for (const stage of Object.keys(prints)) {
    const values = asObject(prints[stage]);
    for (const name of Object.keys(values)) {
      out[`${stage}.${name}`] = short(values[name]);
    }
  }
  return out;
}

export interface IRunDiff {
  params: ICompareRow[];
  metrics: ICompareRow[];
  environment: IDiffRow[];
  git: IDiffRow[];
  fingerprints: IDiffRow[];
  timings: IStageTiming[];
}

/** Everything the compare view shows, A the older run and B the newer one. */
export function diffRuns(a: IRunRecord, b: IRunRecord): IRunDiff {
  const rows = compareRuns(a, b);
  return {
    params: rows.filter(r => r.section === 'params'),
    metrics: rows.filter(r => r.section === 'metrics'),
    environment: diffMaps(environmentOf(a), environmentOf(b)),
    git: diffMaps(gitOf(a), gitOf(b)),
    fingerprints: diffMaps(fingerprintsOf(a), fingerprintsOf(b)),
    timings: stageTimings([a, b])
  };
}

/** Runs in the order a comparison reads them: the older first, so B − A is "newer minus older". */
export function olderFirst(a: IRunRecord, b: IRunRecord): [IRunRecord, IRunRecord] {
  return String(a.started ?? '').localeCompare(String(b.started ?? '')) <= 0 ? [a, b] : [b, a];
}

/** A stage's duration in each run, and its bar length as a share of the longest one (0..1). */
export interface IStageTiming {
  stage: string;
  durations: (number | null)[];
  shares: number[];
}

/** Per-stage timings of one or more runs, stages in the order the runs list them. */
export function stageTimings(runs: ReadonlyArray<IRunRecord>): IStageTiming[] {
  const stages: string[] = [];
  const of = runs.map(run => asObject(run.stages));
  for (const s of of) {
    for (const name of Object.keys(s)) {
      if (!stages.includes(name)) {
        stages.push(name);
      }
    }
  }
  const durations = stages.map(name =>
    of.map(s => {
      const d = asObject(s[name]).duration_s;
      return typeof d === 'number' && isFinite(d) ? d : null;
    })
  );
  const longest = Math.max(0, ...durations.flat().map(d => d ?? 0));
  return stages.map((stage, i) => ({
    stage,
    durations: durations[i],
    shares: durations[i].map(d => (d !== null && longest > 0 ? d / longest : 0))
  }));
}
