import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { commitFiles, git, makeRepo, tempDir } from '../helpers/git.js';

const short = (sha: string) => sha.slice(0, 7);

describe('kpush build-tag strategies', () => {
  it('prints sha-<7 hex> and nothing else by default', async () => {
    const repo = makeRepo();
    const run = await kpush(['build-tag'], { cwd: repo });
    expect(run).toMatchObject({ exitCode: 0, stdout: `sha-${short(git(repo, ['rev-parse', 'HEAD']))}\n` });
  });

  it('sanitises the branch for branch-sha', async () => {
    const repo = makeRepo({ 'a.txt': 'a' }, 'Feature/Login_Page!!--x');
    const run = await kpush(['build-tag', '--strategy', 'branch-sha'], { cwd: repo });
    expect(run.stdout.trim()).toBe(`feature-login_page-x-${short(git(repo, ['rev-parse', 'HEAD']))}`);
  });

  it('truncates a long branch so the tag fits 128 characters', async () => {
    const repo = makeRepo({ 'a.txt': 'a' }, `feature/${'very-long-name-'.repeat(12)}`);
    const tag = (await kpush(['build-tag', '-s', 'branch-sha'], { cwd: repo })).stdout.trim();
    expect(tag.length).toBeLessThanOrEqual(128);
    expect(tag).toMatch(/^feature-very-long-name-[a-z-]+[a-z]-[0-9a-f]{7}$/);
  });

  it('uses the highest release tag on HEAD for semver, and fails clearly without one', async () => {
    const repo = makeRepo();
    const untagged = await kpush(['build-tag', '--strategy', 'semver'], { cwd: repo });
    expect(untagged.exitCode).toBe(1);
    expect(untagged.stderr).toMatch(/no release tag like v1\.2\.3/);
    expect(untagged.stderr).toMatch(/--fallback/);
    expect(untagged.stdout).toBe('');

    const fallback = await kpush(['build-tag', '--strategy', 'semver', '--fallback', 'sha'], { cwd: repo });
    expect(fallback.stdout).toMatch(/^sha-[0-9a-f]{7}\n$/);

    git(repo, ['tag', 'v1.4.2']);
    git(repo, ['tag', 'v1.4.10-rc.1']);
    git(repo, ['tag', 'not-a-version']);
    expect((await kpush(['build-tag', '-s', 'semver'], { cwd: repo })).stdout).toBe('1.4.10-rc.1\n');
    git(repo, ['tag', '1.4.10']);
    expect((await kpush(['build-tag', '-s', 'semver'], { cwd: repo })).stdout).toBe('1.4.10\n');
  });

  it('builds sortable timestamp tags from the commit time in UTC', async () => {
    const repo = makeRepo();
    const sha = commitFiles(repo, { 'b.txt': 'b' }, 'second', '2026-11-24T11:05:09+02:00');
    const run = await kpush(['build-tag', '--strategy', 'timestamp'], { cwd: repo });
    expect(run.stdout).toBe(`main-20261124090509-${short(sha)}\n`);
  });

  it('keeps the content tag while the build context is unchanged', async () => {
    const repo = makeRepo({ 'services/api/main.go': 'v1', 'services/web/index.html': 'v1' });
    const tagOf = async () =>
      (await kpush(['build-tag', '-s', 'content', '--context', 'services/api'], { cwd: repo })).stdout;
    const first = await tagOf();
    expect(first).toMatch(/^content-[0-9a-f]{12}\n$/);
    commitFiles(repo, { 'services/web/index.html': 'v2' }, 'web only');
    expect(await tagOf()).toBe(first);
    commitFiles(repo, { 'services/api/main.go': 'v2' }, 'api change');
    expect(await tagOf()).not.toBe(first);
    // Dirty elsewhere does not matter; dirty inside the context does.
    writeFileSync(join(repo, 'services/web/index.html'), 'local edit');
    expect(await tagOf()).not.toMatch(/-dirty/);
    writeFileSync(join(repo, 'services/api/main.go'), 'local edit');
    expect(await tagOf()).toMatch(/-dirty\n$/);
  });

  it('requires --context for the content strategy (usage error)', async () => {
    const run = await kpush(['build-tag', '-s', 'content'], { cwd: makeRepo() });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--context/);
  });
});

