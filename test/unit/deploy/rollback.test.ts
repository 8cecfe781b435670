import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/core/deploy/record.js';
import { chooseRollbackTarget, helmInfo } from '../../../src/core/rollback.js';
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

const helmRecord = (revision: number | null, result: AuditRecord['result'] = 'succeeded') =>
  record(null, result, {
    mode: 'helm',
    helm: { release: 'shop', chart: './chart', chartVersion: '1.0.0', revision },
  });

describe('chooseRollbackTarget: what counts, and what is undone', () => {
  it('takes the newest finished deploy as current: a dry run or a running deploy is not', () => {
    const running = record('rrr', 'running');
    const dry = record('ddd', 'dry-run');
    const aaa = record('aaa');
    const bbb = record('bbb');
    const choice = chooseRollbackTarget([running, dry, bbb, aaa], query);
    expect(choice).toEqual({ namespace: 'shop', current: bbb, target: aaa, commit: 'aaa', undone: [bbb] });
  });

  it('by env commit, never returns to a Helm-mode deploy', () => {
    const records = newestFirst(
      record('aaa'),
      record('hhh', 'succeeded', {
        mode: 'helm',
        helm: { release: 'shop', chart: 'c', chartVersion: null, revision: 1 },
      }),
      record('bbb'),
    );
    expect(chooseRollbackTarget(records, query).commit).toBe('aaa');
  });

  it('counts a commit deployed several times earlier as one step, and lists every deploy undone', () => {
    const aaa = record('aaa');
    const bbb1 = record('bbb');
    const bbb2 = record('bbb');
    const failed = record('fff', 'failed');
    const ccc = record('ccc');
    const choice = chooseRollbackTarget([ccc, failed, bbb2, bbb1, aaa], { ...query, steps: 2 });
    expect(choice.target).toBe(aaa);
    expect(choice.undone).toEqual([ccc, failed, bbb2, bbb1]);
  });

  it('with --to, undoes the deploys newer than the one found, or all of them when none ran it', () => {
    const aaa = record('aaa111');
    const bbb = record('bbb222');
    const ccc = record('ccc333');
    const records = [ccc, bbb, aaa];
    expect(chooseRollbackTarget(records, { ...query, to: 'bbb' })).toEqual({
      namespace: 'shop',
      current: ccc,
      target: bbb,
      commit: 'bbb',
      undone: [ccc],
    });
    expect(chooseRollbackTarget(records, { ...query, to: 'eee' })).toEqual({
      namespace: 'shop',
      current: ccc,
      target: null,
      commit: 'eee',
      undone: [ccc, bbb, aaa],
    });
  });

  it('with --to and --helm-native, finds the record of that Helm revision', () => {
    const one = helmRecord(1);
    const two = helmRecord(2);
    const three = helmRecord(3);
    const records = [three, two, one];
    const choice = chooseRollbackTarget(records, { ...query, by: 'helm-revision', to: '1' });
    expect(choice).toMatchObject({ target: one, commit: '1', undone: [three, two] });
    expect(chooseRollbackTarget(records, { ...query, by: 'helm-revision', to: '9' }).target).toBeNull();
  });

  it('by Helm revision, steps back from a current apply-mode deploy', () => {
    const one = helmRecord(1);
    const apply = record('aaa');
    const choice = chooseRollbackTarget([apply, one], { ...query, by: 'helm-revision' });
    expect(choice).toMatchObject({ current: apply, target: one, commit: '1', undone: [apply] });
  });
});

describe('chooseRollbackTarget: what the refusals say', () => {
  it('names the namespaces when there are several', () => {
    const records = newestFirst(record('aaa'), record('bbb', 'succeeded', { namespace: 'other' }));
    const error = failure(() => chooseRollbackTarget(records, query));
    expect(error.message).toBe('shop has deploy records in several namespaces on prod: other, shop');
    expect(error.hint).toBe('Pass --namespace to say which deploy of the app to roll back.');
  });

  it('names the namespace asked for when nothing is recorded there', () => {
    const error = failure(() =>
      chooseRollbackTarget(newestFirst(record('aaa', 'succeeded', { namespace: 'other' })), {
        ...query,
        namespace: 'shop',
      }),
    );
    expect(error.message).toBe(
      'no deploy of shop is recorded in namespace shop on prod: nothing to roll back to',
    );
    expect(failure(() => chooseRollbackTarget([], query)).message).toBe(
      'no deploy of shop is recorded on prod: nothing to roll back to',
    );
  });

  it('says how many steps back were possible, in commits or Helm revisions', () => {
    const one = failure(() => chooseRollbackTarget(newestFirst(record('aaa')), query));
    expect(one.message).toBe(
      'cannot roll shop back 1 step: no earlier successful deploy of other env commits recorded on prod (the cluster keeps the newest 10 records)',
    );
    expect(one.hint).toBe(
      'See `kpush history --app shop`, then pass a smaller --steps or --to <env commit>. Nothing was pushed.',
    );
    expect(one.details).toEqual({ successfulDeploys: 0 });

    const two = failure(() =>
      chooseRollbackTarget(newestFirst(record('aaa'), record('bbb')), {
        ...query,
        steps: 2,
        namespace: 'shop',
      }),
    );
    expect(two.message).toBe(
      'cannot roll shop back 2 steps: only 1 earlier successful deploy of other env commits recorded in namespace shop on prod (the cluster keeps the newest 10 records)',
    );
    expect(two.details).toEqual({ successfulDeploys: 1 });

    const helm = failure(() =>
      chooseRollbackTarget(newestFirst(helmRecord(1), helmRecord(2)), {
        ...query,
        steps: 3,
        by: 'helm-revision',
      }),
    );
    expect(helm.message).toBe(
      'cannot roll shop back 3 steps: only 1 earlier successful deploy of other Helm revisions recorded on prod (the cluster keeps the newest 10 records)',
    );
    const none = failure(() =>
      chooseRollbackTarget(newestFirst(helmRecord(null), helmRecord(2)), { ...query, by: 'helm-revision' }),
    );
    expect(none.message).toMatch(/: no earlier successful deploy of other Helm revisions recorded on prod/);
  });
});

describe('helmInfo', () => {
  it('gives the Helm facts of a Helm-mode record only', () => {
    const helm = { release: 'shop', chart: './chart', chartVersion: '1.0.0', revision: 4 };
    expect(helmInfo(null)).toBeNull();
    expect(helmInfo(record('aaa', 'succeeded', { helm }))).toBeNull();
    expect(helmInfo(record(null, 'succeeded', { mode: 'helm' }))).toBeNull();
    expect(
      helmInfo(
        record(null, 'succeeded', { mode: 'helm', helm: { ...helm, release: 7 as unknown as string } }),
      ),
    ).toBeNull();
    expect(helmInfo(record(null, 'succeeded', { mode: 'helm', helm }))).toEqual(helm);
  });
});
