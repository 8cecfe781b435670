import { type HelmDeployOutcome, helmDeploy } from '../commands/helm-deploy.js';
import type { AuditRecord } from '../core/deploy/record.js';
import { UsageError } from '../errors.js';
import { deployDeps } from './cluster-options.js';
import type { CommandContext } from './context.js';
import { checkOptions, type DeployOptions, deployFailure } from './deploy.js';

/** helm's rule for release names (a DNS subdomain, 53 characters at most). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `kpush deploy --helm <chart> --release <name>`: parse → helmDeploy → render. */
export async function helmDeployCommand(
  dir: string | undefined,
  options: DeployOptions & { helm: string },
  context: CommandContext,
): Promise<void> {
  const release = checkHelmOptions(options);
  const app = options.app ?? release;
  checkOptions(dir, { ...options, app });
  const outcome = await helmDeploy(
    {
      dir: dir ?? '.',
      repo: options.repo,
      ref: options.ref,
      path: options.path,
      chart: options.helm,
      release,
      app,
      namespace: options.namespace,
      kubeconfig: options.kubeconfig,
      contexts: [...new Set(options.context)],
      valuesFiles: options.values,
      set: options.set,
      chartVersion: options.chartVersion,
      dryRun: options.dryRun,
      diff: options.diff,
      wait: options.wait,
      timeoutMs: options.timeout,
      helmBin: options.helmBin,
      auditFile: options.auditFile,
    },
    deployDeps(context),
  );
  render(outcome, context);
  if (!outcome.ok) throw deployFailure(outcome);
}

function checkHelmOptions(options: DeployOptions & { helm: string }): string {
  if (options.helm.trim() === '')
    throw new UsageError('--helm needs a chart: a directory, a .tgz, repo/chart or oci://…');
  const { release } = options;
  if (release === undefined) {
    throw new UsageError('--helm needs --release <name>', {
      hint: 'Name the Helm release to install or upgrade.',
    });
  }
  if (release.length > 53 || !RELEASE_NAME.test(release)) {
    throw new UsageError(`--release ${JSON.stringify(release)} is not a valid Helm release name`, {
      hint: 'Use lower-case letters, digits, dashes and dots, at most 53 characters.',
    });
  }
  // These belong to kpush's own server-side apply, which helm mode does not use.
  const applyOnly = [
    ['--prune', options.prune],
    ['--allow-empty', options.allowEmpty],
    ['--prune-namespaces-and-crds', options.pruneNamespacesAndCrds],
    ['--force-conflicts', options.forceConflicts],
    ['--field-manager', options.fieldManager !== 'kpush'],
  ].flatMap(([flag, given]) => (given ? [flag] : []));
  if (applyOnly.length > 0) {
    throw new UsageError(`${applyOnly.join(', ')} cannot be combined with --helm`, {
      hint: 'helm removes objects a chart no longer renders and owns the fields it applies; drop these flags.',
    });
  }
  const badSet = options.set.find((pair) => !/^[^=]+=/.test(pair));
  if (badSet !== undefined) {
    throw new UsageError(`--set ${JSON.stringify(badSet)} is not key=value`, {
      hint: 'For example --set image.tag=1.4.2.',
    });
  }
  if (options.chartVersion !== undefined && options.chartVersion.trim() === '')
    throw new UsageError('--chart-version must not be empty');
  return release;
}

function render(outcome: HelmDeployOutcome, context: CommandContext): void {
  const { reporter } = context;
  if (context.globals.json) {
    reporter.json(outcome.records.length === 1 ? outcome.records[0] : { records: outcome.records });
    return;
  }
  for (const { record } of outcome.clusters) reporter.info(helmSummary(record, outcome.clusters.length > 1));
}

/** The closing line of one cluster's helm deploy, for people (stderr). */
function helmSummary(record: AuditRecord, named: boolean): string {
  const s = record.summary;
  const where = named ? `[${record.cluster.context}] ` : '';
  const release = record.helm?.release ?? record.app;
  const seconds = record.durationMs === null ? '' : ` in ${(record.durationMs / 1000).toFixed(1)}s`;
  if (record.result === 'dry-run') {
    return `${where}dry run of release ${release}: ${s.created} to create, ${s.configured} to configure, ${s.unchanged} unchanged, ${s.pruned} to delete on ${record.cluster.context}; nothing was changed`;
  }
  const counts = `${s.created} created, ${s.configured} configured, ${s.unchanged} unchanged, ${s.pruned} deleted`;
  const revision = record.helm?.revision ? `revision ${record.helm.revision}` : 'no revision';
  if (record.result === 'failed') {
    const back =
      record.helm?.rolledBackTo === undefined ? '' : `, rolled back to revision ${record.helm.rolledBackTo}`;
    return `${where}deploy of release ${release} to ${record.cluster.context} failed${seconds} (${revision}${back}) (record ${record.id})`;
  }
  return `${where}deployed release ${release} ${revision} to ${record.cluster.context}${seconds}: ${counts} (record ${record.id})`;
}
