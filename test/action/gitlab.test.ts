import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { git, makeBareRemote, tempDir, testGitEnv } from '../helpers/git.js';
import { testKubeconfig } from '../support/kube.js';
import { exampleEnvRepoFiles } from './run-action.js';
import { packKpush, startNpmRegistry } from '../helpers/npm-registry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GITLAB_CI_LOCAL = join(ROOT, 'node_modules/gitlab-ci-local/dist/index.js');
const ENV_REPO = {
  'overlays/staging/api.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
`,
};

let registry: Awaited<ReturnType<typeof startNpmRegistry>>;
beforeAll(async () => {
  registry = await startNpmRegistry(packKpush(tempDir('kpush-pack-')));
});
afterAll(() => registry.close());

/**
 * A project whose .gitlab-ci.yml is the example, with two replacements: the component is
 * included from this checkout's templates/kpush.yml (`include: local:`, same inputs) instead of
 * the CI/CD Catalog, and the image build (its script and Docker service) only echoes the image
 * it would build.
 */
function projectFromExample(example: string, files: Record<string, string> = {}): string {
  const dir = tempDir('kpush-gitlab-');
  const document = parseDocument(
    readFileSync(join(ROOT, 'examples/gitlab', example, '.gitlab-ci.yml'), 'utf8'),
  );
  const include = document.get('include');
  if (!isSeq(include) || !isMap(include.items[0]))
    throw new Error(`${example}: expected include: - component:`);
  include.items[0].delete('component');
  include.items[0].set('local', 'kpush/templates/kpush.yml');
  const build = document.get('build');
  if (isMap(build)) {
    build.set('script', ['echo "built $IMAGE:$KPUSH_TAG"']);
    build.delete('services'); // the Docker daemon of the build
  }
  mkdirSync(join(dir, 'kpush/templates'), { recursive: true });
  cpSync(join(ROOT, 'templates/kpush.yml'), join(dir, 'kpush/templates/kpush.yml'));
  writeFileSync(join(dir, '.gitlab-ci.yml'), document.toString());
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '--quiet', '-m', 'app']);
  git(dir, ['remote', 'add', 'origin', 'https://gitlab.example.com/acme/api.git']);
  return dir;
}

/** gitlab-ci-local with the shell executor; GITLAB_CI=true so kpush sees GitLab's variables. */
function gitlabCiLocal(cwd: string, args: string[], variables: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      GITLAB_CI_LOCAL,
      '--force-shell-executor',
      '--variable',
      'GITLAB_CI=true',
      ...Object.entries(variables).flatMap(([key, value]) => ['--variable', `${key}=${value}`]),
      ...args,
    ],
    {
      cwd,
      env: {
        ...testGitEnv,
        HOME: tempDir(),
        // kpush comes from npm, pinned, as the component installs it: from a registry that serves
        // this checkout packed (kpush is not published yet). A cold cache, no retries.
        npm_config_registry: registry.url,
        npm_config_cache: tempDir('kpush-npm-cache-'),
        npm_config_fetch_retries: '0',
        npm_config_audit: 'false',
        npm_config_update_notifier: 'false',
      },
    },
  );
  let log = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return new Promise<{ status: number | null; log: string; stdout: string }>((done) =>
    child.on('close', (status) => done({ status, log, stdout })),
  );
}

function findFile(dir: string, name: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return findFile(path, name);
    return entry === name ? [path] : [];
  });
}

describe('GitLab component (templates/kpush.yml) in examples/gitlab/app-repo', () => {
  it('tags, builds with KPUSH_TAG from the dotenv report, and bumps the env repo', async () => {
    const env = makeBareRemote(ENV_REPO);
    const project = projectFromExample('app-repo', { Dockerfile: 'FROM scratch\n' });
    const sha = git(project, ['rev-parse', 'HEAD']);
    const tag = `main-${sha.slice(0, 7)}`;

    // ENV_REPO_TOKEN is not defined: what a protected variable is on an unprotected branch.
    const run = await gitlabCiLocal(project, [], { ENV_REPO_URL: env.url });
    expect(run.status, run.log).toBe(0);

    const [dotenv] = findFile(join(project, '.gitlab-ci-local'), 'build.env');
    expect(readFileSync(dotenv!, 'utf8')).toBe(`KPUSH_TAG=${tag}\nKPUSH_SHA=${sha}\nKPUSH_BRANCH=main\n`);
    expect(run.log).toMatch(new RegExp(`^build +> built ghcr\\.io/acme/api:${tag}$`, 'm'));
    // Collapsible sections: gitlab-ci-local recognises the section_start lines.
    expect(run.log).toContain('kpush_build_tag_started');
    expect(run.log).toContain('kpush_bump_started');
    // The empty token is named, with why it is empty.
    expect(run.log).toMatch(/kpush-bump-manifest +> warning: KPUSH_GIT_TOKEN is set but empty/);

    expect(git(env.path, ['show', 'main:overlays/staging/api.yaml'])).toContain(
      `image: ghcr.io/acme/api:${tag}`,
    );
    const message = git(env.path, ['log', '-1', '--format=%B', 'main']);
    expect(message).toMatch(new RegExp(`^deploy: bump ghcr\\.io/acme/api to ${tag}`));
    expect(message).toContain(`Kpush-Source-Commit: ${sha}`);
  });
});

describe('GitLab component in examples/gitlab/env-repo', () => {
  it('deploys on pushes to the default branch and checks drift on schedules only', async () => {
    const project = projectFromExample('env-repo');
    const push = await gitlabCiLocal(project, ['--list-json'], {});
    const schedule = await gitlabCiLocal(project, ['--list-json'], { CI_PIPELINE_SOURCE: 'schedule' });
    const active = (run: { status: number | null; log: string; stdout: string }) => {
      expect(run.status, run.log).toBe(0);
      const jobs = JSON.parse(run.stdout.slice(run.stdout.search(/^\[/m))) as {
        name: string;
        when: string;
      }[];
      return jobs.filter((job) => job.when !== 'never').map((job) => job.name);
    };
    expect(active(push)).toEqual(['kpush-deploy']);
    expect(active(schedule)).toEqual(['kpush-drift']);
  });

  it('deploys the example env repo to a real cluster, then finds no drift on the schedule', async () => {
    const project = projectFromExample('env-repo', exampleEnvRepoFiles());
    // KUBECONFIG is what the File variable of the example holds: the test cluster's kubeconfig.
    const cluster = { KUBECONFIG: testKubeconfig(), KPUSH_KUBECTL_BIN: process.env.KPUSH_KUBECTL_BIN ?? '' };
    const deploy = await gitlabCiLocal(project, ['kpush-deploy'], cluster);
    expect(deploy.status, deploy.log).toBe(0);
    expect(deploy.log).toMatch(/deployed shop to \S+ in [\d.]+s/);
    const [audit] = findFile(project, 'kpush-audit.jsonl');
    expect(readFileSync(audit as string, 'utf8')).toContain('"result":"succeeded"');
    const drift = await gitlabCiLocal(project, ['kpush-drift'], {
      ...cluster,
      CI_PIPELINE_SOURCE: 'schedule',
    });
    expect(drift.status, drift.log).toBe(0);
    expect(drift.log).toMatch(/no drift|in sync|match/i);
  });
});
