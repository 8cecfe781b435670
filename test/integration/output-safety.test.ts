import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { kpush } from '../helpers/cli.js';
import { git, makeBareRemote, makeRepo, tempDir, testGitEnv } from '../helpers/git.js';

// Some tests run the built CLI: build first (`node scripts/build.mjs`).
const bin = fileURLToPath(new URL('../../bin/kpush.js', import.meta.url));
const ESC = '\u001b';

/** Lines a CI system would read as a command (GitHub trims leading space first). */
function commandLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => /^\s*(::|##\[|##vso\[)/.test(line));
}

describe('content from the environment repository', () => {
  // A tag value with a newline, a forged workflow command, a forged trailer and ANSI escapes,
  // in a file whose name carries the same.
  const HOSTILE_TAG = '1.0\\n::error file=app.yaml::forged\\n\\nSigned-off-by: Mallory <m@evil>\\e[2J';
  const HOSTILE_NAME = 'values\n::warning::named\u001b[31m.yaml';

  it('is escaped on stderr and in the commit message', async () => {
    const remote = makeBareRemote({
      [HOSTILE_NAME]: `image:\n  repository: ghcr.io/acme/api\n  tag: "${HOSTILE_TAG}"\n`,
    });
    const run = await kpush(['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0'], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_SHA: 'c'.repeat(40) },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(commandLines(run.stderr)).toEqual([]);
    expect(run.stderr).not.toContain(ESC);
    expect(run.stderr).toContain('values\\n::warning::named\\x1b[31m.yaml:3 ghcr.io/acme/api 1.0\\n::error');

    const message = git(remote.path, ['log', '-1', '--format=%B', 'main']);
    expect(commandLines(message)).toEqual([]);
    expect(message).not.toContain(ESC);
    // Only kpush's own trailers: the forged Signed-off-by stays inside the escaped change line.
    expect(git(remote.path, ['log', '-1', '--format=%(trailers:only)', 'main'])).toBe(
      `Kpush-Source-Commit: ${'c'.repeat(40)}\nKpush-Image: ghcr.io/acme/api:2.0`,
    );
    expect(message.split('\n')).toHaveLength(6); // subject, blank, one change, blank, two trailers
  });

  it("is escaped in a hook's rejection, which is shown and not retried", async () => {
    const remote = makeBareRemote({ 'app.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n' });
    const hook = join(remote.path, 'hooks/pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\necho "policy: deploys to prod are frozen until Monday"\nprintf "::error::forged\\033[31m\\n"\nexit 1\n',
    );
    chmodSync(hook, 0o755);
    const before = git(remote.path, ['rev-parse', 'main']);
    const run = await kpush(['--json', 'bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/rejected.*pre-receive hook declined/);
    expect(run.stderr).toContain('policy: deploys to prod are frozen until Monday');
    expect(run.stderr).not.toMatch(/re-applying/);
    expect(commandLines(run.stderr)).toEqual([]);
    expect(run.stderr).not.toContain(ESC);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_PUSH_REJECTED' } });
    expect(git(remote.path, ['rev-parse', 'main'])).toBe(before);
  });
});

describe('the --dry-run diff', () => {
  async function dryRun(repo: string, streams: { stdoutTTY: boolean; stderrTTY: boolean }) {
    let stdout = '';
    const exitCode = await runCli(
      ['bump-manifest', '--repo', repo, '-i', 'ghcr.io/acme/api:2.0', '--dry-run'],
      {
        stdout: { write: (chunk: string) => (stdout += chunk), isTTY: streams.stdoutTTY },
        stderr: { write: () => true, isTTY: streams.stderrTTY, columns: 0 },
        env: { ...testGitEnv, TERM: 'xterm' },
        cwd: process.cwd(),
        now: () => new Date(),
      },
    );
    return { exitCode, stdout };
  }

  // The last file of the diff is the one whose end `trimEnd` would cut.
  for (const [name, files] of [
    [
      'CRLF line endings',
      { 'a.yaml': 'a: 1\n', 'z.yaml': 'containers:\r\n  - image: ghcr.io/acme/api:1.0\r\n' },
    ],
    [
      'a blank last context line',
      { 'a.yaml': 'a: 1\n', 'z.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n\n' },
    ],
  ] as const) {
    it(`applies with git apply when the last file has ${name}, and is plain when stdout is a file`, async () => {
      const remote = makeBareRemote(files);
      const { exitCode, stdout } = await dryRun(remote.url, { stdoutTTY: false, stderrTTY: true });
      expect(exitCode).toBe(0);
      expect(stdout).not.toContain(ESC);
      const clone = join(tempDir(), 'clone');
      git(tempDir(), ['clone', '--quiet', remote.url, clone]);
      const patch = join(tempDir(), 'change.patch');
      writeFileSync(patch, stdout);
      git(clone, ['apply', patch]);
      expect(readFileSync(join(clone, 'z.yaml'), 'utf8')).toBe(files['z.yaml'].replace('api:1.0', 'api:2.0'));
    });
  }
});

describe('failures outside git', () => {
  it('a missing TMPDIR is named, with a hint, not reported as a bug', async () => {
    const run = await kpush(
      ['bump-manifest', '--repo', makeBareRemote({ 'a.yaml': 'a: 1\n' }).url, '-i', 'ghcr.io/acme/api:2'],
      { env: { TMPDIR: join(tempDir(), 'missing') } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error: cannot create a temporary directory in .*missing.*— .*TMPDIR/);
    expect(run.stderr).not.toMatch(/bug in kpush/);
  });

  it('build-tag --cwd <file> says it is not a directory, not "install git"', async () => {
    const file = join(makeRepo(), 'README.md');
    const run = await kpush(['build-tag', '--cwd', file]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/is not a directory/);
    expect(run.stderr).not.toMatch(/[Ii]nstall git/);
  });

  it('a full disk on stdout is one line on stderr, not a stack trace', () => {
    const repo = makeRepo();
    const full = openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, [bin, 'build-tag'], {
        cwd: repo,
        env: testGitEnv,
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^error: cannot write to stdout: .*ENOSPC/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      closeSync(full);
    }
  });

  it('a reader that went away (EPIPE) ends kpush quietly', async () => {
    const repo = makeRepo();
    const child = spawn(process.execPath, [bin, 'build-tag'], { cwd: repo, env: testGitEnv });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) =>
      child.on('close', (status) => resolve(status)),
    );
    expect(stderr).not.toMatch(/\n\s+at |Unhandled|EPIPE/);
    expect(code).toBe(0);
  });
});
