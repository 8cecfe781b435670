// `kpush deploy` and `kpush history` end to end on the real control plane (test/cluster).
// kubectl is the independent observer: what kpush reports is checked against the cluster.
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { applySetId } from '../../src/core/deploy/applyset.js';
import { type CliRun, kpush } from '../helpers/cli.js';
import { git } from '../helpers/git.js';
import { deleteLater, envDir, namespace, tempDir, write } from './scratch.js';
import { kubectl, kubectlJson, testKubeconfig, uniqueName } from '../support/kube.js';

interface Deployment {
  metadata: {
    labels?: Record<string, string>;
    resourceVersion: string;
    managedFields?: { manager: string }[];
  };
  spec: { replicas?: number; template: { spec: { containers: { name: string; image: string }[] } } };
  status: { availableReplicas?: number; updatedReplicas?: number };
}

function deploymentYaml(
  name: string,
  image: string,
  extra: { replicas?: number; labels?: string } = {},
): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}${extra.labels ?? ''}
spec:
  replicas: ${extra.replicas ?? 1}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: ${image}
`;
}

function serviceYaml(name: string): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - port: 80
      targetPort: 8080
`;
}

function configMapYaml(name: string, data: Record<string, string>): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
${Object.entries(data)
  .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)
  .join('\n')}
`;
}

/** The project's own kubectl renders kustomizations, never whatever `kubectl` the machine has. */
const toolEnv = (): NodeJS.ProcessEnv => ({ KPUSH_KUBECTL_BIN: process.env.KPUSH_KUBECTL_BIN });

function deploy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return kpush(['deploy', ...args], {
    env: { KUBECONFIG: testKubeconfig(), ...toolEnv(), ...env },
    now: 'real',
  });
}

function expectOk(run: CliRun): void {
  if (run.exitCode !== 0)
    throw new Error(`kpush exited ${run.exitCode}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
}

async function exists(args: string[]): Promise<boolean> {
  const result = await kubectl(['get', ...args, '--ignore-not-found', '-o', 'name'], { allowFailure: true });
  return result.stdout.trim() !== '';
}

