import { describe, expect, it } from 'vitest';
import {
  RepoTree,
  resolvePath,
  selectManifestFiles,
  type TreeEntry,
} from '../../../src/core/bump/manifest-selection.js';

const FILE: TreeEntry = { mode: '100644', oid: 'f'.repeat(40) };
const EXECUTABLE: TreeEntry = { mode: '100755', oid: 'e'.repeat(40) };
const LINK: TreeEntry = { mode: '120000', oid: 'l'.repeat(40) };
const SUBMODULE: TreeEntry = { mode: '160000', oid: 's'.repeat(40) };

function treeOf(entries: Record<string, TreeEntry>): RepoTree {
  return new RepoTree(new Map(Object.entries(entries)));
}

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('selectManifestFiles over the whole repository', () => {
  // Built inside each test, not at collection: mutation testing maps code to the tests that run it.
  const repo = () =>
    treeOf({
      'apps/web/deploy.yaml': FILE,
      'apps/web/Values.YML': EXECUTABLE,
      'apps/web/README.md': FILE,
      'apps/web/config.json': FILE,
      'charts/api/Chart.yaml': FILE,
      'charts/api/values.yaml': FILE,
      'charts/api/templates/deploy.yaml': FILE,
      'charts/api/sub/templates/keep.yaml': FILE,
      'other/templates/keep.yaml': FILE,
      'other/values.yaml': FILE,
      'linked/Chart.yaml': LINK,
      'linked/templates/keep.yaml': FILE,
      'node_modules/pkg/x.yaml': FILE,
      '.github/workflows/ci.yml': FILE,
      'nested/.gitlab-ci.yml': FILE,
      'apps/link.yaml': LINK,
      'vendor/lib': SUBMODULE,
    });

  it('keeps YAML files, skips chart templates, node_modules, CI configuration, symlinks and submodules', () => {
    expect(selectManifestFiles(repo(), new Map(), [])).toEqual([
      'apps/web/Values.YML',
      'apps/web/deploy.yaml',
      'charts/api/Chart.yaml',
      'charts/api/sub/templates/keep.yaml',
      'charts/api/values.yaml',
      'linked/templates/keep.yaml',
      'other/templates/keep.yaml',
      'other/values.yaml',
    ]);
  });

  it('treats the repository root as a chart when Chart.yaml is there', () => {
    const chart = treeOf({ 'Chart.yaml': FILE, 'values.yaml': FILE, 'templates/deploy.yaml': FILE });
    expect(selectManifestFiles(chart, new Map(), [])).toEqual(['Chart.yaml', 'values.yaml']);
  });

  it('lists its symlinks, whose targets a --path may need', () => {
    expect(repo().symlinks().sort()).toEqual(['apps/link.yaml', 'linked/Chart.yaml']);
  });

  it('scans CI configuration when asked', () => {
    const files = selectManifestFiles(repo(), new Map(), [], { includeCiFiles: true });
    expect(files).toContain('.github/workflows/ci.yml');
    expect(files).toContain('nested/.gitlab-ci.yml');
  });

  it('takes a file named explicitly whatever its extension, and a chart directory without its templates', () => {
    expect(selectManifestFiles(repo(), new Map(), ['apps/web/config.json', './charts/api/'])).toEqual([
      'apps/web/config.json',
      'charts/api/Chart.yaml',
      'charts/api/sub/templates/keep.yaml',
      'charts/api/values.yaml',
    ]);
    // Named as the starting directory, a chart's templates/ is scanned like any directory.
    expect(selectManifestFiles(repo(), new Map(), ['charts/api/templates'])).toEqual([
      'charts/api/templates/deploy.yaml',
    ]);
  });

  it('leaves out entries git would refuse to check out (a crafted tree)', () => {
    const crafted = treeOf({
      '../outside.yaml': FILE,
      '.git/hooks/x.yaml': FILE,
      'a/.GIT/y.yaml': FILE,
      './dot.yaml': FILE,
      'a//empty.yaml': FILE,
      'ok.yaml': FILE,
    });
    expect(selectManifestFiles(crafted, new Map(), [])).toEqual(['ok.yaml']);
  });
});

