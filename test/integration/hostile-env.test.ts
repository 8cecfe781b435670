import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { commitFiles, git, makeBareRemote, makeRepo, tempDir } from '../helpers/git.js';

const IMAGE = 'containers:\n  - image: ghcr.io/acme/api:1.0\n';

/** Every variable git reads to choose a repository, pointed at `appRepo`. */
function repositorySelectingEnv(appRepo: string): NodeJS.ProcessEnv {
  const gitDir = join(appRepo, '.git');
  return {
    GIT_DIR: gitDir,
    GIT_WORK_TREE: appRepo,
    GIT_INDEX_FILE: join(gitDir, 'index'),
    GIT_OBJECT_DIRECTORY: join(gitDir, 'objects'),
    GIT_COMMON_DIR: gitDir,
    GIT_NAMESPACE: 'hijacked',
    GIT_CEILING_DIRECTORIES: '/',
    GIT_DISCOVERY_ACROSS_FILESYSTEM: '0',
    GIT_LITERAL_PATHSPECS: '1',
  };
}

describe("the caller's repository-selecting git variables", () => {
  it('do not redirect bump-manifest to the app repository', async () => {
    const app = makeRepo({ 'app.yaml': IMAGE });
    const appHead = git(app, ['rev-parse', 'HEAD']);
    const remote = makeBareRemote({ 'deploy/app.yaml': IMAGE });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0'], {
      env: repositorySelectingEnv(app),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(remote.path, ['show', 'main:deploy/app.yaml'])).toContain('ghcr.io/acme/api:2.0');
    expect(git(app, ['rev-parse', 'HEAD'])).toBe(appHead);
    expect(git(app, ['status', '--porcelain'])).toBe('');
  });

  it('do not make build-tag --cwd describe another repository', async () => {
    const app = makeRepo({ 'a.txt': 'a\n' });
    const other = makeRepo({ 'b.txt': 'b\n' });
    commitFiles(other, { 'b.txt': 'c\n' }, 'second');
    const run = await kpush(['build-tag', '--cwd', app], { env: repositorySelectingEnv(other) });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(`sha-${git(app, ['rev-parse', '--short=7', 'HEAD'])}\n`);
  });

  it('keep the variables users set on purpose (here GIT_AUTHOR_*)', async () => {
    const remote = makeBareRemote({ 'app.yaml': IMAGE });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0'], {
      env: {
        ...repositorySelectingEnv(makeRepo()),
        GIT_AUTHOR_NAME: 'Deploy Bot',
        GIT_AUTHOR_EMAIL: 'bot@acme.dev',
      },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(remote.path, ['log', '-1', '--format=%an <%ae>', 'main'])).toBe('Deploy Bot <bot@acme.dev>');
  });
});

describe("the caller's git hooks", () => {
  /** A hook that leaves `marker` behind and fails (which would stop a commit or a push). */
  function hook(dir: string, name: string, marker: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), `#!/bin/sh\necho ${name} >> '${marker}'\nexit 1\n`, { mode: 0o755 });
  }

  it('from core.hooksPath or init.templateDir do not run in the clone kpush commits in', async () => {
    const home = tempDir('kpush-home-');
    const marker = join(home, 'hooks-ran');
    const hooksPath = join(home, 'hooks');
    const template = join(home, 'template');
    for (const name of ['prepare-commit-msg', 'post-commit']) hook(hooksPath, name, marker);
    for (const name of ['prepare-commit-msg', 'post-commit', 'pre-push'])
      hook(join(template, 'hooks'), name, marker);
    const config = join(home, 'gitconfig');
    writeFileSync(config, `[core]\n\thooksPath = ${hooksPath}\n[init]\n\ttemplateDir = ${template}\n`);
    const remote = makeBareRemote({ 'app.yaml': IMAGE });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0'], {
      env: { GIT_CONFIG_GLOBAL: config },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(remote.path, ['show', 'main:app.yaml'])).toContain('ghcr.io/acme/api:2.0');
    expect(() => readFileSync(marker, 'utf8')).toThrow(/ENOENT/);
  });
});

