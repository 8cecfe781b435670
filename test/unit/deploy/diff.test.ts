import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, diffPath, maskSecrets, objectDiff, unifiedHunks } from '../../../src/core/deploy/diff.js';
import type { KubeObject, ObjectId } from '../../../src/core/deploy/types.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Applies unified-diff hunks to `before`, checking every context and removed line and every count. */
function applyHunks(before: readonly string[], hunkLines: readonly string[]): string[] {
  const output: string[] = [];
  let cursor = 0;
  let index = 0;
  while (index < hunkLines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(hunkLines[index] as string);
    if (!header) throw new Error(`not a hunk header: ${hunkLines[index]}`);
    const oldCount = header[2] === undefined ? 1 : Number(header[2]);
    const newCount = header[4] === undefined ? 1 : Number(header[4]);
    const oldStart = oldCount === 0 ? Number(header[1]) : Number(header[1]) - 1;
    expect(oldStart).toBeGreaterThanOrEqual(cursor);
    while (cursor < oldStart) output.push(before[cursor++] as string);
    expect(Number(header[3]) - (newCount === 0 ? 0 : 1)).toBe(output.length);
    let seenOld = 0;
    let seenNew = 0;
    index++;
    while (index < hunkLines.length && !(hunkLines[index] as string).startsWith('@@')) {
      const line = hunkLines[index] as string;
      const op = line[0];
      const text = line.slice(1);
      if (op === '+') {
        output.push(text);
        seenNew++;
      } else {
        expect(before[cursor]).toBe(text);
        if (op === ' ') {
          output.push(text);
          seenNew++;
        }
        cursor++;
        seenOld++;
      }
      index++;
    }
    expect([seenOld, seenNew]).toEqual([oldCount, newCount]);
  }
  while (cursor < before.length) output.push(before[cursor++] as string);
  return output;
}

/** Length of the longest common subsequence, by dynamic programming (small inputs only). */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const lineA of a) {
    const row = [0];
    b.forEach((lineB, j) => {
      row.push(
        lineA === lineB ? (previous[j] as number) + 1 : Math.max(previous[j + 1] as number, row[j] as number),
      );
    });
    previous = row;
  }
  return previous[b.length] as number;
}

const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', '', '  x: 1'), { maxLength: 40 });

describe('line diff', () => {
  it('shows the removed lines of a change before the added ones, as git does', () => {
    const ops = (before: string[], after: string[]) =>
      diffLines(before, after).map((e) => `${e.op}${e.line}`);
    expect(ops(['a', 'a'], ['d'])).toEqual(['-a', '-a', '+d']);
    expect(ops(['c'], ['d', 'd'])).toEqual(['-c', '+d', '+d']);
    expect(ops(['x', 'a', 'y', 'b'], ['x', 'c', 'y', 'd'])).toEqual([' x', '-a', '+c', ' y', '-b', '+d']);
  });

  it('hunks applied to the old text give the new text, for any context', () => {
    fc.assert(
      fc.property(lines, lines, fc.integer({ min: 0, max: 4 }), (before, after, context) => {
        expect(applyHunks(before, unifiedHunks(before, after, context))).toEqual(after);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a shortest edit script (as many kept lines as the longest common subsequence)', () => {
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const edits = diffLines(before, after);
        expect(edits.filter((edit) => edit.op !== '+').map((edit) => edit.line)).toEqual(before);
        expect(edits.filter((edit) => edit.op !== '-').map((edit) => edit.line)).toEqual(after);
        expect(edits.filter((edit) => edit.op === ' ').length).toBe(lcsLength(before, after));
      }),
      { numRuns: 500 },
    );
  });

  it('handles a 3,000-line object rewritten end to end, quickly', () => {
    const before = Array.from({ length: 3000 }, (_, index) => `  field${index}: ${index % 7}`);
    const after = before.map((line, index) => (index % 3 === 0 ? `${line}-changed` : line)).reverse();
    const started = performance.now();
    const hunks = unifiedHunks(before, after, 3);
    expect(applyHunks(before, hunks)).toEqual(after);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('writes hunk headers as git does', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11', '12', '13'];
    expect(unifiedHunks(before, after, 3)).toEqual([
      '@@ -2,7 +2,7 @@',
      ' 2',
      ' 3',
      ' 4',
      '-5',
      '+five',
      ' 6',
      ' 7',
      ' 8',
      '@@ -10,3 +10,4 @@',
      ' 10',
      ' 11',
      ' 12',
      '+13',
    ]);
    expect(unifiedHunks([], ['a'], 3)).toEqual(['@@ -0,0 +1 @@', '+a']);
    expect(unifiedHunks(['a', 'b'], [], 3)).toEqual(['@@ -1,2 +0,0 @@', '-a', '-b']);
    expect(unifiedHunks(['a'], ['a'], 3)).toEqual([]);
  });
});

const deploymentId: ObjectId = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
};

