import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { git, makeBareRemote, testGitEnv } from '../helpers/git.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/kpush.js');
/** The shared real-world corpus, read in place. */
const CORPUS = join(root, '../shared/corpus');

function remoteBytes(remote: string, path: string): Buffer {
  return execFileSync('git', ['show', `main:${path}`], { cwd: remote, env: testGitEnv });
}

function commitCount(remote: string): number {
  return Number(git(remote, ['rev-list', '--count', 'main']));
}

const bump = (url: string, ...args: string[]) => kpush(['--json', 'bump-manifest', '--repo', url, ...args]);

describe('bump-manifest keeps bytes it does not edit', () => {
  it('keeps a Latin-1 byte outside the edited value', async () => {
    const before = Buffer.from('# caf\xe9 \xa9 acme\nimage: ghcr.io/acme/api:1.0 # \xe9t\xe9\n', 'latin1');
    const remote = makeBareRemote({ 'app.yaml': before });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(remoteBytes(remote.path, 'app.yaml')).toEqual(
      Buffer.from(before.toString('latin1').replace('api:1.0', 'api:1.1'), 'latin1'),
    );
  });

  it('edits a UTF-16 file byte-exactly, in its own encoding', async () => {
    const text = '\uFEFFkind: Pod\r\nspec:\r\n  containers:\r\n    - image: ghcr.io/acme/api:1.0 # é\r\n';
    const littleEndian = Buffer.from(text, 'utf16le');
    const bigEndian = Buffer.from(littleEndian).swap16();
    const remote = makeBareRemote({ 'le.yaml': littleEndian, 'be.yaml': bigEndian });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1');
    expect(run.exitCode, run.stderr).toBe(0);
    const expected = Buffer.from(text.replace('api:1.0', 'api:1.1'), 'utf16le');
    expect(remoteBytes(remote.path, 'le.yaml')).toEqual(expected);
    expect(remoteBytes(remote.path, 'be.yaml')).toEqual(Buffer.from(expected).swap16());
    expect(JSON.parse(run.stdout).changes).toHaveLength(2);
  });

  it('refuses by name a file it cannot decode, and pushes nothing', async () => {
    const noBom = Buffer.from('image: ghcr.io/acme/api:1.0\n', 'utf16le');
    const remote = makeBareRemote({ 'a.yaml': 'image: ghcr.io/acme/api:1.0\n', 'b/odd.yaml': noBom });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1');
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'E_ENCODING',
      message: expect.stringContaining('b/odd.yaml'),
    });
    expect(commitCount(remote.path)).toBe(1);
  });

  it('refuses by name a manifest kept with Git LFS (it reads what git stores: the pointer)', async () => {
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${'4'.repeat(64)}\nsize 77\n`;
    const remote = makeBareRemote({
      'a.yaml': 'image: ghcr.io/acme/api:1.0\n',
      '.gitattributes': 'big/*.yaml filter=lfs diff=lfs merge=lfs -text\n',
      'big/all.yaml': pointer,
    });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1');
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'E_ENCODING',
      message: 'big/all.yaml is kept with Git LFS (a pointer is stored in git); kpush cannot read or edit it',
    });
    expect(commitCount(remote.path)).toBe(1);
    const narrowed = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1', '--path', 'a.yaml');
    expect(narrowed.exitCode, narrowed.stderr).toBe(0);
    expect(commitCount(remote.path)).toBe(2);
  });

  it('scans the UTF-16 file of the corpus instead of skipping it', async () => {
    const corpus = readFileSync(join(CORPUS, 'extra/utf-16/utf-16.yaml'));
    const remote = makeBareRemote({ 'utf-16.yaml': corpus });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1', '--allow-no-match');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'up-to-date' });
  });
});

describe('bump-manifest leaves nothing behind', () => {
  it('names references it found but declined instead of "no reference found"', async () => {
    const remote = makeBareRemote({
      'values.yaml': 'versions:\n  api: &v "1.0"\napp:\n  tag: *v # kpush:tag ghcr.io/acme/api\n',
    });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1');
    expect(run.exitCode).toBe(1);
    const error = JSON.parse(run.stdout).error;
    expect(error.code).toBe('E_NOT_BUMPED');
    expect(error.message).toMatch(/values\.yaml:4: .*alias \*v/);
    expect(error.message).not.toMatch(/no reference/);
    expect(commitCount(remote.path)).toBe(1);
  });

  it('refuses a partial bump: one reference rewritten, another declined', async () => {
    const remote = makeBareRemote({
      'deploy.yaml': 'spec:\n  containers:\n    - image: ghcr.io/acme/api:1.0\n',
      'values.yaml': 'tag: [1] # kpush:tag ghcr.io/acme/api\n',
    });
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1', '--allow-no-match');
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'E_NOT_BUMPED',
      declined: [{ file: 'values.yaml', line: 1, repository: 'ghcr.io/acme/api' }],
    });
    expect(commitCount(remote.path)).toBe(1);
  });
});

describe('bump-manifest and CI configuration', () => {
  const files = {
    'apps/api.yaml': 'spec:\n  containers:\n    - image: ghcr.io/acme/api:1.0\n',
    '.github/workflows/deploy.yml': 'jobs:\n  x:\n    container:\n      image: ghcr.io/acme/api:1.0\n',
    '.gitlab-ci.yml': 'build:\n  image: ghcr.io/acme/api:1.0\n',
  };

  it('skips CI files in the whole-repo scan unless --include-ci-files', async () => {
    const remote = makeBareRemote(files);
    const run = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.1');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).changes.map((change: { file: string }) => change.file)).toEqual([
      'apps/api.yaml',
    ]);
    const opted = await bump(remote.url, '-i', 'ghcr.io/acme/api:1.2', '--include-ci-files');
    expect(opted.exitCode, opted.stderr).toBe(0);
    expect(JSON.parse(opted.stdout).changes.map((change: { file: string }) => change.file)).toEqual([
      '.github/workflows/deploy.yml',
      '.gitlab-ci.yml',
      'apps/api.yaml',
    ]);
  });
});

describe('bump-manifest on many files', () => {
  it('stays within a low open-file limit (bounded concurrency)', () => {
    const files = Object.fromEntries(
      Array.from({ length: 600 }, (_, index) => [
        `apps/svc${index}.yaml`,
        `image: ghcr.io/acme/svc${index}:1\n`,
      ]),
    );
    const remote = makeBareRemote(files);
    const bumped = spawnSync(
      'bash',
      [
        '-c',
        'ulimit -n 256 && exec "$@"',
        'kpush',
        process.execPath,
        bin,
        '--json',
        'bump-manifest',
        '--repo',
        remote.url,
        '-i',
        'ghcr.io/acme/svc599:2',
      ],
      { env: { ...testGitEnv }, encoding: 'utf8' },
    );
    expect(bumped.status, bumped.stderr).toBe(0);
    expect(JSON.parse(bumped.stdout)).toMatchObject({ status: 'pushed' });
  }, 60_000);
});
