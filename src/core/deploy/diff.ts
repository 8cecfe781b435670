import { stringify } from 'yaml';
import {
  isRecord,
  isSecret,
  type JsonRecord,
  LAST_APPLIED_ANNOTATION,
  normalizeForCompare,
} from './normalize.js';
import type { KubeObject, ObjectId } from './types.js';

/**
 * Masked unified diffs of live objects against dry-run results, the way `kubectl diff` shows
 * them: both sides normalised, Secret values masked, rendered as YAML in the server's key order.
 */

export const SECRET_MASK = '***';
export const SECRET_MASK_BEFORE = '*** (before)';
export const SECRET_MASK_AFTER = '*** (after)';

const SECRET_VALUE_FIELDS = ['data', 'stringData'] as const;

export interface MaskedPair {
  before: KubeObject | null;
  after: KubeObject | null;
}

/**
 * Copies with Secret values replaced by kubectl diff's (and Flux's) masks: a key on both sides
 * shows `***` when unchanged and `*** (before)` / `*** (after)` when changed; a key on one side
 * only shows `***`. The last-applied annotation of a Secret holds its values too, so it is masked
 * as a whole. Anything that is not a Secret is returned as it was (copied).
 */
export function maskSecrets(before: KubeObject | null, after: KubeObject | null): MaskedPair {
  const maskedBefore = before && structuredClone(before);
  const maskedAfter = after && structuredClone(after);
  const sides = [maskedBefore, maskedAfter].filter((side): side is KubeObject => side !== null);
  if (!sides.some(isSecret)) return { before: maskedBefore, after: maskedAfter };
  for (const field of SECRET_VALUE_FIELDS) {
    maskValues(valuesOf(maskedBefore, field), valuesOf(maskedAfter, field));
  }
  for (const side of sides) maskLastApplied(side);
  return { before: maskedBefore, after: maskedAfter };
}

function valuesOf(obj: KubeObject | null, field: string): JsonRecord {
  const values = obj?.[field];
  return isRecord(values) ? values : {};
}

function maskValues(before: JsonRecord, after: JsonRecord): void {
  for (const key of Object.keys(before)) {
    if (!(key in after)) {
      before[key] = SECRET_MASK;
    } else if (JSON.stringify(before[key]) === JSON.stringify(after[key])) {
      before[key] = SECRET_MASK;
      after[key] = SECRET_MASK;
    } else {
      before[key] = SECRET_MASK_BEFORE;
      after[key] = SECRET_MASK_AFTER;
    }
  }
  for (const key of Object.keys(after)) if (!(key in before)) after[key] = SECRET_MASK;
}

function maskLastApplied(obj: KubeObject): void {
  const annotations = obj.metadata.annotations;
  if (annotations?.[LAST_APPLIED_ANNOTATION] !== undefined)
    annotations[LAST_APPLIED_ANNOTATION] = SECRET_MASK;
}

export interface DiffOptions {
  /** Unchanged lines shown around each change; 3, as git and kubectl show. */
  context?: number;
}

/**
 * A git-style unified diff of the live object against the dry-run result, or '' when they do not
 * differ after normalisation. `live` null is a creation (`--- /dev/null`), `result` null a
 * deletion (`+++ /dev/null`), as git marks added and deleted files.
 */
export function objectDiff(
  id: ObjectId,
  live: KubeObject | null,
  result: KubeObject | null,
  options: DiffOptions = {},
): string {
  const masked = maskSecrets(live && normalizeForCompare(live), result && normalizeForCompare(result, live));
  const before = renderYaml(masked.before);
  const after = renderYaml(masked.after);
  if (before === after) return '';
  const path = diffPath(id);
  const hunks = unifiedHunks(splitLines(before), splitLines(after), options.context ?? 3);
  const header = [
    live ? `--- live/${path}` : '--- /dev/null',
    result ? `+++ result/${path}` : '+++ /dev/null',
  ];
  return `${[...header, ...hunks].join('\n')}\n`;
}

/** kubectl diff's file name for an object: `apps.v1.Deployment.shop.web`. */
export function diffPath(id: ObjectId): string {
  return [id.group, id.version, id.kind, id.namespace, id.name].filter((part) => part !== '').join('.');
}

/** YAML in the object's own key order; no folding of long lines, no anchors. */
function renderYaml(obj: KubeObject | null): string {
  if (!obj) return '';
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Line diff: Myers' O(ND) algorithm in its linear-space form (the "middle snake" recursion of
// Myers 1986, section 4b), so a 3,000-line CRD rewritten end to end needs O(N + M) memory.

export type LineOp = ' ' | '-' | '+';

export interface LineEdit {
  op: LineOp;
  line: string;
}

/** A shortest edit script turning `before` into `after`, as kept, removed and added lines. */
export function diffLines(before: readonly string[], after: readonly string[]): LineEdit[] {
  const edits: LineEdit[] = [];
  compareRanges(before, after, 0, before.length, 0, after.length, edits);
  return removalsFirst(edits);
}

/** Within each run of changed lines, the removed ones before the added ones, as git shows them. */
function removalsFirst(edits: readonly LineEdit[]): LineEdit[] {
  const ordered: LineEdit[] = [];
  let added: LineEdit[] = [];
  for (const edit of edits) {
    if (edit.op === '+') added.push(edit);
    else if (edit.op === '-') ordered.push(edit);
    else {
      ordered.push(...added, edit);
      added = [];
    }
  }
  return [...ordered, ...added];
}

function compareRanges(
  a: readonly string[],
  b: readonly string[],
  aStart: number,
  aEnd: number,
  bStart: number,
  bEnd: number,
  edits: LineEdit[],
): void {
  let aLo = aStart;
  let bLo = bStart;
  let aHi = aEnd;
  let bHi = bEnd;
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
    edits.push({ op: ' ', line: a[aLo] as string });
    aLo++;
    bLo++;
  }
  let commonSuffix = 0;
  while (aHi > aLo && bHi > bLo && a[aHi - 1] === b[bHi - 1]) {
    aHi--;
    bHi--;
    commonSuffix++;
  }
  if (aLo === aHi) {
    for (let j = bLo; j < bHi; j++) edits.push({ op: '+', line: b[j] as string });
  } else if (bLo === bHi) {
    for (let i = aLo; i < aHi; i++) edits.push({ op: '-', line: a[i] as string });
  } else {
    // Both sides non-empty and differing at both ends: at least two edits, so both halves of
    // the split are strictly smaller problems.
    const snake = middleSnake(a, b, aLo, aHi, bLo, bHi);
    compareRanges(a, b, aLo, snake.xStart, bLo, snake.yStart, edits);
    for (let i = snake.xStart; i < snake.xEnd; i++) edits.push({ op: ' ', line: a[i] as string });
    compareRanges(a, b, snake.xEnd, aHi, snake.yEnd, bHi, edits);
  }
  for (let i = aHi; i < aHi + commonSuffix; i++) edits.push({ op: ' ', line: a[i] as string });
}

