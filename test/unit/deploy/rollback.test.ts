import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/core/deploy/record.js';
import { chooseRollbackTarget } from '../../../src/core/rollback.js';
import { KpushError } from '../../../src/errors.js';

let clock = 0;
/** Records newest first, as readRecords returns them: build them oldest first and reverse. */
function record(
  commit: string | null,
  result: AuditRecord['result'] = 'succeeded',
  extra: Partial<AuditRecord> = {},
): AuditRecord {
  clock++;
  return {
    schema: 'kpush.dev/deploy-record/v1',
    id: `id-${clock}`,
    app: 'shop',
    mode: 'apply',
    result,
    startedAt: new Date(Date.UTC(2026, 10, 24, 10, clock)).toISOString(),
    finishedAt: null,
    durationMs: null,
    kpushVersion: '0.0.0',
    actor: null,
    ci: { provider: null, runUrl: null },
    source: { repo: null, commit: null },
    envRepo: { url: null, commit, path: '.', dirty: false },
    cluster: { server: 's', context: 'c' },
    namespace: 'shop',
    flags: {},
    objects: [],
    summary: { created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    error: null,
    ...extra,
  };
}
const newestFirst = (...records: AuditRecord[]) => [...records].reverse();
const query = { app: 'shop', steps: 1, cluster: 'prod' };

function failure(run: () => unknown): KpushError {
  try {
    run();
  } catch (error) {
    if (error instanceof KpushError) return error;
    throw error;
  }
  throw new Error('expected a KpushError');
}

describe('chooseRollbackTarget', () => {
  it('returns to the env commit of the deploy before the current one', () => {
    const choice = chooseRollbackTarget(newestFirst(record('aaa'), record('bbb')), query);
    expect(choice.commit).toBe('aaa');
    expect(choice.current?.envRepo.commit).toBe('bbb');
    expect(choice.namespace).toBe('shop');
  });

  it('does not count redeploys of the same commit, failed deploys or dry runs as steps', () => {
    const records = newestFirst(
      record('aaa'),
      record('ccc', 'failed'),
      record('bbb'),
      record('bbb'),
      record('ddd', 'dry-run'),
      record('bbb'),
    );
    expect(chooseRollbackTarget(records, query).commit).toBe('aaa');
  });

  it('goes --steps successful deploys back', () => {
    const records = newestFirst(record('aaa'), record('bbb'), record('ccc'));
    expect(chooseRollbackTarget(records, { ...query, steps: 2 }).commit).toBe('aaa');
    const error = failure(() => chooseRollbackTarget(records, { ...query, steps: 3 }));
    expect(error.code).toBe('E_ROLLBACK_TARGET');
    expect(error.message).toMatch(/only 2 earlier successful deploys/);
  });

  it('after a failed deploy, returns to the last successful one', () => {
    const choice = chooseRollbackTarget(newestFirst(record('aaa'), record('bbb', 'failed')), query);
    expect(choice.commit).toBe('aaa');
    expect(choice.current?.result).toBe('failed');
  });

  it('skips dirty checkouts and deploys outside git', () => {
    const records = newestFirst(
      record('aaa'),
      record('zzz', 'succeeded', { envRepo: { url: null, commit: 'zzz', path: '.', dirty: true } }),
      record(null),
      record('bbb'),
    );
    expect(chooseRollbackTarget(records, query).commit).toBe('aaa');
  });

  it('refuses without history, with a hint naming --to', () => {
    const error = failure(() => chooseRollbackTarget([], query));
    expect(error.code).toBe('E_ROLLBACK_TARGET');
    expect(error.hint).toMatch(/--to/);
    expect(failure(() => chooseRollbackTarget(newestFirst(record('aaa')), query)).message).toMatch(
      /no earlier successful deploy/,
    );
  });

  it('takes --to as given, and finds its record by sha prefix', () => {
    const records = newestFirst(record('aaa111'), record('bbb222'));
    const choice = chooseRollbackTarget(records, { ...query, to: 'AAA1' });
    expect(choice.commit).toBe('AAA1');
    expect(choice.target?.envRepo.commit).toBe('aaa111');
    expect(chooseRollbackTarget([], { ...query, to: 'abc123' }).target).toBeNull();
  });

  it('asks for --namespace when the app has records in several namespaces', () => {
    const records = newestFirst(record('aaa'), record('bbb', 'succeeded', { namespace: 'other' }));
    expect(failure(() => chooseRollbackTarget(records, query)).code).toBe('E_ROLLBACK_AMBIGUOUS');
    expect(
      chooseRollbackTarget(
        newestFirst(record('aaa'), record('ccc'), record('bbb', 'succeeded', { namespace: 'other' })),
        { ...query, namespace: 'shop' },
      ).commit,
    ).toBe('aaa');
  });

  it('by Helm revision: steps over releases, ignoring apply-mode records', () => {
    const helm = (revision: number, result: AuditRecord['result'] = 'succeeded') =>
      record(null, result, {
        mode: 'helm',
        helm: { release: 'shop', chart: './chart', chartVersion: '1.0.0', revision },
      });
    const records = newestFirst(helm(1), helm(2), record('aaa'), helm(3, 'failed'));
    const choice = chooseRollbackTarget(records, { ...query, by: 'helm-revision' });
    expect(choice.commit).toBe('2');
    expect(chooseRollbackTarget(records, { ...query, by: 'helm-revision', steps: 2 }).commit).toBe('1');
  });
});
