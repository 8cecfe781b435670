import { join } from 'node:path';
import { readGithubEvent } from '../adapters/ci.js';
import { openRecords, readRecords } from '../adapters/deploy-records.js';
import { exec } from '../adapters/exec.js';
import { Helm } from '../adapters/helm.js';
import { Git, gitFailure } from '../adapters/git.js';
import { KubeClient } from '../adapters/kube.js';
import { withTempDir } from '../adapters/temp-dir.js';
import type { RetryPolicy } from '../core/bump/retry.js';
import { type CiContext, detectCi } from '../core/ci-env.js';
import { type AuditRecord, RECORD_SCHEMA } from '../core/deploy/record.js';
import { httpsCredentials } from '../core/git-credentials.js';
import { type Identity, identityEnv } from '../core/git-identity.js';
import { withoutCredentials } from '../core/git-url.js';
import { chooseRollbackTarget, helmInfo, type RollbackChoice } from '../core/rollback.js';
import { GitError, KpushError, UsageError } from '../errors.js';
import { escapeControl } from '../output/escape.js';
import { remoteUrl } from './bump-manifest.js';
import { type DeployDeps, type DeployOutcome, type DeployRequest, deploy } from './deploy.js';
import { pushWithRetry } from './push-retry.js';
import { randomBytes } from 'node:crypto';

export interface RollbackRequest {
  repo: string;
  branch?: string | undefined;
  app: string;
  to?: string | undefined;
  steps: number;
  reason?: string | undefined;
  /** Directory of the env repo the app is rendered from; default: the one the current deploy used. */
  path?: string | undefined;
  namespace?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  dryRun: boolean;
  helmNative: boolean;
  helmBin?: string | undefined;
  author: Identity | null;
  retry: RetryPolicy;
  wait: boolean;
  timeoutMs: number;
  prune: boolean;
  allowEmpty: boolean;
  pruneNamespacesAndCrds: boolean;
  fieldManager: string;
  forceConflicts: boolean;
  auditFile?: string | undefined;
}

export type RollbackMethod = 'revert' | 'restore' | 'helm';

export interface RollbackResult {
  status: 'rolled-back' | 'dry-run';
  app: string;
  /** The env commit (helm: release revision) that ran before the rollback. */
  from: string | null;
  /** The env commit (helm: release revision) restored. */
  to: string;
  method: RollbackMethod | null;
  branch: string | null;
  /** The rollback commit pushed (or, in a dry run, made in the temporary clone only). */
  commit: string | null;
  attempts: number;
  /** The later commits reverted, newest first (method revert). */
  reverted: { commit: string; subject: string }[];
  /** Dry run: the planned commit as a patch. */
  diff: string | null;
  deploy: DeployOutcome | null;
  /** --helm-native: the record written for the rollback. */
  record: AuditRecord | null;
}

/**
 * The GitOps rollback: the env repo stays the truth. Choose the target from the cluster's deploy
 * records (or --to), write a commit to the env repo that restores the files of that revision,
 * push it under bump-manifest's concurrency rules, then deploy that commit and wait.
 */
export async function rollback(request: RollbackRequest, deps: DeployDeps): Promise<RollbackResult> {
  const { reporter } = deps;
  const client = await KubeClient.connect({
    kubeconfig: request.kubeconfig,
    context: request.context,
    env: deps.env,
    redact: (secret) => reporter.redactor.add(secret),
  });
  let records: AuditRecord[];
  try {
    records = await readRecords(client, request.app, request.namespace ?? '');
  } finally {
    client.close();
  }
  const choice = chooseRollbackTarget(records, {
    app: request.app,
    steps: request.steps,
    to: request.to,
    namespace: request.namespace,
    cluster: client.target.context,
    ...(request.helmNative ? { by: 'helm-revision' as const } : {}),
  });
  if (request.helmNative) return helmRollback(request, choice, deps);
  if (choice.current?.mode === 'helm') {
    throw new UsageError(
      `${request.app} was last deployed with Helm (release ${helmInfo(choice.current)?.release ?? 'unknown'})`,
      {
        hint: 'Pass --helm-native to roll the release back with `helm rollback`. Nothing was pushed.',
      },
    );
  }
  return gitRollback(request, choice, deps);
}