describe('kpush build-tag templates', () => {
  it('renders placeholders', async () => {
    const repo = makeRepo({ 'a.txt': 'a' }, 'release/2.x');
    const sha = git(repo, ['rev-parse', 'HEAD']);
    const run = await kpush(['build-tag', '--template', '{{branch}}-{{run}}-{{sha7}}-{{timestamp}}'], {
      cwd: repo,
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_SHA: sha,
        GITHUB_REF_NAME: 'release/2.x',
        GITHUB_RUN_NUMBER: '42',
      },
    });
    expect(run.stdout).toBe(`release-2.x-42-${short(sha)}-20261124093000\n`);
  });

  it('rejects unknown placeholders and invalid results with exit 2', async () => {
    const repo = makeRepo();
    const unknown = await kpush(['build-tag', '--template', '{{branch}}-{{nope}}'], { cwd: repo });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown placeholder \{\{nope\}\}/);
    const invalid = await kpush(['build-tag', '--template', '-{{sha7}}'], { cwd: repo });
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/is not a valid image tag/);
  });

  it('fails (exit 1) when {{run}} has no CI run number', async () => {
    const run = await kpush(['build-tag', '--template', 'r{{run}}'], { cwd: makeRepo() });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/GITHUB_RUN_NUMBER or CI_PIPELINE_IID/);
  });
});

describe('kpush build-tag work tree state', () => {
  it('never yields the clean tag for a dirty tree', async () => {
    const repo = makeRepo({ 'a.txt': 'a' });
    writeFileSync(join(repo, 'untracked.txt'), 'x');
    expect((await kpush(['build-tag'], { cwd: repo })).stdout).toMatch(/^sha-[0-9a-f]{7}\n$/);

    writeFileSync(join(repo, 'a.txt'), 'changed');
    const dirty = await kpush(['build-tag'], { cwd: repo });
    expect(dirty.stdout).toMatch(/^sha-[0-9a-f]{7}-dirty\n$/);
    expect(dirty.stderr).toMatch(/uncommitted changes/);

    const strict = await kpush(['build-tag', '--require-clean'], { cwd: repo });
    expect(strict.exitCode).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toMatch(/--require-clean/);
  });

  it('works on a detached HEAD', async () => {
    const repo = makeRepo();
    const sha = git(repo, ['rev-parse', 'HEAD']);
    git(repo, ['checkout', '--quiet', '--detach']);
    expect((await kpush(['build-tag', '-s', 'branch-sha'], { cwd: repo })).stdout).toBe(
      `main-${short(sha)}\n`,
    );
    commitFiles(repo, { 'b.txt': 'b' }, 'detached commit');
    expect((await kpush(['build-tag', '-s', 'branch-sha'], { cwd: repo })).stdout).toMatch(
      /^detached-[0-9a-f]{7}\n$/,
    );
  });

  it('works in a shallow clone', async () => {
    const origin = makeRepo();
    commitFiles(origin, { 'b.txt': 'b' }, 'second', '2026-11-24T10:00:00Z');
    const clone = join(tempDir(), 'clone');
    git(tempDir(), ['clone', '--quiet', '--depth', '1', pathToFileURL(origin).href, clone]);
    expect(git(clone, ['rev-parse', '--is-shallow-repository'])).toBe('true');
    const run = await kpush(['build-tag', '-s', 'timestamp'], { cwd: clone });
    expect(run.stdout).toBe(`main-20261124100000-${short(git(origin, ['rev-parse', 'HEAD']))}\n`);
  });

  it('reads another repository with --cwd', async () => {
    const repo = makeRepo();
    const run = await kpush(['build-tag', '--cwd', repo], { cwd: tempDir() });
    expect(run.stdout).toBe(`sha-${short(git(repo, ['rev-parse', 'HEAD']))}\n`);
  });
});

