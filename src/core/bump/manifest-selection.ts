import { KpushError } from '../../errors.js';

/**
 * Which files of the env repo a bump scans, decided from the commit's tree (`git ls-tree -r`),
 * never from a checkout: a path means what it means in the repository, a symlink is a blob
 * whose text is its target, and nothing outside the repository can be reached. Pure.
 */

/** One entry of `git ls-tree -r`: regular files, symlinks and submodules (trees are implied). */
export interface TreeEntry {
  readonly mode: string;
  readonly oid: string;
}

export const SYMLINK_MODE = '120000';
const REGULAR_MODES = new Set(['100644', '100755']);

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
/**
 * CI configuration, skipped by the whole-repo scan unless asked for: a pipeline's token often
 * may not push it (GitHub requires the workflows permission) and it is not what gets deployed.
 */
const CI_DIRS = new Set([
  '.github',
  '.gitlab',
  '.circleci',
  '.buildkite',
  '.woodpecker',
  '.tekton',
  '.forgejo',
  '.gitea',
]);
const CI_FILES = new Set([
  '.gitlab-ci.yml',
  '.gitlab-ci.yaml',
  '.travis.yml',
  '.drone.yml',
  '.woodpecker.yml',
  '.woodpecker.yaml',
  '.cirrus.yml',
  'azure-pipelines.yml',
  'azure-pipelines.yaml',
  'bitbucket-pipelines.yml',
  'appveyor.yml',
  '.appveyor.yml',
  'cloudbuild.yaml',
  'cloudbuild.yml',
  'buildspec.yml',
]);
/** As the kernel's ELOOP: a chain of symlinks longer than this is a loop. */
const MAX_SYMLINK_HOPS = 40;

export interface SelectOptions {
  /** Also scan CI configuration (`.github/`, `.gitlab-ci.yml`, …) found below a directory. */
  includeCiFiles?: boolean;
}

/** The tree of one commit, indexed for the questions a selection asks. */
export class RepoTree {
  readonly dirs = new Set<string>();
  /** Directories holding a Chart.yaml: their `templates/` are Go templates, not YAML. */
  readonly charts = new Set<string>();

  readonly entries: ReadonlyMap<string, TreeEntry>;

  constructor(entries: ReadonlyMap<string, TreeEntry>) {
    // Entries git itself would refuse to check out (a crafted tree's `..` or `.git`) are not
    // files of the repository: a write to one would land outside the clone or in its .git.
    this.entries = new Map([...entries].filter(([path]) => path.split('/').every(isCheckoutName)));
    for (const [path, entry] of this.entries) {
      const slash = path.lastIndexOf('/');
      const dir = slash < 0 ? '' : path.slice(0, slash);
      if (REGULAR_MODES.has(entry.mode) && path.slice(slash + 1) === 'Chart.yaml') this.charts.add(dir);
      for (let at = dir; at !== '' && !this.dirs.has(at); at = at.slice(0, Math.max(0, at.lastIndexOf('/'))))
        this.dirs.add(at);
    }
  }

  /** Paths of the symlinks in the tree (their targets are needed to resolve a --path). */
  symlinks(): string[] {
    return [...this.entries].filter(([, entry]) => entry.mode === SYMLINK_MODE).map(([path]) => path);
  }
}

/**
 * The YAML files to scan below `paths` (repo-relative; default: the whole repo), sorted.
 * Helm chart templates (`templates/` beside a Chart.yaml) are skipped; so are CI configuration
 * unless `includeCiFiles`, `node_modules`, and symlinks met below a directory. A path named
 * explicitly is scanned whatever its extension or location; symlinks along it are followed
 * inside the repository (`links`: symlink path → target) and refused when they lead out.
 */
export function selectManifestFiles(
  tree: RepoTree,
  links: ReadonlyMap<string, string>,
  paths: readonly string[],
  options: SelectOptions = {},
): string[] {
  const found = new Set<string>();
  for (const path of paths.length ? paths : ['.']) {
    const target = resolvePath(tree, links, path);
    if (target.kind === 'file') found.add(target.path);
    else for (const file of manifestsBelow(tree, target.path, options)) found.add(file);
  }
  return [...found].sort();
}

type Resolved = { kind: 'file' | 'dir'; path: string };

/** Follows `path` through the tree as the kernel would through a checkout, but never out of it. */
export function resolvePath(tree: RepoTree, links: ReadonlyMap<string, string>, path: string): Resolved {
  const done: string[] = [];
  let pending = components(path);
  let via: { link: string; target: string } | null = null;
  for (let hops = 0; pending.length > 0; ) {
    const name = pending.shift() as string;
    if (name === '..') {
      if (done.length === 0) throw escapes(path, via);
      done.pop();
      continue;
    }
    done.push(name);
    const here = done.join('/');
    const entry = tree.entries.get(here);
    if (entry?.mode === SYMLINK_MODE) {
      if (++hops > MAX_SYMLINK_HOPS) throw notFound(path, 'too many levels of symbolic links');
      const target = links.get(here) ?? '';
      via = { link: here, target };
      if (target.startsWith('/')) throw escapes(path, via);
      done.pop();
      pending = [...components(target), ...pending];
      continue;
    }
    // A file or submodule with components left after it fails at the next one.
    if (entry === undefined && !tree.dirs.has(here)) throw notFound(path);
  }
  const resolved = done.join('/');
  const entry = tree.entries.get(resolved);
  return { kind: entry !== undefined && REGULAR_MODES.has(entry.mode) ? 'file' : 'dir', path: resolved };
}

function isCheckoutName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && name.toLowerCase() !== '.git';
}

function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

function manifestsBelow(tree: RepoTree, dir: string, options: SelectOptions): string[] {
  const skipCi = !options.includeCiFiles;
  const prefix = dir === '' ? '' : `${dir}/`;
  const files: string[] = [];
  for (const [path, entry] of tree.entries) {
    if (!REGULAR_MODES.has(entry.mode) || !path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split('/');
    const name = parts[parts.length - 1] as string;
    if (!YAML_FILE.test(name) || (skipCi && CI_FILES.has(name))) continue;
    if (keptDirectories(tree, dir, parts, skipCi)) files.push(path);
  }
  return files;
}

/** Whether every directory between `dir` and the file `parts` names is one a scan enters. */
function keptDirectories(tree: RepoTree, dir: string, parts: readonly string[], skipCi: boolean): boolean {
  let parent = dir;
  for (const name of parts.slice(0, -1)) {
    if (SKIPPED_DIRS.has(name) || (skipCi && CI_DIRS.has(name))) return false;
    if (name === 'templates' && tree.charts.has(parent)) return false;
    parent = parent === '' ? name : `${parent}/${name}`;
  }
  return true;
}

function notFound(path: string, why?: string): KpushError {
  return new KpushError(
    'E_PATH_NOT_FOUND',
    `--path ${path} does not exist in the environment repository${why ? ` (${why})` : ''}`,
    { hint: 'Paths are relative to the environment repository root; check --path and --branch.' },
  );
}

function escapes(path: string, via: { link: string; target: string } | null): KpushError {
  const how = via ? ` through the symlink ${via.link} (-> ${via.target})` : '';
  return new KpushError('E_PATH_ESCAPES', `--path ${path} leads outside the environment repository${how}`, {
    hint: 'kpush only reads and writes inside the clone: point --path at the real files, or remove the symlink from the environment repository.',
    details: { path, ...(via ? { symlink: via.link, target: via.target } : {}) },
  });
}
