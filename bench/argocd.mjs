// bump-manifest on argo-cd's real install.yaml (1.9 MB, 58 documents, from ../shared/corpus):
// end to end against the plain-git floor (clone --depth 1 + edit + commit + push with git alone),
// measured alternately in the same run. Target: kpush ≤ 2× the floor.
// Run: npm run build && node bench/argocd.mjs [rounds]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// KPUSH_BIN: a build elsewhere (e.g. a throwaway copy), so measuring never rebuilds the shared dist/.
const bin = process.env.KPUSH_BIN ?? join(root, 'bin/kpush.js');
const manifest = readFileSync(join(root, '../shared/corpus/env/argo-cd/manifests/install.yaml'));
const rounds = Number(process.argv[2] ?? 7);
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

const work = mkdtempSync(join(tmpdir(), 'kpush-bench-argocd-'));
try {
  const src = join(work, 'src');
  mkdirSync(join(src, 'manifests'), { recursive: true });
  writeFileSync(join(src, 'manifests/install.yaml'), manifest);
  git(src, 'init', '--quiet', '--initial-branch=main');
  git(src, 'add', '-A');
  git(src, 'commit', '--quiet', '-m', 'init');
  // One remote each: kpush's runs then bump after its own previous bump, as successive CI runs
  // do (a foreign commit on the value would send its stale-bump check into a deeper fetch).
  const remote = (name) => {
    const bare = join(work, name);
    git(work, 'clone', '--quiet', '--bare', src, bare);
    return pathToFileURL(bare).href;
  };
  const url = remote('env.git');
  const floorUrl = remote('floor.git');

  const kpushTimes = [];
  const floorTimes = [];
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    const run = spawnSync(
      process.execPath,
      [bin, 'bump-manifest', '--repo', url, '-i', `quay.io/argoproj/argocd:v3.${round}.0`],
      { env, encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`kpush exited ${run.status}: ${run.stderr}`);
    kpushTimes.push(performance.now() - started);

    started = performance.now();
    const clone = join(work, `floor-${round}`);
    git(work, 'clone', '--quiet', '--depth', '1', '--single-branch', floorUrl, clone);
    const file = join(clone, 'manifests/install.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(/argocd:[^\s"]+/g, `argocd:v4.${round}.0`));
    git(clone, 'commit', '--quiet', '-am', 'bump');
    git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    floorTimes.push(performance.now() - started);
    rmSync(clone, { recursive: true, force: true });
  }
  const kpushMs = median(kpushTimes);
  const floorMs = median(floorTimes);
  console.log(
    `argo-cd install.yaml (${(manifest.length / 1e6).toFixed(1)} MB): kpush ${kpushMs.toFixed(0)} ms, plain-git floor ${floorMs.toFixed(0)} ms, ratio ${(kpushMs / floorMs).toFixed(2)}x (median of ${rounds}; target ≤ 2x)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
