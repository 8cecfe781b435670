// `kpush deploy --helm` end to end: the real helm v4 against the real control plane (test/cluster).
// helm and kubectl are the independent observers: what kpush reports is checked against the
// release history and the cluster.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, kpush } from '../helpers/cli.js';
import { namespace, tempDir, write } from './scratch.js';
import { helm, kubectlJson, testKubeconfig, waitFor } from '../support/kube.js';

interface HelmHistoryRow {
  revision: number;
  status: string;
  description: string;
}
interface Deployment {
  spec: { template: { spec: { containers: { image: string }[] } } };
}

/** A value that must never appear in kpush's output: the chart's Secret holds it. */
const SECRET_VALUE = 'hunter2-never-printed';

/** A small chart: a Deployment whose image tag comes from .Values.image.tag, a ConfigMap and a Secret. */
function writeChart(dir: string): void {
  write(dir, {
    'Chart.yaml': 'apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: "1.0.0"\ntype: application\n',
    'values.yaml': 'image:\n  repository: registry.test/web\n  tag: "1.0.0"\n',
    'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: 1
  selector:
    matchLabels: { app: "{{ .Release.Name }}-web" }
  template:
    metadata:
      labels: { app: "{{ .Release.Name }}-web" }
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`,
    'templates/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  mode: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-credentials
stringData:
  password: ${SECRET_VALUE}
`,
  });
}

