import { drift } from '../commands/drift.js';
import { driftLines } from '../core/deploy/drift.js';
import { DriftFoundError, KpushError, UsageError } from '../errors.js';
import { checkClusterSource, deployDeps } from './cluster-options.js';
import type { CommandContext } from './context.js';

export interface DriftOptions {
  repo?: string;
  ref?: string;
  path?: string;
  app: string;
  namespace?: string;
  kubeconfig?: string;
  context: string[];
  fieldManager: string;
  fix: boolean;
  prune: boolean;
  wait: boolean;
  timeout: number;
  auditFile?: string;
}

/** `kpush drift`: exit 0 no drift, 3 drift (0 once --fix fixed it), 1 could not check. */
export async function driftCommand(
  dir: string | undefined,
  options: DriftOptions,
  context: CommandContext,
): Promise<void> {
  checkOptions(dir, options);
  const { report, fix } = await drift(
    {
      dir: dir ?? '.',
      repo: options.repo,
      ref: options.ref,
      path: options.path,
      app: options.app,
      namespace: options.namespace,
      kubeconfig: options.kubeconfig,
      contexts: [...new Set(options.context)],
      fieldManager: options.fieldManager,
      fix: options.fix,
      prune: options.prune,
      wait: options.wait,
      timeoutMs: options.timeout,
      auditFile: options.auditFile,
    },
    deployDeps(context),
  );
  const { reporter } = context;
  if (context.globals.json) reporter.json(report);
  else
    for (const cluster of report.clusters)
      for (const line of driftLines(cluster, report.app)) reporter.result(line);

  const json = context.globals.json;
  const failed = report.clusters.filter((cluster) => cluster.status === 'error');
  if (failed.length > 0) {
    const [first] = failed;
    throw new KpushError(
      first?.error?.code ?? 'E_DRIFT_CHECK',
      `could not check ${failed.map((cluster) => cluster.context).join(', ')}: ${first?.error?.message ?? 'unknown error'}`,
      {
        hint: first?.error?.hint ?? 'Check the cluster access and the input, then run again.',
        resultWritten: json,
      },
    );
  }
  if (!report.drifted) return;
  if (fix) {
    if (fix.ok) {
      reporter.info(
        `fixed: ${report.app} re-deployed from the env repo (record ${report.fix?.records.join(', ')})`,
      );
      return;
    }
    throw new KpushError(
      'E_DRIFT_FIX_FAILED',
      `drift found, and the re-deploy that should fix it failed: ${report.fix?.error ?? ''}`,
      {
        hint: 'See the deploy lines above; `kpush history` has the failed record.',
        resultWritten: json,
      },
    );
  }
  const total = report.clusters.reduce((sum, cluster) => sum + cluster.objects.length, 0);
  throw new DriftFoundError(
    `drift: ${total} object${total === 1 ? '' : 's'} of ${report.app} differ${total === 1 ? 's' : ''} from the env repo`,
    {
      hint: 'Make the env repo agree, or run `kpush drift --fix` (or `kpush deploy`) to restore the repo’s state.',
      resultWritten: json,
    },
  );
}

function checkOptions(dir: string | undefined, options: DriftOptions): void {
  checkClusterSource(dir, options);
  if (options.prune && !options.fix)
    throw new UsageError('--prune needs --fix', {
      hint: 'drift only reports; --fix --prune also deletes what left the repo.',
    });
}
