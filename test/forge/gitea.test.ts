// kpush against a real forge: Gitea built from Go modules (test/gitea/setup.sh), one per run.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { git, tempDir } from '../helpers/git.js';
import { api, createEnvRepo, fileAt, type GiteaServer } from '../helpers/gitea.js';

const server: Pick<GiteaServer, 'url' | 'user' | 'password' | 'token'> = {
  url: inject('giteaUrl'),
  user: inject('giteaUser'),
  password: inject('giteaPassword'),
  token: inject('giteaToken'),
};
const auth = `token ${server.token}`;

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
const FILES = { 'overlays/staging/deployment.yaml': DEPLOYMENT, 'README.md': 'env repo\n' };

/** A CI run of the app repo, so the commit and the pull request carry provenance. */
const CI = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_SHA: 'c'.repeat(40),
  GITHUB_RUN_ID: '4242',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SERVER_URL: 'https://github.com',
};

interface GiteaPull {
  number: number;
  title: string;
  body: string;
  state: string;
  html_url: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  labels: { name: string }[];
}

async function newRepo() {
  return createEnvRepo(server as GiteaServer, `env-${randomUUID().slice(0, 8)}`, FILES);
}

function openPulls(fullName: string): Promise<GiteaPull[]> {
  return api<GiteaPull[]>(server.url, auth, 'GET', `/repos/${fullName}/pulls?state=open`);
}

/** The branch's tip as git sees it over HTTP (null when absent). */
function branchTip(fullName: string, branch: string): string | null {
  const header = `Authorization: Basic ${Buffer.from(`${server.user}:${server.token}`).toString('base64')}`;
  const out = git(tempDir(), [
    '-c',
    `http.extraHeader=${header}`,
    'ls-remote',
    `${server.url}/${fullName}.git`,
    `refs/heads/${branch}`,
  ]);
  return out.split('\t')[0] || null;
}

function bump(repoUrl: string, tag: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return kpush(
    [
      'bump-manifest',
      '--repo',
      repoUrl,
      '--image',
      `ghcr.io/acme/api:${tag}`,
      '--path',
      'overlays/staging',
      '--json',
      ...extra,
    ],
    { env: { KPUSH_GIT_TOKEN: server.token, ...CI, ...env } },
  );
}