function deploy(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliRun> {
  return kpush(['deploy', ...args], {
    env: { KUBECONFIG: testKubeconfig(), KPUSH_HELM_BIN: process.env.KPUSH_HELM_BIN, ...env },
    now: 'real',
    ...(cwd ? { cwd } : {}),
  });
}

function expectOk(run: CliRun): void {
  if (run.exitCode !== 0)
    throw new Error(`kpush exited ${run.exitCode}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
}

function expectNoSecret(run: CliRun): void {
  expect(run.stdout).not.toContain(SECRET_VALUE);
  expect(run.stderr).not.toContain(SECRET_VALUE);
}

async function helmHistory(release: string, ns: string): Promise<HelmHistoryRow[]> {
  const result = await helm(['history', release, '-n', ns, '-o', 'json']);
  return JSON.parse(result.stdout) as HelmHistoryRow[];
}

async function liveImage(name: string, ns: string): Promise<string | undefined> {
  const deployment = await kubectlJson<Deployment>(['get', 'deployment', name, '-n', ns]);
  return deployment.spec.template.spec.containers[0]?.image;
}

/** The parts of an audit record these tests read. */
interface RecordSeen {
  mode: string;
  result: string;
  helm?: { revision: number | null; output?: string };
  objects: { name: string; status: string; message?: string }[];
}

function lastRecord(auditFile: string): RecordSeen {
  const lines = readFileSync(auditFile, 'utf8').trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1] as string);
}

describe('kpush deploy --helm: install, upgrade, dry run, history', () => {
  let ns: string;
  let chart: string;
  let audit: string;
  beforeAll(async () => {
    ns = await namespace('e2e-helm');
    chart = tempDir();
    writeChart(chart);
    audit = join(tempDir(), 'audit.jsonl');
  });

  it('installs the chart (revision 1), waits for it and records a helm-mode deploy', async () => {
    const run = await deploy(['--helm', chart, '--release', 'shop', '-n', ns, '--audit-file', audit]);
    expectOk(run);
    expectNoSecret(run);
    expect(run.stderr).toMatch(/created Deployment\.apps .*\/shop-web/);
    expect(run.stderr).toMatch(/ready Deployment\.apps .*\/shop-web/);
    expect(run.stderr).toMatch(/deployed release shop revision 1 to /);
    expect((await helmHistory('shop', ns)).map((row) => [row.revision, row.status])).toEqual([
      [1, 'deployed'],
    ]);
    expect(await liveImage('shop-web', ns)).toBe('registry.test/web:1.0.0');

    const record = lastRecord(audit);
    expect(record).toMatchObject({
      app: 'shop',
      mode: 'helm',
      result: 'succeeded',
      namespace: ns,
      helm: { release: 'shop', chart, chartVersion: '0.1.0', revision: 1 },
      summary: { created: 2, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
      error: null,
    });
    expect(record.helm?.output).toMatch(/STATUS: deployed/);
    expect(record.objects).toContainEqual(
      expect.objectContaining({ kind: 'Deployment', name: 'shop-web', action: 'created', status: 'Current' }),
    );
  });

  it('--dry-run shows the image change as a diff and changes nothing', async () => {
    const run = await deploy([
      '--helm',
      chart,
      '--release',
      'shop',
      '-n',
      ns,
      '--set',
      'image.tag=1.1.0',
      '--dry-run',
    ]);
    expectOk(run);
    expectNoSecret(run);
    expect(run.stdout).toContain(`--- live/apps.v1.Deployment.${ns}.shop-web`);
    expect(run.stdout).toMatch(/^-\s+image: registry\.test\/web:1\.0\.0$/m);
    expect(run.stdout).toMatch(/^\+\s+image: registry\.test\/web:1\.1\.0$/m);
    // The ConfigMap is unchanged: no diff for it.
    expect(run.stdout).not.toContain('ConfigMap');
    expect(run.stderr).toMatch(/would be configured Deployment\.apps .*\/shop-web/);
    expect(run.stderr).toMatch(/unchanged ConfigMap .*\/shop-settings/);
    expect(run.stderr).toMatch(/0 to create, 1 to configure, 1 unchanged, 0 to delete .*nothing was changed/);
    expect((await helmHistory('shop', ns)).map((row) => row.revision)).toEqual([1]);
    expect(await liveImage('shop-web', ns)).toBe('registry.test/web:1.0.0');
  });

  it('upgrades to a new tag with --set (revision 2); kpush history shows both deploys', async () => {
    const run = await deploy([
      '--helm',
      chart,
      '--release',
      'shop',
      '-n',
      ns,
      '--set',
      'image.tag=1.1.0',
      '--json',
    ]);
    expectOk(run);
    expectNoSecret(run);
    const record = JSON.parse(run.stdout);
    expect(record).toMatchObject({
      mode: 'helm',
      result: 'succeeded',
      helm: { release: 'shop', revision: 2 },
      flags: { set: 'image.tag=1.1.0' },
      summary: { created: 0, configured: 1, unchanged: 1 },
    });
    expect(await liveImage('shop-web', ns)).toBe('registry.test/web:1.1.0');
    expect((await helmHistory('shop', ns)).map((row) => [row.revision, row.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);

    const history = await kpush(['history', '--app', 'shop', '-n', ns, '--json'], {
      env: { KUBECONFIG: testKubeconfig() },
    });
    expectOk(history);
    const records = JSON.parse(history.stdout).records as RecordSeen[];
    expect(records.map((item) => [item.mode, item.result, item.helm?.revision])).toEqual([
      ['helm', 'succeeded', 2],
      ['helm', 'succeeded', 1],
    ]);
  });
});

describe('kpush rollback --helm-native', () => {
  it('rolls the release back with helm rollback and records it; history shows the rollback', async () => {
    const ns = await namespace('e2e-helm-rollback');
    const chart = tempDir();
    writeChart(chart);
    expectOk(await deploy(['--helm', chart, '--release', 'cart', '-n', ns]));
    expectOk(await deploy(['--helm', chart, '--release', 'cart', '-n', ns, '--set', 'image.tag=2.0.0']));
    expect(await liveImage('cart-web', ns)).toBe('registry.test/web:2.0.0');

    const run = await kpush(
      ['rollback', '--helm-native', '--app', 'cart', '-n', ns, '--reason', 'checkout errors', '--json'],
      { env: { KUBECONFIG: testKubeconfig(), KPUSH_HELM_BIN: process.env.KPUSH_HELM_BIN }, now: 'real' },
    );
    expectOk(run);
    expect(await liveImage('cart-web', ns)).toBe('registry.test/web:1.0.0');
    const rows = await helmHistory('cart', ns);
    expect(rows.map((row) => [row.revision, row.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    expect(rows[2]?.description).toMatch(/Rollback to 1/);

    const history = await kpush(['history', '--app', 'cart', '-n', ns, '--json'], {
      env: { KUBECONFIG: testKubeconfig() },
    });
    const [newest] = JSON.parse(history.stdout).records as (RecordSeen & {
      rollback?: { method: string; reason: string | null };
    })[];
    expect(newest).toMatchObject({
      mode: 'helm',
      result: 'succeeded',
      rollback: { method: 'helm', reason: 'checkout errors' },
    });
    expect(newest?.helm?.revision).toBe(3);
  });

  it('an env repo rollback without --repo is a usage error, and nothing changes', async () => {
    const run = await kpush(['rollback', '--app', 'cart'], { env: { KUBECONFIG: testKubeconfig() } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--repo');
  });
});

describe('kpush deploy --helm: values files kept in an env directory', () => {
  it('reads values relative to the deploy directory and --path, and refuses a path out of it', async () => {
    const ns = await namespace('e2e-helm-values');
    const env = tempDir('kpush-helm-env-');
    writeChart(join(env, 'charts', 'tiny'));
    write(env, { 'prod/values.yaml': 'image:\n  tag: "2.0.0"\n' });

    const run = await deploy([
      env,
      '--path',
      'prod',
      '--helm',
      '../charts/tiny',
      '--release',
      'catalog',
      '-n',
      ns,
      '--values',
      'values.yaml',
    ]);
    expectOk(run);
    expect(await liveImage('catalog-web', ns)).toBe('registry.test/web:2.0.0');

    const outside = tempDir('kpush-helm-outside-');
    write(outside, { 'values.yaml': 'image:\n  tag: "6.6.6"\n' });
    const escaping = await deploy([
      env,
      '--path',
      'prod',
      '--helm',
      '../charts/tiny',
      '--release',
      'catalog',
      '-n',
      ns,
      '--values',
      join(outside, 'values.yaml'),
    ]);
    expect(escaping.exitCode).toBe(1);
    expect(escaping.stderr).toMatch(/--values .*values\.yaml resolves to .*, outside /);
    expect((await helmHistory('catalog', ns)).map((row) => row.revision)).toEqual([1]);
  });
});

describe('kpush deploy --helm: a failing rollout', () => {
  it('a -broken tag makes helm roll back; kpush exits 1 with a failed record naming the crash-looping pod', async () => {
    const ns = await namespace('e2e-helm-broken');
    const chart = tempDir();
    writeChart(chart);
    const audit = join(tempDir(), 'audit.jsonl');
    expectOk(await deploy(['--helm', chart, '--release', 'api', '-n', ns]));

    const run = await deploy([
      '--helm',
      chart,
      '--release',
      'api',
      '-n',
      ns,
      '--set',
      'image.tag=1.1.0-broken',
      '--timeout',
      '20s',
      '--audit-file',
      audit,
    ]);
    expect(run.exitCode).toBe(1);
    expectNoSecret(run);
    expect(run.stderr).toMatch(/pod api-web-[a-z0-9]+-[a-z0-9]+: container "web" is in CrashLoopBackOff/);
    expect(run.stderr).toMatch(/error: rollout failed: .*api-web.*helm rolled back to revision 1/);

    const record = lastRecord(audit);
    expect(record).toMatchObject({
      mode: 'helm',
      result: 'failed',
      helm: { release: 'api', revision: 2, rolledBackTo: 1 },
      error: { code: 'E_ROLLOUT_FAILED' },
    });
    const failed = record.objects.find((object) => object.name === 'api-web');
    expect(failed?.status).toBe('Failed');
    const pod = /pod (api-web-[a-z0-9]+-[a-z0-9]+): container "web" is in CrashLoopBackOff/.exec(
      failed?.message ?? '',
    )?.[1];
    expect(pod).toBeDefined();
    // The pod the record names really crash-looped: the cluster's own events say so.
    const events = await kubectlJson<{ items: { involvedObject: { name: string }; reason: string }[] }>([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      `involvedObject.name=${pod}`,
    ]);
    expect(events.items.map((event) => event.reason)).toContain('BackOff');

    expect((await helmHistory('api', ns)).map((row) => [row.revision, row.status])).toEqual([
      [1, 'superseded'],
      [2, 'failed'],
      [3, 'deployed'],
    ]);
    expect(await liveImage('api-web', ns)).toBe('registry.test/web:1.0.0');
  });
});

describe('kpush deploy --helm: a release stuck mid-upgrade', () => {
  it('is explained with the command that unblocks it, and that command works', async () => {
    const ns = await namespace('e2e-helm-stuck');
    const chart = tempDir();
    writeChart(chart);
    expectOk(await deploy(['--helm', chart, '--release', 'cart', '-n', ns]));

    // A CI job cancelled mid-upgrade: helm killed while it waits, leaving revision 2 pending.
    const helmBin = process.env.KPUSH_HELM_BIN as string;
    const child = spawn(
      helmBin,
      [
        'upgrade',
        'cart',
        chart,
        '-n',
        ns,
        '--set',
        'image.tag=1.1.0-broken',
        '--wait=watcher',
        '--timeout',
        '120s',
      ],
      {
        env: { ...process.env, KUBECONFIG: testKubeconfig() },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(
        async () => (await helmHistory('cart', ns)).at(-1)?.status === 'pending-upgrade',
        60_000,
        {
          description: 'helm upgrade to reach pending-upgrade',
        },
      );
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const audit = join(tempDir(), 'audit.jsonl');
    const run = await deploy([
      '--helm',
      chart,
      '--release',
      'cart',
      '-n',
      ns,
      '--set',
      'image.tag=1.2.0',
      '--audit-file',
      audit,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`release cart in namespace ${ns} is stuck in pending-upgrade (revision 2)`);
    expect(run.stderr).toContain(`\`helm rollback cart 1 -n ${ns}\``);
    expect(run.stderr).not.toMatch(/another operation/);
    expect(lastRecord(audit)).toMatchObject({ result: 'failed', error: { code: 'E_HELM_RELEASE_PENDING' } });
    expect((await helmHistory('cart', ns)).map((row) => row.revision)).toEqual([1, 2]);

    await helm(['rollback', 'cart', '1', '-n', ns]);
    const after = await deploy(['--helm', chart, '--release', 'cart', '-n', ns, '--set', 'image.tag=1.2.0']);
    expectOk(after);
    expect(await liveImage('cart-web', ns)).toBe('registry.test/web:1.2.0');
  });
});