describe('kpush build-tag errors', () => {
  it('explains a directory that is not a git repository (exit 1)', async () => {
    const run = await kpush(['build-tag'], { cwd: tempDir() });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error: .* is not inside a git repository — .*--cwd <dir>\.\n$/);
  });

  it('explains a repository without commits (exit 1)', async () => {
    const dir = tempDir();
    git(dir, ['init', '--quiet']);
    const run = await kpush(['build-tag'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/has no commits yet/);
  });

  it('rejects an unknown strategy or flag with exit 2', async () => {
    const repo = makeRepo();
    const strategy = await kpush(['build-tag', '--strategy', 'random'], { cwd: repo });
    expect(strategy.exitCode).toBe(2);
    expect(strategy.stderr).toMatch(/Allowed choices are sha, branch-sha, semver, timestamp, content/);
    const flag = await kpush(['build-tag', '--frobnicate'], { cwd: repo });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('prints a JSON error document with --json', async () => {
    const run = await kpush(['--json', 'build-tag'], { cwd: tempDir() });
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_NOT_A_REPO' } });
  });
});

describe('kpush build-tag in CI', () => {
  it('uses GitHub Actions variables and appends to GITHUB_OUTPUT', async () => {
    const repo = makeRepo();
    const sha = git(repo, ['rev-parse', 'HEAD']);
    const output = join(tempDir(), 'output');
    writeFileSync(output, 'previous=1\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_SHA: sha, GITHUB_REF_NAME: 'main', GITHUB_OUTPUT: output };
    git(repo, ['checkout', '--quiet', '--detach']);
    const run = await kpush(['build-tag', '-s', 'branch-sha'], { cwd: repo, env });
    expect(run.stdout).toBe(`main-${short(sha)}\n`);
    expect(readFileSync(output, 'utf8')).toBe(
      `previous=1\ntag=main-${short(sha)}\nsha=${sha}\nbranch=main\n`,
    );
  });

  it('tags a pull request by its head branch and head sha, not the merge commit', async () => {
    const repo = makeRepo();
    const headSha = commitFiles(repo, { 'pr.txt': 'change' }, 'pr head');
    git(repo, ['checkout', '--quiet', '--detach']);
    const mergeSha = commitFiles(repo, { 'merge.txt': 'synthetic' }, 'merge commit');
    const event = join(tempDir(), 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { head: { sha: headSha, ref: 'feature/x' } } }));
    const run = await kpush(['build-tag', '-s', 'branch-sha'], {
      cwd: repo,
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_SHA: mergeSha,
        GITHUB_REF_NAME: '7/merge',
        GITHUB_HEAD_REF: 'feature/x',
        GITHUB_EVENT_PATH: event,
      },
    });
    expect(run.stdout).toBe(`feature-x-${short(headSha)}\n`);
  });

  it('ignores CI variables that describe another checkout', async () => {
    const repo = makeRepo();
    const run = await kpush(['build-tag'], {
      cwd: repo,
      env: { GITHUB_ACTIONS: 'true', GITHUB_SHA: 'f'.repeat(40), GITHUB_REF_NAME: 'elsewhere' },
    });
    expect(run.stdout).toBe(`sha-${short(git(repo, ['rev-parse', 'HEAD']))}\n`);
    expect(run.stderr).toMatch(/using git's view/);
  });

  it('uses GitLab CI variables and writes a dotenv report', async () => {
    const repo = makeRepo();
    const sha = git(repo, ['rev-parse', 'HEAD']);
    const dotenv = join(tempDir(), 'build.env');
    const run = await kpush(['build-tag', '--template', '{{branch}}-{{run}}', '--dotenv', dotenv], {
      cwd: repo,
      env: {
        GITLAB_CI: 'true',
        CI_COMMIT_SHA: sha,
        CI_COMMIT_REF_NAME: 'main',
        CI_COMMIT_BRANCH: 'main',
        CI_PIPELINE_IID: '77',
      },
    });
    expect(run.stdout).toBe('main-77\n');
    expect(readFileSync(dotenv, 'utf8')).toBe(`KPUSH_TAG=main-77\nKPUSH_SHA=${sha}\nKPUSH_BRANCH=main\n`);
  });

  it('takes the release version from a GitLab tag pipeline', async () => {
    const repo = makeRepo();
    const sha = git(repo, ['rev-parse', 'HEAD']);
    const run = await kpush(['build-tag', '-s', 'semver'], {
      cwd: repo,
      env: { GITLAB_CI: 'true', CI_COMMIT_SHA: sha, CI_COMMIT_TAG: 'v3.1.0', CI_COMMIT_REF_NAME: 'v3.1.0' },
    });
    expect(run.stdout).toBe('3.1.0\n');
  });

  it('prints one JSON document with OCI labels', async () => {
    const repo = makeRepo();
    git(repo, ['remote', 'add', 'origin', 'https://user:s3cr3t-token@github.com/acme/api.git']);
    const sha = git(repo, ['rev-parse', 'HEAD']);
    const run = await kpush(['build-tag', '--json'], { cwd: repo });
    expect(JSON.parse(run.stdout)).toEqual({
      tag: `sha-${short(sha)}`,
      strategy: 'sha',
      sha,
      branch: 'main',
      dirty: false,
      ci: null,
      labels: {
        'org.opencontainers.image.revision': sha,
        'org.opencontainers.image.source': 'https://github.com/acme/api',
        'org.opencontainers.image.created': '2026-11-24T10:00:00.000Z',
      },
    });
  });
});

describe('kpush build-tag on GitHub pull requests', () => {
  function prSetup() {
    const repo = makeRepo();
    const headSha = commitFiles(repo, { 'pr.txt': 'change' }, 'pr head');
    const event = join(tempDir(), 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { head: { sha: headSha, ref: 'feature/x' } } }));
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_SHA: 'e'.repeat(40),
      GITHUB_REF_NAME: '7/merge',
      GITHUB_HEAD_REF: 'feature/x',
      GITHUB_EVENT_PATH: event,
      GITHUB_RUN_NUMBER: '42',
    };
    return { repo, headSha, env };
  }

  it('keeps the CI facts when the PR head sha itself is checked out', async () => {
    const { repo, headSha, env } = prSetup();
    git(repo, ['checkout', '--quiet', '--detach']);
    const run = await kpush(['build-tag', '--template', '{{branch}}-{{run}}-{{sha7}}'], {
      cwd: repo,
      env: { ...env, GITHUB_EVENT_NAME: 'pull_request' },
    });
    expect(run.stdout).toBe(`feature-x-42-${short(headSha)}\n`);
    expect(run.stderr).toBe('');
  });

  it('tags the checked-out base commit on pull_request_target', async () => {
    const { repo, headSha, env } = prSetup();
    const run = await kpush(['build-tag', '-s', 'branch-sha'], {
      cwd: repo,
      env: { ...env, GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_SHA: headSha, GITHUB_REF_NAME: 'main' },
    });
    expect(run.stdout).toBe(`main-${short(headSha)}\n`);
  });

  it('keeps the run number when HEAD is another repository', async () => {
    const { env } = prSetup();
    const other = makeRepo();
    const run = await kpush(['build-tag', '--template', 'r{{run}}-{{sha7}}'], {
      cwd: other,
      env: { ...env, GITHUB_EVENT_NAME: 'push' },
    });
    expect(run.stdout).toBe(`r42-${short(git(other, ['rev-parse', 'HEAD']))}\n`);
  });
});

