// bump-manifest on a synthetic env repo: 500 services x 4 files = 2,000 manifests.
// Reports: the edit phase (scan + plan + apply over every file, in-process), the end-to-end CLI
// time against the plain-git floor (clone + edit + commit + push with git alone), and 16
// concurrent bumps of the same branch (wall time, attempts).
// Run: npm run build && node bench/bump.mjs [--no-race]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// KPUSH_BIN: a build elsewhere (e.g. a throwaway copy), so measuring never rebuilds the shared dist/.
const bin = process.env.KPUSH_BIN ?? join(root, 'bin/kpush.js');
const SERVICES = 500;
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
delete env.NODE_EXTRA_CA_CERTS;
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, stdio: 'pipe', encoding: 'utf8' });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(0)} ms`;

function files() {
  const out = {};
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc${String(i).padStart(3, '0')}`;
    out[`apps/${name}/deployment.yaml`] =
      `# ${name}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels:\n    app: ${name}\nspec:\n  replicas: 2\n  template:\n    spec:\n      initContainers:\n        - name: init\n          image: ghcr.io/acme/${name}:1.0.0 # init\n      containers:\n        - name: app\n          image: ghcr.io/acme/${name}:1.0.0\n          env:\n            - name: MODE\n              value: "prod"\n          resources:\n            limits: { cpu: 500m, memory: 256Mi }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  note: "image ghcr.io/acme/${name}:0.9 was retired"\n`;
    out[`apps/${name}/service.yaml`] =
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n    - port: 80\n      targetPort: 8080\n`;
    out[`apps/${name}/kustomization.yaml`] =
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - service.yaml\nimages:\n  - name: ghcr.io/acme/${name}\n    newTag: "1.0.0"\n`;
    out[`apps/${name}/values.yaml`] =
      `replicaCount: 1\nimage:\n  registry: ghcr.io\n  repository: acme/${name}\n  tag: "1.0.0" # app\nsidecar:\n  image: ghcr.io/acme/sidecar:2.1.0\n`;
  }
  return out;
}

function makeRemote(work, contents) {
  const src = mkdtempSync(join(work, 'src-'));
  for (const [path, text] of Object.entries(contents)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  git(src, 'init', '--quiet', '--initial-branch=main');
  git(src, 'add', '-A');
  git(src, 'commit', '--quiet', '-m', 'init');
  const bare = `${src}.git`;
  git(work, 'clone', '--quiet', '--bare', src, bare);
  return pathToFileURL(bare).href;
}

function runKpush(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) =>
      code === 0
        ? resolve({ ms: performance.now() - started, stdout })
        : reject(new Error(`exit ${code}: ${stderr}`)),
    );
  });
}

async function editPhase(contents) {
  const out = join(root, '.cache/bench');
  await build({
    entryPoints: [join(root, 'src/manifests/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(out, 'manifests.mjs'),
    packages: 'external',
    logLevel: 'warning',
  });
  const { scanManifest, applyEdits } = await import(pathToFileURL(join(out, 'manifests.mjs')).href);
  const { parseImageReference } = await build({
    stdin: {
      contents: "export { parseImageReference } from './src/core/image-ref.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
  }).then(
    async (result) =>
      import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`),
  );
  const targets = [
    parseImageReference('ghcr.io/acme/svc250:2.0.0'),
    parseImageReference('ghcr.io/acme/sidecar:2.2.0'),
  ];
  const entries = Object.entries(contents);
  const times = [];
  let edits = 0;
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    edits = 0;
    for (const [path, text] of entries) {
      const scan = scanManifest(path, text, targets);
      if (scan.edits.length) applyEdits(text, scan.edits);
      edits += scan.edits.length;
    }
    times.push(performance.now() - started);
  }
  return {
    ms: median(times),
    coldMs: times[0],
    edits,
    bytes: entries.reduce((sum, [, text]) => sum + text.length, 0),
  };
}

const work = mkdtempSync(join(tmpdir(), 'kpush-bench-'));
try {
  const contents = files();
  console.log(`synthetic env repo: ${Object.keys(contents).length} files, ${SERVICES} services`);

  const edit = await editPhase(contents);
  console.log(
    `edit phase (scan+plan+apply, ${(edit.bytes / 1024).toFixed(0)} KiB, ${edit.edits} edits): ${ms(edit.ms)} warm (median of 7), ${ms(edit.coldMs)} cold (first pass)`,
  );

  // One remote each, bumped round after round as successive CI runs do: kpush's stale-bump check
  // then meets its own previous bump, as in CI, not a value written by a hand-made commit (whose
  // writer it must deepen the clone to judge). Round 1 does meet one; the median leaves it out.
  const url = makeRemote(work, contents);
  const floorUrl = makeRemote(work, contents);
  const e2e = [];
  const floor = [];
  for (let i = 0; i < 7; i++) {
    const result = await runKpush([
      'bump-manifest',
      '--repo',
      url,
      '--image',
      `ghcr.io/acme/svc250:2.0.${i}`,
    ]);
    e2e.push(result.ms);
    const started = performance.now();
    const clone = join(work, `floor-${i}`);
    git(work, 'clone', '--quiet', '--depth', '1', '--single-branch', floorUrl, clone);
    const file = join(clone, 'apps/svc250/deployment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(/svc250:[^\s"]+/g, `svc250:3.0.${i}`));
    git(clone, 'commit', '--quiet', '-am', 'bump');
    git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    floor.push(performance.now() - started);
    rmSync(clone, { recursive: true, force: true });
  }
  console.log(
    `end to end (kpush bump-manifest, 1 image): ${ms(median(e2e))}; plain-git floor (clone+edit+commit+push): ${ms(median(floor))}; ratio ${(median(e2e) / median(floor)).toFixed(2)}x`,
  );

  // --no-race: only the numbers above (the racing part takes most of the run).
  if (!process.argv.includes('--no-race')) await racingBumps(work, contents);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** 16 bumps in a row (the serial floor), then the same 16 at once. */
async function racingBumps(work, contents) {
  // The floor for racing bumps: the same 16 bumps one after the other (no contention).
  const serialUrl = makeRemote(work, contents);
  const serialStarted = performance.now();
  for (let i = 0; i < 16; i++)
    await runKpush([
      'bump-manifest',
      '--repo',
      serialUrl,
      '--image',
      `ghcr.io/acme/svc${String(i * 7).padStart(3, '0')}:9.9.9`,
    ]);
  const serialWall = performance.now() - serialStarted;
  console.log(`16 bumps in a row (serial floor): ${ms(serialWall)}`);

  const url = makeRemote(work, contents);
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      runKpush([
        '--json',
        'bump-manifest',
        '--repo',
        url,
        '--image',
        `ghcr.io/acme/svc${String(i * 7).padStart(3, '0')}:9.9.9`,
      ]),
    ),
  );
  const wall = performance.now() - started;
  const attempts = runs.map((run) => JSON.parse(run.stdout).attempts);
  const commits = git(work, '--git-dir', fileURLToPath(url), 'rev-list', '--count', 'main').trim();
  console.log(
    `16 concurrent bumps: wall ${ms(wall)} (${(wall / serialWall).toFixed(2)}x the serial floor; target ≤ 2x), all landed (${commits} commits = 1 + 16), attempts total ${attempts.reduce((a, b) => a + b, 0)}, max ${Math.max(...attempts)}, per run [${attempts.join(' ')}]`,
  );
}
