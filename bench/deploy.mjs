// kpush deploy vs `kubectl apply --server-side` on the same 300 objects (100 Deployments,
// 100 Services, 100 ConfigMaps), both without waiting, on the test control plane.
// Targets: first run kpush <= 0.5x kubectl; second run (nothing changed) <= 0.3x; --dry-run reported.
//
//   npm run build && node bench/deploy.mjs [rounds]      # starts its own cluster
//   KUBECONFIG=... node bench/deploy.mjs                  # or uses a running one (npm run cluster)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 3);
const kpushBin = process.env.KPUSH_BENCH_BIN ?? join(root, 'bin', 'kpush.js');

function setupTools() {
  const out = spawnSync('bash', [join(root, 'test', 'cluster', 'setup.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error('test/cluster/setup.sh failed');
  return Object.fromEntries(
    out.stdout
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter(Boolean)
      .map((match) => [match[1], match[2]]),
  );
}

/** A cluster of our own (npm run cluster), unless KUBECONFIG names one. */
async function cluster() {
  if (process.env.KUBECONFIG) return { kubeconfig: process.env.KUBECONFIG, stop: () => {} };
  const child = spawn(process.execPath, [join(root, 'scripts', 'cluster.mjs')], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const kubeconfig = await new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /export KUBECONFIG=(\S+)/.exec(out);
      if (match) resolveStart(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`npm run cluster exited ${code}`)));
    setTimeout(() => reject(new Error('cluster did not start in 10 minutes')), 600_000).unref();
  });
  return { kubeconfig, stop: () => child.kill('SIGINT') };
}

function objects(dir) {
  for (let i = 0; i < 100; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    writeFileSync(
      join(dir, `${name}.yaml`),
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  index: "${i}"
  greeting: hello from ${name}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: registry.test/${name}:1.0.0
          envFrom:
            - configMapRef:
                name: ${name}
`,
    );
  }
}

function timed(command, args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return ms;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Waits (outside the timings) until the controllers are done with what a first run started: the
 * 100 Pods of its Deployments exist, and a moment more. Otherwise the next tool measured would
 * share the API server with 100 ReplicaSets and Pods being created, or a namespace being emptied.
 */
function settle(namespace, env) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const pods = spawnSync(kubectl, ['get', 'pods', '-n', namespace, '--no-headers', '-o', 'name'], {
      env,
      encoding: 'utf8',
    });
    if (pods.stdout.split('\n').filter(Boolean).length >= 100) break;
    spawnSync('sleep', ['0.5']);
  }
  spawnSync('sleep', ['2']);
}

const tools = setupTools();
const kubectl = tools.KPUSH_KUBECTL_BIN;
const { kubeconfig, stop } = await cluster();
const env = { ...process.env, KUBECONFIG: kubeconfig };
delete env.NODE_EXTRA_CA_CERTS; // adds ~30 ms to every Node start on these machines
const dir = mkdtempSync(join(tmpdir(), 'kpush-bench-deploy-'));
mkdirSync(dir, { recursive: true });
objects(dir);

const results = { kubectlFirst: [], kpushFirst: [], kubectlSecond: [], kpushSecond: [], kpushDryRun: [] };
try {
  for (let round = 0; round < rounds; round++) {
    const nsK = `bench-kubectl-${round}-${process.pid}`;
    const nsP = `bench-kpush-${round}-${process.pid}`;
    timed(kubectl, ['create', 'namespace', nsK], env);
    timed(kubectl, ['create', 'namespace', nsP], env);
    const kubectlApply = ['apply', '--server-side', '-n', nsK, '-f', dir];
    const kpushDeploy = [kpushBin, 'deploy', dir, '--app', 'bench', '-n', nsP, '--no-wait'];
    // Alternate who goes first, so neither always meets a warmer API server.
    const pair = (first, second) => (round % 2 === 0 ? [first(), second()] : [second(), first()].reverse());
    const [k1, p1] = pair(
      () => {
        const ms = timed(kubectl, kubectlApply, env);
        settle(nsK, env);
        return ms;
      },
      () => {
        const ms = timed(process.execPath, kpushDeploy, env);
        settle(nsP, env);
        return ms;
      },
    );
    const [k2, p2] = pair(
      () => timed(kubectl, kubectlApply, env),
      () => timed(process.execPath, kpushDeploy, env),
    );
    const dry = timed(process.execPath, [...kpushDeploy, '--dry-run'], env);
    results.kubectlFirst.push(k1);
    results.kpushFirst.push(p1);
    results.kubectlSecond.push(k2);
    results.kpushSecond.push(p2);
    results.kpushDryRun.push(dry);
    console.log(
      `round ${round + 1}: first kubectl ${k1.toFixed(0)} ms, kpush ${p1.toFixed(0)} ms; second kubectl ${k2.toFixed(0)} ms, kpush ${p2.toFixed(0)} ms; kpush --dry-run ${dry.toFixed(0)} ms`,
    );
    timed(kubectl, ['delete', 'namespace', nsK, nsP, '--wait=true'], env);
  }
  const m = Object.fromEntries(Object.entries(results).map(([key, values]) => [key, median(values)]));
  console.log(`\n300 objects, median of ${rounds} rounds (node ${process.version}):`);
  console.log(
    `first run:  kubectl ${m.kubectlFirst.toFixed(0)} ms, kpush ${m.kpushFirst.toFixed(0)} ms = ${(m.kpushFirst / m.kubectlFirst).toFixed(2)}x (target <= 0.5x)`,
  );
  console.log(
    `second run: kubectl ${m.kubectlSecond.toFixed(0)} ms, kpush ${m.kpushSecond.toFixed(0)} ms = ${(m.kpushSecond / m.kubectlSecond).toFixed(2)}x (target <= 0.3x)`,
  );
  console.log(`kpush --dry-run (nothing to change): ${m.kpushDryRun.toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  stop();
}
