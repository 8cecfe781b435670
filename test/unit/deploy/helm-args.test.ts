import { describe, expect, it } from 'vitest';
import {
  dryRunArgs,
  type HelmRevision,
  type HelmUpgrade,
  helmDuration,
  helmErrorSummary,
  helmFeatures,
  hiddenSecretSources,
  historyArgs,
  isReleaseNotFound,
  looksLikeRepoChart,
  parseHelmVersion,
  parseHistory,
  parseRelease,
  recordedSetPairs,
  rolledBackTo,
  stuckRelease,
  upgradeArgs,
} from '../../../src/core/deploy/helm-args.js';

const helm4 = helmFeatures({ major: 4, minor: 2, patch: 3, text: 'v4.2.3' });
const helm3 = helmFeatures({ major: 3, minor: 17, patch: 0, text: 'v3.17.0' });
const helm3Old = helmFeatures({ major: 3, minor: 12, patch: 3, text: 'v3.12.3' });

const upgrade: HelmUpgrade = {
  release: 'shop',
  chart: '/env/charts/shop',
  valuesFiles: ['/env/prod/values.yaml', '/env/prod/extra.yaml'],
  set: ['image.tag=sha-3f1c2a9'],
  chartVersion: '1.2.3',
  timeoutMs: 90_000,
  wait: true,
  historyMax: 10,
};
const target = { namespace: 'shop', kubeconfig: '/home/ci/kubeconfig', kubeContext: 'prod' };

/** The value following `flag` in an argument array. */
const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('parseHelmVersion', () => {
  it.each([
    ['v4.2.3', 4, 2, 3],
    ['v3.17.0\n', 3, 17, 0],
    ['v3.14.0-rc.1', 3, 14, 0],
    ['3.9.4+g1234', 3, 9, 4],
  ])('reads %j', (text, major, minor, patch) => {
    expect(parseHelmVersion(text)).toMatchObject({ major, minor, patch });
  });

  it.each(['', 'Client: &version.Version{SemVer:"v2.17.0"}', 'helm'])('refuses %j', (text) => {
    expect(parseHelmVersion(text)).toBeNull();
  });
});

describe('upgradeArgs', () => {
  it('runs upgrade --install with the release, chart, namespace, cluster and values in order', () => {
    const args = upgradeArgs(upgrade, helm4, target);
    expect(args.slice(0, 4)).toEqual(['upgrade', '--install', 'shop', '/env/charts/shop']);
    expect(flagValue(args, '--namespace')).toBe('shop');
    expect(flagValue(args, '--kubeconfig')).toBe('/home/ci/kubeconfig');
    expect(flagValue(args, '--kube-context')).toBe('prod');
    expect(flagValue(args, '--version')).toBe('1.2.3');
    expect(args.filter((_, i) => args[i - 1] === '--values')).toEqual([
      '/env/prod/values.yaml',
      '/env/prod/extra.yaml',
    ]);
    expect(flagValue(args, '--set')).toBe('image.tag=sha-3f1c2a9');
    expect(flagValue(args, '--timeout')).toBe('90s');
    expect(flagValue(args, '--history-max')).toBe('10');
    expect(args).toContain('--create-namespace');
  });

  it('waits with the kstatus watcher and rolls back with --rollback-on-failure on Helm 4', () => {
    const args = upgradeArgs(upgrade, helm4, target);
    expect(args).toContain('--wait=watcher');
    expect(args).toContain('--rollback-on-failure');
    expect(args).not.toContain('--atomic');
  });

  it('uses --wait and --atomic on Helm 3', () => {
    const args = upgradeArgs(upgrade, helm3, target);
    expect(args).toContain('--wait');
    expect(args).toContain('--atomic');
    expect(args).not.toContain('--rollback-on-failure');
    expect(args).not.toContain('--wait=watcher');
  });

  it('neither waits nor rolls back with --no-wait', () => {
    const args = upgradeArgs({ ...upgrade, wait: false }, helm4, target);
    expect(args.some((arg) => arg.startsWith('--wait') || arg === '--rollback-on-failure')).toBe(false);
  });

  it('names no kubeconfig or context when none was given, and never a credential flag', () => {
    const args = upgradeArgs(upgrade, helm4, { namespace: 'shop' });
    expect(args).not.toContain('--kubeconfig');
    expect(args).not.toContain('--kube-context');
    expect(args.some((arg) => /^--kube-(token|as-user|ca-file)/.test(arg))).toBe(false);
  });
});

describe('dryRunArgs', () => {
  it('dry-runs on the server, hides Secrets and prints JSON on Helm 4', () => {
    const args = dryRunArgs(upgrade, helm4, target);
    expect(args).toContain('--dry-run=server');
    expect(args).toContain('--hide-secret');
    expect(flagValue(args, '--output')).toBe('json');
    expect(args).not.toContain('--rollback-on-failure');
    expect(args).not.toContain('--create-namespace');
  });

  it('falls back to a bare --dry-run without --hide-secret before Helm 3.13', () => {
    const args = dryRunArgs(upgrade, helm3Old, target);
    expect(args).toContain('--dry-run');
    expect(args).not.toContain('--dry-run=server');
    expect(args).not.toContain('--hide-secret');
  });
});

describe('helmDuration', () => {
  it.each([
    [300_000, '300s'],
    [1500, '2s'],
    [0, '1s'],
  ])('%d ms → %s', (ms, text) => expect(helmDuration(ms)).toBe(text));
});

