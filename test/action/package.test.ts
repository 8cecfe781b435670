import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, tempDir, testGitEnv } from '../helpers/git.js';
import { packKpush, startNpmRegistry } from '../helpers/npm-registry.js';

let registry: Awaited<ReturnType<typeof startNpmRegistry>>;
let version: string;
beforeAll(async () => {
  const packed = packKpush(tempDir('kpush-pack-'));
  version = packed.version;
  registry = await startNpmRegistry(packed);
});
afterAll(() => registry.close());

/**
 * `npx --yes kpush@<version> …` as a pipeline runs it, with a cold npm cache. Asynchronous: the
 * registry answers from this process.
 */
function npx(cache: string, cwd: string, args: string[]) {
  const child = spawn('npx', ['--yes', `kpush@${version}`, ...args], {
    cwd,
    env: {
      ...testGitEnv,
      npm_config_registry: registry.url,
      npm_config_cache: cache,
      npm_config_fetch_retries: '0',
      npm_config_audit: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) =>
    child.on('close', (status) => done({ status, stdout, stderr })),
  );
}

describe('the npm package', () => {
  it('installs as kpush alone, with no dependency to fetch, and every command runs', async () => {
    const cache = tempDir('kpush-npm-cache-');
    const repo = makeRepo();
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();

    const versionRun = await npx(cache, repo, ['--version']);
    expect(versionRun.status, versionRun.stderr).toBe(0);
    expect(versionRun.stdout.trim()).toBe(version);
    const installed = readdirSync(join(cache, '_npx')).flatMap((dir) =>
      readdirSync(join(cache, '_npx', dir, 'node_modules')).filter((name) => !name.startsWith('.')),
    );
    expect(installed).toEqual(['kpush']);
    expect(registry.requests.filter((url) => url !== '/kpush' && !url.startsWith('/kpush/-/'))).toEqual([]);

    const tag = await npx(cache, repo, ['build-tag']);
    expect(tag.status, tag.stderr).toBe(0);
    expect(tag.stdout.trim()).toBe(`sha-${sha.slice(0, 7)}`);

    // history loads the Kubernetes client chunk: bundled, so an unreachable server is the only failure.
    const kubeconfig = join(tempDir(), 'config');
    execFileSync('sh', [
      '-c',
      `printf '%s' '${'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t0123456789}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n'}' > "$1"`,
      'sh',
      kubeconfig,
    ]);
    const history = await npx(cache, repo, ['history', '--app', 'shop', '--kubeconfig', kubeconfig]);
    expect(history.status).toBe(1);
    expect(history.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(history.stderr).not.toMatch(/Cannot find (package|module)/);
  });
});
