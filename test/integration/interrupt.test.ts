import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';
import { git, makeBareRemote, tempDir, testGitEnv } from '../helpers/git.js';

/** Running processes whose command line names the test server's port. */
function gitProcessesFor(port: number): string[] {
  const result = spawnSync('pgrep', ['-f', `127.0.0.1:${port}`], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean);
}

const bin = fileURLToPath(new URL('../../bin/kpush.js', import.meta.url));

describe('an interrupted bump', () => {
  it('removes its temporary clone and exits 130 on SIGINT', async () => {
    // A remote that accepts the connection and never answers: the clone hangs until interrupted.
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const tmp = tempDir();
    try {
      const child = spawn(
        process.execPath,
        [bin, 'bump-manifest', '--repo', `http://127.0.0.1:${port}/env.git`, '-i', 'ghcr.io/acme/api:1'],
        { env: { ...testGitEnv, TMPDIR: tmp }, stdio: 'ignore' },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitUntil(
        () => readdirSync(tmp).some((name) => name.startsWith('kpush-bump-')) && sockets.length > 0,
      );
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      // (Node >= 22 may also keep its compile cache there: that is Node's, not a clone.)
      expect(readdirSync(tmp).filter((name) => name.startsWith('kpush-'))).toEqual([]);
      // No git process it started outlives it.
      await waitUntil(() => gitProcessesFor(port).length === 0, 5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('that fails before scanning exits at once, leaving no reader of the clone running', () => {
    // The read of HEAD starts beside the branch check; a failed check must end that reader, or
    // kpush would wait for it (up to KPUSH_GIT_TIMEOUT) before exiting.
    const remote = makeBareRemote({ 'app.yaml': 'image: ghcr.io/acme/api:1.0\n' });
    git(remote.path, ['tag', 'v9', 'main']);
    const tmp = tempDir();
    const run = spawnSync(
      process.execPath,
      [bin, 'bump-manifest', '--repo', remote.url, '--branch', 'v9', '-i', 'ghcr.io/acme/api:2.0'],
      { env: { ...testGitEnv, TMPDIR: tmp, KPUSH_GIT_TIMEOUT: '60' }, encoding: 'utf8', timeout: 20_000 },
    );
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('--branch v9 is not a branch on the remote');
    expect(readdirSync(tmp).filter((name) => name.startsWith('kpush-'))).toEqual([]);
  });
});
