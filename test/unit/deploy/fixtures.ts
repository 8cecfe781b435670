import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Real public manifests, read in place (see its SOURCES.md); never copied into the project. */
export const corpusDir = resolve(repoRoot, '../shared/corpus');

/** The real kubectl that test/cluster/setup.sh installs; a missing one fails the test, never skips it. */
export function realKubectl(): string {
  const bin = process.env.KPUSH_KUBECTL_BIN ?? join(repoRoot, '.cache/tools/bin/kubectl');
  if (!existsSync(bin))
    throw new Error(`kubectl not found at ${bin}: run \`bash test/cluster/setup.sh\` first`);
  return bin;
}

/** Writes `files` (path → content) below `root`, creating directories as needed. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    const absolute = join(root, path);
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, content);
  }
}

/** A minimal valid manifest document. */
export function object(kind: string, name: string, extra = ''): string {
  const apiVersion = kind === 'Deployment' ? 'apps/v1' : 'v1';
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}`;
}