async function gitRollback(
  request: RollbackRequest,
  choice: RollbackChoice,
  deps: DeployDeps,
): Promise<RollbackResult> {
  const { reporter, env } = deps;
  const url = remoteUrl(request.repo, deps.cwd);
  const credentials = httpsCredentials(url, env);
  for (const secret of credentials.secrets) reporter.redactor.add(secret);
  if (credentials.warning) reporter.warn(credentials.warning);
  const ci = detectCi(env, await readGithubEvent(env));
  const path =
    request.path ??
    (choice.current && choice.current.envRepo.path !== '.' ? choice.current.envRepo.path : undefined);
  const namespace = request.namespace ?? choice.namespace ?? undefined;

  return withTempDir(deps.tmpRoot, 'kpush-rollback-', async (workdir) => {
    const git = new Git(join(workdir, 'env'), env);
    await reporter.task(`cloning ${withoutCredentials(url)}`, () =>
      git.clone(url, request.branch, credentials.env),
    );
    const branch = await git.currentBranch();
    if (branch === null || (request.branch !== undefined && branch !== request.branch)) {
      throw new GitError(
        'E_GIT_BRANCH',
        request.branch
          ? `--branch ${request.branch} is not a branch on the remote`
          : 'cannot tell the default branch of the environment repository',
        {
          hint: 'Pass --branch <name> with the branch the env repo deploys from. Nothing was pushed.',
        },
      );
    }
    const target = await reporter.task(
      `finding ${choice.commit.slice(0, 12)} in the history of ${branch}`,
      () => findInHistory(git, choice.commit, branch, credentials.env, request.to !== undefined),
    );
    const from = choice.current?.envRepo.commit ?? null;
    const paths = path ? [path] : ['.'];
    const identity = identityEnv(request.author, await configuredIdentity(git, env), ci, env);
    const who = ci.actor ?? identity.GIT_AUTHOR_NAME ?? null;
    const sourceTrailers = await targetSourceTrailers(git, target, choice.target);
    let method: RollbackMethod | null = null;
    let reverted: { commit: string; subject: string }[] = [];

    const prepare = async (): Promise<string | null> => {
      const head = (await git.run(['rev-parse', 'HEAD'])).trim();
      const plan = await restoreFiles(git, target, paths, identity);
      method = plan.method;
      reverted = plan.reverted;
      if (!(await hasStagedChanges(git))) return null;
      const message = rollbackMessage({
        app: request.app,
        from: from ?? head,
        to: target,
        path,
        method: plan.method,
        reverted: plan.reverted,
        who,
        reason: request.reason ?? null,
        ci,
        sourceTrailers,
      });
      return reporter.task('committing the rollback', async () => {
        await git.commit(paths, message, identity);
        return git.headSha();
      });
    };

    const rollbackInfo = (): DeployRequest['rollback'] => ({
      from,
      to: target,
      reason: request.reason ?? null,
      method: method ?? 'restore',
    });
    const deployRequest = (overrides: Partial<DeployRequest>): DeployRequest => ({
      dir: '.',
      path,
      app: request.app,
      namespace,
      kubeconfig: request.kubeconfig,
      contexts: request.context ? [request.context] : [],
      dryRun: false,
      diff: false,
      prune: request.prune,
      allowEmpty: request.allowEmpty,
      pruneNamespacesAndCrds: request.pruneNamespacesAndCrds,
      wait: request.wait,
      timeoutMs: request.timeoutMs,
      fieldManager: request.fieldManager,
      forceConflicts: request.forceConflicts,
      auditFile: request.auditFile,
      rollback: rollbackInfo(),
      ...overrides,
    });

    if (request.dryRun) {
      const commit = await prepare();
      const diff = commit
        ? await git.run(['show', '--no-color', '--no-ext-diff', '--format=%B', 'HEAD'])
        : '';
      reporter.info(
        commit
          ? `would push to ${branch}: rollback of ${request.app} from ${(from ?? 'HEAD').slice(0, 12)} to ${target.slice(0, 12)} (${method})`
          : `${branch} already has the files of ${target.slice(0, 12)}: nothing to commit`,
      );
      const outcome = await deploy(deployRequest({ dir: git.cwd, dryRun: true }), deps);
      return {
        status: 'dry-run',
        app: request.app,
        from,
        to: target,
        method,
        branch,
        commit,
        attempts: 0,
        reverted,
        diff,
        deploy: outcome,
        record: null,
      };
    }

    const pushed = await pushWithRetry({
      git,
      branch,
      credentialsEnv: credentials.env,
      retry: request.retry,
      reporter,
      prepare,
      refetch: async () => {
        // Not shallow: the new tip must stay connected to the target's history.
        await git.run(
          ['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
          credentials.env,
        );
        await git.run(['reset', '--hard', '--quiet', `refs/remotes/origin/${branch}`]);
      },
    });
    const commit = pushed.commit ?? (await git.run(['rev-parse', 'HEAD'])).trim();
    if (pushed.commit) {
      reporter.info(
        `pushed ${commit.slice(0, 12)} to ${branch}: rollback of ${request.app} to ${target.slice(0, 12)} (${method})`,
      );
    } else {
      reporter.info(
        `${branch} already has the files of ${target.slice(0, 12)}: deploying its tip ${commit.slice(0, 12)}`,
      );
    }
    const outcome = await deploy(deployRequest({ repo: request.repo, ref: commit }), deps);
    return {
      status: 'rolled-back',
      app: request.app,
      from,
      to: target,
      method,
      branch,
      commit: pushed.commit,
      attempts: pushed.attempts,
      reverted,
      diff: null,
      deploy: outcome,
      record: null,
    };
  });
}

/**
 * The full sha of `revision`, once the shallow clone holds enough history to know it is on
 * `branch`: deepened step by step, up to the whole history.
 */
async function findInHistory(
  git: Git,
  revision: string,
  branch: string,
  credentialsEnv: NodeJS.ProcessEnv,
  given: boolean,
): Promise<string> {
  for (let depth = 16; ; depth *= 4) {
    const resolved = await git.exec(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]);
    if (resolved.exitCode === 0) {
      const sha = resolved.stdout.trim();
      const ancestor = await git.exec(['merge-base', '--is-ancestor', sha, 'HEAD']);
      if (ancestor.exitCode === 0) return sha;
      if (ancestor.exitCode !== 1) throw gitFailure(['merge-base'], ancestor);
    }
    const shallow = (await git.run(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
    if (!shallow) {
      throw new KpushError(
        'E_ROLLBACK_TARGET',
        `${given ? '--to ' : 'the env commit '}${revision} is not in the history of ${branch}`,
        {
          hint: given
            ? 'Name a commit of the env repo branch (see `git log`), or use --steps. Nothing was pushed.'
            : `The deploy record names a commit that ${branch} does not contain (force-pushed, or another repo/branch): pass --to or --branch. Nothing was pushed.`,
        },
      );
    }
    await git.run(
      [
        'fetch',
        `--deepen=${depth}`,
        '--no-tags',
        'origin',
        `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      ],
      credentialsEnv,
    );
  }
}

interface Restored {
  method: RollbackMethod;
  reverted: { commit: string; subject: string }[];
}

/**
 * Stages the files of `target` under `paths`: by reverting the later commits that touched them
 * when that applies cleanly and gives exactly the target's files (and nothing outside `paths`),
 * otherwise by checking the old files out (files added since are removed).
 */
async function restoreFiles(
  git: Git,
  target: string,
  paths: readonly string[],
  identity: NodeJS.ProcessEnv,
): Promise<Restored> {
  const later = (await git.run(['log', '--format=%H%x09%s', `${target}..HEAD`, '--', ...paths]))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      return { commit: line.slice(0, tab), subject: line.slice(tab + 1) };
    });
  if (later.length > 0) {
    const revert = await git.exec(
      ['revert', '--no-commit', '--no-edit', ...later.map((entry) => entry.commit)],
      identity,
    );
    const exact =
      revert.exitCode === 0 &&
      (await git.exec(['diff', '--cached', '--quiet', target, '--', ...paths])).exitCode === 0 &&
      (paths[0] === '.' ||
        (
          await git.exec([
            'diff',
            '--cached',
            '--quiet',
            'HEAD',
            '--',
            '.',
            ...paths.map((path) => `:(exclude)${path}`),
          ])
        ).exitCode === 0);
    if (exact) return { method: 'revert', reverted: later };
    await git.exec(['revert', '--abort']);
    await git.run(['reset', '--hard', '--quiet', 'HEAD']);
  }
  await git.run(['restore', `--source=${target}`, '--staged', '--worktree', '--', ...paths]);
  return { method: 'restore', reverted: [] };
}

async function hasStagedChanges(git: Git): Promise<boolean> {
  const result = await git.exec(['diff', '--cached', '--quiet']);
  if (result.exitCode === 0) return false;
  if (result.exitCode === 1) return true;
  throw gitFailure(['diff', '--cached'], result);
}

/** The target's build: its Kpush-Source-* trailers, else what its deploy record says. */
async function targetSourceTrailers(
  git: Git,
  target: string,
  record: AuditRecord | null,
): Promise<{ repo: string | null; commit: string | null }> {
  const message = await git.run(['log', '-1', '--format=%B', target]);
  const trailer = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(\\S.*)$`, 'mi').exec(message)?.[1]?.trim() ?? null;
  return {
    repo: trailer('Kpush-Source-Repo') ?? record?.source.repo ?? null,
    commit: trailer('Kpush-Source-Commit') ?? record?.source.commit ?? null,
  };
}

async function configuredIdentity(git: Git, env: NodeJS.ProcessEnv): Promise<Identity | null> {
  if (env.GIT_AUTHOR_NAME && env.GIT_AUTHOR_EMAIL)
    return { name: env.GIT_AUTHOR_NAME, email: env.GIT_AUTHOR_EMAIL };
  const name = await git.configValue('user.name');
  const email = await git.configValue('user.email');
  return name && email ? { name, email } : null;
}

/**
 * The rollback commit's message: what (app, from → to), how (reverted commits or restored
 * files), who and why, then trailers. The Kpush-Source-* trailers are the target's, so the
 * deploy record of the rollback names the old build. Every value is one escaped line.
 */
export function rollbackMessage(input: {
  app: string;
  from: string;
  to: string;
  path: string | undefined;
  method: RollbackMethod;
  reverted: readonly { commit: string; subject: string }[];
  who: string | null;
  reason: string | null;
  ci: CiContext;
  sourceTrailers: { repo: string | null; commit: string | null };
}): string {
  const where = input.path ? escapeControl(input.path) : 'the whole repository';
  const body =
    input.method === 'revert'
      ? [
          `Reverts ${input.reverted.length} later commit${input.reverted.length === 1 ? '' : 's'} under ${where}:`,
          ...input.reverted.map((entry) => `- ${entry.commit.slice(0, 12)} ${escapeControl(entry.subject)}`),
        ]
      : [
          `Restores the files of ${input.to.slice(0, 12)} under ${where} (the later commits do not revert cleanly).`,
        ];
  const trailers: [string, string | null][] = [
    ['Kpush-Rollback-From', input.from],
    ['Kpush-Rollback-To', input.to],
    ['Kpush-Source-Repo', input.sourceTrailers.repo],
    ['Kpush-Source-Commit', input.sourceTrailers.commit],
    ['Kpush-CI-Run', input.ci.runUrl],
    ['Kpush-Actor', input.ci.actor],
  ];
  return [
    `rollback: ${escapeControl(input.app)} to ${input.to.slice(0, 12)} (from ${input.from.slice(0, 12)})`,
    '',
    ...body,
    '',
    `Rolled back by ${escapeControl(input.who ?? 'unknown')}.`,
    `Reason: ${input.reason ? escapeControl(input.reason) : 'none given'}`,
    '',
    ...trailers
      .filter(([, value]) => value)
      .map(([key, value]) => `${key}: ${escapeControl(value as string)}`),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// --helm-native: `helm rollback <release> <revision>`, recorded like any deploy.

async function helmRollback(
  request: RollbackRequest,
  choice: RollbackChoice,
  deps: DeployDeps,
): Promise<RollbackResult> {
  const current = helmInfo(choice.current);
  const target = helmInfo(choice.target);
  if (!current) {
    throw new KpushError(
      'E_ROLLBACK_NOT_HELM',
      `the current deploy of ${request.app} was not made with \`kpush deploy --helm\``,
      {
        hint: 'Drop --helm-native: the env repo rollback restores apply-mode deploys. Nothing was changed.',
      },
    );
  }
  const revision = request.to ?? (target?.revision != null ? String(target.revision) : null);
  if (revision === null || !/^[1-9]\d*$/.test(revision)) {
    throw new KpushError(
      'E_ROLLBACK_TARGET',
      `cannot tell which Helm revision of ${current.release} to return to${request.to ? `: --to ${request.to} is not a revision number` : ''}`,
      {
        hint: 'With --helm-native, --to takes a Helm revision number (see `helm history`). Nothing was changed.',
      },
    );
  }
  const namespace = choice.current?.namespace ?? request.namespace ?? 'default';
  // The same lookup as deploy --helm: --helm-bin, KPUSH_HELM_BIN, then helm on PATH.
  const helm = await Helm.locate({ helmBin: request.helmBin, env: deps.env });
  const helmBin = helm.bin;
  const base = [
    ...(request.kubeconfig ? ['--kubeconfig', request.kubeconfig] : []),
    ...(request.context ? ['--kube-context', request.context] : []),
    '--namespace',
    namespace,
  ];
  const major = helm.version.major;
  const args = [
    'rollback',
    current.release,
    revision,
    ...base,
    '--timeout',
    `${Math.ceil(request.timeoutMs / 1000)}s`,
  ];
  if (request.wait) args.push(major >= 4 ? '--wait=watcher' : '--wait');
  if (request.dryRun) args.push('--dry-run');

  const started = deps.now();
  const client = await KubeClient.connect({
    kubeconfig: request.kubeconfig,
    context: request.context,
    env: deps.env,
    redact: (secret) => deps.reporter.redactor.add(secret),
  });
  try {
    const ci = detectCi(deps.env, await readGithubEvent(deps.env));
    const recordId = `${started
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`.toLowerCase();
    const rollbackInfo = {
      from: choice.current?.envRepo.commit ?? `revision ${current.revision ?? '?'}`,
      to: choice.target?.envRepo.commit ?? `revision ${revision}`,
      reason: request.reason ?? null,
      method: 'helm' as const,
    };
    const common: Omit<
      AuditRecord,
      'result' | 'finishedAt' | 'durationMs' | 'objects' | 'summary' | 'error'
    > = {
      schema: RECORD_SCHEMA,
      id: recordId,
      app: request.app,
      mode: 'helm',
      startedAt: started.toISOString(),
      kpushVersion: __KPUSH_VERSION__,
      actor: ci.actor ?? deps.env.USER ?? deps.env.LOGNAME ?? null,
      ci: { provider: ci.provider, runUrl: ci.runUrl },
      source: choice.target?.source ?? { repo: null, commit: null },
      envRepo: choice.target?.envRepo ?? { url: null, commit: null, path: '.', dirty: false },
      cluster: { server: client.target.server, context: client.target.context },
      namespace,
      flags: {
        dryRun: request.dryRun,
        wait: request.wait,
        timeoutSeconds: request.timeoutMs / 1000,
        helmNative: true,
      },
      rollback: rollbackInfo,
      helm: {
        release: current.release,
        chart: current.chart,
        chartVersion: current.chartVersion,
        revision: null,
      },
    };
    const records = request.dryRun
      ? null
      : await openRecords(client, { app: request.app, namespace, fieldManager: request.fieldManager });
    await records?.start({ ...common, target: common.cluster });
    deps.reporter.info(`helm ${args.slice(0, 3).join(' ')} (namespace ${namespace})`);
    const run = await exec(helmBin, args, { env: deps.env, timeoutMs: request.timeoutMs + 30_000 }).catch(
      (error: unknown) => {
        throw new KpushError('E_HELM_MISSING', `could not run ${helmBin}: ${(error as Error).message}`, {
          hint: 'Install helm 3 or 4, or pass --helm-bin.',
        });
      },
    );
    for (const line of `${run.stdout}${run.stderr}`.split('\n').filter(Boolean))
      deps.reporter.debug(`helm: ${line}`);
    const failed = run.exitCode !== 0 || run.timedOut;
    let newRevision: number | null = null;
    if (!failed && !request.dryRun) {
      const status = await exec(helmBin, ['status', current.release, ...base, '-o', 'json'], {
        env: deps.env,
        timeoutMs: 60_000,
      });
      newRevision =
        status.exitCode === 0 ? ((JSON.parse(status.stdout) as { version?: number }).version ?? null) : null;
    }
    const finished = deps.now();
    const error = failed
      ? {
          code: 'E_HELM_ROLLBACK',
          message: `helm rollback failed: ${(run.stderr.trim().split('\n').at(-1) ?? '').trim() || `exit ${run.exitCode}`}`,
        }
      : null;
    const record: AuditRecord = {
      ...common,
      helm: {
        release: current.release,
        chart: current.chart,
        chartVersion: current.chartVersion,
        revision: newRevision,
        output: redactedTail(`${run.stdout}${run.stderr}`, deps),
      },
      result: failed ? 'failed' : request.dryRun ? 'dry-run' : 'succeeded',
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      objects: [],
      summary: { created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
      error,
    };
    await records?.complete(record);
    if (error) {
      throw new KpushError(error.code, error.message, {
        hint: 'See `helm history` and rerun with --verbose for helm’s full output.',
        details: { helmOutput: run.stderr.trim() },
      });
    }
    deps.reporter.info(
      `rolled ${current.release} back to revision ${revision}${newRevision ? ` (now revision ${newRevision})` : ''}`,
    );
    return {
      status: request.dryRun ? 'dry-run' : 'rolled-back',
      app: request.app,
      from: rollbackInfo.from,
      to: rollbackInfo.to,
      method: 'helm',
      branch: null,
      commit: null,
      attempts: 0,
      reverted: [],
      diff: null,
      deploy: null,
      record,
    };
  } finally {
    client.close();
  }
}

/** helm's output for the record: redacted, the tail kept when long. */
function redactedTail(output: string, deps: DeployDeps): string {
  const text = deps.reporter.redactor.redact(output.trim());
  return text.length > 8000 ? `…${text.slice(-8000)}` : text;
}
