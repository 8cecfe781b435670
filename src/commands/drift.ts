import { appendFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KubeApiError, KubeClient } from '../adapters/kube.js';
import { withTempDir } from '../adapters/temp-dir.js';
import { applySetId, withMembershipLabel } from '../core/deploy/applyset.js';
import { explainRefusal } from '../core/deploy/api-errors.js';
import {
  type ClusterDrift,
  type DriftReport,
  driftMarkdown,
  driftSummary,
  fieldDrifts,
  type ObjectDrift,
} from '../core/deploy/drift.js';
import { isSecret, isUnchanged } from '../core/deploy/normalize.js';
import { type KubeObject, type Manifest, objectKey } from '../core/deploy/types.js';
import { provablyUnchanged } from '../core/deploy/unchanged.js';
import { mapLimit } from '../core/map-limit.js';
import { KpushError } from '../errors.js';
import {
  type DeployDeps,
  type DeployOutcome,
  type DeployRequest,
  deploy,
  describeLocalSource,
  displayPath,
  type EnvSource,
  cloneEnvRepo,
  renderAndCheck,
} from './deploy.js';
import {
  checkNamespaces,
  keepAutoscaledReplicas,
  listMembers,
  loadLive,
  type PlannedObject,
  resolveObjects,
  soleNamespace,
} from './deploy-cluster.js';

const CONCURRENCY = 24;

export interface DriftRequest {
  dir: string;
  repo?: string | undefined;
  ref?: string | undefined;
  path?: string | undefined;
  app: string;
  namespace?: string | undefined;
  kubeconfig?: string | undefined;
  contexts: string[];
  fieldManager: string;
  /** Re-deploy the same source after reporting, taking back the drifted fields. */
  fix: boolean;
  /** With --fix: also delete ApplySet members no longer in the repo. */
  prune: boolean;
  wait: boolean;
  timeoutMs: number;
  auditFile?: string | undefined;
}

export interface DriftOutcome {
  report: DriftReport;
  /** The re-deploy of --fix, when there was drift to fix. */
  fix: DeployOutcome | null;
}

/**
 * Source → render → validate (as deploy does), then per cluster: the objects as deploy would send
 * them, their live state, a forced server-side dry-run of each, and the ApplySet's live members.
 * Changes nothing unless `fix`: then it deploys the same source (the same env commit).
 */
export async function drift(request: DriftRequest, deps: DeployDeps): Promise<DriftOutcome> {
  const deployRequest: DeployRequest = {
    dir: request.dir,
    repo: request.repo,
    ref: request.ref,
    path: request.path,
    app: request.app,
    namespace: request.namespace,
    kubeconfig: request.kubeconfig,
    contexts: request.contexts,
    dryRun: true,
    diff: false,
    prune: false,
    allowEmpty: true,
    pruneNamespacesAndCrds: false,
    wait: request.wait,
    timeoutMs: request.timeoutMs,
    fieldManager: request.fieldManager,
    forceConflicts: false,
    auditFile: request.auditFile,
  };
  const checked = deps.now();
  const { source, clusters } =
    request.repo !== undefined
      ? await withTempDir(deps.tmpRoot, 'kpush-drift-', async (workdir) => {
          const checkout = join(workdir, 'env');
          const cloned = await cloneEnvRepo(deployRequest, deps, checkout);
          const manifests = await renderAndCheck({ path: checkout, shown: '.' }, deployRequest, deps);
          return { source: cloned, clusters: await checkClusters(manifests, request, deps) };
        })
      : await (async () => {
          const dir = resolve(deps.cwd, request.dir);
          const local = await describeLocalSource(dir, deps.env);
          const manifests = await renderAndCheck(
            { path: dir, shown: displayPath(deps.cwd, dir) },
            deployRequest,
            deps,
          );
          return { source: local, clusters: await checkClusters(manifests, request, deps) };
        })();

  const report: DriftReport = {
    schema: 'kpush.dev/drift-report/v1',
    app: request.app,
    checkedAt: checked.toISOString(),
    envRepo: { url: source.url, commit: source.commit, path: request.path ?? '.', dirty: source.dirty },
    drifted: clusters.some((cluster) => cluster.status === 'drifted'),
    clusters,
  };
  let fix: DeployOutcome | null = null;
  if (request.fix && report.drifted) {
    fix = await fixDrift(report, source, deployRequest, request, deps);
    report.fix = {
      ok: fix.ok,
      records: fix.records.map((record) => record.id),
      ...(fix.ok
        ? {}
        : { error: fix.records.find((record) => record.error)?.error?.message ?? 'deploy failed' }),
    };
  }
  const summary = deps.env.GITHUB_STEP_SUMMARY;
  if (summary && deps.env.GITHUB_ACTIONS === 'true') {
    await appendFile(summary, driftMarkdown(deps.reporter.redactor.redactValue(report))).catch(
      (error: unknown) => {
        throw new KpushError(
          'E_WRITE_OUTPUT',
          `cannot write the drift report to GITHUB_STEP_SUMMARY ${summary}: ${(error as Error).message}`,
          {
            hint: 'Check that the path is writable; the drift check itself finished (see the lines above).',
            cause: error,
          },
        );
      },
    );
  }
  return { report, fix };
}

/**
 * The re-deploy: the same source (for --repo, the very commit that was checked), the same
 * flags, and ownership of the drifted fields taken back from whoever changed them.
 */
