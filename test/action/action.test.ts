import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { git, makeBareRemote, makeRepo, tempDir } from '../helpers/git.js';
import { type ActionRun, runBundledAction, runLocalAction } from './run-action.js';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
`;
const WORKER = DEPLOYMENT.replaceAll('api', 'worker');
const ENV_REPO = {
  'overlays/staging/api.yaml': DEPLOYMENT,
  'overlays/staging/worker.yaml': WORKER,
};
/** Line 4, column 8: a mapping nested in a compact one. */
const BROKEN = 'apiVersion: v1\nkind: ConfigMap\ndata:\n  key: value: other\nmetadata: {}\n';

function remoteHead(path: string): string {
  return git(path, ['rev-parse', 'main']);
}

function remoteFile(path: string, file: string): string {
  return git(path, ['show', `main:${file}`]);
}

/** A checked-out app repository as actions/checkout leaves it: detached at GITHUB_SHA. */
function appRepo(): { dir: string; sha: string; env: NodeJS.ProcessEnv } {
  const dir = makeRepo({ Dockerfile: 'FROM scratch\n' });
  const sha = git(dir, ['rev-parse', 'HEAD']);
  git(dir, ['checkout', '--quiet', '--detach']);
  return {
    dir,
    sha,
    env: { GITHUB_ACTIONS: 'true', GITHUB_SHA: sha, GITHUB_REF_NAME: 'main', GITHUB_REF: 'refs/heads/main' },
  };
}

const runners: [string, (inputs: Record<string, string>, env?: NodeJS.ProcessEnv) => Promise<ActionRun>][] = [
  ['src/action/main.ts under @github/local-action', runLocalAction],
  ['the committed dist/action/index.js on the runner Node', runBundledAction],
];

describe.each(runners)('GitHub Action: %s', (_name, runAction) => {
  it('build-tag sets tag, sha and branch outputs and a job summary', async () => {
    const app = appRepo();
    const run = await runAction({ command: 'build-tag', strategy: 'branch-sha', dir: app.dir }, app.env);
    expect(run.exitCode, run.log).toBe(0);
    expect(run.outputs.tag).toBe(`main-${app.sha.slice(0, 7)}`);
    expect(run.outputs.sha).toBe(app.sha);
    expect(run.outputs.branch).toBe('main');
    expect(run.outputs.status).toBe('tagged');
    expect(run.log).toContain('::group::kpush build-tag --json --strategy branch-sha --cwd');
    expect(run.summary).toContain(`main-${app.sha.slice(0, 7)}`);
  });

  it('bump-manifest --dry-run reports the files it would change and pushes nothing', async () => {
    const remote = makeBareRemote(ENV_REPO);
    const before = remoteHead(remote.path);
    const run = await runAction({
      command: 'bump-manifest',
      repo: remote.url,
      images: 'ghcr.io/acme/api:2.0.0\nghcr.io/acme/worker:2.0.0\n',
      paths: 'overlays/staging',
      'dry-run': 'true',
    });
    expect(run.exitCode, run.log).toBe(0);
    expect(run.outputs.status).toBe('dry-run');
    expect(run.outputs['changed-files']).toBe('overlays/staging/api.yaml\noverlays/staging/worker.yaml');
    expect(run.outputs.commit).toBe('');
    expect(run.log).toContain('+          image: ghcr.io/acme/api:2.0.0');
    expect(remoteHead(remote.path)).toBe(before);
  });

  it('bump-manifest pushes with the token input and masks it; args are split like a shell', async () => {
    const token = 'ghs_actionTestToken0123456789';
    const remote = makeBareRemote(ENV_REPO);
    const server = await startGitHttpServer(remote.path, { user: 'x-access-token', token });
    try {
      const run = await runAction({
        command: 'bump-manifest',
        repo: server.url,
        images: 'ghcr.io/acme/api:2.0.0',
        token,
        args: `--message 'release {{images}}' --max-attempts 3`,
      });
      expect(run.exitCode, run.log).toBe(0);
      expect(run.outputs.status).toBe('pushed');
      expect(run.outputs.commit).toBe(remoteHead(remote.path));
      expect(run.outputs['changed-files']).toBe('overlays/staging/api.yaml');
      expect(remoteFile(remote.path, 'overlays/staging/api.yaml')).toContain('image: ghcr.io/acme/api:2.0.0');
      expect(git(remote.path, ['log', '-1', '--format=%s', 'main'])).toBe('release ghcr.io/acme/api:2.0.0');
      expect(run.summary).toContain(
        '| overlays/staging/api.yaml:10 | ghcr.io/acme/api:1.0.0 | ghcr.io/acme/api:2.0.0 |',
      );
      expect(linesOutsideMaskCommands(run.log).join('\n')).not.toContain(token);
    } finally {
      await server.close();
    }
  });

  it('a YAML syntax error fails the step with a file/line/col annotation and pushes nothing', async () => {
    const remote = makeBareRemote({ ...ENV_REPO, 'overlays/staging/broken.yaml': BROKEN });
    const before = remoteHead(remote.path);
    const run = await runAction({
      command: 'bump-manifest',
      repo: remote.url,
      images: 'ghcr.io/acme/api:2.0.0',
    });
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(
      /^::error title=kpush bump-manifest,file=overlays\/staging\/broken\.yaml,line=4,(endLine=4,)?col=8(,endColumn=8)?::overlays\/staging\/broken\.yaml:4:8: /m,
    );
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['exit-code']).toBe('1');
    expect(remoteHead(remote.path)).toBe(before);
  });

  it('a usage error fails the step with kpush’s message and exit code', async () => {
    const remote = makeBareRemote(ENV_REPO);
    const run = await runAction({ command: 'bump-manifest', repo: remote.url, images: 'ghcr.io/acme/api' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['exit-code']).toBe('2');
    expect(run.log).toMatch(/^::error::--image ghcr\.io\/acme\/api has neither a tag nor a digest/m);
  });

  it('refuses an input the command does not take, before running anything', async () => {
    const app = appRepo();
    const run = await runAction({ command: 'build-tag', dir: app.dir, images: 'ghcr.io/acme/api:1' });
    expect(run.exitCode).toBe(1);
    expect(run.log).toContain('::error::build-tag does not take the input images');
    expect(run.log).not.toContain('::group::');
  });
});

describe('GitHub Action bundle: secrets', () => {
  it('masks the token and every kubeconfig credential, and removes the kubeconfig file', async () => {
    const secrets = {
      token: 'ghp_maskedTokenForTheAction42',
      kubeToken: 'kube-bearer-token-0123456789',
      clientKey: 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCmZha2UK',
      clientCert: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UK',
      password: 'correct-horse-battery',
    };
    const kubeconfig = `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: "https://127.0.0.1:1" }
