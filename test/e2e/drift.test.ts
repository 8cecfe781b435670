// `kpush drift` end to end on the real control plane: real kubectl changes the cluster behind
// kpush's back (scale, edit, set image, delete, a Secret patched), and drift must name each change,
// the manager that made it, and the exit code a scheduled pipeline acts on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/core/deploy/drift.js';
import { type CliRun, kpush } from '../helpers/cli.js';
import { namespace as scratchNamespace, tempDir } from './scratch.js';
import { git } from '../helpers/git.js';
import { kubectl, kubectlJson, testKubeconfig } from '../support/kube.js';

function namespace(): Promise<string> {
  return scratchNamespace('e2e-drift');
}

const SECRET_VALUE = 'repo-secret-Zq81xv';
const HAND_SECRET = 'hand-typed-secret-Pw77';

const FILES: Record<string, string> = {
  'web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: registry.test/web:1.0.0
`,
  'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
`,
  'secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: ${SECRET_VALUE}
`,
};

function envDir(files: Record<string, string> = FILES): string {
  const dir = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return kpush(args, { env: { KUBECONFIG: testKubeconfig(), ...env }, now: 'real' });
}

function expectExit(run: CliRun, code: number): void {
  if (run.exitCode !== code)
    throw new Error(
      `kpush exited ${run.exitCode}, expected ${code}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`,
    );
}

/** A namespace with the app deployed from a fresh directory. */
async function deployed(files: Record<string, string> = FILES): Promise<{ ns: string; dir: string }> {
  const ns = await namespace();
  const dir = envDir(files);
  expectExit(await cli(['deploy', dir, '--app', 'web', '-n', ns]), 0);
  return { ns, dir };
}

async function driftJson(
  dir: string,
  ns: string,
  extra: string[] = [],
): Promise<{ run: CliRun; report: DriftReport }> {
  const run = await cli(['--json', 'drift', dir, '--app', 'web', '-n', ns, ...extra]);
  return { run, report: JSON.parse(run.stdout) as DriftReport };
}

describe('kpush drift', () => {
  it('exits 0 on a cluster that matches the env repo', async () => {
    const { ns, dir } = await deployed();
    const run = await cli(['drift', dir, '--app', 'web', '-n', ns]);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/no drift: web \(namespace .*\) on .* matches the env repo \(3 objects\)/);
    const { report } = await driftJson(dir, ns);
    expect(report).toMatchObject({
      drifted: false,
      clusters: [{ status: 'clean', objects: [], checked: 3 }],
    });
  });

  it('names a `kubectl scale` as drift of .spec.replicas by kubectl (scale subresource), exit 3', async () => {
    const { ns, dir } = await deployed();
    await kubectl(['scale', 'deployment/web', '-n', ns, '--replicas=5']);
    const run = await cli(['drift', dir, '--app', 'web', '-n', ns]);
    expectExit(run, 3);
    expect(run.stdout).toContain(`~ Deployment.apps ${ns}/web`);
    expect(run.stdout).toContain('.spec.replicas: live 5, repo 2 (by kubectl (scale))');
    expect(run.stderr).toMatch(/error: drift: 1 object of web differs from the env repo/);

    const { run: json, report } = await driftJson(dir, ns);
    expectExit(json, 3);
    expect(report.clusters[0]?.objects).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        state: 'changed',
        fields: [{ path: '.spec.replicas', live: 5, repo: 2, managers: ['kubectl (scale)'] }],
      }),
    ]);
  });

  it('names `kubectl edit` and `kubectl set image` of an image by their managers', async () => {
    const { ns, dir } = await deployed();
    // A real `kubectl edit`, its editor a sed script.
    await kubectl(['edit', 'deployment/web', '-n', ns], {
      env: { EDITOR: 'sed -i s/web:1.0.0/web:6.6.6/', KUBE_EDITOR: '' },
    });
    const live = await kubectlJson<{ spec: { template: { spec: { containers: { image: string }[] } } } }>([
      'get',
      'deployment/web',
      '-n',
      ns,
    ]);
    expect(live.spec.template.spec.containers[0]?.image).toBe('registry.test/web:6.6.6');
    const edited = await cli(['drift', dir, '--app', 'web', '-n', ns]);
    expectExit(edited, 3);
    expect(edited.stdout).toContain(
      '.spec.template.spec.containers[name="app"].image: live "registry.test/web:6.6.6", repo "registry.test/web:1.0.0" (by kubectl-edit)',
    );

    await kubectl(['set', 'image', 'deployment/web', '-n', ns, 'app=registry.test/web:7.7.7']);
    const { run, report } = await driftJson(dir, ns);
    expectExit(run, 3);
    expect(report.clusters[0]?.objects[0]?.fields).toEqual([
      {
        path: '.spec.template.spec.containers[name="app"].image',
        live: 'registry.test/web:7.7.7',
        repo: 'registry.test/web:1.0.0',
        managers: ['kubectl-set'],
      },
    ]);
  });

  it('reports a deleted Service as missing and an object dropped from the repo as not in the repo', async () => {
    const { ns } = await deployed({
      ...FILES,
      'old.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\ndata:\n  a: "1"\n',
    });
    await kubectl(['delete', 'service/web', '-n', ns]);
    const dir = envDir(); // the repo without old.yaml
    const run = await cli(['drift', dir, '--app', 'web', '-n', ns]);
    expectExit(run, 3);
    expect(run.stdout).toContain(`- Service ${ns}/web: missing from the cluster (`);
    expect(run.stdout).toContain(`+ ConfigMap ${ns}/old: deployed by web earlier, no longer in the env repo`);
    expect(run.stdout).toContain('2 drifted: 0 changed, 1 missing, 1 not in the repo');
    expect(run.stdout).not.toContain('Deployment');
  });

  it('never shows Secret values, in text, JSON or the GitHub step summary', async () => {
    const { ns, dir } = await deployed();
    await kubectl([
      'patch',
      'secret/creds',
      '-n',
      ns,
      '-p',
      JSON.stringify({ stringData: { password: HAND_SECRET } }),
    ]);
    const summary = join(tempDir(), 'summary.md');
    writeFileSync(summary, '');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const text = await cli(['drift', dir, '--app', 'web', '-n', ns], env);
    expectExit(text, 3);
    expect(text.stdout).toContain('.data.password: live *** (before), repo *** (after) (by kubectl-patch)');
    const json = await cli(['--json', 'drift', dir, '--app', 'web', '-n', ns], env);
    expectExit(json, 3);
    const markdown = readFileSync(summary, 'utf8');
    expect(markdown).toContain('kpush drift web');
    expect(markdown).toContain('`.data.password` | *** (before) | *** (after) | kubectl-patch |');
    const everything = [text.stdout, text.stderr, json.stdout, json.stderr, markdown].join('\n');
    for (const secret of [SECRET_VALUE, HAND_SECRET]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }
  });

  it('--fix re-deploys the commit it checked (--repo) and the drift is gone', async () => {
    const ns = await namespace();
    const work = envDir();
    git(work, ['init', '-q', '-b', 'main']);
    git(work, ['add', '.']);
    git(work, ['commit', '-q', '-m', 'env']);
    const bare = join(tempDir(), 'env.git');
    git(tempDir(), ['clone', '-q', '--bare', work, bare]);
    const repo = pathToFileURL(bare).href;
    expectExit(await cli(['deploy', '--repo', repo, '--app', 'web', '-n', ns]), 0);
    await kubectl(['scale', 'deployment/web', '-n', ns, '--replicas=4']);
    await kubectl(['delete', 'service/web', '-n', ns]);

    const fixed = await cli(['drift', '--repo', repo, '--app', 'web', '-n', ns, '--fix']);
    expectExit(fixed, 0);
    expect(fixed.stdout).toContain('.spec.replicas: live 4, repo 2 (by kubectl (scale))');
    expect(fixed.stderr).toMatch(/fixed: web re-deployed from the env repo/);
    const live = await kubectlJson<{ spec: { replicas: number } }>(['get', 'deployment/web', '-n', ns]);
    expect(live.spec.replicas).toBe(2);
    expectExit(await cli(['drift', '--repo', repo, '--app', 'web', '-n', ns]), 0);
    // The fix is a deploy like any other: on record, from the same env commit.
    const history = await cli(['--json', 'history', '--app', 'web', '-n', ns]);
    const records = JSON.parse(history.stdout).records as {
      envRepo: { commit: string };
      flags: { forceConflicts: boolean };
    }[];
    expect(records).toHaveLength(2);
    expect(records[0]?.envRepo.commit).toBe(git(work, ['rev-parse', 'HEAD']));
    expect(records[0]?.flags.forceConflicts).toBe(true);
  });

  it('exits 1 when the cluster cannot be reached, and 2 on a usage error', async () => {
    const dir = envDir();
    const kubeconfig = join(tempDir(), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token-123}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`,
    );
    const run = await cli(['drift', dir, '--app', 'web', '-n', 'default', '--kubeconfig', kubeconfig]);
    expectExit(run, 1);
    expect(run.stdout).toMatch(/could not check web/);
    expect(run.stderr).toMatch(/^error: could not check gone/m);
    expect(run.stderr + run.stdout).not.toContain('not-a-real-token-123');
    expectExit(await cli(['drift', dir, '--app', 'web', '--prune']), 2);
  });
});
