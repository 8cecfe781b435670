import { chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { git, makeBareRemote, tempDir, writeFiles } from '../helpers/git.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';

const DEPLOYMENT = `# api deployment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    note: "was ghcr.io/acme/api:0.9"
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0   # bumped by CI
        - name: sidecar
          image: "ghcr.io/acme/api-worker:1.0.0"
`;
const KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: ghcr.io/acme/web
    newTag: "2.0"
`;
const ENV_FILES = { 'apps/api/deployment.yaml': DEPLOYMENT, 'apps/web/kustomization.yaml': KUSTOMIZATION };

/** Reads a file at the remote's tip. */
function remoteFile(remote: string, path: string): string {
  return git(remote, ['show', `main:${path}`]);
}

function remoteLog(remote: string): string[] {
  return git(remote, ['log', '--format=%s', 'main']).split('\n');
}

describe('kpush bump-manifest', () => {
  it('commits and pushes a one-line change with a traceable message', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const run = await kpush(['bump-manifest', '--repo', remote.url, '--image', 'ghcr.io/acme/api:1.1.0'], {
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/api',
        GITHUB_SHA: 'c'.repeat(40),
        GITHUB_RUN_ID: '4242',
        GITHUB_ACTOR: 'octocat',
        GITHUB_SERVER_URL: 'https://github.com',
        GIT_AUTHOR_NAME: '',
        GIT_AUTHOR_EMAIL: '',
        GIT_COMMITTER_NAME: '',
        GIT_COMMITTER_EMAIL: '',
      },
    });
    expect(run.stderr).toContain(
      'apps/api/deployment.yaml:13 ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0',
    );
    expect(run.exitCode).toBe(0);
    const head = git(remote.path, ['rev-parse', 'main']);
    expect(run.stdout).toBe(`${head}\n`);
    expect(remoteFile(remote.path, 'apps/api/deployment.yaml')).toBe(
      DEPLOYMENT.replace('image: ghcr.io/acme/api:1.0.0 ', 'image: ghcr.io/acme/api:1.1.0 ').trimEnd(),
    );
    expect(git(remote.path, ['diff', '--numstat', 'main~1', 'main'])).toBe('1\t1\tapps/api/deployment.yaml');
    expect(git(remote.path, ['log', '-1', '--format=%an <%ae>|%B', 'main'])).toBe(
      [
        'octocat <octocat@users.noreply.github.com>|deploy: bump ghcr.io/acme/api to 1.1.0',
        '',
        '- apps/api/deployment.yaml:13 ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0',
        '',
        'Kpush-Source-Repo: https://github.com/acme/api',
        `Kpush-Source-Commit: ${'c'.repeat(40)}`,
        'Kpush-CI-Run: https://github.com/acme/api/actions/runs/4242',
        'Kpush-Actor: octocat',
        'Kpush-Image: ghcr.io/acme/api:1.1.0',
      ].join('\n'),
    );
  });

  it('puts every --image into one commit and is idempotent', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const args = [
      'bump-manifest',
      '--repo',
      remote.url,
      '-i',
      'ghcr.io/acme/api:1.1.0',
      '-i',
      'ghcr.io/acme/web:2.1',
    ];
    const first = await kpush(args);
    expect(first.exitCode).toBe(0);
    expect(remoteLog(remote.path)).toEqual([
      'deploy: bump ghcr.io/acme/api to 1.1.0, ghcr.io/acme/web to 2.1',
      'initial commit',
    ]);
    expect(remoteFile(remote.path, 'apps/web/kustomization.yaml')).toContain('    newTag: "2.1"');

    const again = await kpush(args);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/already up to date/);
    expect(remoteLog(remote.path)).toHaveLength(2);
  });

  it('prints the diff on --dry-run and pushes nothing', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const before = git(remote.path, ['rev-parse', 'main']);
    const run = await kpush([
      'bump-manifest',
      '--repo',
      remote.url,
      '-i',
      'ghcr.io/acme/api:1.1.0',
      '--dry-run',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      '-          image: ghcr.io/acme/api:1.0.0   # bumped by CI\n+          image: ghcr.io/acme/api:1.1.0   # bumped by CI',
    );
    expect(run.stdout).not.toMatch(/\u001b\[/);
    expect(run.stderr).toMatch(/dry run: would commit 1 change in 1 file/);
    expect(git(remote.path, ['rev-parse', 'main'])).toBe(before);
  });

  it('reports changes as one JSON document', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const run = await kpush([
      '--json',
      'bump-manifest',
      '--repo',
      remote.url,
      '-i',
      'ghcr.io/acme/api:1.1.0',
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'pushed',
      branch: 'main',
      commit: git(remote.path, ['rev-parse', 'main']),
      attempts: 1,
      dryRun: false,
      changes: [
        {
          file: 'apps/api/deployment.yaml',
          line: 13,
          kind: 'image',
          old: 'ghcr.io/acme/api:1.0.0',
          new: 'ghcr.io/acme/api:1.1.0',
        },
      ],
    });
  });

  it('limits the scan with --path and fails when an image matches nothing there', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const run = await kpush([
      'bump-manifest',
      '--repo',
      remote.url,
      '-i',
      'ghcr.io/acme/api:1.1.0',
      '--path',
      'apps/web',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/no reference to ghcr.io\/acme\/api found in apps\/web \(1 YAML files\)/);
    expect(remoteLog(remote.path)).toHaveLength(1);

    const allowed = await kpush([
      'bump-manifest',
      '--repo',
      remote.url,
      '-i',
      'ghcr.io/acme/api:1.1.0',
      '-p',
      'apps/web',
      '--allow-no-match',
    ]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stderr).toMatch(/warning: no reference to ghcr.io\/acme\/api/);
  });

  it('refuses bad YAML with file:line:col and commits nothing', async () => {
    const remote = makeBareRemote({ ...ENV_FILES, 'apps/broken.yaml': 'a: 1\nb: [unclosed\n' });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:1.1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error: apps\/broken\.yaml:\d+:\d+: /m);
    expect(remoteLog(remote.path)).toHaveLength(1);
  });

  it('refuses bad YAML in a document beside the edited one, although it holds no image, and pushes nothing', async () => {
    const broken = `${DEPLOYMENT}---\nkind: ConfigMap\ndata: [unclosed\n`;
    const remote = makeBareRemote({ ...ENV_FILES, 'apps/api/deployment.yaml': broken });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:1.1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error: apps\/api\/deployment\.yaml:\d+:\d+: /m);
    expect(remoteLog(remote.path)).toHaveLength(1);
  });

  it('bumps a reference only a full parse sees (an escape) in one commit on the tip', async () => {
    const pod = `---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: x\n      image: "ghcr.io/acme/w\\x65b:2.0"\n`;
    const deployment = DEPLOYMENT.replace('ghcr.io/acme/api:1.0.0', 'ghcr.io/acme/web:2.0');
    const remote = makeBareRemote({ 'apps/web.yaml': `${deployment}${pod}` });
    const tip = git(remote.path, ['rev-parse', 'main']).trim();
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/web:2.1']);
    expect(run.exitCode).toBe(0);
    const file = remoteFile(remote.path, 'apps/web.yaml');
    expect(file).toContain('image: ghcr.io/acme/web:2.1   # bumped by CI');
    expect(file).toContain('image: "ghcr.io/acme/web:2.1"');
    expect(git(remote.path, ['rev-parse', 'main^']).trim()).toBe(tip);
  });

  it('rejects invalid references as usage errors before cloning', async () => {
    const run = await kpush([
      'bump-manifest',
      '--repo',
      'https://example.invalid/env.git',
      '-i',
      'ghcr.io/acme/api:bad tag',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/invalid image reference/);
    const untagged = await kpush([
      'bump-manifest',
      '--repo',
      'https://example.invalid/env.git',
      '-i',
      'ghcr.io/acme/api',
    ]);
    expect(untagged.exitCode).toBe(2);
    expect(untagged.stderr).toMatch(/neither a tag nor a digest/);
    const noImage = await kpush(['bump-manifest', '--repo', 'https://example.invalid/env.git']);
    expect(noImage.exitCode).toBe(2);
    expect(noImage.stderr).toMatch(/required option '-i, --image <ref>' not specified/);
    const missing = await kpush(['bump-manifest', '-i', 'ghcr.io/acme/api:1']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/required option '-r, --repo/);
  });

  it('fails clearly on a missing remote, hides tokens, and removes its temporary clone', async () => {
    const tmp = tempDir();
    const run = await kpush(
      [
        'bump-manifest',
        '--repo',
        'https://kpush:s3cret-value@127.0.0.1:9/env.git',
        '-i',
        'ghcr.io/acme/api:1',
      ],
      {
        env: { TMPDIR: tmp, KPUSH_GIT_TOKEN: 'another-s3cret' },
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/cannot reach the repository/);
    expect(run.stderr).not.toContain('s3cret');
    expect(readdirSync(tmp)).toEqual([]);

    const local = await kpush(['bump-manifest', '--repo', join(tmp, 'nope'), '-i', 'ghcr.io/acme/api:1']);
    expect(local.exitCode).toBe(1);
    expect(local.stderr).toMatch(/no such directory/);
  });

  it('lands 16 concurrent bumps of the same branch without losing any', async () => {
    const services = Array.from({ length: 16 }, (_, i) => `svc${i}`);
    const files = Object.fromEntries(
      services.map((name) => [
        `apps/${name}.yaml`,
        `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: ghcr.io/acme/${name}:1.0\n`,
      ]),
    );
    const remote = makeBareRemote(files);
    const runs = await Promise.all(
      services.map((name) =>
        kpush(['--json', 'bump-manifest', '--repo', remote.url, '-i', `ghcr.io/acme/${name}:2.0`]),
      ),
    );
    for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
    expect(remoteLog(remote.path)).toHaveLength(17);
    for (const name of services)
      expect(remoteFile(remote.path, `apps/${name}.yaml`)).toContain(`ghcr.io/acme/${name}:2.0`);
    const attempts = runs.map((run) => JSON.parse(run.stdout).attempts as number);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  }, 120_000);
});

describe('kpush bump-manifest over HTTPS-style remotes with a token', () => {
  it('sends the token from the environment and masks it everywhere', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const server = await startGitHttpServer(remote.path, {
      user: 'x-access-token',
      token: 'ghp_correct-token-123',
    });
    try {
      const args = ['--json', 'bump-manifest', '--repo', server.url, '-i', 'ghcr.io/acme/api:1.1.0'];
      const ok = await kpush(args, { env: { KPUSH_GIT_TOKEN: 'ghp_correct-token-123' } });
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({
        status: 'pushed',
        commit: git(remote.path, ['rev-parse', 'main']),
      });

      const denied = await kpush(args, { env: { KPUSH_GIT_TOKEN: 'ghp_wrong-token-456' } });
      expect(denied.exitCode).toBe(1);
      expect(denied.stderr).toMatch(/rejected the credentials/);
      expect(JSON.parse(denied.stdout)).toMatchObject({ error: { code: 'E_GIT_AUTH' } });
      expect(denied.stdout + denied.stderr).not.toContain('ghp_wrong-token-456');

      const anonymous = await kpush(args);
      expect(anonymous.exitCode).toBe(1);
      expect(anonymous.stderr).toMatch(/rejected the credentials|could not read Username/);
    } finally {
      await server.close();
    }
  });
});

describe('kpush bump-manifest when the branch never stops moving', () => {
  it('gives up after --max-attempts without force-pushing', async () => {
    const remote = makeBareRemote(ENV_FILES);
    // Another pipeline lands a commit while every push of ours is in flight.
    writeFiles(remote.path, {
      'hooks/pre-receive': [
        '#!/bin/sh',
        'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
        'tip=$(git rev-parse refs/heads/main)',
        'new=$(echo "other pipeline" | git commit-tree "$tip^{tree}" -p "$tip")',
        'git update-ref refs/heads/main "$new" "$tip"',
        '',
      ].join('\n'),
    });
    chmodSync(join(remote.path, 'hooks/pre-receive'), 0o755);
    const tmp = tempDir();
    const run = await kpush(
      [
        '--json',
        'bump-manifest',
        '--repo',
        remote.url,
        '-i',
        'ghcr.io/acme/api:1.1.0',
        '--max-attempts',
        '3',
      ],
      { env: { TMPDIR: tmp } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/push to main was rejected 3 times/);
    expect(run.stderr.match(/re-applying on the new tip/g)).toHaveLength(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_PUSH_RETRIES_EXHAUSTED' } });
    expect(remoteLog(remote.path)).toEqual([
      'other pipeline',
      'other pipeline',
      'other pipeline',
      'initial commit',
    ]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('kpush bump-manifest in a repository with a Helm chart', () => {
  it('bumps values files and skips Go templates under templates/', async () => {
    const remote = makeBareRemote({
      'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\n',
      'charts/api/values.yaml': 'image:\n  repository: ghcr.io/acme/api\n  tag: "1.0.0"\n',
      'charts/api/templates/deployment.yaml':
        'spec:\n  containers:\n    - image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n{{- if .Values.x }}\n  x: 1\n{{- end }}\n',
    });
    const run = await kpush([
      '--json',
      'bump-manifest',
      '--repo',
      remote.url,
      '-i',
      'ghcr.io/acme/api:1.1.0',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).changes).toEqual([
      {
        file: 'charts/api/values.yaml',
        line: 3,
        kind: 'helm-values',
        repository: 'ghcr.io/acme/api',
        old: '1.0.0',
        new: '1.1.0',
      },
    ]);
    expect(remoteFile(remote.path, 'charts/api/values.yaml')).toBe(
      'image:\n  repository: ghcr.io/acme/api\n  tag: "1.1.0"',
    );
  });
});

describe('kpush bump-manifest branch handling', () => {
  it('refuses a tag given as --branch instead of creating a branch beside it', async () => {
    const remote = makeBareRemote(ENV_FILES);
    git(remote.path, ['tag', 'v9', 'main']);
    const run = await kpush([
      '--json',
      'bump-manifest',
      '--repo',
      remote.url,
      '--branch',
      'v9',
      '-i',
      'ghcr.io/acme/api:9',
    ]);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_GIT_BRANCH' } });
    expect(git(remote.path, ['branch', '--list', 'v9'])).toBe('');
  });

  it('names a missing branch as such, even when its name contains 403', async () => {
    const remote = makeBareRemote(ENV_FILES);
    const run = await kpush([
      '--json',
      'bump-manifest',
      '--repo',
      remote.url,
      '-b',
      'release-403',
      '-i',
      'ghcr.io/acme/api:9',
    ]);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_GIT_BRANCH' } });
  });

  it('says so when the environment repository is empty', async () => {
    const bare = join(tempDir(), 'empty.git');
    git(tempDir(), ['init', '--quiet', '--bare', bare]);
    const run = await kpush(['bump-manifest', '--repo', bare, '-i', 'ghcr.io/acme/api:9']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/has no commits yet/);
  });

  it('asks for --branch when the remote HEAD points at a missing branch', async () => {
    const remote = makeBareRemote(ENV_FILES);
    git(remote.path, ['symbolic-ref', 'HEAD', 'refs/heads/master']);
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:9']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/HEAD points at a branch that does not exist — Pass --branch/);
    const withBranch = await kpush([
      'bump-manifest',
      '--repo',
      remote.url,
      '-b',
      'main',
      '-i',
      'ghcr.io/acme/api:9',
    ]);
    expect(withBranch.exitCode).toBe(0);
  });
});
