/**
 * Choosing what `kpush rollback` returns to, from the deploy records kept in the cluster. Pure:
 * records in, a decision (or a typed error saying why none can be made) out.
 */
import type { AuditRecord, HelmRecord } from './deploy/record.js';
import { KpushError } from '../errors.js';

export interface RollbackChoice {
  /** Where the app's records (and so its ApplySet parent) live. */
  namespace: string | null;
  /** The newest deploy that reached the cluster: what runs now (null: no records, only --to). */
  current: AuditRecord | null;
  /** The deploy being returned to (null with --to when no record ran that commit). */
  target: AuditRecord | null;
  /** The env commit (or, with --to, the revision as given) to restore. */
  commit: string;
  /** The deploys skipped over, newest first: the ones being rolled back. */
  undone: AuditRecord[];
}

export interface RollbackQuery {
  app: string;
  /** Go this many successful deploys (of distinct env commits) back; 1 = the one before. */
  steps: number;
  /** An env commit given by the user instead. */
  to?: string | undefined;
  namespace?: string | undefined;
  /** For messages: where the records were read. */
  cluster: string;
  /** What a step back is: another env commit (default), or another Helm revision (--helm-native). */
  by?: 'commit' | 'helm-revision';
}

/** Records that reached the cluster and finished: the history a rollback can walk. */
function finished(record: AuditRecord): boolean {
  return record.result === 'succeeded' || record.result === 'failed';
}

/**
 * A deploy that can be returned to: it succeeded, from a clean checkout of an env commit (or,
 * by Helm revision, as a Helm release whose revision is recorded).
 */
function restorable(record: AuditRecord, by: RollbackQuery['by']): boolean {
  if (record.result !== 'succeeded') return false;
  if (by === 'helm-revision') return typeof helmInfo(record)?.revision === 'number';
  return record.mode === 'apply' && record.envRepo.commit !== null && !record.envRepo.dirty;
}

/** What makes two deploys the same state: the env commit, or the Helm revision. */
function stateOf(record: AuditRecord, by: RollbackQuery['by']): string {
  return by === 'helm-revision'
    ? `revision ${helmInfo(record)?.revision ?? '?'}`
    : (record.envRepo.commit ?? '');
}

/**
 * `records` newest first (as `readRecords` returns them). The current state is the newest
 * finished deploy; the target is the `steps`-th earlier successful deploy whose env commit
 * differs from the current one and from the targets counted before it (a redeploy of the same
 * commit is not a step back).
 */
export function chooseRollbackTarget(records: readonly AuditRecord[], query: RollbackQuery): RollbackChoice {
  const namespaces = [...new Set(records.map((record) => record.namespace))];
  if (query.namespace === undefined && namespaces.length > 1) {
    throw new KpushError(
      'E_ROLLBACK_AMBIGUOUS',
      `${query.app} has deploy records in several namespaces on ${query.cluster}: ${namespaces.join(', ')}`,
      {
        hint: 'Pass --namespace to say which deploy of the app to roll back.',
      },
    );
  }
  const own = records.filter(
    (record) => (query.namespace === undefined || record.namespace === query.namespace) && finished(record),
  );
  const namespace = query.namespace ?? own[0]?.namespace ?? null;
  const current = own[0] ?? null;

  if (query.to !== undefined) {
    const to = query.to.toLowerCase();
    const target =
      own.find((record) =>
        query.by === 'helm-revision'
          ? restorable(record, query.by) && String(helmInfo(record)?.revision) === to
          : restorable(record, query.by) && record.envRepo.commit?.toLowerCase().startsWith(to),
      ) ?? null;
    const index = target ? own.indexOf(target) : own.length;
    return { namespace, current, target, commit: query.to, undone: own.slice(0, index) };
  }

  const where = query.namespace ? ` in namespace ${query.namespace}` : '';
  if (current === null) {
    throw new KpushError(
      'E_ROLLBACK_TARGET',
      `no deploy of ${query.app} is recorded${where} on ${query.cluster}: nothing to roll back to`,
      {
        hint: 'Check --app, --namespace and --context, or name the env commit to restore with --to <commit>. Nothing was pushed.',
      },
    );
  }
  const seen = new Set<string>([stateOf(current, query.by)]);
  let steps = 0;
  for (const [index, record] of own.entries()) {
    if (index === 0 || !restorable(record, query.by)) continue;
    const state = stateOf(record, query.by);
    if (seen.has(state)) continue;
    seen.add(state);
    steps++;
    if (steps === query.steps) {
      const commit = query.by === 'helm-revision' ? String(helmInfo(record)?.revision) : state;
      return { namespace, current, target: record, commit, undone: own.slice(0, index) };
    }
  }
  const what = query.by === 'helm-revision' ? 'Helm revisions' : 'env commits';
  const found =
    steps === 0
      ? `no earlier successful deploy of other ${what}`
      : `only ${steps} earlier successful deploy${steps === 1 ? '' : 's'} of other ${what}`;
  throw new KpushError(
    'E_ROLLBACK_TARGET',
    `cannot roll ${query.app} back ${query.steps} step${query.steps === 1 ? '' : 's'}: ${found} recorded${where} on ${query.cluster} (the cluster keeps the newest 10 records)`,
    {
      hint: `See \`kpush history --app ${query.app}\`, then pass a smaller --steps or --to <env commit>. Nothing was pushed.`,
      details: { successfulDeploys: steps },
    },
  );
}

/** The Helm facts of a record, when it was a `kpush deploy --helm`. */
export function helmInfo(record: AuditRecord | null): HelmRecord | null {
  if (record === null || record.mode !== 'helm') return null;
  return record.helm && typeof record.helm.release === 'string' ? record.helm : null;
}
