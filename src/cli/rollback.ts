import { type RollbackResult, rollback } from '../commands/rollback.js';
import { diffSummary } from '../commands/deploy-summary.js';
import { parseIdentity } from '../core/git-identity.js';
import { KpushError, UsageError } from '../errors.js';
import { checkAppName, checkNotEmpty, deployDeps } from './cluster-options.js';
import type { CommandContext } from './context.js';

export interface RollbackOptions {
  repo?: string;
  branch?: string;
  app: string;
  to?: string;
  steps?: number;
  reason?: string;
  path?: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  dryRun: boolean;
  helmNative: boolean;
  helmBin?: string;
  author?: string;
  maxAttempts: number;
  retryTimeout: number;
  wait: boolean;
  timeout: number;
  prune: boolean;
  allowEmpty: boolean;
  pruneNamespacesAndCrds: boolean;
  fieldManager: string;
  forceConflicts: boolean;
  auditFile?: string;
}

/** `kpush rollback`: a commit to the env repo that restores an earlier revision, pushed and deployed. */
export async function rollbackCommand(options: RollbackOptions, context: CommandContext): Promise<void> {
  checkAppName(options.app);
  if (options.repo === undefined && !options.helmNative) {
    throw new UsageError("required option '-r, --repo <url-or-path>' not specified", {
      hint: 'The env repo holds the rollback commit; only --helm-native rolls back without one.',
    });
  }
  if (options.to !== undefined && options.steps !== undefined) {
    throw new UsageError('give either --to or --steps, not both', {
      hint: '--steps counts successful deploys back; --to names the env commit.',
    });
  }
  checkNotEmpty([
    ['--to', options.to],
    ['--reason', options.reason],
    ['--path', options.path],
    ['--namespace', options.namespace],
    ['--context', options.context],
    ['--kubeconfig', options.kubeconfig],
    ['--branch', options.branch],
  ]);
  if (options.to !== undefined && !options.helmNative && !/^[0-9a-f]{4,64}$/i.test(options.to)) {
    throw new UsageError(`--to ${options.to} is not a commit sha`, {
      hint: 'Pass the env commit (full or abbreviated sha) to restore.',
    });
  }
  const result = await rollback(
    {
      repo: options.repo ?? '',
      branch: options.branch,
      app: options.app,
      to: options.to,
      steps: options.steps ?? 1,
      reason: options.reason,
      path: options.path,
      namespace: options.namespace,
      kubeconfig: options.kubeconfig,
      context: options.context,
      dryRun: options.dryRun,
      helmNative: options.helmNative,
      helmBin: options.helmBin,
      author: options.author ? parseIdentity(options.author) : null,
      retry: {
        maxAttempts: options.maxAttempts,
        deadlineMs: options.retryTimeout * 1000,
        baseDelayMs: 25,
        maxDelayMs: 400,
      },
      wait: options.wait,
      timeoutMs: options.timeout,
      prune: options.prune,
      allowEmpty: options.allowEmpty,
      pruneNamespacesAndCrds: options.pruneNamespacesAndCrds,
      fieldManager: options.fieldManager,
      forceConflicts: options.forceConflicts,
      auditFile: options.auditFile,
    },
    deployDeps(context),
  );
  render(result, context);
  const failed =
    result.deploy && !result.deploy.ok ? result.deploy.records.find((record) => record.error) : undefined;
  if (failed || (result.deploy && !result.deploy.ok)) {
    const pushed = result.commit
      ? `rollback commit ${result.commit.slice(0, 12)} was pushed to ${result.branch}, but `
      : '';
    throw new KpushError(
      failed?.error?.code ?? 'E_DEPLOY_FAILED',
      `${pushed}its deploy failed: ${failed?.error?.message ?? 'see above'}`,
      {
        hint: 'The env repo holds the rollback; fix the cause and run `kpush deploy` of that commit, or roll back further.',
        resultWritten: context.globals.json,
      },
    );
  }
}

function render(result: RollbackResult, context: CommandContext): void {
  const { reporter } = context;
  if (context.globals.json) {
    const { deploy, ...rest } = result;
    reporter.json({ ...rest, records: deploy?.records ?? (result.record ? [result.record] : []) });
    return;
  }
  if (result.diff) reporter.result(result.diff.trimEnd());
  for (const cluster of result.deploy?.clusters ?? []) reporter.info(diffSummary(cluster, false));
  if (result.status === 'rolled-back' && result.commit) reporter.result(result.commit);
}
