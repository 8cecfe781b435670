import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { git, makeBareRemote, makeRepo, tempDir, testGitEnv } from '../helpers/git.js';
import { packKpush, startNpmRegistry } from '../helpers/npm-registry.js';
import { kubectl, testKubeconfig } from '../support/kube.js';
import { exampleEnvRepoFiles, runLocalAction } from './run-action.js';

/**
 * The example workflows of examples/github, run job by job and step by step the way the runner
 * would, with one replacement: the image build (docker/login-action and the "Build and push the
 * image" step) only records the image it would push. kpush steps run the action from this
 * checkout through @github/local-action with the same `with:` inputs; `run:` steps run in bash
 * with `npx --yes kpush@<version>` served by a local registry holding this checkout, packed.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const KPUSH_ACTION = 'kpush/kpush@v1';
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

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  outputs?: Record<string, string>;
  steps: Step[];
  concurrency?: { group: string; 'cancel-in-progress': boolean };
}
interface Workflow {
  jobs: Record<string, Job>;
}

let registry: Awaited<ReturnType<typeof startNpmRegistry>>;
beforeAll(async () => {
  registry = await startNpmRegistry(packKpush(tempDir('kpush-pack-')));
});
afterAll(() => registry.close());

type Context = Record<string, unknown>;

/** `${{ a.b.c }}` over the context; anything else than a property path is not an example's business. */
function evaluate(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_whole, expression: string) => {
    if (!/^[\w-]+(\.[\w-]+)*$/.test(expression)) throw new Error(`unsupported expression: ${expression}`);
    let value: unknown = context;
    for (const key of expression.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    return value === undefined || value === null ? '' : String(value);
  });
}

function evaluateAll(values: Record<string, unknown> | undefined, context: Context): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values ?? {}).map(([key, value]) => [key, evaluate(String(value), context)]),
  );
}

async function bash(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn('bash', ['-e', '-c', script], { cwd, env });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  return { status, log };
}

