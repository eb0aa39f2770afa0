/**
 * Effective stages, grouping and tag edits: plain data in, plain data out (unit-tested).
 *
 * The rule (same as the converter's): a cell tagged ``lifecycle:<stage>`` has that stage; an
 * untagged cell takes the stage of the nearest tagged cell above it that is not ``skip`` or
 * ``explore`` (markdown cells may carry tags too); untagged cells before any such tag get the
 * table's default stage (``setup``). A ``skip`` or ``explore`` tag (a stage of kind ``skip`` or
 * ``notebook``) marks its own cell only, unless it tags a markdown heading: then it covers the
 * heading's section, down to the next heading of the same or a higher level or the next cell
 * tagged with another stage. An untagged heading whose section starts with a tagged cell shows
 * that cell's stage (display only).
 */

import { IStage, PARAMETERS_TAG, StageTable } from './stages';

/** What the model needs to know about a cell. */
export interface ICellInfo {
  id: string;
  cellType: string;
  tags: ReadonlyArray<string>;
  source: string;
  executionCount: number | null;
}

export interface ICellStage {
  index: number;
  id: string;
  cellType: string;
  /** Effective stage: explicit, inherited or the default. */
  stage: string;
  /** The stage named by the cell's own tag, or null. */
  explicitStage: string | null;
  inherited: boolean;
  isParameters: boolean;
  firstLine: string;
  executionCount: number | null;
  /** Stage tags that name no stage. */
  unknownTags: string[];
  /** Several stage tags on one cell (the first wins, as in the converter). */
  conflicting: string[];
}

export interface IStageGroup {
  stage: IStage;
  cells: ICellStage[];
}

/** The first non-blank line of a cell's source, stripped and cut to ``max`` characters. */
export function firstLine(source: string, max = 80): string {
  let start = 0;
  while (start <= source.length) {
    let end = source.indexOf('\n', start);
    if (end === -1) {
      end = source.length;
    }
    const line = source.slice(start, end).trim();
    if (line) {
      return line.length > max ? line.slice(0, max - 1) + '…' : line;
    }
    start = end + 1;
  }
  return '';
}

/** The explicit stage of a tag list: [stage or null, unknown tags, all stage names found]. */
export function explicitStageOf(
  tags: ReadonlyArray<string>,
  table: StageTable
): [string | null, string[], string[]] {
  const found: string[] = [];
  const unknown: string[] = [];
  for (const tag of tags) {
    const s = table.stageOfTag(tag);
    if (s === null) {
      continue;
    }
    if (s === undefined) {
      unknown.push(tag);
    } else if (!found.includes(s.name)) {
      found.push(s.name);
    }
  }
  return [found.length ? found[0] : null, unknown, found];
}

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const LOCAL_KINDS = ['skip', 'notebook'];

/** 1-6 when a markdown cell starts with a heading (``## x`` or an underlined line), else null. */
export function headingLevel(cellType: string, source: string): number | null {
  if (cellType !== 'markdown') {
    return null;
  }
  const lines = source.replace(/^[\r\n]+/, '').split(/\r?\n/);
  const atx = ATX_HEADING.exec(lines[0]);
  if (atx) {
    return atx[1].length;
  }
  const setext = lines.length > 1 && lines[0].trim() ? SETEXT_UNDERLINE.exec(lines[1]) : null;
  return setext ? (setext[1][0] === '=' ? 1 : 2) : null;
}

