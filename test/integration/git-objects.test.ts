import { describe, expect, it } from 'vitest';
import { Git } from '../../src/adapters/git.js';
import { GitError } from '../../src/errors.js';
import { git, makeRepo, tempDir, testGitEnv } from '../helpers/git.js';

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
});