describe('kpush deploy: an object the server refuses', () => {
  it('stops the waves after it: the Service and Deployment after a refused ConfigMap are not sent, and are recorded as Skipped', async () => {
    const ns = await namespace('e2e-waves');
    const dir = envDir({
      'config.yaml': `${configMapYaml('settings', { 'bad key!': 'x' })}---\n${configMapYaml('flags', { beta: 'off' })}`,
      'web/service.yaml': serviceYaml('web'),
      'web/deployment.yaml': deploymentYaml('web', 'registry.test/web:1.0.0'),
    });
    const audit = join(tempDir(), 'audit.jsonl');
    const run = await deploy([dir, '--app', 'waves', '-n', ns, '--no-wait', '--audit-file', audit]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('settings');
    expect(run.stderr).toContain('2 that come after it in the apply order were not');
    // The rest of the refused object's own wave was sent; nothing after it.
    expect(await exists(['configmap', 'flags', '-n', ns])).toBe(true);
    expect(await exists(['service', 'web', '-n', ns])).toBe(false);
    expect(await exists(['deployment', 'web', '-n', ns])).toBe(false);
    const record = JSON.parse(readFileSync(audit, 'utf8').trim());
    expect(record.result).toBe('failed');
    const byName = (kind: string, name: string) =>
      record.objects.find(
        (object: { kind: string; name: string }) => object.kind === kind && object.name === name,
      );
    expect(byName('ConfigMap', 'settings')).toMatchObject({ action: 'failed', status: 'Failed' });
    expect(byName('ConfigMap', 'flags')).toMatchObject({ action: 'created' });
    expect(byName('Service', 'web')).toMatchObject({ action: 'pending', status: 'Skipped' });
    expect(byName('Deployment', 'web')).toMatchObject({ action: 'pending', status: 'Skipped' });
  });
});

describe('kpush deploy: a plain directory', () => {
  let ns: string;
  let dir: string;
  beforeAll(async () => {
    ns = await namespace('e2e-plain');
    dir = envDir({
      'web/deployment.yaml': deploymentYaml('web', 'registry.test/web:1.0.0', { replicas: 2 }),
      'web/service.yaml': serviceYaml('web'),
      'config.yaml': `${configMapYaml('settings', { mode: 'blue' })}---\n${configMapYaml('flags', { beta: 'off' })}`,
      'README.md': 'not a manifest',
      'values.yaml': 'replicaCount: 3\n', // not Kubernetes: skipped
    });
  });

  it('creates every object, waits for the rollout and records the deploy', async () => {
    const audit = join(tempDir(), 'audit.jsonl');
    const run = await deploy([dir, '--app', 'plain', '-n', ns, '--audit-file', audit]);
    expectOk(run);
    expect(run.stderr).toMatch(/created Deployment\.apps .*\/web/);
    expect(run.stderr).toMatch(/ready Deployment\.apps .*\/web: 2 replicas available/);
    expect(run.stderr).toMatch(/deployed plain to .*: 4 created, 0 configured, 0 unchanged, 0 pruned/);

    const live = await kubectlJson<Deployment>([
      'get',
      'deployment',
      'web',
      '-n',
      ns,
      '--show-managed-fields',
    ]);
    expect(live.status.availableReplicas).toBe(2);
    expect(live.metadata.managedFields?.map((entry) => entry.manager)).toContain('kpush');
    expect(await exists(['configmap', 'flags', '-n', ns])).toBe(true);

    const [line, ...rest] = readFileSync(audit, 'utf8').trimEnd().split('\n');
    expect(rest).toEqual([]);
    const record = JSON.parse(line as string);
    expect(record).toMatchObject({
      schema: 'kpush.dev/deploy-record/v1',
      app: 'plain',
      mode: 'apply',
      result: 'succeeded',
      namespace: ns,
      summary: { created: 4, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
      envRepo: { commit: null },
      error: null,
    });
    expect(record.objects).toContainEqual(
      expect.objectContaining({ kind: 'Deployment', name: 'web', action: 'created', status: 'Current' }),
    );
  });

  it('a second run with nothing changed writes nothing', async () => {
    const before = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', ns]);
    const run = await deploy([dir, '--app', 'plain', '-n', ns, '--json']);
    expectOk(run);
    const record = JSON.parse(run.stdout);
    expect(record.summary).toEqual({ created: 0, configured: 0, unchanged: 4, pruned: 0, failed: 0 });
    const after = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', ns]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('a new image is configured and rolled out; --diff shows only that change', async () => {
    write(dir, { 'web/deployment.yaml': deploymentYaml('web', 'registry.test/web:1.1.0', { replicas: 2 }) });
    const run = await deploy([dir, '--app', 'plain', '-n', ns, '--diff']);
    expectOk(run);
    expect(run.stdout).toContain('-          image: registry.test/web:1.0.0');
    expect(run.stdout).toContain('+          image: registry.test/web:1.1.0');
    expect(run.stdout).not.toContain('settings'); // unchanged objects print no diff
    expect(run.stderr).toMatch(/configured Deployment\.apps .*\/web/);
    expect(run.stderr).toMatch(/unchanged ConfigMap .*\/settings/);
    const live = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', ns]);
    expect(live.spec.template.spec.containers[0]?.image).toBe('registry.test/web:1.1.0');
    expect(live.status.updatedReplicas).toBe(2);
    expect(live.status.availableReplicas).toBe(2);
  });

  it('a removed field and an added one are changes, and the removed field is gone', async () => {
    write(dir, {
      'config.yaml': `${configMapYaml('settings', { mode: 'blue', extra: 'x' })}---\n${configMapYaml('flags', {})}`,
    });
    const run = await deploy([dir, '--app', 'plain', '-n', ns, '--json']);
    expectOk(run);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ configured: 2, unchanged: 2 });
    const flags = await kubectlJson<{ data?: Record<string, string> }>([
      'get',
      'configmap',
      'flags',
      '-n',
      ns,
    ]);
    expect(flags.data ?? {}).toEqual({});
    const settings = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'settings',
      '-n',
      ns,
    ]);
    expect(settings.data).toEqual({ mode: 'blue', extra: 'x' });
  });

  it('--dry-run prints diffs and a summary and changes nothing', async () => {
    write(dir, { 'web/deployment.yaml': deploymentYaml('web', 'registry.test/web:2.0.0', { replicas: 2 }) });
    write(dir, { 'extra.yaml': configMapYaml('extra', { a: 'b' }) });
    const before = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', ns]);
    const run = await deploy([dir, '--app', 'plain', '-n', ns, '--dry-run']);
    expectOk(run);
    expect(run.stdout).toContain('+          image: registry.test/web:2.0.0');
    expect(run.stdout).toContain('+++ result/v1.ConfigMap.');
    expect(run.stderr).toMatch(/dry run: 1 to create, 1 to configure, 3 unchanged, 0 to prune/);
    const after = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', ns]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await exists(['configmap', 'extra', '-n', ns])).toBe(false);
  });

  it('history lists the deploys from the cluster, newest first', async () => {
    const run = await kpush(['history', '--app', 'plain', '--json'], {
      env: { KUBECONFIG: testKubeconfig() },
    });
    expectOk(run);
    const { records } = JSON.parse(run.stdout);
    expect(records.map((record: { result: string }) => record.result)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(records[0].summary.configured).toBe(2);
    expect(records[3].summary.created).toBe(4);
    const text = await kpush(['history', '--app', 'plain'], { env: { KUBECONFIG: testKubeconfig() } });
    expect(text.stdout.split('\n')[0]).toMatch(/^STARTED\s+RESULT\s+ENV COMMIT/);
  });
});

