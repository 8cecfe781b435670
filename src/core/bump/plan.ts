import { KpushError } from '../../errors.js';
import type { DeclinedReference, FileScan, ScalarEdit } from '../../manifests/types.js';
import type { ImageReference } from '../image-ref.js';

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
  /** Requested repositories that no scanned file references in a way kpush rewrites. */
  unmatched: string[];
  /** References to requested repositories that kpush found but will not rewrite, and why. */
  declined: Array<DeclinedReference & { file: string }>;
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
    declined: scans.flatMap(({ path, scan }) =>
      scan.declined.map((declined) => ({ file: path, ...declined })),
    ),
    warnings: scans.flatMap(({ path, scan }) => scan.warnings.map((warning) => `${path}: ${warning}`)),
  };
}

export interface ScanScope {
  /** --path values; empty means the whole repository. */
  paths: readonly string[];
  filesScanned: number;
  allowNoMatch: boolean;
}

/**
 * Success must mean nothing was left behind: throws E_NOT_BUMPED when any reference to a
 * requested repository would stay as it is (naming each place and why, --allow-no-match does
 * not cover them), and E_NO_MATCH when a requested repository is referenced nowhere.
 */
export function assertNothingLeftBehind(plan: BumpPlan, scope: ScanScope): void {
  const searched = scope.paths.length ? scope.paths.join(', ') : 'the whole repository';
  if (plan.declined.length > 0) {
    const places = plan.declined.map(({ file, line, reason }) => `${file}:${line}: ${reason}`);
    const repositories = [...new Set(plan.declined.map((declined) => declined.repository))];
    throw new KpushError(
      'E_NOT_BUMPED',
      `${places.length} reference${places.length === 1 ? '' : 's'} to ${repositories.join(', ')} would be left as ${places.length === 1 ? 'it is' : 'they are'}: ${places.join('; ')}`,
      {
        hint: 'Change those places so kpush can rewrite them (see the reasons), or leave them out with --path; nothing was committed.',
        details: { declined: plan.declined, unmatched: plan.unmatched },
      },
    );
  }
  if (plan.unmatched.length > 0 && !scope.allowNoMatch) {
    throw new KpushError(
      'E_NO_MATCH',
      `no reference to ${plan.unmatched.join(', ')} found in ${searched} (${scope.filesScanned} YAML files)`,
      {
        hint: 'Check the image repository spelling and --path, or pass --allow-no-match when this is expected.',
        details: { unmatched: plan.unmatched, paths: scope.paths, filesScanned: scope.filesScanned },
      },
    );
  }
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
