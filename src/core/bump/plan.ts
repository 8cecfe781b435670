import type { ImageReference } from '../image-ref.js';
import type { FileScan, ScalarEdit } from '../../manifests/types.js';

export interface FileEdits {
  path: string;
  edits: ScalarEdit[];
}

/** One line of the change list shown to people, in JSON and in the commit body. */
export interface Change {
  file: string;
  line: number;
  kind: ScalarEdit['kind'];
  repository: string;
  old: string;
  new: string;
}

export interface BumpPlan {
  files: FileEdits[];
  changes: Change[];
  /** Requested repositories that no scanned file references. */
  unmatched: string[];
  warnings: string[];
}

/** Combines per-file scans into the plan for one commit. Pure. */
export function planBump(
  scans: ReadonlyArray<{ path: string; scan: FileScan }>,
  targets: readonly ImageReference[],
): BumpPlan {
  const matched = new Set(scans.flatMap(({ scan }) => scan.matched));
  const files = scans
    .filter(({ scan }) => scan.edits.length > 0)
    .map(({ path, scan }) => ({ path, edits: scan.edits }));
  return {
    files,
    changes: files.flatMap(({ path, edits }) =>
      edits.map((edit) => ({
        file: path,
        line: edit.line,
        kind: edit.kind,
        repository: edit.repository,
        old: edit.oldValue,
        new: edit.newValue,
      })),
    ),
    unmatched: targets.map((target) => target.repository).filter((repository) => !matched.has(repository)),
    warnings: scans.flatMap(({ path, scan }) => scan.warnings.map((warning) => `${path}: ${warning}`)),
  };
}

/** `file:line old -> new`, naming the image when the values are only tags or digests. */
export function describeChange(change: Change): string {
  const subject = change.old.includes('/') || change.new.includes('/') ? '' : ` ${change.repository}`;
  return `${change.file}:${change.line}${subject} ${change.old || '(none)'} -> ${change.new || '(removed)'}`;
}

/** Several --image flags for one repository would make the result depend on their order. */
export function conflictingTargets(targets: readonly ImageReference[]): string[] {
  const seen = new Map<string, string>();
  const conflicts = new Set<string>();
  for (const target of targets) {
    const value = `${target.tag}@${target.digest}`;
    const previous = seen.get(target.repository);
    if (previous !== undefined && previous !== value) conflicts.add(target.repository);
    seen.set(target.repository, value);
  }
  return [...conflicts];
}