async function fixDrift(
  report: DriftReport,
  source: EnvSource,
  deployRequest: DeployRequest,
  request: DriftRequest,
  deps: DeployDeps,
): Promise<DeployOutcome> {
  const drifted = report.clusters.filter((cluster) => cluster.status === 'drifted');
  deps.reporter.info(
    `fixing: re-deploying ${request.app} from the env repo${source.commit ? ` at ${source.commit.slice(0, 12)}` : ''}`,
  );
  return deploy(
    {
      ...deployRequest,
      ...(request.repo !== undefined && source.commit ? { ref: source.commit } : {}),
      contexts: request.contexts.length > 0 ? drifted.map((cluster) => cluster.context) : [],
      dryRun: false,
      prune: request.prune,
      allowEmpty: false,
      forceConflicts: true,
    },
    deps,
  );
}

async function checkClusters(
  manifests: Manifest[],
  request: DriftRequest,
  deps: DeployDeps,
): Promise<ClusterDrift[]> {
  const contexts = request.contexts.length > 0 ? request.contexts : [undefined];
  return Promise.all(contexts.map((context) => checkCluster(manifests, context, request, deps)));
}

/** One cluster; never throws: a cluster that cannot be checked is a result with status 'error'. */
async function checkCluster(
  manifests: readonly Manifest[],
  context: string | undefined,
  request: DriftRequest,
  deps: DeployDeps,
): Promise<ClusterDrift> {
  let client: KubeClient | undefined;
  const result: ClusterDrift = {
    context: context ?? 'current',
    server: 'unknown',
    namespace: request.namespace ?? '',
    status: 'clean',
    objects: [],
    checked: 0,
    summary: { changed: 0, missing: 0, extra: 0 },
    error: null,
  };
  try {
    client = await KubeClient.connect({
      kubeconfig: request.kubeconfig,
      context,
      env: deps.env,
      redact: (secret) => deps.reporter.redactor.add(secret),
    });
    result.context = client.target.context;
    result.server = client.target.server;
    await client.serverVersion();
    const namespace = request.namespace ?? soleNamespace(manifests) ?? client.target.namespace;
    result.namespace = namespace;

    const objects = await resolveObjects(client, manifests, namespace);
    await checkNamespaces(client, objects, true);
    const parentName = `kpush-${request.app}`;
    const setId = applySetId(parentName, namespace);
    for (const object of objects) object.desired = withMembershipLabel(object.desired, setId);
    await keepAutoscaledReplicas(client, objects);
    await loadLive(client, objects);
    const drifts = await mapLimit(objects, CONCURRENCY, (object) =>
      compareObject(client as KubeClient, object, request, deps),
    );

    const wanted = new Set(objects.map((object) => objectKey(object.id)));
    const members = await listMembers(client, setId, parentName, namespace, []);
    const extras: ObjectDrift[] = [...members.entries()]
      .filter(([key]) => !wanted.has(key))
      .map(([, live]) => extraObject(live, deps));
    result.objects = [...drifts.filter((entry): entry is ObjectDrift => entry !== null), ...extras];
    result.checked = objects.length;
    result.summary = driftSummary(result.objects);
    result.status = result.objects.length > 0 ? 'drifted' : 'clean';
  } catch (error) {
    const failure =
      error instanceof KpushError
        ? error
        : new KpushError('E_INTERNAL', (error as Error).message ?? String(error));
    result.status = 'error';
    result.error = {
      code: failure.code,
      message: failure.message,
      ...(failure.hint ? { hint: failure.hint } : {}),
    };
  } finally {
    client?.close();
  }
  return result;
}

/** null when the object is as the repo says; else how it differs. */
async function compareObject(
  client: KubeClient,
  object: PlannedObject,
  request: DriftRequest,
  deps: DeployDeps,
): Promise<ObjectDrift | null> {
  const base = {
    kind: object.id.kind,
    group: object.id.group,
    namespace: object.id.namespace,
    name: object.id.name,
    source: `${object.source.file}:${object.source.line}`,
  };
  const { live } = object;
  if (object.awaitsCrd || object.awaitsNamespace || live === null)
    return { ...base, state: 'missing', fields: [] };
  if (isSecret(live)) maskLiveSecret(live, deps);
  if (provablyUnchanged(live, object.desired, request.fieldManager)) return null;
  let result: KubeObject;
  try {
    // Forced: a field another manager took (kubectl scale, kubectl edit) is exactly the drift to show.
    result = await client.apply(object.desired, {
      fieldManager: request.fieldManager,
      force: true,
      dryRun: true,
    });
  } catch (error) {
    if (!(error instanceof KubeApiError) || [401, 403].includes(error.status)) throw error;
    const explained = explainRefusal(object.id, error);
    return {
      ...base,
      state: 'changed',
      fields: [],
      message: `a deploy would be refused: ${explained.message}`,
    };
  }
  if (isUnchanged(live, result)) return null;
  const fields = fieldDrifts(live, result).map(({ steps: _steps, ...field }) => field);
  return { ...base, state: 'changed', fields };
}

function extraObject(live: KubeObject, deps: DeployDeps): ObjectDrift {
  if (isSecret(live)) maskLiveSecret(live, deps);
  const apiVersion = live.apiVersion;
  const slash = apiVersion.indexOf('/');
  return {
    kind: live.kind,
    group: slash === -1 ? '' : apiVersion.slice(0, slash),
    namespace: live.metadata.namespace ?? '',
    name: live.metadata.name ?? '',
    state: 'extra',
    source: '(cluster)',
    fields: [],
  };
}

/** Live Secret values never reach any output, even ones the repo does not know. */
function maskLiveSecret(live: KubeObject, deps: DeployDeps): void {
  const data = live.data;
  if (typeof data !== 'object' || data === null) return;
  for (const value of Object.values(data as Record<string, unknown>)) {
    if (typeof value !== 'string' || value === '') continue;
    deps.reporter.redactor.add(value);
    deps.reporter.redactor.add(Buffer.from(value, 'base64').toString('utf8'));
  }
}