describe('kpush deploy: kustomize, git provenance, CRDs', () => {
  it('renders a kustomization, records the env commit and its Kpush-Source trailers', async () => {
    const ns = uniqueName('e2e-kust');
    deleteLater(ns);
    const dir = envDir({
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'base/deployment.yaml': deploymentYaml('api', 'registry.test/api:sha-0000000'),
      'overlays/stage/kustomization.yaml': `namespace: ${ns}\nresources:\n  - namespace.yaml\n  - ../../base\nimages:\n  - name: registry.test/api\n    newTag: sha-1234567\n`,
      'overlays/stage/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
    });
    git(dir, ['init', '-q', '-b', 'main']);
    git(dir, ['add', '.']);
    git(dir, [
      'commit',
      '-qm',
      'deploy: bump registry.test/api to sha-1234567\n\nKpush-Source-Repo: https://git.test/acme/api\nKpush-Source-Commit: 1234567890abcdef1234567890abcdef12345678',
    ]);
    const commit = git(dir, ['rev-parse', 'HEAD']);
    const run = await deploy([dir, '--path', 'overlays/stage', '--app', 'kust', '--json']);
    expectOk(run);
    const record = JSON.parse(run.stdout);
    expect(record.namespace).toBe(ns);
    expect(record.envRepo).toMatchObject({ commit, path: 'overlays/stage', dirty: false });
    expect(record.source).toEqual({
      repo: 'https://git.test/acme/api',
      commit: '1234567890abcdef1234567890abcdef12345678',
    });
    const live = await kubectlJson<Deployment>(['get', 'deployment', 'api', '-n', ns]);
    expect(live.spec.template.spec.containers[0]?.image).toBe('registry.test/api:sha-1234567');
  });

  it('applies a CRD and a custom resource of it in one deploy', async () => {
    const ns = await namespace('e2e-crd');
    const group = `${uniqueName('w')}.kpush.test`;
    const dir = envDir({
      'crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`,
      'widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: small\nspec:\n  size: 3\n`,
    });
    const dry = await deploy([dir, '--app', 'crd', '-n', ns, '--dry-run']);
    expectOk(dry);
    expect(dry.stderr).toMatch(/would be created Widget\..* e2e-crd-.*\/small/);
    expect(await exists([`crd/widgets.${group}`])).toBe(false);

    const run = await deploy([dir, '--app', 'crd', '-n', ns]);
    expectOk(run);
    const widget = await kubectlJson<{ spec: { size: number } }>([
      'get',
      `widgets.${group}`,
      'small',
      '-n',
      ns,
    ]);
    expect(widget.spec.size).toBe(3);
    await kubectl(['delete', `crd/widgets.${group}`, '--wait=false']);
  });
});

