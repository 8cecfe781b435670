import { chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Git, treeEntries } from '../../src/adapters/git.js';
import { GitError } from '../../src/errors.js';
import { commitFiles, git, makeRepo, tempDir, testGitEnv } from '../helpers/git.js';

// A blob much larger than a pipe's chunk: its answer arrives in many pieces.
const LARGE = Buffer.from(`${'key: value\n'.repeat(200_000)}`);

function oidOf(repo: string, path: string): string {
  return git(repo, ['rev-parse', `HEAD:${path}`]);
}

describe("ObjectReader (one git cat-file --batch for a bump's reads)", () => {
  it('answers reads made one after another, in order, from one process', async () => {
    const repo = makeRepo({ 'a.yaml': 'a: 1\n', 'big.yaml': LARGE, 'empty.yaml': '' });
    const objects = new Git(repo, testGitEnv).objectReader();
    const [head] = await objects.read(['HEAD']);
    expect(head).toMatchObject({ oid: git(repo, ['rev-parse', 'HEAD']), type: 'commit' });
    expect(head?.content.toString()).toMatch(/^tree [0-9a-f]{40}\n/);
    const blobs = await objects.read(['big.yaml', 'empty.yaml', 'a.yaml'].map((path) => oidOf(repo, path)));
    expect(blobs.map((blob) => blob.type)).toEqual(['blob', 'blob', 'blob']);
    expect(blobs[0]?.content.equals(LARGE)).toBe(true);
    expect(blobs[1]?.content.length).toBe(0);
    expect(blobs[2]?.content.toString()).toBe('a: 1\n');
    await objects.close();
  });

  it('answers reads made before the first answer arrived', async () => {
    const repo = makeRepo({ 'a.yaml': 'a: 1\n', 'big.yaml': LARGE });
    const objects = new Git(repo, testGitEnv).objectReader();
    const [big, small] = await Promise.all([
      objects.read([oidOf(repo, 'big.yaml')]),
      objects.read([oidOf(repo, 'a.yaml')]),
    ]);
    expect(big?.[0]?.content.equals(LARGE)).toBe(true);
    expect(small?.[0]?.content.toString()).toBe('a: 1\n');
    await objects.close();
  });

  it('fails a read that names a missing object, naming it, and goes on answering', async () => {
    const repo = makeRepo({ 'a.yaml': 'a: 1\n' });
    const objects = new Git(repo, testGitEnv).objectReader();
    const missing = '0123456789012345678901234567890123456789';
    await expect(objects.read([oidOf(repo, 'a.yaml'), missing])).rejects.toThrow(
      `git cat-file: cannot read ${missing} missing`,
    );
    expect((await objects.read([oidOf(repo, 'a.yaml')]))[0]?.content.toString()).toBe('a: 1\n');
    await objects.close();
  });

  it("fails its reads with git's own words when git cannot start reading", async () => {
    const objects = new Git(tempDir('kpush-not-a-repo-'), testGitEnv).objectReader();
    const read = objects.read(['HEAD']);
    await expect(read).rejects.toBeInstanceOf(GitError);
    await expect(read).rejects.toThrow(/not a git repository/);
    await expect(objects.close()).rejects.toThrow(/not a git repository/);
  });

  it('closes once: a second close gives the same answer', async () => {
    const objects = new Git(makeRepo(), testGitEnv).objectReader();
    expect(await objects.read([])).toEqual([]);
    const closed = objects.close();
    expect(objects.close()).toBe(closed);
    await closed;
  });

  it('lists the files of a tree as `git ls-tree -r` does: nested, symlinks, submodules, odd names', async () => {
    const repo = makeRepo({
      'a.yaml': 'a: 1\n',
      'apps/web/deploy.yaml': 'b: 2\n',
      'apps/web/values/prod.yaml': 'c: 3\n',
      'apps/éü ✓/with space.yaml': 'd: 4\n',
      'run.sh': '#!/bin/sh\n',
    });
    chmodSync(join(repo, 'run.sh'), 0o755);
    symlinkSync('apps/web', join(repo, 'link'));
    commitFiles(repo, {}, 'symlink and mode');
    const submodule = git(repo, ['rev-parse', 'HEAD']);
    git(repo, ['update-index', '--add', '--cacheinfo', `160000,${submodule},vendor/sub`]);
    git(repo, ['commit', '--quiet', '-m', 'submodule']);
    const expected = new Map(
      git(repo, ['ls-tree', '-r', '-z', '--full-tree', 'HEAD'])
        .split('\0')
        .filter(Boolean)
        .map((record) => {
          const [info = '', path = ''] = record.split('\t');
          const [mode = '', , oid = ''] = info.split(' ');
          return [path, { mode, oid }] as const;
        }),
    );
    const objects = new Git(repo, testGitEnv).objectReader();
    const files = await objects.files(git(repo, ['rev-parse', 'HEAD^{tree}']));
    await objects.close();
    expect(files).toEqual(expected);
    expect(files.get('vendor/sub')?.mode).toBe('160000');
    expect(files.get('link')?.mode).toBe('120000');
    expect(files.get('run.sh')?.mode).toBe('100755');
    expect(files.has('apps/éü ✓/with space.yaml')).toBe(true);
  });

  it('refuses a name that is not a tree where a tree is read', async () => {
    const repo = makeRepo({ 'a.yaml': 'a: 1\n' });
    const objects = new Git(repo, testGitEnv).objectReader();
    await expect(objects.files(oidOf(repo, 'a.yaml'))).rejects.toThrow(/is a blob, not a tree/);
    await objects.close();
  });

  it('refuses a tree object that does not parse (cut short)', () => {
    const entry = Buffer.concat([Buffer.from('100644 a.yaml\0'), Buffer.alloc(20, 0xab)]);
    expect(treeEntries(entry, 20)).toEqual([{ mode: '100644', name: 'a.yaml', oid: 'ab'.repeat(20) }]);
    expect(() => treeEntries(entry.subarray(0, entry.length - 1), 20)).toThrow(GitError);
    expect(() => treeEntries(Buffer.from('100644 a.yaml'), 20)).toThrow(/does not parse/);
  });
});
