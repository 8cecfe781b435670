// Starts and stops the real single-process Kubernetes control plane built from
// test/cluster (etcd + kube-apiserver + kube-controller-manager + node simulator).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, unlink } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const setupScript = join(repoRoot, 'test', 'cluster', 'setup.sh');

export interface Toolchain {
  clusterBin: string;
  helmBin: string;
  kubectlBin: string;
  /** Kubernetes version the control plane is built from, e.g. v1.36.3. */
  kubernetesVersion: string;
}

export interface StartClusterOptions {
  /** Binaries to use; by default `test/cluster/setup.sh` is run (it builds or reuses them). */
  toolchain?: Toolchain;
  /** Deadline for the cluster to answer /readyz after spawn (default 120 s). */
  readyTimeoutMs?: number;
  /** Directory for the log file (default `<repo>/.cache/cluster-logs`). */
  logDir?: string;
  /** Extra flags for kpush-cluster, e.g. `--pod-start-delay=3s` (see test/cluster/README.md). */
  extraArgs?: string[];
  /** Where setup.sh progress goes (default: inherited stderr). */
  setupOutput?: 'inherit' | 'ignore';
}

export interface StopOptions {
  /** Keep the log file (e.g. because tests failed). The temp data dir is always removed. */
  keepLogs?: boolean;
}

export interface Cluster {
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Static admin bearer token (user kpush-admin, group system:masters). */
  token?: string;
  /** PEM of the cluster CA. */
  caData: string;
  /** Combined log of all components; kept on stop({ keepLogs: true }). */
  logsPath: string;
  dataDir: string;
  pid: number;
  toolchain: Toolchain;
  /** SIGTERM, then SIGKILL after a grace period; removes the temp dir. Safe to call twice. */
  stop(options?: StopOptions): Promise<void>;
}

/** Last `lines` lines of a file, for error messages. */
export function tailFile(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Start-up diagnostics: the binary's own messages and errors from the components,
 * then the last lines of the log.
 */
export function summarizeLog(path: string, lines = 25): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no log)';
  }
  const all = text.split('\n');
  const important = all
    .filter((l) => /^(kpush-cluster:|[EF]\d{4} |panic:|Error:|flag provided)/.test(l))
    .slice(-15);
  return [
    `--- kpush-cluster messages and errors in ${path} ---`,
    ...important,
    `--- last ${lines} lines ---`,
    ...all.slice(-lines - 1),
  ].join('\n');
}

function toolchainFromEnv(): Toolchain | undefined {
  const { KPUSH_CLUSTER_BIN, KPUSH_HELM_BIN, KPUSH_KUBECTL_BIN } = process.env;
  if (!KPUSH_CLUSTER_BIN || !KPUSH_HELM_BIN || !KPUSH_KUBECTL_BIN) return undefined;
  if (![KPUSH_CLUSTER_BIN, KPUSH_HELM_BIN, KPUSH_KUBECTL_BIN].every((p) => existsSync(p))) return undefined;
  return {
    clusterBin: KPUSH_CLUSTER_BIN,
    helmBin: KPUSH_HELM_BIN,
    kubectlBin: KPUSH_KUBECTL_BIN,
    kubernetesVersion: process.env.KPUSH_K8S_VERSION ?? 'unknown',
  };
}

/**
 * Builds (or reuses) the cluster binary and installs helm/kubectl by running
 * test/cluster/setup.sh. Fast when nothing changed; a cold build takes minutes.
 * If KPUSH_CLUSTER_BIN, KPUSH_HELM_BIN and KPUSH_KUBECTL_BIN all point at existing files, they are used as is.
 */
export async function ensureToolchain(output: 'inherit' | 'ignore' = 'inherit'): Promise<Toolchain> {
  const fromEnv = toolchainFromEnv();
  if (fromEnv) return fromEnv;
  const child = spawn('bash', [setupScript], { cwd: repoRoot, stdio: ['ignore', 'pipe', output] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', res);
  });
  if (code !== 0) {
    throw new Error(
      `test/cluster/setup.sh failed (exit ${code}). It needs Go (>= 1.26), node/npm, bash and network access to ` +
        'the Go module proxy and the npm registry; run `npm run setup` to see its output.',
    );
  }
  const vars = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) vars.set(m[1], m[2]);
  }
  const get = (k: string): string => {
    const v = vars.get(k);
    if (!v) throw new Error(`test/cluster/setup.sh did not report ${k}; its stdout was:\n${stdout}`);
    return v;
  };
  return {
    clusterBin: get('KPUSH_CLUSTER_BIN'),
    helmBin: get('KPUSH_HELM_BIN'),
    kubectlBin: get('KPUSH_KUBECTL_BIN'),
    kubernetesVersion: vars.get('KPUSH_K8S_VERSION') ?? 'unknown',
  };
}