const row = (revision: number, status: string, description = ''): HelmRevision => ({
  revision,
  status,
  chart: 'shop-1.0.0',
  description,
});

describe('stuckRelease', () => {
  it('is null for a release whose newest revision finished', () => {
    expect(stuckRelease('shop', [row(1, 'superseded'), row(2, 'deployed')], target)).toBeNull();
    expect(stuckRelease('shop', [row(1, 'deployed'), row(2, 'failed')], target)).toBeNull();
    expect(stuckRelease('shop', [], target)).toBeNull();
  });

  it('rolls a pending upgrade back to the last deployed revision', () => {
    const stuck = stuckRelease(
      'shop',
      [row(1, 'superseded'), row(2, 'deployed'), row(3, 'failed'), row(4, 'pending-upgrade')],
      target,
    );
    expect(stuck).toMatchObject({ status: 'pending-upgrade', revision: 4 });
    expect(stuck?.unblock).toEqual(['helm', 'rollback', 'shop', '2', '-n', 'shop', '--kube-context', 'prod']);
  });

  it('rolls back to the newest finished revision when none is deployed', () => {
    const stuck = stuckRelease('shop', [row(1, 'superseded'), row(2, 'failed'), row(3, 'pending-rollback')], {
      namespace: 'shop',
    });
    expect(stuck?.unblock).toEqual(['helm', 'rollback', 'shop', '2', '-n', 'shop']);
  });

  it('uninstalls a release whose first install never finished', () => {
    const stuck = stuckRelease('shop', [row(1, 'pending-install')], { namespace: 'shop' });
    expect(stuck?.unblock).toEqual(['helm', 'uninstall', 'shop', '-n', 'shop']);
  });
});

describe("reading helm's answers", () => {
  it('sorts history rows by revision', () => {
    const json = JSON.stringify([
      { revision: 2, status: 'deployed', chart: 'tiny-0.1.0', description: 'Upgrade complete' },
      { revision: 1, status: 'superseded', chart: 'tiny-0.1.0', description: 'Install complete' },
    ]);
    expect(parseHistory(json).map((item) => item.revision)).toEqual([1, 2]);
  });

  it('finds the revision a failed upgrade was rolled back to', () => {
    const history = [
      row(2, 'superseded'),
      row(3, 'failed', 'Upgrade "shop" failed'),
      row(4, 'deployed', 'Rollback to 2'),
    ];
    expect(rolledBackTo(history, 2)).toBe(2);
    expect(rolledBackTo(history.slice(0, 2), 2)).toBeNull();
  });

  it('reads chart, version, revision and manifest from a release', () => {
    const release = parseRelease(
      JSON.stringify({
        version: 3,
        info: { status: 'pending-upgrade' },
        chart: { metadata: { name: 'tiny', version: '0.1.0' } },
        manifest: '---\nkind: X\n',
      }),
    );
    expect(release).toEqual({
      manifest: '---\nkind: X\n',
      chartName: 'tiny',
      chartVersion: '0.1.0',
      revision: 3,
      status: 'pending-upgrade',
    });
  });

  it('tells "release not found" from other failures', () => {
    expect(isReleaseNotFound('Error: release: not found\n')).toBe(true);
    expect(isReleaseNotFound('Error: Kubernetes cluster unreachable')).toBe(false);
  });

  it("summarises helm's error without its log lines", () => {
    const stderr = [
      'level=WARN msg="upgrade failed" name=web error="resource not ready"',
      'Error: UPGRADE FAILED: release web failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/demo/web not ready. status: InProgress',
      'context deadline exceeded',
      '',
    ].join('\n');
    expect(helmErrorSummary(stderr)).toBe(
      'UPGRADE FAILED: release web failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/demo/web not ready. status: InProgress; context deadline exceeded',
    );
    expect(helmErrorSummary('something odd\n')).toBe('something odd');
  });

  it('lists the templates of Secrets --hide-secret left out', () => {
    const manifest = [
      '---',
      '# Source: tiny/templates/secret.yaml',
      '# HIDDEN: The Secret output has been suppressed',
      '---',
      '# Source: tiny/templates/deployment.yaml',
      'apiVersion: apps/v1',
    ].join('\n');
    expect(hiddenSecretSources(manifest)).toEqual(['tiny/templates/secret.yaml']);
    expect(hiddenSecretSources('---\n# Source: a.yaml\nkind: ConfigMap\n')).toEqual([]);
  });
});

describe('chart references and recorded flags', () => {
  it.each([
    ['bitnami/nginx', true],
    ['charts/web', true],
    ['./chart', false],
    ['chart', false],
    ['a/b/c', false],
  ])('%s looks like repo/chart: %s', (chart, expected) => expect(looksLikeRepoChart(chart)).toBe(expected));

  it('masks --set values whose key looks like a credential, each comma-separated part on its own', () => {
    expect(recordedSetPairs(['image.tag=v2', 'db.password=hunter22,replicas=3', 'apiKey=abc'])).toEqual([
      'image.tag=v2',
      'db.password=***,replicas=3',
      'apiKey=***',
    ]);
  });

  it('reads no kube credentials from history args either', () => {
    expect(historyArgs('shop', target)).toEqual([
      'history',
      'shop',
      '--namespace',
      'shop',
      '--kubeconfig',
      '/home/ci/kubeconfig',
      '--kube-context',
      'prod',
      '--output',
      'json',
    ]);
  });
});
