import { describe, expect, it } from 'vitest';
import {
  dryRunArgs,
  type HelmRevision,
  type HelmUpgrade,
  helmErrorSummary,
  helmFeatures,
  hiddenSecretSources,
  isRemoteChart,
  manifestArgs,
  parseHelmVersion,
  parseHistory,
  parseRelease,
  recordedSetPairs,
  rolledBackTo,
  stuckRelease,
  upgradeArgs,
} from '../../../src/core/deploy/helm-args.js';

const helm4 = helmFeatures({ major: 4, minor: 0, patch: 0, text: 'v4.0.0' });
const helm3Old = helmFeatures({ major: 3, minor: 12, patch: 3, text: 'v3.12.3' });

const upgrade: HelmUpgrade = {
  release: 'shop',
  chart: 'oci://registry.test/charts/shop',
  valuesFiles: ['/env/values.yaml'],
  set: ['a=1', 'b=2'],
  timeoutMs: 60_000,
  wait: true,
  historyMax: 5,
};

describe('parseHelmVersion: the whole text, multi-digit parts', () => {
  it('reads multi-digit parts and keeps the text as printed, trimmed', () => {
    expect(parseHelmVersion('  v10.20.30\n')).toEqual({ major: 10, minor: 20, patch: 30, text: 'v10.20.30' });
    expect(parseHelmVersion('v3.1.12')).toEqual({ major: 3, minor: 1, patch: 12, text: 'v3.1.12' });
  });

  it.each(['version v3.1.2', 'v3.1.2 (go1.22)', 'v3.1'])('refuses %j', (text) => {
    expect(parseHelmVersion(text)).toBeNull();
  });
});

describe('helmFeatures: the version boundaries', () => {
  it.each([
    [2, 99, { rollbackFlag: '--atomic', waitFlag: '--wait', dryRunFlag: '--dry-run', hideSecret: false }],
    [3, 12, { rollbackFlag: '--atomic', waitFlag: '--wait', dryRunFlag: '--dry-run', hideSecret: false }],
    [
      3,
      13,
      { rollbackFlag: '--atomic', waitFlag: '--wait', dryRunFlag: '--dry-run=server', hideSecret: true },
    ],
    [
      4,
      0,
      {
        rollbackFlag: '--rollback-on-failure',
        waitFlag: '--wait=watcher',
        dryRunFlag: '--dry-run=server',
        hideSecret: true,
      },
    ],
  ])('helm %d.%d', (major, minor, features) => {
    expect(helmFeatures({ major, minor, patch: 0, text: `v${major}.${minor}.0` })).toEqual(features);
  });
});

describe('command lines, whole', () => {
  it('upgrade without chart version, kubeconfig or context, and without waiting', () => {
    expect(upgradeArgs({ ...upgrade, wait: false }, helm4, { namespace: 'shop' })).toEqual([
      'upgrade',
      '--install',
      'shop',
      'oci://registry.test/charts/shop',
      '--namespace',
      'shop',
      '--values',
      '/env/values.yaml',
      '--set',
      'a=1',
      '--set',
      'b=2',
      '--create-namespace',
      '--history-max',
      '5',
      '--timeout',
      '60s',
    ]);
  });

  it('upgrade with everything, waiting', () => {
    expect(
      upgradeArgs({ ...upgrade, chartVersion: '1.0.0' }, helm4, {
        namespace: 'shop',
        kubeconfig: '/kc',
        kubeContext: 'prod',
      }),
    ).toEqual([
      'upgrade',
      '--install',
      'shop',
      'oci://registry.test/charts/shop',
      '--namespace',
      'shop',
      '--kubeconfig',
      '/kc',
      '--kube-context',
      'prod',
      '--version',
      '1.0.0',
      '--values',
      '/env/values.yaml',
      '--set',
      'a=1',
      '--set',
      'b=2',
      '--create-namespace',
      '--history-max',
      '5',
      '--timeout',
      '60s',
      '--wait=watcher',
      '--rollback-on-failure',
    ]);
  });

  it('dry run on new and old helm', () => {
    const common = [
      'upgrade',
      '--install',
      'shop',
      'oci://registry.test/charts/shop',
      '--namespace',
      'shop',
      '--values',
      '/env/values.yaml',
      '--set',
      'a=1',
      '--set',
      'b=2',
    ];
    expect(dryRunArgs(upgrade, helm4, { namespace: 'shop' })).toEqual([
      ...common,
      '--dry-run=server',
      '--hide-secret',
      '--timeout',
      '60s',
      '--output',
      'json',
    ]);
    expect(dryRunArgs(upgrade, helm3Old, { namespace: 'shop' })).toEqual([
      ...common,
      '--dry-run',
      '--timeout',
      '60s',
      '--output',
      'json',
    ]);
  });

  it('get manifest', () => {
    expect(manifestArgs('shop', { namespace: 'ns' })).toEqual([
      'get',
      'manifest',
      'shop',
      '--namespace',
      'ns',
    ]);
    expect(manifestArgs('shop', { namespace: 'ns', kubeContext: 'prod' })).toEqual([
      'get',
      'manifest',
      'shop',
      '--namespace',
      'ns',
      '--kube-context',
      'prod',
    ]);
  });
});

describe('parseHistory', () => {
  it('refuses anything but a JSON list', () => {
    expect(() => parseHistory('{"revision":1}')).toThrow('helm history did not print a JSON list');
  });

  it('reads missing fields as empty text', () => {
    expect(
      parseHistory('[{"revision":1},{"revision":"2","status":"deployed","chart":"c-1","description":"d"}]'),
    ).toEqual([
      { revision: 1, status: '', chart: '', description: '' },
      { revision: 2, status: 'deployed', chart: 'c-1', description: 'd' },
    ]);
  });
});