describe('resolvePath', () => {
  const repo = () =>
    treeOf({
      'apps/real.yaml': FILE,
      'apps/dir/a.yaml': FILE,
      'apps/to-dir': LINK,
      'apps/to-file': LINK,
      'apps/abs': LINK,
      'apps/up': LINK,
      'apps/loop-a': LINK,
      'apps/loop-b': LINK,
      'apps/via-parent': LINK,
      'vendor/lib': SUBMODULE,
    });
  const links = new Map([
    ['apps/to-dir', 'dir'],
    ['apps/to-file', './dir/../real.yaml'],
    ['apps/abs', '/etc'],
    ['apps/up', '../..'],
    ['apps/loop-a', 'loop-b'],
    ['apps/loop-b', 'loop-a'],
    ['apps/via-parent', '../apps/to-dir/a.yaml'],
  ]);

  it('follows symlinks that stay inside the repository', () => {
    expect(resolvePath(repo(), links, 'apps/to-dir')).toEqual({ kind: 'dir', path: 'apps/dir' });
    expect(resolvePath(repo(), links, 'apps/to-dir/a.yaml')).toEqual({
      kind: 'file',
      path: 'apps/dir/a.yaml',
    });
    expect(resolvePath(repo(), links, 'apps/to-file')).toEqual({ kind: 'file', path: 'apps/real.yaml' });
    expect(resolvePath(repo(), links, 'apps/via-parent')).toEqual({ kind: 'file', path: 'apps/dir/a.yaml' });
    expect(resolvePath(repo(), links, '.')).toEqual({ kind: 'dir', path: '' });
    expect(resolvePath(repo(), links, 'vendor/lib')).toEqual({ kind: 'dir', path: 'vendor/lib' });
  });

  it('refuses a path that leads out, naming the symlink', () => {
    for (const [path, how] of [
      ['apps/abs', 'apps/abs (-> /etc)'],
      ['apps/abs/passwd', 'apps/abs (-> /etc)'],
      ['apps/up/x.yaml', 'apps/up (-> ../..)'],
    ] as const) {
      const error = errorOf(() => resolvePath(repo(), links, path));
      expect(error.code).toBe('E_PATH_ESCAPES');
      expect(error.message).toBe(
        `--path ${path} leads outside the environment repository through the symlink ${how}`,
      );
    }
    expect(errorOf(() => resolvePath(repo(), links, '../x')).code).toBe('E_PATH_ESCAPES');
    expect(errorOf(() => resolvePath(repo(), links, 'apps/up/x.yaml'))).toMatchObject({
      details: { path: 'apps/up/x.yaml', symlink: 'apps/up', target: '../..' },
      hint: expect.stringContaining('remove the symlink'),
    });
  });

  it('reports missing paths, paths through a file, .git and symlink loops as not found', () => {
    expect(errorOf(() => resolvePath(repo(), links, 'apps/nope.yaml'))).toMatchObject({
      message: '--path apps/nope.yaml does not exist in the environment repository',
      hint: expect.stringContaining('check --path and --branch'),
    });
    for (const path of ['apps/nope.yaml', 'apps/real.yaml/x', '.git/config', 'apps/loop-a'])
      expect(errorOf(() => resolvePath(repo(), links, path)).code).toBe('E_PATH_NOT_FOUND');
    expect(errorOf(() => resolvePath(repo(), links, 'apps/loop-a')).message).toContain(
      'too many levels of symbolic links',
    );
  });

  it('follows a chain of 40 symlinks, as the kernel does, and calls the 41st a loop', () => {
    const chain = (length: number) => {
      const entries: Record<string, TreeEntry> = { 'real.yaml': FILE };
      const links = new Map<string, string>();
      for (let index = 0; index < length; index++) {
        entries[`l${index}`] = LINK;
        links.set(`l${index}`, index + 1 < length ? `l${index + 1}` : 'real.yaml');
      }
      return { tree: treeOf(entries), links };
    };
    const ok = chain(40);
    expect(resolvePath(ok.tree, ok.links, 'l0')).toEqual({ kind: 'file', path: 'real.yaml' });
    const tooLong = chain(41);
    expect(errorOf(() => resolvePath(tooLong.tree, tooLong.links, 'l0')).code).toBe('E_PATH_NOT_FOUND');
  });
});