describe('kpush deploy: other managers', () => {
  it('fails on a conflict naming the field and its manager, then --force-conflicts takes ownership', async () => {
    const ns = await namespace('e2e-conflict');
    const dir = envDir({ 'cm.yaml': configMapYaml('shared', { color: 'blue' }) });
    expectOk(await deploy([dir, '--app', 'conflict', '-n', ns, '--no-wait']));
    // Another tool changes the field with server-side apply under its own manager.
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager', 'hotfix-bot', '-n', ns, '-f', '-'],
      {
        input: configMapYaml('shared', { color: 'red' }),
      },
    );
    write(dir, { 'cm.yaml': configMapYaml('shared', { color: 'green' }) });
    const refused = await deploy([dir, '--app', 'conflict', '-n', ns]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /ConfigMap .*\/shared: a field is managed by another tool: \.data\.color \(owned by hotfix-bot\)/,
    );
    expect(refused.stderr).toContain('--force-conflicts');
    const unchanged = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'shared',
      '-n',
      ns,
    ]);
    expect(unchanged.data.color).toBe('red');

    expectOk(await deploy([dir, '--app', 'conflict', '-n', ns, '--force-conflicts']));
    const taken = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'shared',
      '-n',
      ns,
    ]);
    expect(taken.data.color).toBe('green');
  });

  it('keeps the replica count an HPA chose', async () => {
    const ns = await namespace('e2e-hpa');
    const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: scaled
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: scaled }
  minReplicas: 1
  maxReplicas: 5
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 80 } }
`;
    const dir = envDir({
      'deploy.yaml': deploymentYaml('scaled', 'registry.test/scaled:1', { replicas: 1 }),
      'hpa.yaml': hpa,
    });
    expectOk(await deploy([dir, '--app', 'hpa', '-n', ns]));
    // The autoscaler (simulated here with the scale subresource, as the HPA controller writes it).
    await kubectl(['scale', 'deployment/scaled', '--replicas=3', '-n', ns]);
    write(dir, { 'deploy.yaml': deploymentYaml('scaled', 'registry.test/scaled:2', { replicas: 1 }) });
    expectOk(await deploy([dir, '--app', 'hpa', '-n', ns]));
    const live = await kubectlJson<Deployment>(['get', 'deployment', 'scaled', '-n', ns]);
    expect(live.spec.replicas).toBe(3);
    expect(live.spec.template.spec.containers[0]?.image).toBe('registry.test/scaled:2');
  });

  it('takes over an object created by client-side kubectl apply without leaving stale fields', async () => {
    const ns = await namespace('e2e-csa');
    const legacy = `${configMapYaml('legacy', { keep: 'yes', old: 'remove-me' })}`;
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: legacy });
    const dir = envDir({ 'cm.yaml': configMapYaml('legacy', { keep: 'yes' }) });
    expectOk(await deploy([dir, '--app', 'csa', '-n', ns]));
    const live = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'legacy',
      '-n',
      ns,
    ]);
    expect(live.data).toEqual({ keep: 'yes' });
  });

  it('names an immutable field and the way out', async () => {
    const ns = await namespace('e2e-immutable');
    const dir = envDir({ 'deploy.yaml': deploymentYaml('fixed', 'registry.test/fixed:1') });
    expectOk(await deploy([dir, '--app', 'immutable', '-n', ns]));
    write(dir, {
      'deploy.yaml': deploymentYaml('fixed', 'registry.test/fixed:1').replace(/app: fixed/g, 'app: moved'),
    });
    const run = await deploy([dir, '--app', 'immutable', '-n', ns]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /Deployment\.apps .*\/fixed: spec\.selector cannot be changed on an existing object/,
    );
    expect(run.stderr).toContain(`kubectl delete deployment/fixed -n ${ns}`);
  });
});

describe('kpush deploy --prune', () => {
  it('deletes what this app applied before and leaves other apps alone; kubectl agrees on membership', async () => {
    const ns = await namespace('e2e-prune');
    const dir = envDir({
      'a.yaml': deploymentYaml('alpha', 'registry.test/alpha:1'),
      'b.yaml': deploymentYaml('beta', 'registry.test/beta:1'),
      'cm.yaml': configMapYaml('common', { x: '1' }),
    });
    const other = envDir({ 'other.yaml': deploymentYaml('other', 'registry.test/other:1') });
    expectOk(await deploy([dir, '--app', 'prune', '-n', ns, '--prune', '--no-wait']));
    expectOk(await deploy([other, '--app', 'prune-other', '-n', ns, '--no-wait']));

    // Membership as kubectl computes it: the same objects applied by kubectl's ApplySet support,
    // in another namespace, label the same members and record the same group-kinds.
    const kns = await namespace('e2e-prune-kubectl');
    const kubectlApply = (files: string) =>
      kubectl(
        ['apply', '--server-side', '--prune', '--applyset=secret/kpush-prune', '-n', kns, '-f', files],
        {
          env: { KUBECTL_APPLYSET: 'true' },
        },
      );
    await kubectlApply(dir);
    const parentOf = async (n: string) =>
      kubectlJson<{ metadata: { labels: Record<string, string>; annotations: Record<string, string> } }>([
        'get',
        'secret',
        'kpush-prune',
        '-n',
        n,
      ]);
    const [ours, theirs] = await Promise.all([parentOf(ns), parentOf(kns)]);
    const groupKinds = 'applyset.kubernetes.io/contains-group-kinds';
    expect(ours.metadata.annotations[groupKinds]).toBe(theirs.metadata.annotations[groupKinds]);
    const idOf = (p: typeof ours) => p.metadata.labels['applyset.kubernetes.io/id'] as string;
    const members = async (n: string, id: string) =>
      (
        await kubectl([
          'get',
          'deployments,configmaps',
          '-n',
          n,
          '-l',
          `applyset.kubernetes.io/part-of=${id}`,
          '-o',
          'name',
        ])
      ).stdout
        .trim()
        .split('\n')
        .sort();
    expect(await members(ns, idOf(ours))).toEqual(await members(kns, idOf(theirs)));
    // kpush's id formula names kubectl's parent too.
    expect(idOf(theirs)).toBe(applySetId('kpush-prune', kns));

    await rm(join(dir, 'b.yaml'));
    const dry = await deploy([dir, '--app', 'prune', '-n', ns, '--prune', '--dry-run']);
    expectOk(dry);
    expect(dry.stderr).toMatch(/would be pruned Deployment\.apps .*\/beta/);
    expect(dry.stderr).toMatch(/1 to prune/);
    expect(await exists(['deployment', 'beta', '-n', ns])).toBe(true);

    const run = await deploy([dir, '--app', 'prune', '-n', ns, '--prune', '--json']);
    expectOk(run);
    expect(JSON.parse(run.stdout).summary.pruned).toBe(1);
    expect(await exists(['deployment', 'beta', '-n', ns])).toBe(false);
    expect(await exists(['deployment', 'alpha', '-n', ns])).toBe(true);
    expect(await exists(['deployment', 'other', '-n', ns])).toBe(true);
    // kubectl prunes the same object from its own set.
    await kubectlApply(dir);
    expect(await exists(['deployment', 'beta', '-n', kns])).toBe(false);
    expect(await exists(['deployment', 'alpha', '-n', kns])).toBe(true);
  });

  it('refuses to prune everything when the render is empty', async () => {
    const ns = await namespace('e2e-empty');
    const dir = envDir({ 'cm.yaml': configMapYaml('only', { a: '1' }) });
    expectOk(await deploy([dir, '--app', 'empty', '-n', ns, '--prune']));
    await rm(join(dir, 'cm.yaml'));
    const run = await deploy([dir, '--app', 'empty', '-n', ns, '--prune']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('--allow-empty');
    expect(await exists(['configmap', 'only', '-n', ns])).toBe(true);
  });
});

describe('kpush deploy: rollout failures', () => {
  it('a -broken image fails fast with the reason, and the record says failed', async () => {
    const ns = await namespace('e2e-broken');
    const dir = envDir({ 'deploy.yaml': deploymentYaml('crashy', 'registry.test/crashy:1.0-broken') });
    const audit = join(tempDir(), 'audit.jsonl');
    const started = Date.now();
    const run = await deploy([dir, '--app', 'broken', '-n', ns, '--timeout', '2m', '--audit-file', audit]);
    const elapsed = Date.now() - started;
    expect(run.exitCode).toBe(1);
    expect(elapsed).toBeLessThan(60_000); // far below --timeout: it stopped at the first failure
    expect(run.stderr).toMatch(/rollout failed/);
    expect(run.stderr).toMatch(/Deployment\.apps .*\/crashy.*CrashLoopBackOff/);
    const record = JSON.parse(readFileSync(audit, 'utf8'));
    expect(record.result).toBe('failed');
    expect(record.error.code).toBe('E_ROLLOUT_FAILED');
    expect(record.objects).toContainEqual(expect.objectContaining({ name: 'crashy', status: 'Failed' }));
  });

  it('a -notready pod is named when the timeout runs out', async () => {
    const ns = await namespace('e2e-stuck');
    const dir = envDir({ 'deploy.yaml': deploymentYaml('lazy', 'registry.test/lazy:1-notready') });
    const run = await deploy([dir, '--app', 'stuck', '-n', ns, '--timeout', '4s']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/not ready after 4s/);
    expect(run.stderr).toMatch(/Deployment\.apps .*\/lazy: InProgress/);
    expect(run.stderr).toMatch(/pod lazy-\S+: .*not ready/i);
  });

  it('an -unschedulable pod fails once it stayed unschedulable for 15 s, with the scheduler event', async () => {
    const ns = await namespace('e2e-unsched');
    const dir = envDir({ 'deploy.yaml': deploymentYaml('nowhere', 'registry.test/nowhere:1-unschedulable') });
    const started = Date.now();
    const run = await deploy([dir, '--app', 'unsched', '-n', ns, '--timeout', '2m']);
    expect(run.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.stderr).toMatch(/rollout failed: Deployment\.apps .*\/nowhere: .*unschedulable/i);
    expect(run.stderr).toMatch(/event Pod\/nowhere-\S+: FailedScheduling/);
  });

  it('a -slow pod is waited for and ends Current', async () => {
    const ns = await namespace('e2e-slow');
    const dir = envDir({ 'deploy.yaml': deploymentYaml('patient', 'registry.test/patient:1-slow') });
    const started = Date.now();
    const run = await deploy([dir, '--app', 'slow', '-n', ns, '--timeout', '1m']);
    expectOk(run);
    expect(Date.now() - started).toBeGreaterThan(5_000); // the simulator starts -slow pods after 10 s
    expect(run.stderr).toMatch(/ready Deployment\.apps .*\/patient: 1 replicas? available/);
  });
});

describe('kpush deploy: sources and credentials', () => {
  it('--repo clones the env repo at --ref and records that commit', async () => {
    const ns = await namespace('e2e-repo');
    const work = envDir({ 'app/cm.yaml': configMapYaml('from-git', { rev: 'one' }) });
    git(work, ['init', '-q', '-b', 'main']);
    git(work, ['add', '.']);
    git(work, ['commit', '-qm', 'one']);
    const first = git(work, ['rev-parse', 'HEAD']);
    write(work, { 'app/cm.yaml': configMapYaml('from-git', { rev: 'two' }) });
    git(work, ['commit', '-qam', 'two']);
    const bare = join(tempDir(), 'env.git');
    git(work, ['clone', '-q', '--bare', work, bare]);
    const run = await deploy([
      '--repo',
      bare,
      '--ref',
      first,
      '--path',
      'app',
      '--app',
      'repo',
      '-n',
      ns,
      '--json',
    ]);
    expectOk(run);
    expect(JSON.parse(run.stdout).envRepo).toMatchObject({ commit: first, path: 'app' });
    const live = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'from-git',
      '-n',
      ns,
    ]);
    expect(live.data.rev).toBe('one');
    const head = await deploy(['--repo', bare, '--path', 'app', '--app', 'repo', '-n', ns]);
    expectOk(head);
    expect(head.stderr).toMatch(/rendered 1 object from app \(files\)/);
    const updated = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'from-git',
      '-n',
      ns,
    ]);
    expect(updated.data.rev).toBe('two');
  });

  it('merges KUBECONFIG paths and runs exec credential plugins', async () => {
    const ns = await namespace('e2e-exec');
    const admin = parseYaml(readFileSync(testKubeconfig(), 'utf8'));
    const token = admin.users[0].user.token as string;
    const dir = tempDir();
    const plugin = join(dir, 'credential-plugin');
    writeFileSync(
      plugin,
      `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$KPUSH_TEST_TOKEN"\n`,
      { mode: 0o755 },
    );
    // One file with the cluster, another with the user (exec plugin) and the context.
    const clusters = join(dir, 'clusters.yaml');
    const users = join(dir, 'users.yaml');
    writeFileSync(clusters, stringifyYaml({ apiVersion: 'v1', kind: 'Config', clusters: admin.clusters }));
    writeFileSync(
      users,
      stringifyYaml({
        apiVersion: 'v1',
        kind: 'Config',
        users: [
          {
            name: 'via-exec',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: plugin,
                env: [{ name: 'KPUSH_TEST_TOKEN', value: token }],
                interactiveMode: 'Never',
              },
            },
          },
        ],
        contexts: [
          { name: 'exec', context: { cluster: admin.clusters[0].name, user: 'via-exec', namespace: ns } },
        ],
        'current-context': 'exec',
      }),
    );
    const run = await kpush(
      ['deploy', envDir({ 'cm.yaml': configMapYaml('exec', { ok: 'yes' }) }), '--app', 'exec'],
      {
        env: { KUBECONFIG: `${users}:${clusters}` },
        now: 'real',
      },
    );
    expectOk(run);
    expect(run.stderr).not.toContain(token);
    expect(await exists(['configmap', 'exec', '-n', ns])).toBe(true);
  });

  it('a rejected token is one line naming the server and context, never the token', async () => {
    const admin = parseYaml(readFileSync(testKubeconfig(), 'utf8'));
    admin.users[0].user = { token: 'not-the-right-token-abcdef' };
    const kubeconfig = join(tempDir(), 'kubeconfig');
    writeFileSync(kubeconfig, stringifyYaml(admin));
    const run = await kpush(
      ['deploy', envDir({ 'cm.yaml': configMapYaml('nope', {}) }), '--app', 'auth', '--json'],
      {
        env: { KUBECONFIG: kubeconfig },
        now: 'real',
      },
    );
    expect(run.exitCode).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^error: the cluster at https:\/\/127\.0\.0\.1:\d+ \(context \S+\) rejected kpush's credentials \(401 Unauthorized\)/,
    );
    expect(run.stdout + run.stderr).not.toContain('not-the-right-token-abcdef');
  });

  it('keeps the newest 10 records in the cluster', async () => {
    const ns = await namespace('e2e-records');
    const dir = envDir({ 'cm.yaml': configMapYaml('counted', { n: '0' }) });
    for (let i = 1; i <= 12; i++) {
      write(dir, { 'cm.yaml': configMapYaml('counted', { n: String(i) }) });
      expectOk(await deploy([dir, '--app', 'records', '-n', ns, '--no-wait']));
    }
    const history = await kpush(['history', '--app', 'records', '-n', ns, '--json'], {
      env: { KUBECONFIG: testKubeconfig() },
    });
    const { records } = JSON.parse(history.stdout);
    expect(records).toHaveLength(10);
    const secrets = await kubectl([
      'get',
      'secrets',
      '-n',
      ns,
      '-l',
      'kpush.dev/record=deploy',
      '-o',
      'name',
    ]);
    expect(secrets.stdout.trim().split('\n')).toHaveLength(10);
  });
});

