import { type DeployOutcome, deploy } from '../commands/deploy.js';
import { diffSummary } from '../commands/deploy-summary.js';
import { KpushError, UsageError } from '../errors.js';
import { checkClusterSource, deployDeps } from './cluster-options.js';
import type { CommandContext } from './context.js';

export interface DeployOptions {
  repo?: string;
  ref?: string;
  path?: string;
  /** Required in apply mode; with --helm it defaults to the release name. */
  app?: string;
  namespace?: string;
  kubeconfig?: string;
  context: string[];
  dryRun: boolean;
  diff: boolean;
  prune: boolean;
  allowEmpty: boolean;
  pruneNamespacesAndCrds: boolean;
  wait: boolean;
  timeout: number;
  fieldManager: string;
  forceConflicts: boolean;
  auditFile?: string;
  /** Helm mode: the chart to `helm upgrade --install`, and its flags. */
  helm?: string;
  release?: string;
  values: string[];
  set: string[];
  chartVersion?: string;
  helmBin?: string;
}

export async function deployCommand(
  dir: string | undefined,
  options: DeployOptions,
  context: CommandContext,
): Promise<void> {
  if (options.helm !== undefined) {
    const { helmDeployCommand } = await import('./deploy-helm.js');
    return helmDeployCommand(dir, { ...options, helm: options.helm }, context);
  }
  const app = options.app;
  if (app === undefined) {
    throw new UsageError("required option '-a, --app <name>' not specified", {
      hint: 'Name the deploy unit with --app (with --helm, the release name is the default).',
    });
  }
  refuseHelmOnlyFlags(options);
  checkOptions(dir, { ...options, app });
  const outcome = await deploy(
    {
      dir: dir ?? '.',
      repo: options.repo,
      ref: options.ref,
      path: options.path,
      app,
      namespace: options.namespace,
      kubeconfig: options.kubeconfig,
      contexts: [...new Set(options.context)],
      dryRun: options.dryRun,
      diff: options.diff,
      prune: options.prune,
      allowEmpty: options.allowEmpty,
      pruneNamespacesAndCrds: options.pruneNamespacesAndCrds,
      wait: options.wait,
      timeoutMs: options.timeout,
      fieldManager: options.fieldManager,
      forceConflicts: options.forceConflicts,
      auditFile: options.auditFile,
    },
    deployDeps(context),
  );
  render(outcome, context);
  if (!outcome.ok) throw deployFailure(outcome);
}

function refuseHelmOnlyFlags(options: DeployOptions): void {
  const given = [
    ['--release', options.release !== undefined],
    ['--values', options.values.length > 0],
    ['--set', options.set.length > 0],
    ['--chart-version', options.chartVersion !== undefined],
    ['--helm-bin', options.helmBin !== undefined],
  ].flatMap(([flag, set]) => (set ? [flag] : []));
  if (given.length > 0) {
    throw new UsageError(`${given.join(', ')} only go${given.length === 1 ? 'es' : ''} with --helm <chart>`, {
      hint: 'Add --helm <chart> to deploy a Helm chart, or drop these flags.',
    });
  }
}

export function checkOptions(dir: string | undefined, options: DeployOptions & { app: string }): void {
  checkClusterSource(dir, options);
}

function render(outcome: DeployOutcome, context: CommandContext): void {
  const { reporter } = context;
  if (context.globals.json) {
    reporter.json(outcome.records.length === 1 ? outcome.records[0] : { records: outcome.records });
    return;
  }
  for (const cluster of outcome.clusters) reporter.info(diffSummary(cluster, outcome.clusters.length > 1));
}

export function deployFailure(outcome: {
  clusters: readonly { record: DeployOutcome['records'][number]; error: KpushError | null }[];
}): KpushError {
  const failed = outcome.clusters.filter((cluster) => cluster.error);
  const [first] = failed;
  if (failed.length === 1 && first?.error && outcome.clusters.length === 1)
    return alreadyReported(first.error);
  const names = failed.map((cluster) => cluster.record.cluster.context).join(', ');
  return alreadyReported(
    new KpushError(
      'E_DEPLOY_FAILED',
      `deploy failed on ${failed.length} of ${outcome.clusters.length} clusters: ${names}`,
      {
        hint: failed
          .map((cluster) => `${cluster.record.cluster.context}: ${cluster.error?.message}`)
          .join('; '),
      },
    ),
  );
}

/** The JSON document already holds the records; the error still sets the exit code and one line. */
function alreadyReported(error: KpushError): KpushError {
  return new KpushError(error.code, error.message, {
    ...(error.hint ? { hint: error.hint } : {}),
    ...(error.details ? { details: error.details } : {}),
    cause: error,
    resultWritten: true,
  });
}