/** The effective stage of every cell, in notebook order. O(number of cells). */
export function computeStages(
  cells: ReadonlyArray<ICellInfo>,
  table: StageTable
): ICellStage[] {
  let base = table.defaultStage;
  let section: { stage: string; level: number } | null = null;
  const levels: Array<number | null> = [];
  const covered: boolean[] = [];
  const explicits: Array<string | null> = [];
  const result = cells.map((cell, index) => {
    const tags = cell.tags || [];
    const [explicit, unknown, found] = explicitStageOf(tags, table);
    const level = headingLevel(cell.cellType, cell.source);
    levels.push(level);
    explicits.push(explicit);
    let current: string;
    if (explicit === null) {
      if (section !== null && level !== null && level <= section.level) {
        section = null;
      }
      covered.push(section !== null);
      current = section !== null ? section.stage : base;
    } else {
      covered.push(false);
      if (LOCAL_KINDS.includes(table.get(explicit)?.kind ?? '')) {
        if (level !== null) {
          section = { stage: explicit, level };
        } else if (section !== null && section.stage !== explicit) {
          section = null; // the same tag again inside the section keeps it
        }
        current = explicit;
      } else {
        base = current = explicit;
        section = null;
      }
    }
    return {
      index,
      id: cell.id,
      cellType: cell.cellType,
      stage: current,
      explicitStage: explicit,
      inherited: explicit === null,
      isParameters: tags.includes(PARAMETERS_TAG),
      firstLine: firstLine(cell.source),
      executionCount: cell.executionCount,
      unknownTags: unknown,
      conflicting: found.length > 1 ? found : []
    };
  });
  // An untagged heading whose section starts with a tagged cell (only untagged markdown in
  // between) shows that cell's stage, and so does the markdown between (display only).
  let i = 0;
  while (i < result.length) {
    const level = levels[i];
    if (level === null || explicits[i] !== null || covered[i]) {
      i += 1;
      continue;
    }
    let j = i + 1;
    while (
      j < result.length &&
      explicits[j] === null &&
      result[j].cellType === 'markdown' &&
      (levels[j] === null || (levels[j] as number) > level)
    ) {
      j += 1;
    }
    const start = j < result.length ? explicits[j] : null;
    if (start !== null) {
      for (let k = i; k < j; k++) {
        result[k].stage = start;
      }
    }
    i = j > i ? j : i + 1;
  }
  return result;
}

/** Cells grouped by effective stage, groups in lifecycle order, cells in notebook order. */
export function groupByStage(
  stages: ReadonlyArray<ICellStage>,
  table: StageTable,
  { includeEmpty = false } = {}
): IStageGroup[] {
  const byName = new Map<string, ICellStage[]>();
  for (const s of table.stages) {
    byName.set(s.name, []);
  }
  for (const cell of stages) {
    let list = byName.get(cell.stage);
    if (!list) {
      list = [];
      byName.set(cell.stage, list);
    }
    list.push(cell);
  }
  const groups: IStageGroup[] = [];
  for (const [name, cells] of byName) {
    if (cells.length || includeEmpty) {
      const info = table.get(name) ?? {
        name,
        kind: 'pipeline',
        color: '#888888',
        description: '',
        aliases: []
      };
      groups.push({ stage: info, cells });
    }
  }
  groups.sort((a, b) => table.order(a.stage.name) - table.order(b.stage.name));
  return groups;
}

/**
 * The tags after setting ``stage`` (null: untag): every ``lifecycle:*`` tag is removed, then
 * ``lifecycle:<stage>`` is added; other tags keep their order.
 */
export function retag(
  tags: ReadonlyArray<string> | undefined | null,
  stage: string | null,
  table: StageTable
): string[] {
  const kept = (tags || []).filter(t => !t.startsWith(table.tagPrefix));
  if (stage !== null) {
    const s = table.get(stage);
    if (!s) {
      throw new Error(`unknown stage ${JSON.stringify(stage)}`);
    }
    kept.push(table.tagFor(s.name));
  }
  return kept;
}

/** Whether two tag lists are equal (order matters, as in the file). */
export function sameTags(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** The indices whose displayed state differs between two computations (for minimal redraws). */
export function changedIndices(
  before: ReadonlyArray<ICellStage>,
  after: ReadonlyArray<ICellStage>
): number[] {
  const out: number[] = [];
  for (let i = 0; i < after.length; i++) {
    const a = before[i];
    const b = after[i];
    if (
      !a ||
      a.id !== b.id ||
      a.stage !== b.stage ||
      a.inherited !== b.inherited ||
      a.isParameters !== b.isParameters ||
      a.firstLine !== b.firstLine ||
      a.executionCount !== b.executionCount ||
      a.cellType !== b.cellType ||
      a.unknownTags.length !== b.unknownTags.length ||
      a.conflicting.length !== b.conflicting.length
    ) {
      out.push(i);
    }
  }
  return out;
}

/** How a click on a sidebar row changes the selection: plain, Shift (extend), Ctrl/Cmd (toggle). */
export type JumpMode = 'replace' | 'extend' | 'toggle';

export function jumpModeOf(event: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }): JumpMode {
  return event.shiftKey ? 'extend' : event.ctrlKey || event.metaKey ? 'toggle' : 'replace';
}
