import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { commitFiles, git, makeBareRemote, makeRepo, tempDir } from '../helpers/git.js';

/**
 * `pull_request_target` runs the base branch's workflow on the base branch's tip (GITHUB_SHA),
 * while its payload names the PR head, a different commit that is not checked out.
 */
function pullRequestTarget() {
  const repo = makeRepo({ 'app.txt': 'base' });
  git(repo, ['checkout', '--quiet', '-b', 'feature/x']);
  const headSha = commitFiles(repo, { 'app.txt': 'pr change' }, 'pr head');
  git(repo, ['checkout', '--quiet', 'main']);
  const baseSha = git(repo, ['rev-parse', 'HEAD']);
  const event = join(tempDir(), 'event.json');
  writeFileSync(event, JSON.stringify({ pull_request: { head: { sha: headSha, ref: 'feature/x' } } }));
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request_target',
    GITHUB_EVENT_PATH: event,
    GITHUB_SHA: baseSha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_HEAD_REF: 'feature/x',
    GITHUB_RUN_NUMBER: '42',
  };
  return { repo, baseSha, headSha, env };
}

describe('pull_request_target with a PR head other than GITHUB_SHA', () => {
  it('build-tag describes the checked-out base commit, not the PR head', async () => {
    const { repo, baseSha, headSha, env } = pullRequestTarget();
    expect(headSha).not.toBe(baseSha);
    const run = await kpush(['build-tag', '--json', '--template', '{{branch}}-{{run}}-{{sha7}}'], {
      cwd: repo,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({
      tag: `main-42-${baseSha.slice(0, 7)}`,
      sha: baseSha,
      branch: 'main',
      ci: 'github',
      labels: { 'org.opencontainers.image.revision': baseSha },
    });
  });

  it('bump-manifest records the base commit as the source commit', async () => {
    const { baseSha, env } = pullRequestTarget();
    const remote = makeBareRemote({ 'app.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n' });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0'], { env });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(
      git(remote.path, ['log', '-1', '--format=%(trailers:key=Kpush-Source-Commit,valueonly)', 'main']),
    ).toBe(baseSha);
  });
});
