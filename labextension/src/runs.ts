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
        delta: typeof va === 'number' && typeof vb === 'number' ? vb - va : null
      });
    }
  }
  return rows;
}
