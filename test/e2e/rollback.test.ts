// `kpush rollback` end to end: real env repos (bare remotes over file://), the real control plane,
// and deploy records in the cluster as the only source of "what ran before".
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CliRun, kpush } from '../helpers/cli.js';
import { namespace, tempDir as scratchDir } from './scratch.js';
import { git } from '../helpers/git.js';
import { kubectlJson, testKubeconfig } from '../support/kube.js';

function tempDir(): string {
  return scratchDir('kpush-rollback-e2e-');
}

function deploymentYaml(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: ${image}
`;
}

/** An env repo: a work clone to commit in and the bare remote kpush talks to. */
interface EnvRepo {
  work: string;
  bare: string;
  url: string;
  /** Commits `files` in the work clone, pushes to the remote, returns the sha. */
  commit(files: Record<string, string>, message: string): string;
  tip(): string;
}

function envRepo(): EnvRepo {
  const root = tempDir();
  const work = join(root, 'work');
  const bare = join(root, 'env.git');
  git(root, ['init', '-q', '--bare', '-b', 'main', bare]);
  git(root, ['clone', '-q', bare, work]);
  return {
    work,
    bare,
    url: pathToFileURL(bare).href,
    commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), content);
      }
      git(work, ['add', '.']);
      git(work, ['commit', '-q', '-m', message]);
      git(work, ['push', '-q', 'origin', 'HEAD:main']);
      return git(work, ['rev-parse', 'HEAD']);
    },
    tip: () => git(bare, ['rev-parse', 'main']),
  };
}

const bumpMessage = (tag: string, build: string) =>
  `deploy: bump registry.test/web to ${tag}\n\nKpush-Source-Repo: https://git.test/acme/web\nKpush-Source-Commit: ${build}\n`;

function cli(args: string[]): Promise<CliRun> {
  return kpush(args, { env: { KUBECONFIG: testKubeconfig() }, now: 'real' });
}

function expectExit(run: CliRun, code: number): void {
  if (run.exitCode !== code)
    throw new Error(
      `kpush exited ${run.exitCode}, expected ${code}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`,
    );
}

async function deployTip(repo: EnvRepo, app: string, ns: string): Promise<void> {
  expectExit(await cli(['deploy', '--repo', repo.url, '--app', app, '-n', ns]), 0);
}

async function liveImage(ns: string): Promise<string | undefined> {
  const live = await kubectlJson<{ spec: { template: { spec: { containers: { image: string }[] } } } }>([
    'get',
    'deployment/web',
    '-n',
    ns,
  ]);
  return live.spec.template.spec.containers[0]?.image;
}

interface HistoryRecord {
  result: string;
  envRepo: { commit: string };
  source: { commit: string | null };
  rollback?: { from: string; to: string; reason: string | null; method: string };
}

/** Deploys rev A (1.0.0), then rev B (2.0.0): returns both env commits. */
async function twoDeploys(repo: EnvRepo, app: string, ns: string): Promise<{ a: string; b: string }> {
  const a = repo.commit(
    { 'web.yaml': deploymentYaml('registry.test/web:1.0.0') },
    bumpMessage('1.0.0', 'a'.repeat(40)),
  );
  await deployTip(repo, app, ns);
  const b = repo.commit(
    { 'web.yaml': deploymentYaml('registry.test/web:2.0.0') },
    bumpMessage('2.0.0', 'b'.repeat(40)),
  );
  await deployTip(repo, app, ns);
  expect(await liveImage(ns)).toBe('registry.test/web:2.0.0');
  return { a, b };
}

describe('kpush rollback', () => {
  it('reverts to the previous deploy in the env repo and the cluster, and history shows it', async () => {
    const ns = await namespace('e2e-rollback');
    const repo = envRepo();
    const { a, b } = await twoDeploys(repo, 'shop', ns);

    const run = await cli([
      'rollback',
      '--repo',
      repo.url,
      '--app',
      'shop',
      '--reason',
      'checkout errors in 2.0.0',
    ]);
    expectExit(run, 0);
    const rollbackCommit = repo.tip();
    expect(run.stdout.trim()).toBe(rollbackCommit);
    expect(git(repo.bare, ['rev-parse', `${rollbackCommit}^`])).toBe(b);
    expect(git(repo.bare, ['show', `${rollbackCommit}:web.yaml`])).toBe(
      deploymentYaml('registry.test/web:1.0.0').trimEnd(),
    );
    const message = git(repo.bare, ['log', '-1', '--format=%B', rollbackCommit]);
    expect(message).toMatch(new RegExp(`^rollback: shop to ${a.slice(0, 12)} \\(from ${b.slice(0, 12)}\\)`));
    expect(message).toContain(
      `Reverts 1 later commit under the whole repository:\n- ${b.slice(0, 12)} deploy: bump registry.test/web to 2.0.0`,
    );
    expect(message).toContain('Rolled back by Test Author.');
    expect(message).toContain('Reason: checkout errors in 2.0.0');
    expect(message).toContain(`Kpush-Rollback-From: ${b}`);
    expect(message).toContain(`Kpush-Rollback-To: ${a}`);
    expect(message).toContain(`Kpush-Source-Commit: ${'a'.repeat(40)}`);

    expect(await liveImage(ns)).toBe('registry.test/web:1.0.0');
    const history = await cli(['history', '--app', 'shop', '-n', ns]);
    expectExit(history, 0);
    const [header, newest] = history.stdout.split('\n');
    expect(header).toMatch(/^STARTED\s+RESULT/);
    expect(newest).toContain(`succeeded (rollback to ${a.slice(0, 12)})`);
    expect(newest).toContain(rollbackCommit.slice(0, 12));
    const records = JSON.parse((await cli(['--json', 'history', '--app', 'shop', '-n', ns])).stdout)
      .records as HistoryRecord[];
    expect(records[0]).toMatchObject({
      result: 'succeeded',
      envRepo: { commit: rollbackCommit },
      source: { commit: 'a'.repeat(40) },
      rollback: { from: b, to: a, reason: 'checkout errors in 2.0.0', method: 'revert' },
    });
  });

  it('--dry-run pushes nothing; --to restores an older commit of --path, found by deepening the shallow clone', async () => {
    const ns = await namespace('e2e-rollback');
    const repo = envRepo();
    const deployApp = async () =>
      expectExit(await cli(['deploy', '--repo', repo.url, '--path', 'app', '--app', 'shop2', '-n', ns]), 0);
    const a = repo.commit(
      { 'app/web.yaml': deploymentYaml('registry.test/web:1.0.0') },
      bumpMessage('1.0.0', 'a'.repeat(40)),
    );
    await deployApp();
    repo.commit(
      { 'app/web.yaml': deploymentYaml('registry.test/web:2.0.0') },
      bumpMessage('2.0.0', 'b'.repeat(40)),
    );
    await deployApp();
    repo.commit(
      { 'app/web.yaml': deploymentYaml('registry.test/web:3.0.0') },
      bumpMessage('3.0.0', 'c'.repeat(40)),
    );
    // More history than one shallow fetch step brings, outside the app's directory.
    for (let i = 0; i < 40; i++) repo.commit({ 'notes.txt': `note ${i}\n` }, `notes ${i}`);
    await deployApp();
    const before = repo.tip();

    // No --path: the one the current deploy used (app), from its record.
    const dry = await cli([
      'rollback',
      '--repo',
      repo.url,
      '--app',
      'shop2',
      '--to',
      a.slice(0, 10),
      '--dry-run',
    ]);
    expectExit(dry, 0);
    expect(repo.tip()).toBe(before);
    expect(dry.stdout).toContain('Reverts 2 later commits under app:');
    expect(dry.stdout).toContain('-          image: registry.test/web:3.0.0');
    expect(dry.stdout).toContain('+          image: registry.test/web:1.0.0');
    expect(dry.stderr).toMatch(/would push to main: rollback of shop2 from .* to .*\(revert\)/);
    expect(dry.stderr).toMatch(/would be configured Deployment\.apps .*\/web/);
    expect(await liveImage(ns)).toBe('registry.test/web:3.0.0');

    const run = await cli([
      '--json',
      'rollback',
      '--repo',
      repo.url,
      '--app',
      'shop2',
      '--to',
      a.slice(0, 10),
    ]);
    expectExit(run, 0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      status: 'rolled-back',
      to: a,
      method: 'revert',
      attempts: 1,
      commit: repo.tip(),
    });
    expect(git(repo.bare, ['show', 'main:app/web.yaml'])).toBe(
      deploymentYaml('registry.test/web:1.0.0').trimEnd(),
    );
    // Files outside --path stay as they are.
    expect(git(repo.bare, ['show', 'main:notes.txt'])).toBe('note 39');
    expect(await liveImage(ns)).toBe('registry.test/web:1.0.0');
  });

  it('restores the old files when reverting would also undo changes outside --path', async () => {
    const ns = await namespace('e2e-rollback');
    const repo = envRepo();
    const deployApp = async () =>
      expectExit(
        await cli(['deploy', '--repo', repo.url, '--path', 'app', '--app', 'shop-restore', '-n', ns]),
        0,
      );
    repo.commit(
      { 'app/web.yaml': deploymentYaml('registry.test/web:1.0.0'), 'other.txt': 'one\n' },
      bumpMessage('1.0.0', 'a'.repeat(40)),
    );
    await deployApp();
    // One commit changes the app and a file outside it: a revert would take both back.
    repo.commit(
      { 'app/web.yaml': deploymentYaml('registry.test/web:2.0.0'), 'other.txt': 'two\n' },
      bumpMessage('2.0.0', 'b'.repeat(40)),
    );
    await deployApp();

    const run = await cli(['--json', 'rollback', '--repo', repo.url, '--app', 'shop-restore']);
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'rolled-back', method: 'restore' });
    expect(git(repo.bare, ['show', 'main:app/web.yaml'])).toBe(
      deploymentYaml('registry.test/web:1.0.0').trimEnd(),
    );
    expect(git(repo.bare, ['show', 'main:other.txt'])).toBe('two');
    expect(await liveImage(ns)).toBe('registry.test/web:1.0.0');
  });

  it('exits 1 and pushes nothing without history, with too few deploys, or with a --to not in the repo', async () => {
    const ns = await namespace('e2e-rollback');
    const repo = envRepo();
    repo.commit({ 'web.yaml': deploymentYaml('registry.test/web:1.0.0') }, 'initial');
    const tip = repo.tip();

    const none = await cli(['rollback', '--repo', repo.url, '--app', 'never-deployed', '-n', ns]);
    expectExit(none, 1);
    expect(none.stderr).toMatch(
      /error: no deploy of never-deployed is recorded in namespace .*: nothing to roll back to — .*--to <commit>/,
    );

    await deployTip(repo, 'shop3', ns);
    const tooFew = await cli(['rollback', '--repo', repo.url, '--app', 'shop3', '--steps', '2']);
    expectExit(tooFew, 1);
    expect(tooFew.stderr).toMatch(/cannot roll shop3 back 2 steps: no earlier successful deploy/);

    const unknown = await cli(['rollback', '--repo', repo.url, '--app', 'shop3', '--to', 'deadbeefdeadbeef']);
    expectExit(unknown, 1);
    expect(unknown.stderr).toMatch(/--to deadbeefdeadbeef is not in the history of main/);
    expect(repo.tip()).toBe(tip);
    expectExit(
      await cli(['rollback', '--repo', repo.url, '--app', 'shop3', '--to', 'abc1234', '--steps', '1']),
      2,
    );
  });

  it('re-applies on the new tip when another pipeline pushes meanwhile, never forcing', async () => {
    const ns = await namespace('e2e-rollback');
    const repo = envRepo();
    const { a, b } = await twoDeploys(repo, 'shop4', ns);
    // The first push of the rollback races another pipeline, which lands first.
    const hook = join(repo.bare, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      [
        '#!/bin/sh',
        'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
        '[ -f raced ] && exit 0',
        'touch raced',
        'tip=$(git rev-parse refs/heads/main)',
        'new=$(echo "other pipeline" | git commit-tree "$tip^{tree}" -p "$tip")',
        'git update-ref refs/heads/main "$new" "$tip"',
        '',
      ].join('\n'),
    );
    chmodSync(hook, 0o755);

    const run = await cli(['--json', 'rollback', '--repo', repo.url, '--app', 'shop4']);
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'rolled-back', attempts: 2, to: a, from: b });
    expect(run.stderr).toMatch(/main moved on the remote .*re-applying on the new tip/);
    const log = git(repo.bare, ['log', '--format=%s', 'main']).split('\n');
    expect(log.slice(0, 3)).toEqual([
      `rollback: shop4 to ${a.slice(0, 12)} (from ${b.slice(0, 12)})`,
      'other pipeline',
      'deploy: bump registry.test/web to 2.0.0',
    ]);
    expect(git(repo.bare, ['show', 'main:web.yaml'])).toBe(
      deploymentYaml('registry.test/web:1.0.0').trimEnd(),
    );
    expect(await liveImage(ns)).toBe('registry.test/web:1.0.0');
  });
});
