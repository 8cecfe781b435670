// Small helpers for e2e tests: run the real kubectl/helm against the test cluster
// and poll for a condition. The cluster is started once per run by
// cluster-global-setup.ts, which exports KPUSH_TEST_KUBECONFIG, KPUSH_KUBECTL_BIN
// and KPUSH_HELM_BIN.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin (e.g. a manifest for `kubectl apply -f -`). */
  input?: string;
  /** Defaults to KPUSH_TEST_KUBECONFIG. */
  kubeconfig?: string;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: run e2e tests through vitest (project e2e), whose global setup starts the cluster`,
    );
  }
  return v;
}

export function testKubeconfig(): string {
  return requiredEnv('KPUSH_TEST_KUBECONFIG');
}

/** Runs a program with KUBECONFIG pointing at the test cluster. */
export function run(bin: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const kubeconfig = options.kubeconfig ?? testKubeconfig();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, KUBECONFIG: kubeconfig },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (code === 0 || options.allowFailure) {
        resolve(result);
        return;
      }
      const why = signal
        ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms?)` : ''}`
        : `exit ${code}`;
      reject(new Error(`${bin} ${args.join(' ')}: ${why}\n${stderr || stdout}`));
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `kubectl ARGS` against the test cluster (throws on failure unless allowFailure). */
export function kubectl(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(requiredEnv('KPUSH_KUBECTL_BIN'), args, options);
}

/** `kubectl ARGS -o json`, parsed. */
export async function kubectlJson<T = unknown>(
  args: readonly string[],
  options: RunOptions = {},
): Promise<T> {
  const r = await kubectl([...args, '-o', 'json'], options);
  return JSON.parse(r.stdout) as T;
}

/** `helm ARGS` against the test cluster. */
export function helm(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(requiredEnv('KPUSH_HELM_BIN'), args, options);
}

export interface WaitForOptions {
  intervalMs?: number;
  /** Shown in the timeout error. */
  description?: string;
}

/**
 * Calls `fn` until it returns a value other than undefined/null/false, and returns that value.
 * Errors thrown by `fn` count as "not yet". On timeout, throws with the last error or value.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  options: WaitForOptions = {},
): Promise<T> {
  const interval = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.description ?? 'condition'}; last: ${detail}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** A unique, valid namespace name such as `e2e-deploy-3f9a1c`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/** Creates a fresh namespace and returns its name. */
export async function createNamespace(prefix = 'e2e'): Promise<string> {
  const ns = uniqueName(prefix);
  await kubectl(['create', 'namespace', ns]);
  return ns;
}

/** Deletes a namespace without waiting for its finalization. */
export async function deleteNamespace(ns: string): Promise<void> {
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'], { allowFailure: true });
}