describe('kpush deploy: secrets never reach output', () => {
  it('masks Secret data in diffs, logs, --json, the audit file, the step summary and the cluster record', async () => {
    const ns = await namespace('e2e-secret');
    const plain = 'hunter2-very-secret';
    const encoded = Buffer.from('s3cr3t-encoded-value').toString('base64');
    const secretYaml = (value: string) => `apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: ${value}
data:
  token: ${encoded}
`;
    const dir = envDir({ 'secret.yaml': secretYaml(plain) });
    const audit = join(tempDir(), 'audit.jsonl');
    const summary = join(tempDir(), 'summary.md');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const outputs: string[] = [];
    const first = await deploy([dir, '--app', 'secret', '-n', ns, '--diff', '--audit-file', audit], env);
    expectOk(first);
    outputs.push(first.stdout, first.stderr);
    write(dir, { 'secret.yaml': secretYaml('another-secret-value') });
    const second = await deploy([dir, '--app', 'secret', '-n', ns, '--dry-run', '--json'], env);
    expectOk(second);
    outputs.push(second.stdout, second.stderr);
    const third = await deploy([dir, '--app', 'secret', '-n', ns, '--diff', '--verbose'], env);
    expectOk(third);
    outputs.push(third.stdout, third.stderr);
    expect(third.stdout).toContain('*** (before)');
    expect(third.stdout).toContain('*** (after)');
    outputs.push(readFileSync(audit, 'utf8'), readFileSync(summary, 'utf8'));
    const records = await kubectl([
      'get',
      'secrets',
      '-n',
      ns,
      '-l',
      'kpush.dev/record=deploy',
      '-o',
      'jsonpath={.items[*].data.record}',
    ]);
    for (const record of records.stdout.split(' '))
      outputs.push(Buffer.from(record, 'base64').toString('utf8'));
    const secretValues = [
      plain,
      'another-secret-value',
      encoded,
      's3cr3t-encoded-value',
      Buffer.from(plain).toString('base64'),
    ];
    for (const output of outputs) for (const value of secretValues) expect(output).not.toContain(value);
    // And the Secret itself holds the values: masking is output-only.
    const live = await kubectlJson<{ data: Record<string, string> }>(['get', 'secret', 'creds', '-n', ns]);
    expect(Buffer.from(live.data.password as string, 'base64').toString()).toBe('another-secret-value');
  });
});

