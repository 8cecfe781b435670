import { inSourceOrder } from './apply.js';
import type { Convention } from './findings.js';
import { scanHelmValues } from './helm-values.js';
import { scanKustomization } from './kustomization.js';
import { scanMarkers } from './markers.js';
import type { AnchoredValue, DeclinedReference, FileScan, ImageTargets, ScalarEdit } from './types.js';
import { scanImageFields } from './workloads.js';
import { parseManifestSource } from './yaml-source.js';

/** Markers first: when two conventions reach the same value, the explicit one wins. */
const CONVENTIONS: readonly Convention[] = [scanMarkers, scanImageFields, scanKustomization, scanHelmValues];

/** Pure. Throws YamlSyntaxError(path, line, col, reason) when any document in the file does not parse. */
export function scanManifest(path: string, source: string, targets: ImageTargets): FileScan {
  const parsed = parseManifestSource(path, source);
  const scans = CONVENTIONS.map((convention) => convention(parsed, targets));
  const edits = inSourceOrder(withoutOverlaps(scans.flatMap((scan) => scan.edits)));
  const matched = new Set(scans.flatMap((scan) => scan.matched));
  const declined = scans.flatMap((scan) => scan.declined);
  for (const value of scans.flatMap((scan) => scan.anchored)) {
    if (anchorIsBumped(edits, value)) matched.add(value.repository);
    else declined.push(declinedAnchor(value));
  }
  return {
    edits,
    matched: [...matched].sort(),
    declined: declined.sort((a, b) => a.line - b.line),
    warnings: scans.flatMap((scan) => scan.warnings),
  };
}

/** An alias or merged value is bumped when some rule rewrites its anchor to the same value. */
function anchorIsBumped(edits: readonly ScalarEdit[], value: AnchoredValue): boolean {
  return edits.some(
    (edit) =>
      edit.start === value.start &&
      edit.end === value.end &&
      edit.newValue === value.value &&
      edit.repository === value.repository,
  );
}

function declinedAnchor({ repository, line, reason }: AnchoredValue): DeclinedReference {
  return { repository, line, reason };
}

function overlaps(a: ScalarEdit, b: ScalarEdit): boolean {
  return a.start === b.start && a.end === b.end ? a.start !== a.end : a.start < b.end && b.start < a.end;
}

/** Keeps the first edit claiming a range (later conventions defer to earlier ones). */
function withoutOverlaps(edits: readonly ScalarEdit[]): ScalarEdit[] {
  const kept: ScalarEdit[] = [];
  for (const edit of edits) if (!kept.some((other) => overlaps(other, edit))) kept.push(edit);
  return kept;
}