users:
  - name: bearer
    user: { token: ${secrets.kubeToken} }
  - name: cert
    user:
      client-certificate-data: ${secrets.clientCert}
      client-key-data: ${secrets.clientKey}
  - name: basic
    user: { username: admin, password: ${secrets.password} }
contexts:
  - name: c
    context: { cluster: c, user: bearer }
current-context: c
`;
    const run = await runBundledAction(
      { command: 'history', app: 'shop', kubeconfig, token: secrets.token, verbose: 'true' },
      { TMPDIR: tempDir() },
    );
    expect(run.exitCode).toBe(1);
    for (const secret of Object.values(secrets)) {
      expect(run.log).toContain(`::add-mask::${secret}\n`);
    }
    const printed = linesOutsideMaskCommands(run.log).join('\n');
    for (const secret of Object.values(secrets)) expect(printed).not.toContain(secret);
    expect(printed).toMatch(/^::error::.*127\.0\.0\.1:1/m);
    expect(readdirSync(run.runnerTemp).filter((name) => name.startsWith('kpush-kubeconfig-'))).toEqual([]);
  });
});

/** GitHub hides `::add-mask::` commands themselves; everything else reaches the log. */
function linesOutsideMaskCommands(log: string): string[] {
  return log.split('\n').filter((line) => !line.startsWith('::add-mask::'));
}
