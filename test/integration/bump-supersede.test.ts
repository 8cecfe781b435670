import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliRun, kpush } from '../helpers/cli.js';
import { commitFiles, git, makeBareRemote, makeRepo, tempDir, writeFiles } from '../helpers/git.js';

const IMAGE = 'ghcr.io/acme/api';
const STAGING = 'overlays/staging/deployment.yaml';

function deployment(tag: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${IMAGE}:${tag}\n`;
}

function stagingTag(remote: string, rev = 'main'): string {
  const text = git(remote, ['show', `${rev}:${STAGING}`]);
  return /image: \S+:(\S+)/.exec(text)?.[1] ?? '';
}

/** The CI variables of a GitHub Actions run building `sha` of acme/api. */
function githubRun(sha: string, run: number): NodeJS.ProcessEnv {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: sha,
    GITHUB_RUN_ID: String(run),
    GITHUB_REF_NAME: 'main',
  };
}

/** An app repository with `count` commits after the initial one, a minute apart; returns their shas. */
function appWithCommits(count: number): { dir: string; shas: string[] } {
  const dir = makeRepo({ 'src/app.txt': 'v0\n' });
  const shas = Array.from({ length: count }, (_, i) =>
    commitFiles(dir, { 'src/app.txt': `v${i + 1}\n` }, `change ${i + 1}`, `2026-11-24T09:${10 + i}:00Z`),
  );
  return { dir, shas };
}

/** build-tag's timestamp strategy for commit `i` of appWithCommits. */
function timestampTag(sha: string, i: number): string {
  return `main-202611240${9}${10 + i}00-${sha.slice(0, 7)}`;
}

function bump(remoteUrl: string, tag: string, extra: string[] = []): string[] {
  return ['--json', 'bump-manifest', '--repo', remoteUrl, '-i', `${IMAGE}:${tag}`, ...extra];
}

function json(run: CliRun): Record<string, unknown> & { status: string } {
  return JSON.parse(run.stdout);
}

/** A fixed shuffle, so the order is scrambled but the test is the same every time. */
function scrambled<T>(items: readonly T[]): T[] {
  const order = [3, 0, 5, 1, 4, 2];
  return order.filter((i) => i < items.length).map((i) => items[i] as T);
}

describe('kpush bump-manifest never rolls an environment back', () => {
  it('ends on the newest build when six pipelines of successive commits race', async () => {
    const app = appWithCommits(6);
    const remote = makeBareRemote({ [STAGING]: deployment('main-20261124090000-0000000') });
    const builds = app.shas.map((sha, i) => ({ sha, tag: timestampTag(sha, i), run: i + 1 }));

    const runs = await Promise.all(
      scrambled(builds).map(async (build, position) => {
        await new Promise((resolve) => setTimeout(resolve, position * 15)); // staggered starts
        const run = await kpush(bump(remote.url, build.tag), {
          cwd: app.dir,
          env: githubRun(build.sha, build.run),
        });
        return { build, run };
      }),
    );

    for (const { run } of runs) expect(run.exitCode, run.stderr).toBe(0);
    const newest = builds.at(-1)!;
    expect(stagingTag(remote.path)).toBe(newest.tag);
    const statuses = runs.map(({ build, run }) => ({ tag: build.tag, status: json(run).status }));
    expect(statuses.find((entry) => entry.tag === newest.tag)?.status).toBe('pushed');
    for (const { status } of statuses) expect(['pushed', 'superseded']).toContain(status);

    // Nothing lost, nothing forced: every pushed commit is on main, and main's history of the
    // staging tag only ever moves forward.
    const pushed = runs.filter(({ run }) => json(run).status === 'pushed');
    for (const { run } of pushed) {
      const commit = json(run).commit as string;
      expect(git(remote.path, ['merge-base', '--is-ancestor', commit, 'main'])).toBe('');
    }
    const history = git(remote.path, ['rev-list', '--first-parent', '--reverse', 'main']).split('\n');
    expect(history).toHaveLength(pushed.length + 1);
    const tagsInOrder = history.slice(1).map((commit) => stagingTag(remote.path, commit));
    const buildIndex = tagsInOrder.map((tag) => builds.findIndex((build) => build.tag === tag));
    expect(buildIndex).toEqual([...buildIndex].sort((a, b) => a - b));
    expect(new Set(buildIndex).size).toBe(buildIndex.length);

    for (const { run } of runs.filter(({ run }) => json(run).status === 'superseded')) {
      expect(json(run).supersededBy).toMatchObject({ repository: IMAGE, rule: 'ancestry' });
    }
  }, 120_000);

  it('reports an older bump after a newer one landed as superseded, exit 0; --allow-older pushes it', async () => {
    const app = appWithCommits(2);
    const [older, newer] = app.shas as [string, string];
    const remote = makeBareRemote({ [STAGING]: deployment('0.9.0') });
    const landed = await kpush(bump(remote.url, 'sha-newer'), { cwd: app.dir, env: githubRun(newer, 2) });
    expect(json(landed).status).toBe('pushed');
    const tip = git(remote.path, ['rev-parse', 'main']);

    const stale = await kpush(bump(remote.url, 'sha-older').slice(1), {
      cwd: app.dir,
      env: githubRun(older, 1),
    });
    expect(stale.exitCode).toBe(0);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toContain(
      `superseded: nothing pushed to ${remote.url} (main): ${IMAGE}:sha-newer (env commit ${tip.slice(0, 7)} from source ${newer.slice(0, 7)}) is newer: ${newer.slice(0, 7)} descends from ${older.slice(0, 7)} (--allow-older overrides)`,
    );
    expect(git(remote.path, ['rev-parse', 'main'])).toBe(tip);

    const dryRun = await kpush(bump(remote.url, 'sha-older', ['--dry-run']), {
      cwd: app.dir,
      env: githubRun(older, 1),
    });
    expect(json(dryRun)).toMatchObject({
      status: 'superseded',
      changes: [],
      diff: null,
      supersededBy: { value: 'sha-newer', envCommit: tip, sourceCommit: newer, rule: 'ancestry' },
    });

    const forced = await kpush(bump(remote.url, 'sha-older', ['--allow-older']), {
      cwd: app.dir,
      env: githubRun(older, 1),
    });
    expect(json(forced)).toMatchObject({ status: 'pushed', supersededBy: null });
    expect(stagingTag(remote.path)).toBe('sha-older');
    expect(git(remote.path, ['rev-parse', 'main~1'])).toBe(tip);
  });

  it('fetches what a shallow app checkout lacks, and trusts ancestry over commit times', async () => {
    const app = makeRepo({ 'src/app.txt': 'v0\n' });
    // The newer commit carries the earlier date (a rebase, a skewed clock): only ancestry can tell.
    const older = commitFiles(app, { 'src/app.txt': 'v1\n' }, 'older', '2026-11-24T12:00:00Z');
    const newer = commitFiles(app, { 'src/app.txt': 'v2\n' }, 'newer', '2026-11-24T08:00:00Z');
    git(app, ['branch', 'release-older', older]);
    const checkout = join(tempDir(), 'checkout');
    git(tempDir(), [
      'clone',
      '--quiet',
      '--depth',
      '1',
      '--branch',
      'release-older',
      `file://${app}`,
      checkout,
    ]);
    const remote = makeBareRemote({ [STAGING]: deployment('0.9.0') });

    const landed = await kpush(bump(remote.url, 'sha-newer'), { cwd: app, env: githubRun(newer, 2) });
    expect(json(landed).status).toBe('pushed');
    expect(
      git(remote.path, ['log', '-1', '--format=%(trailers:key=Kpush-Source-Time,valueonly)', 'main']),
    ).toBe('2026-11-24T08:00:00Z');

    expect(() => git(checkout, ['cat-file', '-e', `${newer}^{commit}`])).toThrow();
    const stale = await kpush(bump(remote.url, 'sha-older'), { cwd: checkout, env: githubRun(older, 1) });
    expect(stale.exitCode, stale.stderr).toBe(0);
    expect(json(stale)).toMatchObject({
      status: 'superseded',
      supersededBy: { sourceCommit: newer, rule: 'ancestry' },
    });
    expect(stagingTag(remote.path)).toBe('sha-newer');
    expect(git(checkout, ['rev-parse', 'HEAD'])).toBe(older);
  });

  it('falls back to the source time in the trailers when no app history is at hand', async () => {
    const remote = makeBareRemote({ [STAGING]: deployment('0.9.0') });
    const nowhere = tempDir(); // not a git repository
    const gitlab = (sha: string, time: string): NodeJS.ProcessEnv => ({
      GITLAB_CI: 'true',
      CI_COMMIT_SHA: sha,
      CI_COMMIT_TIMESTAMP: time,
      CI_PROJECT_URL: 'https://gitlab.example/acme/api',
      CI_PROJECT_PATH: 'acme/api',
    });
    const landed = await kpush(bump(remote.url, 'sha-bbbbbbb'), {
      cwd: nowhere,
      env: gitlab('b'.repeat(40), '2026-11-24T10:00:00+01:00'),
    });
    expect(json(landed).status).toBe('pushed');

    const stale = await kpush(bump(remote.url, 'sha-aaaaaaa'), {
      cwd: nowhere,
      env: gitlab('a'.repeat(40), '2026-11-24T08:30:00Z'),
    });
    expect(json(stale)).toMatchObject({
      status: 'superseded',
      supersededBy: {
        sourceCommit: 'b'.repeat(40),
        sourceTime: '2026-11-24T09:00:00.000Z',
        rule: 'source-time',
      },
    });

    const later = await kpush(bump(remote.url, 'sha-ccccccc'), {
      cwd: nowhere,
      env: gitlab('c'.repeat(40), '2026-11-24T09:30:00Z'),
    });
    expect(json(later).status).toBe('pushed');
  });

  it('compares semver tags, also against commits made before kpush wrote image trailers', async () => {
    const remote = makeBareRemote({ [STAGING]: deployment('0.9.0') });
    // A bump as older kpush versions committed it: the image only in the subject.
    const work = join(tempDir(), 'work');
    git(tempDir(), ['clone', '--quiet', remote.url, work]);
    writeFiles(work, { [STAGING]: deployment('2.0.0') });
    git(work, [
      'commit',
      '--quiet',
      '-am',
      `deploy: bump ${IMAGE} to 2.0.0\n\n- ${STAGING}:10 ${IMAGE}:0.9.0 -> ${IMAGE}:2.0.0\n\nKpush-Source-Commit: ${'d'.repeat(40)}`,
    ]);
    git(work, ['push', '--quiet', 'origin', 'main']);

    const stale = await kpush(bump(remote.url, '1.9.3'), { cwd: tempDir() });
    expect(json(stale)).toMatchObject({
      status: 'superseded',
      supersededBy: { value: '2.0.0', rule: 'semver' },
    });
    expect(stale.stderr).toBe('');

    const newer = await kpush(bump(remote.url, 'v2.1.0-rc.1'), { cwd: tempDir() });
    expect(json(newer).status).toBe('pushed');
    const older = await kpush(bump(remote.url, '2.1.0-beta.4'), { cwd: tempDir() });
    expect(json(older)).toMatchObject({ status: 'superseded', supersededBy: { value: 'v2.1.0-rc.1' } });
  });

  it("orders build-tag's timestamp tags when nothing else tells", async () => {
    const remote = makeBareRemote({ [STAGING]: deployment('main-20261124080000-0000000') });
    const landed = await kpush(bump(remote.url, 'main-20261124100000-bbbbbbb'), { cwd: tempDir() });
    expect(json(landed).status).toBe('pushed');
    const stale = await kpush(bump(remote.url, 'main-20261124093000-aaaaaaa'), { cwd: tempDir() });
    expect(json(stale)).toMatchObject({ status: 'superseded', supersededBy: { rule: 'timestamp-tag' } });
  });

  it('checks again on the new tip after a rejected push', async () => {
    const remote = makeBareRemote({ [STAGING]: deployment('1.0.0') });
    // Another pipeline's newer build is waiting to land the moment our first push arrives.
    const work = join(tempDir(), 'work');
    git(tempDir(), ['clone', '--quiet', remote.url, work]);
    writeFiles(work, { [STAGING]: deployment('1.5.0') });
    git(work, ['commit', '--quiet', '-am', `deploy: bump ${IMAGE} to 1.5.0\n\nKpush-Image: ${IMAGE}:1.5.0`]);
    git(work, ['push', '--quiet', 'origin', 'HEAD:refs/pending/newer']);
    writeFiles(remote.path, {
      'hooks/pre-receive': [
        '#!/bin/sh',
        'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
        'pending=$(git rev-parse --verify --quiet refs/pending/newer) || exit 0',
        'git update-ref -d refs/pending/newer',
        'git update-ref refs/heads/main "$pending"',
        '',
      ].join('\n'),
    });
    chmodSync(join(remote.path, 'hooks/pre-receive'), 0o755);

    const run = await kpush(bump(remote.url, '1.2.0'), { cwd: tempDir() });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ status: 'superseded', attempts: 2, supersededBy: { value: '1.5.0' } });
    expect(stagingTag(remote.path)).toBe('1.5.0');
    expect(git(remote.path, ['log', '--format=%s', 'main']).split('\n')).toEqual([
      `deploy: bump ${IMAGE} to 1.5.0`,
      'initial commit',
    ]);
  });
});