const row = (revision: number, status: string, description = ''): HelmRevision => ({
  revision,
  status,
  chart: 'shop-1.0.0',
  description,
});

describe('stuckRelease: the way out, explained', () => {
  it('rolls back to the newest deployed revision, and says so', () => {
    expect(
      stuckRelease('shop', [row(1, 'deployed'), row(2, 'deployed'), row(3, 'pending-upgrade')], {
        namespace: 'ns',
      }),
    ).toEqual({
      status: 'pending-upgrade',
      revision: 3,
      unblock: ['helm', 'rollback', 'shop', '2', '-n', 'ns'],
      because: 'revision 2 is the last one that was deployed',
    });
  });

  it('says which status the revision it falls back to finished with', () => {
    expect(stuckRelease('shop', [row(1, 'failed'), row(2, 'pending-rollback')], { namespace: 'ns' })).toEqual(
      {
        status: 'pending-rollback',
        revision: 2,
        unblock: ['helm', 'rollback', 'shop', '1', '-n', 'ns'],
        because: 'revision 1 is the last one that finished (failed)',
      },
    );
  });

  it('uninstalls when only pending revisions came before', () => {
    expect(
      stuckRelease('shop', [row(1, 'pending-install'), row(2, 'pending-upgrade')], {
        namespace: 'ns',
        kubeContext: 'prod',
      }),
    ).toEqual({
      status: 'pending-upgrade',
      revision: 2,
      unblock: ['helm', 'uninstall', 'shop', '-n', 'ns', '--kube-context', 'prod'],
      because: 'it was never deployed, so there is nothing to roll back to',
    });
  });
});

describe('parseRelease: what is missing or malformed', () => {
  it('reads absent parts as null and an absent manifest as empty', () => {
    expect(parseRelease('{}')).toEqual({
      manifest: '',
      chartName: null,
      chartVersion: null,
      revision: null,
      status: null,
    });
    expect(parseRelease('{"chart":{},"info":{}}')).toEqual({
      manifest: '',
      chartName: null,
      chartVersion: null,
      revision: null,
      status: null,
    });
  });

  it('reads empty or non-text values as null', () => {
    expect(
      parseRelease(
        JSON.stringify({
          manifest: 7,
          version: '3',
          info: { status: '' },
          chart: { metadata: { name: 5, version: '' } },
        }),
      ),
    ).toEqual({ manifest: '', chartName: null, chartVersion: null, revision: null, status: null });
  });
});

describe('hiddenSecretSources: where the source is unknown', () => {
  const hidden = '# HIDDEN: The Secret output has been suppressed';
  it('gives an empty source for a hidden Secret with no # Source line before it in its document', () => {
    expect(hiddenSecretSources(hidden)).toEqual(['']);
    expect(hiddenSecretSources(['# Source: a.yaml', '---', hidden].join('\n'))).toEqual(['']);
  });

  it('trims the source and keeps one entry per hidden Secret', () => {
    expect(
      hiddenSecretSources(['# Source: a.yaml  ', hidden, '---', '# Source: b.yaml', hidden].join('\n')),
    ).toEqual(['a.yaml', 'b.yaml']);
  });
});

describe('helmErrorSummary: edge cases', () => {
  it('says when stderr is empty', () => {
    expect(helmErrorSummary('')).toBe('(no output on stderr)');
    expect(helmErrorSummary('  \n\n')).toBe('(no output on stderr)');
  });

  it('gives the last non-blank line, trimmed, when there is no Error: line', () => {
    expect(helmErrorSummary('first\n  something odd  \n   \n')).toBe('something odd');
  });

  it('drops blank lines and lines that start with level= after the error, keeps the rest', () => {
    expect(helmErrorSummary('Error: broken  \n   \nlevel=INFO noise\nthe level=3 is bad\n')).toBe(
      'broken  ; the level=3 is bad',
    );
    expect(helmErrorSummary('Error: broken  \n')).toBe('broken');
  });
});

describe('rolledBackTo: only rollbacks after the failed revision', () => {
  const history = [
    row(2, 'superseded', 'Rollback to 1'),
    row(3, 'failed', 'Upgrade "shop" failed'),
    row(4, 'deployed', 'Rollback to 12'),
  ];
  it('ignores a rollback at or before `after`', () => {
    expect(rolledBackTo(history, 2)).toBe(12);
    expect(rolledBackTo(history, 4)).toBeNull();
  });

  it('reads only descriptions that start with "Rollback to"', () => {
    expect(rolledBackTo([row(3, 'deployed', 'Not a Rollback to 2')], 1)).toBeNull();
    expect(
      rolledBackTo([row(3, 'superseded', 'Not a Rollback to 2'), row(4, 'deployed', 'Rollback to 1')], 2),
    ).toBe(1);
  });
});

describe('isRemoteChart', () => {
  it.each([
    ['oci://registry.test/shop', true],
    ['https://charts.test/shop-1.0.0.tgz', true],
    ['http://charts.test/shop-1.0.0.tgz', true],
    ['/env/charts/shop', false],
    ['./oci://x', false],
    ['bitnami/nginx', false],
  ])('%s: %s', (chart, expected) => expect(isRemoteChart(chart)).toBe(expected));
});

describe('recordedSetPairs: what is judged', () => {
  it('judges only the key, and leaves a part without = as it is', () => {
    expect(recordedSetPairs(['image.tag=my-secret-tag', 'tokens', 'a=1,apikeys'])).toEqual([
      'image.tag=my-secret-tag',
      'tokens',
      'a=1,apikeys',
    ]);
    expect(recordedSetPairs(['k=1', 'x.credentials=c'])).toEqual(['k=1', 'x.credentials=***']);
  });
});
