import type { ScalarEdit } from './types.js';

/** Pure. Applies non-overlapping edits (any order given) and returns the new text. */
export function applyEdits(source: string, edits: readonly ScalarEdit[]): string {
  let result = '';
  let cursor = 0;
  for (const edit of checkedInSourceOrder(edits, source.length)) {
    result += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return result + source.slice(cursor);
}

/** inSourceOrder, after checking that no two overlap and all lie in a text of `length`. */
export function checkedInSourceOrder(edits: readonly ScalarEdit[], length: number): ScalarEdit[] {
  const ordered = inSourceOrder(edits);
  let cursor = 0;
  for (const edit of ordered) {
    if (edit.start < cursor || edit.end < edit.start || edit.end > length) {
      throw new RangeError(`edit ${edit.start}-${edit.end} overlaps another edit or lies outside the text`);
    }
    cursor = edit.end;
  }
  return ordered;
}

/** By position; insertions at one offset keep their order and go before a range starting there. */
export function inSourceOrder(edits: readonly ScalarEdit[]): ScalarEdit[] {
  return [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
}