describe('kpush build-tag edge cases', () => {
  it('treats a missing --cwd as a usage error', async () => {
    const run = await kpush(['build-tag', '--cwd', join(tempDir(), 'nope')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--cwd .* does not exist/);
  });

  it('finds the branch of a detached HEAD through any remote', async () => {
    const origin = makeRepo();
    const clone = join(tempDir(), 'clone');
    git(tempDir(), ['clone', '--quiet', '--origin', 'upstream', pathToFileURL(origin).href, clone]);
    git(clone, ['checkout', '--quiet', '--detach']);
    git(clone, ['branch', '--quiet', '-D', 'main']);
    const run = await kpush(['build-tag', '-s', 'branch-sha'], { cwd: clone });
    expect(run.stdout).toBe(`main-${short(git(origin, ['rev-parse', 'HEAD']))}\n`);
  });
});

describe('kpush build-tag --context with a template', () => {
  it('counts changes anywhere in the repository', async () => {
    const repo = makeRepo({ 'svc/main.go': 'v1', 'other.txt': 'v1' });
    writeFileSync(join(repo, 'other.txt'), 'local edit');
    const run = await kpush(['build-tag', '--template', '{{sha7}}-{{content}}', '--context', 'svc'], {
      cwd: repo,
    });
    expect(run.stdout).toMatch(/^[0-9a-f]{7}-[0-9a-f]{12}-dirty\n$/);
  });
});
