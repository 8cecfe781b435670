// Pull-request mode's checks that need no forge: they fail before anything is cloned or sent.
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { makeBareRemote } from '../helpers/git.js';

const IMAGE = ['--image', 'ghcr.io/acme/api:1.1.0'];

describe('bump-manifest --pull-request without a forge', () => {
  it('refuses --pr-* flags without --pull-request', async () => {
    const run = await kpush([
      'bump-manifest',
      '--repo',
      'https://github.com/acme/env.git',
      ...IMAGE,
      '--pr-label',
      'x',
      '--auto-merge',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--pr-label, --auto-merge only apply with --pull-request');
  });

  it('needs a forge URL, not a local repository', async () => {
    const remote = makeBareRemote({ 'a.yaml': 'image: ghcr.io/acme/api:1.0.0\n' });
    const run = await kpush(['bump-manifest', '--repo', remote.url, ...IMAGE, '--pull-request']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("--pull-request needs a forge's https or ssh URL");
  });

  it('sends the token to no API outside the repository host, before cloning', async () => {
    const run = await kpush(
      [
        'bump-manifest',
        '--repo',
        'https://github.com/acme/env.git',
        ...IMAGE,
        '--pull-request',
        '--api-url',
        'https://api.evil.test',
      ],
      { env: { KPUSH_GIT_TOKEN: 'tok-abcdef123' } },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("the API at api.evil.test is not on the repository's host github.com");
    expect(run.stderr).not.toContain('cloning');
  });

  it('fails with E_FORGE_NO_TOKEN when no token belongs to the host', async () => {
    const run = await kpush(
      ['bump-manifest', '--repo', 'https://github.com/acme/env.git', ...IMAGE, '--pull-request', '--json'],
      { env: { CI_JOB_TOKEN: 'job-abcdef123', CI_SERVER_URL: 'https://gitlab.com' } },
    );
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe('E_FORGE_NO_TOKEN');
  });

  it('refuses a --pr-branch that git would refuse', async () => {
    const run = await kpush([
      'bump-manifest',
      '--repo',
      'https://github.com/acme/env.git',
      ...IMAGE,
      '--pull-request',
      '--pr-branch',
      'a..b',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--pr-branch "a..b" is not a valid branch name');
  });
});
