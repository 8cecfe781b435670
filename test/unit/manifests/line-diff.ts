/** Test helper: a line diff, to check that a bump touches only the lines it edits. */

/** Lines with their line breaks (so a CRLF → LF change would count). */
export function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

interface Hunk {
  /** 0-based line numbers in `before`. */
  removed: number[];
  /** 0-based line numbers in `after`. */
  added: number[];
}

/** For each hunk of a line diff, the larger of its removed and added line counts, summed. */
export function changedLineCount(before: string, after: string): number {
  return diffLines(before, after).reduce(
    (sum, hunk) => sum + Math.max(hunk.removed.length, hunk.added.length),
    0,
  );
}

/** The hunks of a longest-common-subsequence line diff. */
export function diffLines(before: string, after: string): Hunk[] {
  const a = linesOf(before);
  const b = linesOf(after);
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const hunks: Hunk[] = [];
  let current: Hunk | null = null;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      current = null;
      i++;
      j++;
      continue;
    }
    if (!current) {
      current = { removed: [], added: [] };
      hunks.push(current);
    }
    if (j < b.length && (i === a.length || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0)))
      current.added.push(j++);
    else current.removed.push(i++);
  }
  return hunks;
}
