#!/usr/bin/env node
// `npm run cluster`: starts the same real Kubernetes control plane the e2e tests use
// (test/cluster: etcd + kube-apiserver + kube-controller-manager + node simulator),
// prints `export KUBECONFIG=...` on stdout and stays in the foreground until Ctrl-C.
//
//   npm run cluster                      # build if needed, start, wait for Ctrl-C
//   npm run cluster -- --pod-start-delay=5s   # extra flags go to kpush-cluster
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);
const say = (msg) => process.stderr.write(`${msg}\n`);

function runSetup() {
  return new Promise((res, rej) => {
    const child = spawn('bash', [join(root, 'test', 'cluster', 'setup.sh')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('error', rej);
    child.on('close', (code) => {
      if (code !== 0) {
        rej(new Error(`test/cluster/setup.sh failed with exit code ${code}`));
        return;
      }
      const vars = Object.fromEntries(
        out
          .split('\n')
          .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
          .filter(Boolean)
          .map((m) => [m[1], m[2]]),
      );
      res(vars);
    });
  });
}

function tail(path, n = 30) {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

async function main() {
  const vars = await runSetup();
  const bin = vars.KPUSH_CLUSTER_BIN;
  if (!bin) throw new Error('setup.sh did not report KPUSH_CLUSTER_BIN');

  const dataDir = mkdtempSync(join(tmpdir(), 'kpush-cluster-'));
  const logDir = join(root, '.cache', 'cluster-logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `manual-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const kubeconfig = join(dataDir, 'kubeconfig');
  const logFd = openSync(logPath, 'a');
  const started = Date.now();
  const child = spawn(bin, ['--data-dir', dataDir, '--kubeconfig', kubeconfig, ...extraArgs], {
    stdio: ['ignore', 'pipe', logFd],
    detached: true, // own process group: Ctrl-C reaches only us, and we stop it in order
  });
  closeSync(logFd);

  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    rmSync(dataDir, { recursive: true, force: true });
  };
  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      child.kill('SIGKILL');
      return;
    }
    stopping = true;
    say(`\n${signal}: stopping the cluster...`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));

  let ready = false;
  child.stdout.setEncoding('utf8');
  let buf = '';
  child.stdout.on('data', (chunk) => {
    buf += chunk;
    const m = /^ready (\S+) (\S+)$/m.exec(buf);
    if (m && !ready) {
      ready = true;
      const tools = dirname(vars.KPUSH_HELM_BIN ?? '');
      process.stdout.write(`export KUBECONFIG=${kubeconfig}\n`);
      say(
        [
          '',
          `Kubernetes ${vars.KPUSH_K8S_VERSION ?? ''} control plane ready at ${m[1]} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
          `  kubeconfig: ${kubeconfig}`,
          `  log:        ${logPath}`,
          `  helm/kubectl: export PATH="${tools}:$PATH"`,
          '',
          'In another shell:',
          `  export KUBECONFIG=${kubeconfig}`,
          `  ${tools}/kubectl get nodes`,
          '',
          'Pods run on a simulated node: image tags ending in -broken crash-loop, -notready never',
          'become Ready, -slow start late, -unschedulable stay Pending (test/cluster/README.md).',
          'Press Ctrl-C to stop; the cluster and its data are removed.',
        ].join('\n'),
      );
    }
  });

  const code = await new Promise((res) => child.on('exit', (c, s) => res(c ?? (s ? 1 : 0))));
  cleanup();
  if (!ready) {
    say(
      `kpush-cluster exited before it was ready (code ${code}). Last lines of ${logPath}:\n${tail(logPath)}`,
    );
    process.exit(1);
  }
  say(stopping ? 'cluster stopped.' : `kpush-cluster exited unexpectedly (code ${code}); see ${logPath}`);
  process.exit(stopping ? 0 : 1);
}

main().catch((err) => {
  say(`npm run cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