/** GET a path on the API server with the admin token; resolves to the HTTP status and body. */
export function apiGet(
  server: string,
  path: string,
  auth: { token?: string; caData: string },
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(
      new URL(path, server),
      {
        method: 'GET',
        ca: auth.caData,
        headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {},
        timeout: timeoutMs,
      },
      (resp) => {
        let body = '';
        resp.setEncoding('utf8');
        resp.on('data', (c: string) => {
          body += c;
        });
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', rej);
    req.end();
  });
}

function pruneOldLogs(dir: string, keep: number): void {
  try {
    const logs = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of logs.slice(keep)) {
      rm(join(dir, f), { force: true }).catch(() => {});
    }
  } catch {
    // best effort
  }
}

function parseKubeconfig(text: string): { server: string; token?: string; caData: string } {
  const server = /^\s*server:\s*(\S+)\s*$/m.exec(text)?.[1];
  const token = /^\s*token:\s*(\S+)\s*$/m.exec(text)?.[1];
  const ca = /^\s*certificate-authority-data:\s*(\S+)\s*$/m.exec(text)?.[1];
  if (!server || !ca) throw new Error('kubeconfig written by kpush-cluster lacks server or CA data');
  return { server, caData: Buffer.from(ca, 'base64').toString('utf8'), ...(token ? { token } : {}) };
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((res) => {
    const timer = setTimeout(() => res(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      res(true);
    });
  });
}

/** Starts a fresh cluster and resolves once /readyz answers 200 and the node is Ready. */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const toolchain = options.toolchain ?? (await ensureToolchain(options.setupOutput));
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const logDir = options.logDir ?? join(repoRoot, '.cache', 'cluster-logs');
  await mkdir(logDir, { recursive: true });
  pruneOldLogs(logDir, 20);
  const dataDir = await mkdtemp(join(tmpdir(), 'kpush-cluster-'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logsPath = join(logDir, `cluster-${stamp}-${process.pid}.log`);
  const kubeconfigPath = join(dataDir, 'kubeconfig');

  const logFd = openSync(logsPath, 'a');
  // Own process group: a terminal Ctrl-C reaches only us, and stop() shuts the cluster
  // down in order. If this process dies, kpush-cluster notices and exits by itself.
  const child = spawn(
    toolchain.clusterBin,
    ['--data-dir', dataDir, '--kubeconfig', kubeconfigPath, ...(options.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', logFd], detached: true },
  );
  closeSync(logFd);

  let stopped = false;
  const stop = async (stopOptions: StopOptions = {}): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitExit(child, 20_000))) {
          child.kill('SIGKILL');
          await waitExit(child, 5_000);
        }
      }
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    }
    if (!stopOptions.keepLogs) await unlink(logsPath).catch(() => {});
  };

  try {
    const ready = new Promise<void>((res, rej) => {
      let buf = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        buf += chunk;
        if (/^ready /m.test(buf)) res();
      });
      child.on('error', (err) => rej(new Error(`cannot run ${toolchain.clusterBin}: ${err.message}`)));
      child.on('exit', (code, signal) =>
        rej(new Error(`kpush-cluster exited during start-up (code ${code}, signal ${signal})`)),
      );
      setTimeout(
        () => rej(new Error(`kpush-cluster did not become ready within ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      ).unref();
    });
    await ready;
    const parsed = parseKubeconfig(await readFile(kubeconfigPath, 'utf8'));
    // Independent check from this side: the API server answers /readyz.
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      try {
        const r = await apiGet(parsed.server, '/readyz', parsed);
        if (r.status === 200) break;
        last = `HTTP ${r.status}: ${r.body.slice(0, 500)}`;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`/readyz did not answer 200 (${last})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.stdout?.resume();
    return {
      kubeconfigPath,
      server: parsed.server,
      ...(parsed.token ? { token: parsed.token } : {}),
      caData: parsed.caData,
      logsPath,
      dataDir,
      pid: child.pid ?? -1,
      toolchain,
      stop,
    };
  } catch (err) {
    await stop({ keepLogs: true });
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n${summarizeLog(logsPath)}`);
  }
}