describe('kpush deploy --helm: helm and flags', () => {
  it('without helm: one clear error naming what was looked for, exit 1', async () => {
    const chart = tempDir();
    writeChart(chart);
    const emptyPath = tempDir('kpush-no-helm-');
    const audit = join(tempDir(), 'audit.jsonl');
    const run = await deploy(['--helm', chart, '--release', 'shop', '--audit-file', audit], {
      KPUSH_HELM_BIN: '',
      PATH: emptyPath,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: cannot run helm: looked for helm on PATH \(ENOENT\) — Install helm 3 or 4/,
      ),
    ]);
    expect(lastRecord(audit)).toMatchObject({
      mode: 'helm',
      result: 'failed',
      error: { code: 'E_HELM_NOT_FOUND' },
    });

    const explicit = await deploy([
      '--helm',
      chart,
      '--release',
      'shop',
      '--helm-bin',
      join(emptyPath, 'helm'),
    ]);
    expect(explicit.exitCode).toBe(1);
    expect(explicit.stderr).toContain(`looked for --helm-bin ${join(emptyPath, 'helm')}`);
  });

  it('refuses apply-only flags with --helm, and helm flags without it (exit 2)', async () => {
    const withPrune = await deploy(['--helm', './chart', '--release', 'shop', '--prune']);
    expect(withPrune.exitCode).toBe(2);
    expect(withPrune.stderr).toMatch(/--prune cannot be combined with --helm/);
    const setAlone = await deploy(['--app', 'shop', '--set', 'image.tag=1']);
    expect(setAlone.exitCode).toBe(2);
    expect(setAlone.stderr).toMatch(/--set only goes with --helm/);
    const noRelease = await deploy(['--helm', './chart']);
    expect(noRelease.exitCode).toBe(2);
    expect(noRelease.stderr).toMatch(/--helm needs --release/);
  });
});
