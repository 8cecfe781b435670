import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RepoTree, type SelectOptions, selectManifestFiles } from '../core/bump/manifest-selection.js';
import { type DecodedManifest, decodeManifest, encodeEdited, type ScalarEdit } from '../manifests/index.js';
import { GitError } from '../errors.js';
import type { Git, GitObject, ObjectReader } from './git.js';

/**
 * The env repo as a bump sees it: HEAD's tree and blobs, read from git's objects. The clone has
 * no checkout (measured with bench/bump.mjs: writing and later removing 2,000 files cost more
 * than the rest of the bump); only the files a bump edits are written to the work tree.
 */
export class HeadFiles {
  private constructor(
    /** The commit HEAD was at. */
    readonly commit: string,
    private readonly tree: RepoTree,
    private readonly objects: ObjectReader,
  ) {}

  /** HEAD's commit and tree; its blobs are read by the same git process, which close() ends. */
  static async read(git: Git): Promise<HeadFiles> {
    const objects = git.objectReader();
    try {
      const [head] = await objects.read(['HEAD']);
      const tree = /^tree ([0-9a-f]{40,64})\n/.exec(
        head?.type === 'commit' ? head.content.toString('latin1') : '',
      );
      if (head === undefined || tree === null)
        throw new GitError('E_GIT', `git cat-file: HEAD is a ${head?.type}, not a commit`);
      return new HeadFiles(head.oid, new RepoTree(await objects.files(tree[1] as string)), objects);
    } catch (error) {
      await objects.close().catch(() => {});
      throw error;
    }
  }

  /** The YAML files to scan below `paths` (see selectManifestFiles), sorted. */
  async manifestPaths(paths: readonly string[], options: SelectOptions = {}): Promise<string[]> {
    const links = new Map<string, string>();
    const symlinks = paths.length ? this.tree.symlinks() : [];
    const targets = await this.objects.read(symlinks.map((path) => this.oid(path)));
    for (const [index, path] of symlinks.entries()) links.set(path, String(targets[index]?.content));
    return selectManifestFiles(this.tree, links, paths, options);
  }

  /** Reads and decodes `paths` (files of the tree), in order. */
  async read(paths: readonly string[]): Promise<DecodedManifest[]> {
    const blobs = await this.objects.read(paths.map((path) => this.oid(path)));
    return paths.map((path, index) => {
      const blob = blobs[index] as GitObject;
      if (blob.type !== 'blob') throw new GitError('E_GIT', `${path} is a ${blob.type} in git, not a file`);
      return decodeManifest(path, blob.content);
    });
  }

  /** Ends the git process that reads the blobs (again: the same answer). */
  close(): Promise<void> {
    return this.objects.close();
  }

  private oid(path: string): string {
    const entry = this.tree.entries.get(path);
    if (entry === undefined) throw new Error(`${path} is not in the tree`);
    return entry.oid;
  }
}

/**
 * Writes a manifest of the tree, edited, into the (otherwise empty) work tree, for `git commit
 * --only`.
 */
export function writeManifest(
  root: string,
  path: string,
  manifest: DecodedManifest,
  edits: readonly ScalarEdit[],
): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encodeEdited(manifest, edits));
}