describe('kpush against a real Gitea', () => {
  it('pushes with KPUSH_GIT_TOKEN over loopback http, and never shows the token', async () => {
    const repo = await newRepo();
    const before = branchTip(repo.fullName, 'main');
    const run = await bump(repo.httpUrl, '1.1.0', ['--verbose']);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'pushed', branch: 'main', attempts: 1 });
    const after = branchTip(repo.fullName, 'main');
    expect(after).toBe(result.commit);
    expect(after).not.toBe(before);
    expect(
      await fileAt(server as GiteaServer, repo.fullName, 'overlays/staging/deployment.yaml', 'main'),
    ).toBe(DEPLOYMENT.replace('api:1.0.0', 'api:1.1.0'));
    const commit = await api<{ commit: { message: string } }>(
      server.url,
      auth,
      'GET',
      `/repos/${repo.fullName}/git/commits/${after}`,
    );
    expect(commit.commit.message).toContain('Kpush-Source-Commit: '.concat('c'.repeat(40)));
    expect(run.stdout + run.stderr).not.toContain(server.token);
  });

  it('fails with E_GIT_AUTH on a wrong token, masked', async () => {
    const repo = await newRepo();
    const wrong = 'f'.repeat(40);
    const run = await bump(repo.httpUrl, '1.1.0', [], { KPUSH_GIT_TOKEN: wrong });
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe('E_GIT_AUTH');
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it('fails at once with the server reason when branch protection refuses the push', async () => {
    const repo = await newRepo();
    await api(server.url, auth, 'POST', `/repos/${repo.fullName}/branch_protections`, {
      rule_name: 'main',
      enable_push: false,
    });
    const before = branchTip(repo.fullName, 'main');
    const started = Date.now();
    const run = await bump(repo.httpUrl, '1.1.0', ['--max-attempts', '20']);
    expect(run.exitCode).toBe(1);
    const failure = JSON.parse(run.stdout).error;
    expect(failure.code).toBe('E_PUSH_REJECTED');
    // Gitea's pre-receive hook says why, on `remote:` lines.
    expect(failure.message).toMatch(/protected branch/i);
    expect(run.stderr).not.toMatch(/re-applying on the new tip/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(branchTip(repo.fullName, 'main')).toBe(before);
  });

  it('opens a pull request with the provenance, updates it on the next bump, never duplicates it', async () => {
    const repo = await newRepo();
    const mainBefore = branchTip(repo.fullName, 'main');

    const first = await bump(repo.httpUrl, '1.1.0', [
      '--pull-request',
      '--forge',
      'gitea',
      '--pr-label',
      'deploy',
      '--pr-label',
      'staging',
    ]);
    expect(first.exitCode, first.stderr).toBe(0);
    const opened = JSON.parse(first.stdout);
    expect(opened).toMatchObject({
      status: 'pull-request-opened',
      branch: 'main',
      pullRequest: { branch: 'kpush/api-staging', base: 'main' },
    });
    const [pull, ...others] = await openPulls(repo.fullName);
    expect(others).toEqual([]);
    expect(pull).toMatchObject({
      number: opened.pullRequest.number,
      html_url: opened.pullRequest.url,
      title: 'deploy: bump ghcr.io/acme/api to 1.1.0',
      head: { ref: 'kpush/api-staging', sha: opened.commit },
      base: { ref: 'main' },
    });
    expect(pull?.body).toContain(
      '- overlays/staging/deployment.yaml:10 ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0',
    );
    expect(pull?.body).toContain('- Kpush-Source-Repo: https://github.com/acme/api');
    expect(pull?.body).toContain(`- Kpush-Source-Commit: ${'c'.repeat(40)}`);
    expect(pull?.body).toContain('- Kpush-CI-Run: https://github.com/acme/api/actions/runs/4242');
    expect(pull?.body).toContain('- Kpush-Actor: octocat');
    expect(pull?.labels.map((label) => label.name).sort()).toEqual(['deploy', 'staging']);
    expect(branchTip(repo.fullName, 'main')).toBe(mainBefore);

    const second = await bump(repo.httpUrl, '1.2.0', ['--pull-request', '--forge', 'gitea']);
    expect(second.exitCode, second.stderr).toBe(0);
    const updated = JSON.parse(second.stdout);
    expect(updated).toMatchObject({
      status: 'pull-request-updated',
      pullRequest: { number: opened.pullRequest.number, url: opened.pullRequest.url },
    });
    const pulls = await openPulls(repo.fullName);
    expect(pulls.map((item) => item.number)).toEqual([opened.pullRequest.number]);
    expect(pulls[0]?.title).toBe('deploy: bump ghcr.io/acme/api to 1.2.0');
    // A new commit on top of the first: nothing on the pull request's branch was rewritten.
    const commits = await api<{ sha: string }[]>(
      server.url,
      auth,
      'GET',
      `/repos/${repo.fullName}/commits?sha=kpush/api-staging&limit=5`,
    );
    expect(commits.map((commit) => commit.sha).slice(0, 3)).toEqual([
      updated.commit,
      opened.commit,
      mainBefore,
    ]);
    expect(
      await fileAt(
        server as GiteaServer,
        repo.fullName,
        'overlays/staging/deployment.yaml',
        'kpush/api-staging',
      ),
    ).toContain('image: ghcr.io/acme/api:1.2.0');
    expect(branchTip(repo.fullName, 'main')).toBe(mainBefore);

    const again = await kpush(
      [
        'bump-manifest',
        '--repo',
        repo.httpUrl,
        '--image',
        'ghcr.io/acme/api:1.2.0',
        '--path',
        'overlays/staging',
        '--pull-request',
        '--forge',
        'gitea',
      ],
      { env: { KPUSH_GIT_TOKEN: server.token, ...CI } },
    );
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${opened.pullRequest.number} ${opened.pullRequest.url}\n`);
    expect(again.stderr).toContain(`already up to date: pull request #${opened.pullRequest.number}`);
    expect((await openPulls(repo.fullName)).length).toBe(1);
  });

  it('opens a fresh pull request from the base when the old one was closed, replacing only kpush’s branch', async () => {
    const repo = await newRepo();
    const firstRun = await bump(repo.httpUrl, '1.1.0', [
      '--pull-request',
      '--forge',
      'gitea',
      '--pr-branch',
      'kpush/custom',
    ]);
    expect(firstRun.exitCode, firstRun.stderr).toBe(0);
    const first = JSON.parse(firstRun.stdout);
    expect(first.status).toBe('pull-request-opened');
    await api(server.url, auth, 'PATCH', `/repos/${repo.fullName}/pulls/${first.pullRequest.number}`, {
      state: 'closed',
    });
    const mainTip = branchTip(repo.fullName, 'main');

    const run = await bump(repo.httpUrl, '1.3.0', [
      '--pull-request',
      '--forge',
      'gitea',
      '--pr-branch',
      'kpush/custom',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const reopened = JSON.parse(run.stdout);
    expect(reopened.status).toBe('pull-request-opened');
    expect(reopened.pullRequest.number).not.toBe(first.pullRequest.number);
    const commits = await api<{ sha: string }[]>(
      server.url,
      auth,
      'GET',
      `/repos/${repo.fullName}/commits?sha=kpush/custom&limit=5`,
    );
    // Straight from the base: the closed pull request's commit is not carried along.
    expect(commits.map((commit) => commit.sha).slice(0, 2)).toEqual([reopened.commit, mainTip]);
  });
});
