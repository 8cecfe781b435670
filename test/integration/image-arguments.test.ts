import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { git, makeBareRemote } from '../helpers/git.js';

const FILES = {
  'app.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n  - image: nginx:1.27\n',
};

/** A bump of a fresh remote with these --image values; the remote's tip before and after. */
async function bump(images: string[]) {
  const remote = makeBareRemote(FILES);
  const before = git(remote.path, ['rev-parse', 'main']);
  const run = await kpush([
    '--json',
    'bump-manifest',
    '--repo',
    remote.url,
    ...images.flatMap((image) => ['-i', image]),
  ]);
  return { run, before, after: git(remote.path, ['rev-parse', 'main']), remote };
}

describe('--image with a sha256 digest of the wrong length', () => {
  it.each([63, 65])('is a usage error naming the length (%i hex), and nothing is pushed', async (length) => {
    const { run, before, after } = await bump([`ghcr.io/acme/api@sha256:${'a'.repeat(length)}`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      `a sha256 digest has 64 hex characters, "sha256:${'a'.repeat(length)}" has ${length}`,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_USAGE' } });
    expect(after).toBe(before);
  });

  it('is accepted at exactly 64 hex', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const { run, remote } = await bump([`ghcr.io/acme/api@${digest}`]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(remote.path, ['show', 'main:app.yaml'])).toContain(`image: ghcr.io/acme/api@${digest}`);
  });
});

describe('the same repository given twice', () => {
  it.each([
    [['ghcr.io/acme/api:2.0', 'ghcr.io/acme/api:3.0'], 'ghcr.io/acme/api'],
    [['nginx:1.28', 'docker.io/library/nginx:1.29'], 'docker.io/library/nginx'],
    [['ghcr.io/acme/api:2.0', `ghcr.io/acme/api:2.0@sha256:${'b'.repeat(64)}`], 'ghcr.io/acme/api'],
  ])('with different values %j is a usage error, and nothing is pushed', async (images, repository) => {
    const { run, before, after } = await bump(images);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`--image names ${repository} more than once with different values`);
    expect(after).toBe(before);
  });

  it('with the same value is bumped once', async () => {
    const { run, remote } = await bump(['ghcr.io/acme/api:2.0', 'ghcr.io/acme/api:2.0', 'nginx:1.28']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(remote.path, ['show', 'main:app.yaml'])).toBe(
      'containers:\n  - image: ghcr.io/acme/api:2.0\n  - image: nginx:1.28',
    );
    expect(JSON.parse(run.stdout).changes).toHaveLength(2);
  });
});