function deployment(image: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', ...extra },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image }] } } },
  };
}

describe('objectDiff', () => {
  it('shows a changed field as a git-style diff of the YAML', () => {
    const diff = objectDiff(deploymentId, deployment('web:1'), deployment('web:2'));
    expect(diff).toBe(
      [
        '--- live/apps.v1.Deployment.shop.web',
        '+++ result/apps.v1.Deployment.shop.web',
        '@@ -9,4 +9,4 @@',
        '     spec:',
        '       containers:',
        '         - name: app',
        '-          image: web:1',
        '+          image: web:2',
        '',
      ].join('\n'),
    );
  });

  it('is empty when only server bookkeeping differs', () => {
    const live = deployment('web:1', { resourceVersion: '1', managedFields: [{ manager: 'a' }], uid: 'u' });
    const result = deployment('web:1', { resourceVersion: '2', generation: 5 });
    expect(objectDiff(deploymentId, live, { ...result, status: { replicas: 1 } })).toBe('');
  });

  it('shows creation and deletion against /dev/null', () => {
    const created = objectDiff(deploymentId, null, deployment('web:1'));
    expect(created.split('\n').slice(0, 3)).toEqual([
      '--- /dev/null',
      '+++ result/apps.v1.Deployment.shop.web',
      '@@ -0,0 +1,12 @@',
    ]);
    expect(created).toContain('+kind: Deployment');
    const deleted = objectDiff(deploymentId, deployment('web:1'), null);
    expect(deleted.split('\n').slice(0, 3)).toEqual([
      '--- live/apps.v1.Deployment.shop.web',
      '+++ /dev/null',
      '@@ -1,12 +0,0 @@',
    ]);
    expect(objectDiff(deploymentId, null, null)).toBe('');
  });

  it('keeps the server key order instead of sorting', () => {
    const diff = objectDiff(deploymentId, null, deployment('web:1'));
    expect(diff.indexOf('+apiVersion')).toBeLessThan(diff.indexOf('+kind'));
    expect(diff.indexOf('+kind')).toBeLessThan(diff.indexOf('+metadata'));
  });

  it('names cluster-scoped objects without an empty namespace part', () => {
    expect(diffPath({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name: 'shop' })).toBe(
      'v1.Namespace.shop',
    );
  });
});

const secretId: ObjectId = { group: '', version: 'v1', kind: 'Secret', namespace: 'shop', name: 'creds' };

function secret(
  fields: { data?: Record<string, string>; stringData?: Record<string, string> },
  annotations = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'shop', annotations: { note: 'visible', ...annotations } },
    type: 'Opaque',
    ...fields,
  } as KubeObject;
}

describe('maskSecrets', () => {
  it('masks as kubectl diff does: changed, unchanged, added and removed keys', () => {
    const before = secret({ data: { same: b64('s'), changed: b64('old'), removed: b64('r') } });
    const after = secret({ data: { same: b64('s'), changed: b64('new'), added: b64('a') } });
    const masked = maskSecrets(before, after);
    expect(masked.before?.data).toEqual({ same: '***', changed: '*** (before)', removed: '***' });
    expect(masked.after?.data).toEqual({ same: '***', changed: '*** (after)', added: '***' });
    expect(before.data).toEqual({ same: b64('s'), changed: b64('old'), removed: b64('r') });
  });

  it('masks stringData and a Secret that exists on one side only', () => {
    const masked = maskSecrets(null, secret({ stringData: { password: 'hunter2' } }));
    expect(masked.before).toBeNull();
    expect(masked.after?.stringData).toEqual({ password: '***' });
  });

  it('leaves other kinds alone', () => {
    const configMap: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { k: 'v' },
    };
    expect(maskSecrets(configMap, configMap).after).toEqual(configMap);
  });
});