describe('kpush deploy: bad input changes nothing', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await namespace('e2e-bad');
  });
  const good = () => configMapYaml('should-not-exist', { a: '1' });

  it.each([
    [
      'malformed YAML',
      'broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n',
      /broken\.yaml:\d+:\d+: .*nothing was applied/,
    ],
    ['a missing kind', 'nokind.yaml', 'apiVersion: v1\nmetadata:\n  name: x\ndata: {}\n', /nokind\.yaml:1/],
    [
      'an unknown kind',
      'unknown.yaml',
      'apiVersion: nothing.kpush.test/v1\nkind: Gizmo\nmetadata:\n  name: x\n',
      /Gizmo/,
    ],
  ])('%s: exit 1 with file:line, nothing applied', async (_name, file, content, pattern) => {
    const dir = envDir({ 'good.yaml': good(), [file]: content });
    const run = await deploy([dir, '--app', 'bad', '-n', ns]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(pattern);
    expect(await exists(['configmap', 'should-not-exist', '-n', ns])).toBe(false);
  });

  it('an unreachable cluster: one line naming the server and context, exit 1', async () => {
    const kubeconfig = join(tempDir(), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: 'https://127.0.0.1:1' } }]
users: [{ name: u, user: { token: very-secret-token-value } }]
contexts: [{ name: nowhere, context: { cluster: gone, user: u } }]
current-context: nowhere
`,
    );
    const run = await kpush(['deploy', envDir({ 'good.yaml': good() }), '--app', 'bad'], {
      env: { KUBECONFIG: kubeconfig },
      now: 'real',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/cannot reach the cluster at https:\/\/127\.0\.0\.1:1 \(context nowhere\)/);
    expect(run.stderr).not.toContain('very-secret-token-value');
  });

  it('a bad kubeconfig and a missing context are clear errors', async () => {
    const kubeconfig = join(tempDir(), 'kubeconfig');
    writeFileSync(kubeconfig, 'this: [is not a kubeconfig\n');
    const bad = await kpush([
      'deploy',
      envDir({ 'good.yaml': good() }),
      '--app',
      'bad',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/cannot load kubeconfig/);
    const noContext = await deploy([envDir({ 'good.yaml': good() }), '--app', 'bad', '--context', 'nope']);
    expect(noContext.exitCode).toBe(1);
    expect(noContext.stderr).toMatch(/no context nope in the kubeconfig/);
  });

  it('usage errors exit 2', async () => {
    expect((await deploy(['--app', 'Not_Valid'])).exitCode).toBe(2);
    expect((await deploy(['.', '--repo', 'x', '--app', 'a'])).exitCode).toBe(2);
    expect((await deploy(['.', '--app', 'a', '--timeout', 'soon'])).exitCode).toBe(2);
  });
});

describe('kpush deploy: several clusters', () => {
  it('deploys to each context in parallel and says which one failed', async () => {
    const nsA = await namespace('e2e-multi-a');
    const nsB = await namespace('e2e-multi-b');
    const config = readFileSync(testKubeconfig(), 'utf8');
    const kubeconfig = join(tempDir(), 'kubeconfig');
    const parsed = parseYaml(config);
    parsed.clusters.push({ name: 'down', cluster: { server: 'https://127.0.0.1:1' } });
    const user = parsed.contexts[0].context.user;
    const clusterName = parsed.contexts[0].context.cluster;
    parsed.contexts = [
      { name: 'a', context: { cluster: clusterName, user, namespace: nsA } },
      { name: 'b', context: { cluster: clusterName, user, namespace: nsB } },
      { name: 'down', context: { cluster: 'down', user } },
    ];
    writeFileSync(kubeconfig, stringifyYaml(parsed));
    const dir = envDir({ 'cm.yaml': configMapYaml('multi', { a: '1' }) });
    const both = await kpush(
      ['deploy', dir, '--app', 'multi', '--context', 'a', '--context', 'b', '--json'],
      {
        env: { KUBECONFIG: kubeconfig },
        now: 'real',
      },
    );
    expectOk(both);
    const { records } = JSON.parse(both.stdout);
    expect(records.map((r: { cluster: { context: string } }) => r.cluster.context)).toEqual(['a', 'b']);
    expect(await exists(['configmap', 'multi', '-n', nsA])).toBe(true);
    expect(await exists(['configmap', 'multi', '-n', nsB])).toBe(true);

    const partial = await kpush(['deploy', dir, '--app', 'multi', '--context', 'a', '--context', 'down'], {
      env: { KUBECONFIG: kubeconfig },
      now: 'real',
    });
    expect(partial.exitCode).toBe(1);
    expect(partial.stderr).toMatch(/deploy failed on 1 of 2 clusters: down/);
    expect(partial.stderr).toMatch(/\[a\] deployed multi to a/);
  });
});
