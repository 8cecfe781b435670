// The floor under kpush deploy's first run: the same 300 objects as bench/deploy.mjs applied with
// bare server-side apply requests, 24 at a time over one keep-alive agent, with nothing else (no
// render, no discovery, no records), against `kubectl apply --server-side` in the same run.
//
//   KUBECONFIG=<token kubeconfig, e.g. from npm run cluster> node bench/apply-floor.mjs [rounds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rounds = Number(process.argv[2] ?? 5);
const kubectl = process.env.KPUSH_KUBECTL_BIN ?? 'kubectl';
const config = readFileSync(process.env.KUBECONFIG, 'utf8');
const server = /server:\s*(\S+)/.exec(config)[1];
const token = /token:\s*(\S+)/.exec(config)[1];
const ca = Buffer.from(/certificate-authority-data:\s*(\S+)/.exec(config)[1], 'base64');

function objects() {
  const list = [];
  for (let i = 0; i < 100; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const labels = { app: name };
    list.push([
      '/api/v1',
      'configmaps',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { index: `${i}` } },
    ]);
    list.push([
      '/api/v1',
      'services',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ]);
    const container = { name: 'app', image: `registry.test/${name}:1.0.0` };
    const template = { metadata: { labels }, spec: { containers: [container] } };
    list.push([
      '/apis/apps/v1',
      'deployments',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: { replicas: 1, selector: { matchLabels: labels }, template },
      },
    ]);
  }
  return list;
}

async function floor(namespace) {
  const agent = new Agent({ keepAlive: true, maxSockets: 24, ca });
  const apply = ([base, plural, object]) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(object);
      const url = `${server}${base}/namespaces/${namespace}/${plural}/${object.metadata.name}?fieldManager=floor`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/apply-patch+yaml' };
      const req = request(url, { method: 'PATCH', agent, headers }, (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode < 300 ? resolve() : reject(new Error(`${response.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  const queue = objects();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (queue.length > 0) await apply(queue.shift());
    }),
  );
  agent.destroy();
  return performance.now() - started;
}

function run(args) {
  const result = spawnSync(kubectl, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), 'kpush-floor-'));
for (const [, , object] of objects())
  writeFileSync(join(dir, `${object.kind}-${object.metadata.name}.json`), JSON.stringify(object));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const times = { floor: [], kubectl: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const who of round % 2 ? ['kubectl', 'floor'] : ['floor', 'kubectl']) {
      const namespace = `floor-${who}-${round}-${process.pid}`;
      run(['create', 'namespace', namespace]);
      const started = performance.now();
      if (who === 'floor') await floor(namespace);
      else run(['apply', '--server-side', '-n', namespace, '-f', dir]);
      times[who].push(performance.now() - started);
      run(['delete', 'namespace', namespace, '--wait=false']);
    }
  }
  const f = median(times.floor);
  const k = median(times.kubectl);
  console.log(
    `300 objects, median of ${rounds}: bare applies ${f.toFixed(0)} ms, kubectl ${k.toFixed(0)} ms = ${(f / k).toFixed(2)}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