describe('objectDiff of Secrets', () => {
  const planted = [
    'hunter2',
    'sup3r-s3cret-token',
    'unchanged-value',
    'removed-value',
    'added-value',
    'old-pw',
  ];
  const leaks = (diff: string) =>
    planted.flatMap((value) => [value, b64(value)]).filter((needle) => diff.includes(needle));

  it('never shows a planted value, in data or stringData, base64 or plain', () => {
    const live = secret(
      { data: { password: b64('old-pw'), token: b64('sup3r-s3cret-token'), gone: b64('removed-value') } },
      {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          stringData: { password: 'old-pw' },
        }),
      },
    );
    const result = secret({
      data: { token: b64('sup3r-s3cret-token'), extra: b64('unchanged-value') },
      stringData: { password: 'hunter2', fresh: 'added-value' },
    });
    const diff = objectDiff(secretId, live, result);
    expect(diff).toContain('*** (before)');
    expect(diff).toContain('*** (after)');
    expect(leaks(diff)).toEqual([]);
    for (const [before, after] of [
      [null, result],
      [live, null],
    ] as const) {
      const oneSided = objectDiff(secretId, before, after);
      expect(oneSided).not.toBe('');
      expect(leaks(oneSided)).toEqual([]);
    }
  });

  it('hides values when only another key or a non-secret field changed', () => {
    const values = { data: { token: b64('sup3r-s3cret-token') }, stringData: { password: 'hunter2' } };
    const live = secret({
      data: { token: b64('sup3r-s3cret-token'), password: b64('hunter2'), a: b64('1') },
    });
    const result = secret({ ...values, data: { ...values.data, a: b64('2') } }, { note: 'changed' });
    const diff = objectDiff(secretId, live, result);
    expect(diff).toContain('-  a: "*** (before)"');
    expect(diff).toContain('+  a: "*** (after)"');
    expect(diff).toContain('+    note: changed');
    expect(leaks(diff)).toEqual([]);
  });
});

describe('diff edge cases', () => {
  it('joins changes whose contexts touch into one hunk, and splits them otherwise', () => {
    expect(unifiedHunks(['a', 'b', 'c', 'd'], ['A', 'b', 'c', 'D'], 1)).toEqual([
      '@@ -1,4 +1,4 @@',
      '-a',
      '+A',
      ' b',
      ' c',
      '-d',
      '+D',
    ]);
    expect(unifiedHunks(['a', 'b', 'c', 'x', 'd'], ['A', 'b', 'c', 'x', 'D'], 1)).toEqual([
      '@@ -1,2 +1,2 @@',
      '-a',
      '+A',
      ' b',
      '@@ -4,2 +4,2 @@',
      ' x',
      '-d',
      '+D',
    ]);
  });

  it('keeps a common tail as trailing context', () => {
    expect(unifiedHunks(['a', 'd', 'd'], ['d'], 3)).toEqual(['@@ -1,3 +1 @@', '-a', '-d', ' d']);
  });

  it('renders long values on one line and repeated values in full, without YAML anchors', () => {
    const shared = { app: 'web' };
    const long = `registry.test/${'x'.repeat(120)}:1`;
    const result: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: shared, annotations: shared },
      data: { image: long },
    };
    const diff = objectDiff(
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: '', name: 'c' },
      null,
      result,
    );
    expect(diff).toBe(
      [
        '--- /dev/null',
        '+++ result/v1.ConfigMap.c',
        '@@ -0,0 +1,10 @@',
        '+apiVersion: v1',
        '+kind: ConfigMap',
        '+metadata:',
        '+  name: c',
        '+  labels:',
        '+    app: web',
        '+  annotations:',
        '+    app: web',
        '+data:',
        `+  image: ${long}`,
        '',
      ].join('\n'),
    );
  });
});

describe('maskSecrets: copies, either side, last-applied', () => {
  it('masks the copies, never the objects given', () => {
    const before = secret({ data: { k: b64('1') } });
    const after = secret({ data: { k: b64('2') } });
    maskSecrets(before, after);
    expect(before.data).toEqual({ k: b64('1') });
    expect(after.data).toEqual({ k: b64('2') });
  });

  it('masks when either side is a Secret', () => {
    const configMap: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'creds' },
      data: { k: 'v' },
    };
    expect(maskSecrets(configMap, secret({ data: { k: b64('v') } }))).toMatchObject({
      before: { data: { k: '*** (before)' } },
      after: { data: { k: '*** (after)' } },
    });
  });

  it('masks the last-applied annotation as a whole, and adds none where there was none', () => {
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
    const masked = maskSecrets(
      secret({ data: {} }, { [lastApplied]: '{"data":{"k":"c2VjcmV0"}}' }),
      secret({ data: {} }),
    );
    expect(masked.before?.metadata.annotations).toEqual({ note: 'visible', [lastApplied]: '***' });
    expect(masked.after?.metadata.annotations).toEqual({ note: 'visible' });
    const bare: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { k: 'x' },
    };
    expect(maskSecrets(bare, null)).toEqual({
      before: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { k: '***' } },
      after: null,
    });
  });
});
