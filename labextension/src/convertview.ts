/** What a conversion wrote, as the sidebar lists it (plain data, unit-tested). */

import { IConvertResult } from './api';

export interface IConvertedFile {
  /** Relative to the package folder, as shown. */
  name: string;
  /** Relative to the server root: what the document manager opens. */
  path: string;
}

/** The files that changed (all the package's files when none did), each with its root path. */
export function convertedFiles(result: IConvertResult): IConvertedFile[] {
  const names = result.changed.length ? result.changed : result.files;
  const base = result.out_dir.replace(/\/+$/, '');
  return names.map(name => ({
    name,
    path: base && base !== '.' ? `${base}/${name}` : name
  }));
}

/**
 * A path split for an ellipsis in the middle: the head (folders; CSS cuts it with an ellipsis)
 * and the tail that always shows (the file name, or its last ``keep`` characters).
 */
export function middleEllipsis(path: string, keep = 24): [string, string] {
  const slash = path.lastIndexOf('/');
  let cut = slash + 1;
  if (path.length - cut > keep) {
    cut = path.length - keep;
  }
  return [path.slice(0, cut), path.slice(cut)];
}