/** Runs the workflow's jobs in `needs` order on a push of `app`'s HEAD to main. */
async function runWorkflow(
  file: string,
  app: string,
  vars: Record<string, string>,
  secrets: Record<string, string>,
  event: 'push' | 'schedule' = 'push',
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const workflow = parse(readFileSync(join(ROOT, 'examples/github', file), 'utf8')) as Workflow;
  const sha = git(app, ['rev-parse', 'HEAD']);
  const github = { sha, ref_name: 'main', event_name: event, actor: 'octocat', repository: 'acme/api' };
  const githubEnv = {
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: event,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
  };
  const jobResults: Record<string, { outputs: Record<string, string> }> = {};
  const built: string[] = [];
  const logs: string[] = [];
  const skipped: string[] = [];
  const uploaded: string[] = [];
  const pending = Object.entries(workflow.jobs);
  while (pending.length > 0) {
    const index = pending.findIndex(([, job]) =>
      [job.needs ?? []].flat().every((need) => need in jobResults),
    );
    if (index === -1) throw new Error(`${file}: unsatisfiable needs`);
    const [name, job] = pending.splice(index, 1)[0]!;
    if (job.if !== undefined && !jobCondition(job.if, event)) {
      jobResults[name] = { outputs: {} };
      skipped.push(name);
      continue;
    }
    const workspace = tempDir('kpush-workspace-');
    const steps: Record<string, { outputs: Record<string, string> }> = {};
    for (const step of job.steps) {
      const context = { github, vars, secrets, steps, needs: jobResults, env: {} };
      const label = `${file} ${name}: ${step.name ?? step.uses ?? step.run}`;
      let outputs: Record<string, string> = {};
      if (step.uses?.startsWith('actions/checkout@')) {
        expect(step.with?.['persist-credentials'], label).toBe(false);
        git(workspace, ['clone', '--quiet', app, '.']);
        git(workspace, ['checkout', '--quiet', '--detach', sha]);
      } else if (step.uses?.startsWith('actions/setup-node@')) {
        // The machine's Node runs the steps.
      } else if (step.uses?.startsWith('actions/upload-artifact@')) {
        // Keeping the artifact is the runner's business: note what would be kept.
        uploaded.push(evaluate(String(step.with?.path ?? ''), context));
      } else if (step.uses?.startsWith('docker/login-action@')) {
        // Part of the image build, which is replaced.
      } else if (step.name === 'Build and push the image') {
        const env = evaluateAll(step.env, context);
        built.push(`${env.IMAGE}:${env.TAG}`);
      } else if (step.uses === KPUSH_ACTION) {
        const run = await runLocalAction(evaluateAll(step.with, context), {
          ...githubEnv,
          ...extraEnv,
          GITHUB_WORKSPACE: workspace,
        });
        logs.push(run.log);
        expect(run.exitCode, `${label}\n${run.log}`).toBe(0);
        outputs = run.outputs;
      } else if (step.run !== undefined) {
        const outputFile = join(tempDir(), 'output');
        writeFileSync(outputFile, '');
        const run = await bash(step.run, workspace, {
          ...testGitEnv,
          ...githubEnv,
          ...evaluateAll(step.env, context),
          GITHUB_WORKSPACE: workspace,
          GITHUB_OUTPUT: outputFile,
          npm_config_registry: registry.url,
          npm_config_cache: tempDir('kpush-npm-cache-'),
          npm_config_fetch_retries: '0',
          npm_config_audit: 'false',
          npm_config_update_notifier: 'false',
        });
        logs.push(run.log);
        expect(run.status, `${label}\n${run.log}`).toBe(0);
        outputs = Object.fromEntries(
          readFileSync(outputFile, 'utf8')
            .split('\n')
            .filter((line) => line.includes('='))
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
      } else {
        throw new Error(`${label}: a step this runner does not know`);
      }
      if (step.id) steps[step.id] = { outputs };
    }
    jobResults[name] = { outputs: evaluateAll(job.outputs, { github, steps }) };
  }
  return { workflow, sha, built, skipped, uploaded, jobs: jobResults, log: logs.join('\n') };
}

/** The one job condition the examples use: `github.event_name == '<event>'`. */
function jobCondition(condition: string, event: string): boolean {
  const match = /^github\.event_name == '(\w+)'$/.exec(condition.trim());
  if (!match) throw new Error(`unsupported job condition: ${condition}`);
  return match[1] === event;
}

describe.each(['app-repo.yml', 'app-repo-npx.yml'])('examples/github/%s', (file) => {
  it('tags, "builds" and bumps staging in the env repo, one bump at a time', async () => {
    const app = makeRepo({ Dockerfile: 'FROM scratch\n' });
    const env = makeBareRemote(ENV_REPO);
    const token = 'ghs_exampleEnvRepoToken0123';
    const run = await runWorkflow(
      file,
      app,
      { ENV_REPO_URL: env.url },
      { ENV_REPO_TOKEN: token, GITHUB_TOKEN: 'x' },
    );
    const tag = `main-${run.sha.slice(0, 7)}`;

    expect(run.built).toEqual([`ghcr.io/acme/api:${tag}`]);
    expect(git(env.path, ['show', 'main:overlays/staging/api.yaml'])).toContain(
      `image: ghcr.io/acme/api:${tag}`,
    );
    expect(git(env.path, ['log', '-1', '--format=%B', 'main'])).toContain(`Kpush-Source-Commit: ${run.sha}`);
    expect(run.workflow.jobs.bump?.concurrency).toEqual({
      group: 'kpush-bump-staging',
      'cancel-in-progress': false,
    });
    expect(run.log).not.toContain(token);
  });
});

describe('examples/github/env-repo.yml', () => {
  it('deploys staging on a push, and finds no drift on the schedule', async () => {
    const kubeconfig = readFileSync(testKubeconfig(), 'utf8');
    const env = makeRepo(exampleEnvRepoFiles());
    const tools = { KPUSH_KUBECTL_BIN: process.env.KPUSH_KUBECTL_BIN };
    const push = await runWorkflow(
      'env-repo.yml',
      env,
      {},
      { STAGING_KUBECONFIG: kubeconfig },
      'push',
      tools,
    );
    expect(push.skipped).toEqual(['drift']);
    expect(push.log).toContain('created Deployment.apps staging/api');
    expect(push.log).toContain('::set-output name=status::succeeded');
    expect(push.uploaded).toHaveLength(1);
    expect(readFileSync(push.uploaded[0] as string, 'utf8')).toContain('"result":"succeeded"');
    const deployment = JSON.parse(
      (await kubectl(['get', 'deployment', 'api', '-n', 'staging', '-o', 'json'])).stdout,
    ) as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(deployment.spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/api:sha-0000000');

    const schedule = await runWorkflow(
      'env-repo.yml',
      env,
      {},
      { STAGING_KUBECONFIG: kubeconfig },
      'schedule',
      tools,
    );
    expect(schedule.skipped).toEqual(['deploy']);
    expect(schedule.log).toContain('::set-output name=exit-code::0');
    expect(schedule.log).toContain('::set-output name=status::in-sync');
    expect(schedule.log).not.toContain(/token:\s*(\S+)/.exec(kubeconfig)?.[1] ?? 'no-token-in-kubeconfig');
  });
});