describe('--path through a symlink in the environment repository', () => {
  const OUTSIDE = 'containers:\n  - image: ghcr.io/acme/api:0.1\n';

  /** An env repo whose committed symlinks point at `outside` (absolute) and `../../..` (relative). */
  function remoteWithSymlinks(outside: string): string {
    const work = makeRepo({ 'apps/real.yaml': IMAGE });
    symlinkSync(join(outside, 'victim.yaml'), join(work, 'apps/abs-file.yaml'));
    symlinkSync(outside, join(work, 'apps/abs-dir'));
    symlinkSync('../../..', join(work, 'apps/up'));
    commitFiles(work, {}, 'symlinks');
    const bare = join(tempDir('kpush-remote-'), 'env.git');
    git(tempDir(), ['clone', '--quiet', '--bare', work, bare]);
    return bare;
  }

  for (const [path, dryRun] of [
    ['apps/abs-file.yaml', false],
    ['apps/abs-file.yaml', true],
    ['apps/abs-dir', false],
    ['apps/abs-dir/victim.yaml', true],
    ['apps/up/victim-dir', false],
  ] as const) {
    it(`refuses ${path}${dryRun ? ' (--dry-run)' : ''} and leaves the outside file alone`, async () => {
      const outside = tempDir('kpush-outside-');
      writeFileSync(join(outside, 'victim.yaml'), OUTSIDE);
      const bare = remoteWithSymlinks(outside);
      const before = git(bare, ['rev-parse', 'main']);
      // `apps/up` leads to the temporary directory that holds the clone; put a target there.
      const args = ['bump-manifest', '--repo', bare, '-i', 'ghcr.io/acme/api:2.0', '--path', path];
      const tmp = tempDir();
      mkdirSync(join(tmp, 'victim-dir'));
      writeFileSync(join(tmp, 'victim-dir', 'victim.yaml'), OUTSIDE);
      const run = await kpush(dryRun ? [...args, '--dry-run'] : args, { env: { TMPDIR: tmp } });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain(`--path ${path} leads outside the environment repository`);
      expect(run.stdout).toBe('');
      expect(readFileSync(join(outside, 'victim.yaml'), 'utf8')).toBe(OUTSIDE);
      expect(readFileSync(join(tmp, 'victim-dir', 'victim.yaml'), 'utf8')).toBe(OUTSIDE);
      expect(git(bare, ['rev-parse', 'main'])).toBe(before);
    });
  }

  it('follows a symlink that stays inside the repository and commits the real file', async () => {
    const work = makeRepo({ 'apps/real/web.yaml': IMAGE, 'apps/other.yaml': IMAGE });
    symlinkSync('real', join(work, 'apps/current'));
    commitFiles(work, {}, 'symlink');
    const bare = join(tempDir('kpush-remote-'), 'env.git');
    git(tempDir(), ['clone', '--quiet', '--bare', work, bare]);
    const run = await kpush([
      'bump-manifest',
      '--repo',
      bare,
      '-i',
      'ghcr.io/acme/api:2.0',
      '--path',
      'apps/current',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(bare, ['show', '--name-only', '--format=', 'main'])).toBe('apps/real/web.yaml');
    expect(git(bare, ['show', 'main:apps/real/web.yaml'])).toContain('ghcr.io/acme/api:2.0');
    expect(git(bare, ['show', 'main:apps/other.yaml'])).toContain('ghcr.io/acme/api:1.0');
    expect(git(bare, ['cat-file', '-p', 'main:apps/current'])).toBe('real');
  });

  it('does not follow a symlink met while scanning a directory', async () => {
    const outside = tempDir('kpush-outside-');
    writeFileSync(join(outside, 'victim.yaml'), OUTSIDE);
    const bare = remoteWithSymlinks(outside);
    const run = await kpush(['bump-manifest', '--repo', bare, '-i', 'ghcr.io/acme/api:2.0']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readFileSync(join(outside, 'victim.yaml'), 'utf8')).toBe(OUTSIDE);
    expect(git(bare, ['show', '--name-only', '--format=', 'main'])).toBe('apps/real.yaml');
  });
});

describe('empty values', () => {
  const base = ['bump-manifest', '-i', 'ghcr.io/acme/api:2.0'];
  for (const [name, args] of [
    ['--repo ""', [...base, '--repo', '']],
    ['--path ""', [...base, '--repo', 'REMOTE', '--path', '']],
    ['--branch ""', [...base, '--repo', 'REMOTE', '--branch', '']],
    ["--message ''", [...base, '--repo', 'REMOTE', '--message', '']],
    ["--message '  '", [...base, '--repo', 'REMOTE', '--message', '  \n']],
    ["--author ''", [...base, '--repo', 'REMOTE', '--author', '']],
    ['--author without a name', [...base, '--repo', 'REMOTE', '--author', ' <bot@acme.dev>']],
    ["build-tag --template ''", ['build-tag', '--template', '']],
    ["build-tag --cwd ''", ['build-tag', '--cwd', '']],
  ] as const) {
    it(`${name} is a usage error before anything is cloned`, async () => {
      const remote = makeBareRemote({ 'app.yaml': IMAGE });
      const tmp = tempDir();
      const run = await kpush(
        args.map((arg) => (arg === 'REMOTE' ? remote.url : arg)),
        { cwd: makeRepo(), env: { TMPDIR: tmp } },
      );
      expect(run.exitCode, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^error: .*(empty|no name)/s);
      expect(run.stderr).not.toMatch(/cloning|git clone/);
      expect(git(remote.path, ['log', '--oneline', 'main']).split('\n')).toHaveLength(1);
    });
  }
});
