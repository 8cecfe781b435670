import { inSourceOrder } from './apply.js';
import { scanHelmValues } from './helm-values.js';
import { scanKustomization } from './kustomization.js';
import { scanMarkers } from './markers.js';
import type { Convention } from './findings.js';
import type { FileScan, ImageTargets, ScalarEdit } from './types.js';
import { scanImageFields } from './workloads.js';
import { parseManifestSource } from './yaml-source.js';

/** Markers first: when two conventions reach the same value, the explicit one wins. */
const CONVENTIONS: readonly Convention[] = [scanMarkers, scanImageFields, scanKustomization, scanHelmValues];

/** Pure. Throws YamlSyntaxError(path, line, col, reason) when any document in the file does not parse. */
export function scanManifest(path: string, source: string, targets: ImageTargets): FileScan {
  const parsed = parseManifestSource(path, source);
  const scans = CONVENTIONS.map((convention) => convention(parsed, targets));
  return {
    edits: inSourceOrder(withoutOverlaps(scans.flatMap((scan) => scan.edits))),
    matched: [...new Set(scans.flatMap((scan) => scan.matched))].sort(),
    warnings: scans.flatMap((scan) => scan.warnings),
  };
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
