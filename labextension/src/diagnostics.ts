/** The converter's diagnostics, mapped onto the cells of the open notebook. */

export interface IDiagnostic {
  severity: 'error' | 'warning' | 'info' | string;
  code: string;
  message: string;
  notebook?: string;
  cell_index: number | null;
  cell_id: string | null;
  line: number | null;
}

export interface IMappedDiagnostic extends IDiagnostic {
  /** Index of the cell in the open notebook now, or null (notebook-level or cell gone). */
  cellIndex: number | null;
}

const SEVERITY_ORDER: { [k: string]: number } = { error: 0, warning: 1, info: 2 };

/**
 * Map diagnostics to current cell indices: by cell id first (cells may have moved since the
 * analysis), then by index when the id is unknown (ids made up by the reader: ``cell-<n>``).
 * Sorted by severity, then cell position.
 */
export function mapDiagnostics(
  diagnostics: ReadonlyArray<IDiagnostic>,
  cellIds: ReadonlyArray<string>
): IMappedDiagnostic[] {
  const byId = new Map<string, number>();
  cellIds.forEach((id, i) => {
    if (!byId.has(id)) {
      byId.set(id, i);
    }
  });
  const mapped = diagnostics.map(d => {
    let cellIndex: number | null = null;
    if (d.cell_id && byId.has(d.cell_id)) {
      cellIndex = byId.get(d.cell_id)!;
    } else if (
      d.cell_index !== null &&
      d.cell_index !== undefined &&
      d.cell_index >= 0 &&
      d.cell_index < cellIds.length &&
      (!d.cell_id || /^cell-\d+$/.test(d.cell_id))
    ) {
      cellIndex = d.cell_index;
    }
    return { ...d, cellIndex };
  });
  return mapped.sort(
    (a, b) =>
      (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) ||
      (a.cellIndex ?? -1) - (b.cellIndex ?? -1)
  );
}

/** Counts per severity, for the section header. */
export function countBySeverity(diagnostics: ReadonlyArray<IDiagnostic>): {
  [severity: string]: number;
} {
  const counts: { [severity: string]: number } = {};
  for (const d of diagnostics) {
    counts[d.severity] = (counts[d.severity] ?? 0) + 1;
  }
  return counts;
}

/** A location as the CLI prints it (0-based cell index): ``cell 3, line 2``. */
export function describeLocation(d: IMappedDiagnostic): string {
  const parts: string[] = [];
  if (d.cellIndex !== null) {
    parts.push(`cell ${d.cellIndex}`);
  } else if (d.cell_index !== null && d.cell_index !== undefined) {
    parts.push(`cell ${d.cell_index} (at analysis time)`);
  }
  if (d.line !== null && d.line !== undefined) {
    parts.push(`line ${d.line}`);
  }
  return parts.join(', ') || 'notebook';
}

/** Warnings and errors (shown), and informational notes (collapsed into one line). */
export function splitNotes<T extends IDiagnostic>(
  diagnostics: ReadonlyArray<T>
): { problems: T[]; notes: T[] } {
  const problems: T[] = [];
  const notes: T[] = [];
  for (const d of diagnostics) {
    (d.severity === 'info' ? notes : problems).push(d);
  }
  return { problems, notes };
}
