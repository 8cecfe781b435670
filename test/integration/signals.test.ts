import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { git, makeBareRemote, tempDir, testGitEnv } from '../helpers/git.js';
import { waitUntil } from '../helpers/wait.js';

// Runs the built CLI: build first (`node scripts/build.mjs`).
const bin = fileURLToPath(new URL('../../bin/kpush.js', import.meta.url));
const FILES = { 'app.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n' };

/** Alive and not a zombie (an orphan nobody reaped yet has finished its work). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** A TCP server that accepts connections and never answers. */
async function startSilentServer(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a bump whose process group is SIGKILLed mid-push (a cancelled CI job)', () => {
  it('never lands the push afterwards', async () => {
    const remote = makeBareRemote(FILES);
    const before = git(remote.path, ['rev-parse', 'main']);
    const marks = tempDir('kpush-marks-');
    // The server side of the push, slow: records receive-pack's pid, then takes its time.
    const hook = join(remote.path, 'hooks/pre-receive');
    writeFileSync(hook, `#!/bin/sh\necho $PPID > ${marks}/receive-pack.pid\nsleep 3\n`);
    chmodSync(hook, 0o755);

    const child = spawn(
      process.execPath,
      [bin, 'bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0'],
      // Its own process group, as a runner starts a job; the group is what gets killed.
      { env: { ...testGitEnv, TMPDIR: tempDir() }, stdio: 'ignore', detached: true },
    );
    const exited = exitOf(child);
    const pidFile = join(marks, 'receive-pack.pid');
    await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    process.kill(-(child.pid as number), 'SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    const receivePack = Number(readFileSync(pidFile, 'utf8'));
    await waitUntil(() => !isRunning(receivePack), 10_000);
    expect(git(remote.path, ['rev-parse', 'main'])).toBe(before);
  }, 20_000);
});

describe('SIGHUP (the terminal or the runner went away)', () => {
  it('is handled like SIGTERM: git stopped, clone removed, exit 129', async () => {
    const silent = await startSilentServer();
    const tmp = tempDir();
    try {
      const child = spawn(
        process.execPath,
        [
          bin,
          'bump-manifest',
          '--repo',
          `http://127.0.0.1:${silent.port}/env.git`,
          '-i',
          'ghcr.io/acme/api:1',
        ],
        { env: { ...testGitEnv, TMPDIR: tmp }, stdio: 'ignore' },
      );
      const exited = exitOf(child);
      // git is connected: the clone is under way.
      await waitUntil(
        () => readdirSync(tmp).some((name) => name.startsWith('kpush-bump-')) && silent.connections() > 0,
      );
      child.kill('SIGHUP');
      expect(await exited).toEqual({ code: 129, signal: null });
      expect(readdirSync(tmp).filter((name) => name.startsWith('kpush-'))).toEqual([]);
    } finally {
      await silent.close();
    }
  });
});

describe('a signal during a long scan', () => {
  /** 700 files of 100 Deployments each: seconds of YAML parsing. */
  function bigEnvRepo(): string {
    const doc = (n: number) =>
      `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc${n}\n  labels: {app: svc${n}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/svc${n}:1.0\n          env:\n            - {name: A, value: "1"}\n`;
    const files: Record<string, string> = {};
    for (let file = 0; file < 700; file++) {
      const docs = Array.from({ length: 100 }, (_, index) => doc(file * 100 + index)).join('');
      files[`apps/f${file}.yaml`] = `${docs}---\nimage: ghcr.io/acme/api:1.0\n`;
    }
    return makeBareRemote(files).url;
  }

  /** Runs a verbose dry run; `onScanStart` is called when the scan begins. */
  function dryRun(repo: string, onScanStart: (child: ChildProcess) => void = () => {}) {
    const child = spawn(
      process.execPath,
      [bin, '-v', 'bump-manifest', '--repo', repo, '-i', 'ghcr.io/acme/api:2.0', '--dry-run'],
      { env: { ...testGitEnv, TMPDIR: tempDir() }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const before = stderr;
      stderr += chunk.toString();
      if (!before.includes('scanning manifests...') && stderr.includes('scanning manifests...'))
        onScanStart(child);
    });
    return exitOf(child).then((exit) => ({ ...exit, stderr }));
  }

  it('is acted on within a fraction of the scan, not after it', async () => {
    const repo = bigEnvRepo();
    const full = await dryRun(repo);
    const scanSeconds = Number(/scanning manifests: done in ([\d.]+)s/.exec(full.stderr)?.[1]);
    // The test means something only if the scan is long; make the repository bigger if not.
    expect(scanSeconds).toBeGreaterThan(1);

    let signalled = 0;
    const interrupted = await dryRun(repo, (child) => {
      setTimeout(() => {
        signalled = performance.now();
        child.kill('SIGTERM');
      }, 300);
    });
    const reaction = (performance.now() - signalled) / 1000;
    expect(interrupted.code).toBe(143);
    expect(interrupted.stderr).not.toMatch(/scanning manifests: done/);
    expect(reaction).toBeLessThan(scanSeconds / 3);
  }, 60_000);
});

describe('nothing waits without a bound', () => {
  /** Runs kpush in-process, failing the test (not hanging it) if kpush itself does not return. */
  async function boundedRun(args: string[], env: NodeJS.ProcessEnv) {
    const started = performance.now();
    const run = await Promise.race([
      kpush(args, { env }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('kpush hung')), 15_000)),
    ]);
    return { ...run, seconds: (performance.now() - started) / 1000 };
  }

  it('a stalled git:// remote times out (KPUSH_GIT_TIMEOUT)', async () => {
    const silent = await startSilentServer();
    try {
      const run = await boundedRun(
        ['bump-manifest', '--repo', `git://127.0.0.1:${silent.port}/env.git`, '-i', 'ghcr.io/acme/api:2'],
        { KPUSH_GIT_TIMEOUT: '1' },
      );
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/git clone did not finish within 1 s .*KPUSH_GIT_TIMEOUT/);
      expect(run.seconds).toBeLessThan(10);
    } finally {
      await silent.close();
    }
  }, 20_000);

  it('an inherited GIT_ASKPASS that never answers times out', async () => {
    const remote = makeBareRemote(FILES);
    const server = await startGitHttpServer(remote.path, { user: 'x-access-token', token: 'needed-token' });
    const askpass = join(tempDir(), 'askpass.sh');
    writeFileSync(askpass, '#!/bin/sh\nsleep 20\n');
    chmodSync(askpass, 0o755);
    try {
      const run = await boundedRun(['bump-manifest', '--repo', server.url, '-i', 'ghcr.io/acme/api:2'], {
        GIT_ASKPASS: askpass,
        KPUSH_GIT_TIMEOUT: '1',
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/did not finish within 1 s/);
    } finally {
      await server.close();
    }
  }, 20_000);

  it('remote helpers (ext::, fd::) are refused, even when git config would allow them', async () => {
    const marker = join(tempDir(), 'ran');
    const allowAll = {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'protocol.allow',
      GIT_CONFIG_VALUE_0: 'always',
    };
    for (const repo of [`ext::sh -c touch% ${marker}`, 'fd::0', 'fd::1,1']) {
      const run = await boundedRun(['bump-manifest', '--repo', repo, '-i', 'ghcr.io/acme/api:2'], allowAll);
      expect(run.exitCode, repo).toBe(2);
      expect(run.stderr).toMatch(/remote helper/);
    }
    expect(existsSync(marker)).toBe(false);
  }, 40_000);
});
