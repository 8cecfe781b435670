// A real Gitea (built from Go modules by test/gitea/setup.sh) on a random loopback port, with a
// temp data dir on sqlite: offline, no mailer, no SSH, no cron. Started once per test run by
// test/support/gitea-global-setup.ts; tests make their own repositories on it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

export interface GiteaBinaries {
  bin: string;
  /** The module source (options/, templates/), for [server] STATIC_ROOT_PATH. */
  staticRoot: string;
}

export interface GiteaServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  user: string;
  password: string;
  /** An access token of `user` with every scope. */
  token: string;
  stop(): Promise<void>;
}

/** KPUSH_GITEA_BIN / KPUSH_GITEA_STATIC when scripts/test.sh exported them, else setup.sh (may build for minutes). */
export async function giteaBinaries(): Promise<GiteaBinaries> {
  let { KPUSH_GITEA_BIN: bin, KPUSH_GITEA_STATIC: staticRoot } = process.env;
  if (!bin || !staticRoot) {
    const setup = join(repoRoot, 'test', 'gitea', 'setup.sh');
    const { stdout } = await run('bash', [setup], {
      cwd: repoRoot,
      maxBuffer: 1 << 20,
      timeout: 30 * 60_000,
    }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(
        `test/gitea/setup.sh failed (it needs Go >= 1.26 and the Go module proxy):\n${error.stderr ?? error.message}`,
      );
    });
    bin = /^KPUSH_GITEA_BIN=(.*)$/m.exec(stdout)?.[1];
    staticRoot = /^KPUSH_GITEA_STATIC=(.*)$/m.exec(stdout)?.[1];
    if (!bin || !staticRoot)
      throw new Error(`test/gitea/setup.sh printed no KPUSH_GITEA_BIN/KPUSH_GITEA_STATIC:\n${stdout}`);
  }
  return { bin, staticRoot };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function appIni(dir: string, port: number, staticRoot: string): string {
  return `APP_NAME = kpush-test
RUN_MODE = prod
RUN_USER = ${userInfo().username}
WORK_PATH = ${dir}
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${port}
ROOT_URL = http://127.0.0.1:${port}/
LOCAL_ROOT_URL = http://127.0.0.1:${port}/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = ${staticRoot}
APP_DATA_PATH = ${dir}/data

[database]
DB_TYPE = sqlite3
PATH = ${dir}/data/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = ${dir}/repos
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = kpush-test-secret-key-not-secret
PASSWORD_HASH_ALGO = pbkdf2_hi

[service]
DISABLE_REGISTRATION = true

[mailer]
ENABLED = false

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[picture]
DISABLE_GRAVATAR = true
ENABLE_FEDERATED_AVATAR = false

[cron]
ENABLED = false

[cron.update_checker]
ENABLED = false

[actions]
ENABLED = false

[log]
MODE = file
LEVEL = Warn
ROOT_PATH = ${dir}/log
`;
}

