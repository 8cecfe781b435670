import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { KpushError } from '../errors.js';

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/**
 * The YAML files to scan below `paths` (repo-relative; default: the whole repo), sorted.
 * Helm chart templates (`templates/` beside a Chart.yaml) are Go templates, not YAML: skipped.
 * A path named explicitly is scanned whatever its extension.
 */
export async function findManifestFiles(root: string, paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const path of paths.length ? paths : ['.']) {
    const absolute = join(root, path);
    const info = await stat(absolute).catch(() => null);
    if (info === null) {
      throw new KpushError(
        'E_PATH_NOT_FOUND',
        `--path ${path} does not exist in the environment repository`,
        {
          hint: 'Paths are relative to the environment repository root; check --path and --branch.',
        },
      );
    }
    if (info.isFile()) found.add(toRepoPath(root, absolute));
    else for (const file of await walk(root, absolute)) found.add(file);
  }
  return [...found].sort();
}

async function walk(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const isChart = entries.some((entry) => entry.isFile() && entry.name === 'Chart.yaml');
  const files: string[] = [];
  for (const entry of entries) {
    const absolute = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || (isChart && entry.name === 'templates')) continue;
      files.push(...(await walk(root, absolute)));
    } else if (entry.isFile() && YAML_FILE.test(entry.name)) {
      files.push(toRepoPath(root, absolute));
    }
  }
  return files;
}

function toRepoPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join(posix.sep);
}

export async function readManifest(root: string, path: string): Promise<string> {
  return readFile(join(root, path), 'utf8');
}

export async function writeManifest(root: string, path: string, content: string): Promise<void> {
  await writeFile(join(root, path), content);
}
