import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';

/** An environment for git in tests: no user config, fixed identity, no prompts. */
export const testGitEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  GIT_TERMINAL_PROMPT: '0',
};

const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'kpush-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...testGitEnv, ...env },
    encoding: 'utf8',
    stdio: 'pipe',
  }).trim();
}

export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A work repo on `main` with the given files committed at a fixed time. */
export function makeRepo(
  files: Record<string, string | Uint8Array> = { 'README.md': 'hello\n' },
  branch = 'main',
): string {
  const dir = tempDir('kpush-repo-');
  git(dir, ['init', '--quiet', `--initial-branch=${branch}`]);
  commitFiles(dir, files, 'initial commit');
  return dir;
}

export function commitFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
  message: string,
  date = '2026-11-24T09:30:00Z',
): string {
  writeFiles(dir, files);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '--quiet', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return git(dir, ['rev-parse', 'HEAD']);
}

/** A bare repository seeded from `files`, as an environment repo remote: returns its file:// URL and path. */
export function makeBareRemote(
  files: Record<string, string | Uint8Array>,
  branch = 'main',
): { url: string; path: string } {
  const work = makeRepo(files, branch);
  const bare = join(tempDir('kpush-remote-'), 'env.git');
  git(tempDir(), ['clone', '--quiet', '--bare', work, bare]);
  return { url: pathToFileURL(bare).href, path: bare };
}
