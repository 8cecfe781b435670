// Scratch space for e2e tests: temp directories and namespaces that live until the end of the
// file (tests of one describe share them) and are removed in afterAll. test/helpers/git.ts's
// tempDir is removed after each test, which is too early here.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { createNamespace, deleteNamespace } from '../support/kube.js';

const namespaces: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all([
    ...namespaces.splice(0).map(deleteNamespace),
    ...dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })),
  ]);
});

export function tempDir(prefix = 'kpush-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A fresh namespace, deleted after the file's tests. */
export async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(prefix);
  namespaces.push(ns);
  return ns;
}

/** A namespace something else creates (kpush, from a Namespace manifest), deleted likewise. */
export function deleteLater(ns: string): void {
  namespaces.push(ns);
}

/** Writes `files` (path → content) below `dir`, creating folders. */
export function write(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** A fresh directory holding `files`. */
export function envDir(files: Record<string, string>, prefix?: string): string {
  const dir = tempDir(prefix);
  write(dir, files);
  return dir;
}