export async function startGitea(binaries: GiteaBinaries, readyTimeoutMs = 60_000): Promise<GiteaServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kpush-gitea-'));
  const port = await freePort();
  const config = join(dir, 'app.ini');
  writeFileSync(config, appIni(dir, port, binaries.staticRoot));
  const env = { PATH: process.env.PATH, HOME: dir, GITEA_WORK_DIR: dir, USER: userInfo().username };
  const gitea = (args: string[]) =>
    run(binaries.bin, [...args, '--config', config, '--work-path', dir], { env, timeout: 60_000 });
  const user = 'kpush';
  const password = 'kpush-test-password-1';
  try {
    await gitea(['migrate']);
    await gitea([
      'admin',
      'user',
      'create',
      '--username',
      user,
      '--password',
      password,
      '--email',
      'kpush@example.test',
      '--admin',
      '--must-change-password=false',
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not prepare Gitea's database with ${binaries.bin}: ${(error as Error).message}`);
  }

  const child: ChildProcess = spawn(
    binaries.bin,
    ['web', '--config', config, '--work-path', dir, '--port', String(port)],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitUntilReady(url, child, readyTimeoutMs, () => output);
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const created = await api<{ sha1: string }>(url, basic, 'POST', `/users/${user}/tokens`, {
      name: 'kpush-tests',
      scopes: ['all'],
    });
    return { url, user, password, token: created.sha1, stop };
  } catch (error) {
    await stop();
    throw new Error(`Gitea did not start: ${(error as Error).message}\n${output.slice(-4000)}`);
  }
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`gitea web exited with ${child.exitCode}: ${output().slice(-2000)}`);
    const ok = await fetch(`${url}/api/v1/version`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s`);
}

/** One Gitea API call; throws with Gitea's own message on an error status. */
export async function api<T = unknown>(
  url: string,
  authorization: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** The server's token as an API Authorization header. */
export function tokenAuth(server: GiteaServer): string {
  return `token ${server.token}`;
}

/** A new repository of `server.user` holding `files` on `main`, pushed over HTTP with the token. */
export async function createEnvRepo(
  server: GiteaServer,
  name: string,
  files: Record<string, string>,
): Promise<{ httpUrl: string; fullName: string }> {
  await api(server.url, tokenAuth(server), 'POST', '/user/repos', {
    name,
    default_branch: 'main',
    private: true,
  });
  const work = mkdtempSync(join(tmpdir(), 'kpush-gitea-seed-'));
  try {
    const git = (args: string[]) =>
      run('git', args, {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_AUTHOR_NAME: 'Seed',
          GIT_AUTHOR_EMAIL: 'seed@example.test',
          GIT_COMMITTER_NAME: 'Seed',
          GIT_COMMITTER_EMAIL: 'seed@example.test',
          GIT_TERMINAL_PROMPT: '0',
        },
        timeout: 60_000,
      });
    await git(['init', '--quiet', '--initial-branch=main']);
    for (const [path, content] of Object.entries(files)) {
      await run('mkdir', ['-p', dirname(join(work, path))]);
      writeFileSync(join(work, path), content);
    }
    await git(['add', '-A']);
    await git(['commit', '--quiet', '-m', 'initial manifests']);
    const auth = Buffer.from(`${server.user}:${server.token}`).toString('base64');
    const httpUrl = `${server.url}/${server.user}/${name}.git`;
    await git(['-c', `http.extraHeader=Authorization: Basic ${auth}`, 'push', '--quiet', httpUrl, 'main']);
    const fullName = `${server.user}/${name}`;
    await untilIndexed(server, fullName);
    return { httpUrl, fullName };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Gitea records a push (the repository no longer empty, its branches) after the push returns;
 * until then its API answers 404 for pull requests. A real env repo is long past that point.
 */
async function untilIndexed(server: GiteaServer, fullName: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const repo = await api<{ empty: boolean }>(server.url, tokenAuth(server), 'GET', `/repos/${fullName}`);
    const branches = repo.empty
      ? []
      : await api<{ name: string }[]>(server.url, tokenAuth(server), 'GET', `/repos/${fullName}/branches`);
    if (branches.some((branch) => branch.name === 'main')) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`Gitea did not record the push to ${fullName} within ${timeoutMs / 1000} s`);
}

/** A file's text at the tip of `ref` on the server. */
export async function fileAt(
  server: GiteaServer,
  fullName: string,
  path: string,
  ref: string,
): Promise<string> {
  const response = await fetch(
    `${server.url}/api/v1/repos/${fullName}/raw/${path}?ref=${encodeURIComponent(ref)}`,
    {
      headers: { authorization: tokenAuth(server) },
      signal: AbortSignal.timeout(20_000),
    },
  );
  if (!response.ok) throw new Error(`raw ${path}@${ref}: HTTP ${response.status}`);
  return response.text();
}