interface Snake {
  xStart: number;
  yStart: number;
  xEnd: number;
  yEnd: number;
}

/**
 * The middle snake of a shortest edit path: searched from both ends at once, one edit at a time,
 * until the forward and backward frontiers meet on a diagonal. Coordinates are absolute.
 */
function middleSnake(
  a: readonly string[],
  b: readonly string[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): Snake {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const delta = n - m;
  const deltaIsOdd = (delta & 1) !== 0;
  const maxD = Math.ceil((n + m) / 2);
  const offset = maxD + 1;
  // forward[k]: furthest x on diagonal k = x - y from (0, 0); backward[k]: furthest distance
  // travelled on diagonal k of the reversed problem (whose diagonal k is the forward delta - k).
  const forward = new Int32Array(2 * offset + 1);
  const backward = new Int32Array(2 * offset + 1);
  for (let d = 0; d <= maxD; d++) {
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(forward, offset + k - 1) < at(forward, offset + k + 1));
      let x = down ? at(forward, offset + k + 1) : at(forward, offset + k - 1) + 1;
      let y = x - k;
      const xStart = x;
      const yStart = y;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      forward[offset + k] = x;
      const reverseK = delta - k;
      if (
        deltaIsOdd &&
        reverseK >= -(d - 1) &&
        reverseK <= d - 1 &&
        x + at(backward, offset + reverseK) >= n
      ) {
        return { xStart: aLo + xStart, yStart: bLo + yStart, xEnd: aLo + x, yEnd: bLo + y };
      }
    }
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(backward, offset + k - 1) < at(backward, offset + k + 1));
      let x = down ? at(backward, offset + k + 1) : at(backward, offset + k - 1) + 1;
      let y = x - k;
      const xStart = x;
      const yStart = y;
      while (x < n && y < m && a[aHi - 1 - x] === b[bHi - 1 - y]) {
        x++;
        y++;
      }
      backward[offset + k] = x;
      const forwardK = delta - k;
      if (!deltaIsOdd && forwardK >= -d && forwardK <= d && x + at(forward, offset + forwardK) >= n) {
        return { xStart: aHi - x, yStart: bHi - y, xEnd: aHi - xStart, yEnd: bHi - yStart };
      }
    }
  }
  // Unreachable: the frontiers always meet by d = ceil((n + m) / 2).
  throw new Error('line diff: no middle snake found');
}

function at(array: Int32Array, index: number): number {
  return array[index] as number;
}

/** Hunks of a unified diff (`@@ -a,b +c,d @@` and its lines) with `context` lines around changes. */
export function unifiedHunks(before: readonly string[], after: readonly string[], context: number): string[] {
  const edits = diffLines(before, after);
  const changed = edits.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  if (changed.length === 0) return [];
  // Line numbers (0-based) in before/after at the start of each edit.
  const oldLineAt: number[] = [];
  const newLineAt: number[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const edit of edits) {
    oldLineAt.push(oldLine);
    newLineAt.push(newLine);
    if (edit.op !== '+') oldLine++;
    if (edit.op !== '-') newLine++;
  }
  const output: string[] = [];
  let first = 0;
  while (first < changed.length) {
    // Extend the hunk while the next change is close enough for the contexts to touch.
    let last = first;
    while (
      last + 1 < changed.length &&
      (changed[last + 1] as number) - (changed[last] as number) <= 2 * context + 1
    ) {
      last++;
    }
    const start = Math.max(0, (changed[first] as number) - context);
    const end = Math.min(edits.length, (changed[last] as number) + context + 1);
    const slice = edits.slice(start, end);
    const oldCount = slice.filter((edit) => edit.op !== '+').length;
    const newCount = slice.filter((edit) => edit.op !== '-').length;
    output.push(
      `@@ -${hunkRange(oldLineAt[start] as number, oldCount)} +${hunkRange(newLineAt[start] as number, newCount)} @@`,
    );
    for (const edit of slice) output.push(`${edit.op}${edit.line}`);
    first = last + 1;
  }
  return output;
}

/** GNU diff's spelling: `start,count`, just `start` for one line, and `before,0` for none. */
function hunkRange(linesBefore: number, count: number): string {
  if (count === 0) return `${linesBefore},0`;
  if (count === 1) return `${linesBefore + 1}`;
  return `${linesBefore + 1},${count}`;
}
