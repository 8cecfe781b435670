/**
 * `kpush deploy --helm <chart>`: helm installs and upgrades the release; kpush adds what a push
 * pipeline needs around it, as in apply mode: a server-side dry run and masked diffs first, a
 * stuck release explained instead of helm's raw error, the rollout watched with kstatus rules so
 * a failure names the pod and its reason, and the same audit record (mode `helm`) in the same
 * sinks. The only place that sequences helm-mode effects.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type ClusterRecords, openRecords } from '../adapters/deploy-records.js';
import { Helm, type HelmRun } from '../adapters/helm.js';
import { KubeApiError, KubeClient } from '../adapters/kube.js';
import { withTempDir } from '../adapters/temp-dir.js';
import { objectDiff } from '../core/deploy/diff.js';
import {
  type HelmRevision,
  type HelmTarget,
  type HelmUpgrade,
  helmErrorSummary,
  hiddenSecretSources,
  isRemoteChart,
  looksLikeRepoChart,
  recordedSetPairs,
  rolledBackTo,
  stuckRelease,
} from '../core/deploy/helm-args.js';
import { isUnchanged } from '../core/deploy/normalize.js';
import { type AuditRecord, type HelmRecord, summarize } from '../core/deploy/record.js';
import { describeObject, type KubeObject, type Manifest, objectKey } from '../core/deploy/types.js';
import { parseManifestStream, toValidManifests } from '../core/deploy/validate.js';
import { HelmError, KpushError, ManifestSourceError } from '../errors.js';
import {
  cloneEnvRepo,
  type DeployDeps,
  describeLocalSource,
  displayPath,
  type EnvSource,
  maskSecretValues,
  type RecordBase,
  type SourceRoot,
} from './deploy.js';
import { acrossClusters, type ClusterJobBase, recordBase } from './across-clusters.js';
import type { PlannedObject } from './deploy-cluster.js';
import { observeRelease } from './helm-observe.js';

export interface HelmDeployRequest {
  /** Deploy directory (default the working directory); values files and a local chart are read relative to it. */
  dir: string;
  repo?: string | undefined;
  ref?: string | undefined;
  path?: string | undefined;
  chart: string;
  release: string;
  app: string;
  namespace?: string | undefined;
  kubeconfig?: string | undefined;
  contexts: string[];
  valuesFiles: string[];
  set: string[];
  chartVersion?: string | undefined;
  dryRun: boolean;
  diff: boolean;
  wait: boolean;
  timeoutMs: number;
  helmBin?: string | undefined;
  auditFile?: string | undefined;
}

export interface HelmClusterResult {
  record: AuditRecord;
  error: KpushError | null;
}

export interface HelmDeployOutcome {
  ok: boolean;
  records: AuditRecord[];
  clusters: HelmClusterResult[];
}

/** Revisions helm keeps per release; kpush keeps as many deploy records. */
const HISTORY_MAX = 10;
/** helm's output kept in a record: the tail, where the outcome is. */
const MAX_RECORDED_OUTPUT = 16 * 1024;
/** The server dry-runs as helm's own field manager, so fields helm owns and dropped show as removed. */
const HELM_FIELD_MANAGER = 'helm';

export async function helmDeploy(request: HelmDeployRequest, deps: DeployDeps): Promise<HelmDeployOutcome> {
  const started = deps.now();
  if (request.repo !== undefined) {
    return withTempDir(deps.tmpRoot, 'kpush-deploy-', async (workdir) => {
      const checkout = join(workdir, 'env');
      const source = await cloneEnvRepo(request, deps, checkout);
      return deployFrom({ path: checkout, shown: '.' }, source, request, deps, started);
    });
  }
  const dir = resolve(deps.cwd, request.dir);
  const source = await describeLocalSource(dir, deps.env);
  return deployFrom({ path: dir, shown: displayPath(deps.cwd, dir) }, source, request, deps, started);
}

/** What every cluster's deploy shares: helm itself, and the upgrade it runs. */
interface Prepared {
  helm: Helm;
  upgrade: HelmUpgrade;
}

async function deployFrom(
  root: SourceRoot,
  source: EnvSource,
  request: HelmDeployRequest,
  deps: DeployDeps,
  started: Date,
): Promise<HelmDeployOutcome> {
  const base = await recordBase('helm', request, source, helmFlags(request), deps, started);
  const { ok, records, clusters } = await acrossClusters(
    request,
    deps,
    base,
    () => prepare(root, request, deps),
    (prepared, job) => deployToCluster({ ...job, ...prepared, request }, { ...deps, base }),
    (record) => ({
      ...record,
      helm: { release: request.release, chart: request.chart, chartVersion: null, revision: null },
    }),
  );
  return { ok, records, clusters };
}

function helmFlags(request: HelmDeployRequest): Record<string, string | boolean | number> {
  return {
    dryRun: request.dryRun,
    wait: request.wait,
    timeoutSeconds: request.timeoutMs / 1000,
    ...(request.valuesFiles.length > 0 ? { values: request.valuesFiles.join(',') } : {}),
    ...(request.set.length > 0 ? { set: recordedSetPairs(request.set).join(' ') } : {}),
    ...(request.chartVersion ? { chartVersion: request.chartVersion } : {}),
  };
}

/** helm found and new enough; chart and values files resolved inside the deploy directory. */
async function prepare(root: SourceRoot, request: HelmDeployRequest, deps: DeployDeps): Promise<Prepared> {
  const helm = await Helm.locate({ helmBin: request.helmBin, env: deps.env });
  deps.reporter.debug(`using helm ${helm.version.text} (${helm.bin})`);
  const dir = await insideSource(root, request.path ?? '.', '--path');
  const valuesFiles: string[] = [];
  for (const file of request.valuesFiles) {
    const path = isAbsolute(file) ? file : join(dir.relative, file);
    valuesFiles.push((await insideSource(root, path, '--values')).relative);
  }
  return {
    helm,
    upgrade: {
      release: request.release,
      chart: await chartReference(root, dir.relative, request.chart),
      valuesFiles: valuesFiles.map((file) => resolve(root.path, file)),
      set: request.set,
      chartVersion: request.chartVersion,
      timeoutMs: request.timeoutMs,
      wait: request.wait,
      historyMax: HISTORY_MAX,
    },
  };
}

/**
 * A path given relative to the deploy directory, refused when it does not exist or leads out of
 * the source (`..`, an absolute path elsewhere, a symlink). Returns it relative to the source root.
 */
async function insideSource(root: SourceRoot, path: string, flag: string): Promise<{ relative: string }> {
  const realRoot = await realpath(root.path);
  const real = await realpath(resolve(root.path, path)).catch(() => null);
  if (real === null) {
    throw new ManifestSourceError(
      'E_PATH_NOT_FOUND',
      path,
      `${flag} ${path} does not exist in ${root.shown}`,
      'Paths are relative to the deploy directory (and --path inside it).',
    );
  }
  const inside = relative(realRoot, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ManifestSourceError(
      'E_PATH_OUTSIDE_ROOT',
      path,
      `${flag} ${path} resolves to ${real}, outside ${root.shown}`,
      'Keep values files (and a local chart) inside the deploy directory.',
    );
  }
  return { relative: inside || '.' };
}

/**
 * `oci://` and `https://` references and `repo/chart` names go to helm as they are; anything else
 * is a local chart directory or .tgz, relative to the deploy directory (an absolute path is
 * taken as given: a chart from the app repository while --repo clones the env repo).
 */
async function chartReference(root: SourceRoot, dir: string, chart: string): Promise<string> {
  if (isRemoteChart(chart)) return chart;
  if (isAbsolute(chart)) {
    if (await stat(chart).catch(() => null)) return chart;
  } else {
    const local = await stat(resolve(root.path, dir, chart)).catch(() => null);
    if (local) return resolve(root.path, (await insideSource(root, join(dir, chart), '--helm')).relative);
    if (looksLikeRepoChart(chart)) return chart;
  }
  throw new HelmError(
    'E_HELM_CHART_NOT_FOUND',
    `--helm ${chart}: no such chart directory or archive in ${root.shown}`,
    'Give a chart directory or .tgz relative to the deploy directory, repo/chart (after helm repo add), or an oci:// reference.',
  );
}

interface ClusterJob extends Prepared, ClusterJobBase {
  request: HelmDeployRequest;
}

type ClusterDeps = DeployDeps & { base: RecordBase };

/** One cluster; never throws: failures end up in the result and its record. */
async function deployToCluster(job: ClusterJob, deps: ClusterDeps): Promise<HelmClusterResult> {
  const log = (line: string) => (job.label ? `[${job.label}] ${line}` : line);
  const state: ClusterState = {
    objects: [],
    removed: [],
    namespace: job.request.namespace ?? '',
    target: { server: 'unknown', context: job.context ?? 'unknown' },
    helm: { release: job.upgrade.release, chart: job.request.chart, chartVersion: null, revision: null },
  };
  let client: KubeClient | undefined;
  let records: ClusterRecords | undefined;
  let error: KpushError | null = null;
  try {
    client = await connect(job, deps);
    state.target = { server: client.target.server, context: client.target.context };
    state.namespace = job.request.namespace ?? client.target.namespace;
    const target: HelmTarget = {
      namespace: state.namespace,
      kubeconfig: absoluteKubeconfig(job, deps),
      kubeContext: job.context,
    };
    if (!job.request.dryRun) {
      await ensureNamespace(client, state.namespace);
      records = await openRecords(client, {
        app: job.request.app,
        namespace: state.namespace,
        fieldManager: 'kpush',
      });
      await records.start({
        ...deps.base,
        id: job.recordId,
        target: state.target,
        namespace: state.namespace,
        helm: state.helm,
      });
    }
    const history = await job.helm.history(job.upgrade.release, target);
    refuseStuckRelease(job.upgrade.release, history, target);
    await plan(job, client, target, state, deps, log);
    if (!job.request.dryRun) await upgrade(job, target, history?.at(-1)?.revision ?? 0, state, deps, log);
  } catch (caught) {
    error = asKpushError(caught);
  }
  const record = finalRecord(job, state, deps, error);
  if (records) {
    await records.complete(record).catch((recordError: unknown) => {
      deps.reporter.warn(
        log(`could not write the deploy record to the cluster: ${(recordError as Error).message}`),
      );
    });
  }
  client?.close();
  return { record, error };
}

/** What a cluster's deploy learns as it goes, for its record. */
interface ClusterState {
  objects: PlannedObject[];
  /** Objects of the current revision the new one no longer has: helm deletes them. */
  removed: PlannedObject[];
  namespace: string;
  target: AuditRecord['cluster'];
  helm: HelmRecord;
}

function connect(job: ClusterJob, deps: ClusterDeps): Promise<KubeClient> {
  return KubeClient.connect({
    kubeconfig: absoluteKubeconfig(job, deps),
    context: job.context,
    env: deps.env,
    redact: (secret) => deps.reporter.redactor.add(secret),
  });
}

/** helm runs from kpush's process directory, which need not be the one --kubeconfig was given in. */
function absoluteKubeconfig(job: ClusterJob, deps: DeployDeps): string | undefined {
  return job.request.kubeconfig === undefined ? undefined : resolve(deps.cwd, job.request.kubeconfig);
}

function refuseStuckRelease(release: string, history: HelmRevision[] | null, target: HelmTarget): void {
  const stuck = history && stuckRelease(release, history, target);
  if (!stuck) return;
  const command = stuck.unblock.join(' ');
  throw new HelmError(
    'E_HELM_RELEASE_PENDING',
    `release ${release} in namespace ${target.namespace} is stuck in ${stuck.status} (revision ${stuck.revision}): an earlier helm run was cut off before it finished`,
    `If no other deploy of ${release} is running, unblock it with \`${command}\` (${stuck.because}), then deploy again. Nothing was changed.`,
    { status: stuck.status, revision: stuck.revision, unblock: command },
  );
}

/**
 * The server-side dry run: helm renders the release (`--dry-run=server`), every object is
 * dry-run applied as helm's field manager and compared with its live state, and objects of the
 * current revision missing from the new one are listed as removed. Diffs are masked.
 */
async function plan(
  job: ClusterJob,
  client: KubeClient,
  target: HelmTarget,
  state: ClusterState,
  deps: ClusterDeps,
  log: (line: string) => string,
): Promise<void> {
  const { reporter } = deps;
  const dryRun = await reporter.task('rendering the chart (helm dry run)', () =>
    job.helm.dryRun(job.upgrade, target),
  );
  for (const line of dryRun.stderr.split('\n').filter(Boolean)) reporter.debug(log(`helm: ${line}`));
  state.helm.chartVersion = dryRun.release.chartVersion;
  const rendered = releaseManifests(dryRun.release.manifest, 'chart');
  maskSecretValues(rendered, reporter);
  const hiddenSources = hiddenSecretSources(dryRun.release.manifest);
  const hidden = hiddenSources.length;
  const chart =
    `${dryRun.release.chartName ?? job.request.chart} ${dryRun.release.chartVersion ?? ''}`.trim();
  reporter.info(
    log(
      `rendered ${rendered.length} object${rendered.length === 1 ? '' : 's'} from chart ${chart} (helm ${job.helm.version.text})` +
        (hidden > 0
          ? `; ${hidden} Secret${hidden === 1 ? '' : 's'} hidden by helm --hide-secret, not diffed`
          : ''),
    ),
  );
  const namespaceExists = Boolean(
    await client.get({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name: state.namespace }),
  );
  for (const manifest of rendered) {
    state.objects.push(
      await planObject(
        client,
        manifest,
        state.namespace,
        job.upgrade.release,
        namespaceExists,
        reporter,
        log,
      ),
    );
  }
  state.removed = await removedObjects(job, client, target, state, new Set(hiddenSources), deps);
  const show = job.request.dryRun || job.request.diff;
  const printDiff = deps.printDiff ?? ((diff: string) => reporter.result(diff.trimEnd()));
  for (const object of [...state.objects, ...state.removed]) if (show && object.diff) printDiff(object.diff);
  if (job.request.dryRun) {
    for (const object of [...state.objects, ...state.removed]) {
      reporter.info(
        log(
          `${object.action === 'unchanged' ? 'unchanged' : `would be ${actionText(object.action)}`} ${describeObject(object.id)}`,
        ),
      );
    }
  }
}

/** helm deletes what a chart no longer renders: the record says pruned, as apply mode's prune. */
function actionText(action: PlannedObject['action']): string {
  return action === 'pruned' ? 'deleted' : action;
}

/** Objects of a helm manifest, with the template each came from (`# Source:`) as their file. */
function releaseManifests(manifest: string, fallback: string): Manifest[] {
  const sources = [...manifest.matchAll(/^# Source: (.+)$/gm)].map((match) => ({
    file: match[1]?.trim() ?? fallback,
    line: manifest.slice(0, match.index).split('\n').length,
  }));
  const documents = parseManifestStream(manifest, fallback).objects.map(({ object, line }) => ({
    object,
    source: { file: [...sources].reverse().find((source) => source.line < line)?.file ?? fallback, line },
  }));
  return toValidManifests(documents);
}

async function planObject(
  client: KubeClient,
  manifest: Manifest,
  namespace: string,
  release: string,
  namespaceExists: boolean,
  reporter: DeployDeps['reporter'],
  log: (line: string) => string,
): Promise<PlannedObject> {
  const resource = await client.resourceFor(manifest.object.apiVersion, manifest.object.kind);
  const objectNamespace =
    resource?.namespaced === false ? '' : manifest.object.metadata.namespace || namespace;
  const desired = helmOwned(
    {
      ...manifest.object,
      metadata: { ...manifest.object.metadata, ...(objectNamespace ? { namespace: objectNamespace } : {}) },
    },
    release,
    namespace,
  );
  const object: PlannedObject = {
    id: { ...manifest.id, namespace: objectNamespace },
    source: manifest.source,
    desired,
    live: null,
    result: null,
    action: 'created',
    status: 'Unknown',
    diff: '',
    awaitsCrd: !resource,
  };
  if (!resource || (!namespaceExists && objectNamespace === namespace)) {
    // A kind from the chart's own CRDs, or a namespace helm creates: the server cannot check it yet.
    object.message = resource
      ? 'its namespace is created by this deploy; not checked by the server'
      : 'its kind is not known to the cluster yet; not checked by the server';
    object.diff = objectDiff(object.id, null, desired, {});
    return object;
  }
  object.live = await client.get(object.id);
  try {
    object.result = await client.apply(desired, {
      fieldManager: HELM_FIELD_MANAGER,
      force: true,
      dryRun: true,
    });
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    // helm may still manage (a client-side 3-way merge accepts some objects SSA refuses): it decides.
    reporter.warn(log(`the server refused a dry run of ${describeObject(object.id)}: ${error.message}`));
    object.message = `server dry run refused: ${error.message}`;
  }
  const after = object.result ?? desired;
  object.action =
    object.live === null
      ? 'created'
      : object.result && isUnchanged(object.live, object.result)
        ? 'unchanged'
        : 'configured';
  object.diff = object.action === 'unchanged' ? '' : objectDiff(object.id, object.live, after, {});
  return object;
}

/** The ownership metadata helm adds to every object it applies, so it never shows as a change. */
function helmOwned(object: KubeObject, release: string, namespace: string): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...object.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        ...object.metadata.annotations,
        'meta.helm.sh/release-name': release,
        'meta.helm.sh/release-namespace': namespace,
      },
    },
  };
}

async function removedObjects(
  job: ClusterJob,
  client: KubeClient,
  target: HelmTarget,
  state: ClusterState,
  hiddenIn: ReadonlySet<string>,
  deps: DeployDeps,
): Promise<PlannedObject[]> {
  const current = await job.helm.manifest(job.upgrade.release, target);
  if (!current.trim()) return [];
  const previous = releaseManifests(current, 'current release');
  // `helm get manifest` does not hide Secrets: their values go to the redactor before anything is shown.
  maskSecretValues(previous, deps.reporter);
  const kept = new Set(state.objects.map((object) => objectKey(object.id)));
  const removed: PlannedObject[] = [];
  for (const manifest of previous) {
    const resource = await client.resourceFor(manifest.object.apiVersion, manifest.object.kind);
    const id = {
      ...manifest.id,
      namespace: resource?.namespaced === false ? '' : manifest.id.namespace || state.namespace,
    };
    // A Secret --hide-secret left out of the new manifest is not gone: its template still renders one.
    if (kept.has(objectKey(id)) || (manifest.object.kind === 'Secret' && hiddenIn.has(manifest.source.file)))
      continue;
    const live = resource ? await client.get(id) : null;
    if (!live) continue;
    removed.push({
      id,
      source: manifest.source,
      desired: live,
      live,
      result: null,
      action: 'pruned',
      status: job.request.dryRun ? 'Current' : 'NotFound',
      diff: objectDiff(id, live, null, {}),
      awaitsCrd: false,
    });
  }
  return removed;
}

async function ensureNamespace(client: KubeClient, namespace: string): Promise<void> {
  // The deploy records live in the release namespace, written before helm runs (and creates it).
  const id = { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: namespace };
  if (await client.get(id)) return;
  await client.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { fieldManager: 'kpush', force: false, dryRun: false },
  );
}

/**
 * The real `helm upgrade --install`, with kpush watching the objects meanwhile (same rules and
 * failure summary as apply mode). helm's verdict decides whether the release is deployed; a
 * failure the watch saw (a crash-looping pod) is what the error names.
 */
async function upgrade(
  job: ClusterJob,
  target: HelmTarget,
  revisionBefore: number,
  state: ClusterState,
  deps: ClusterDeps,
  log: (line: string) => string,
): Promise<void> {
  const { reporter } = deps;
  let reported = false;
  const reportApplied = () => {
    if (reported) return;
    reported = true;
    for (const object of [...state.objects, ...state.removed])
      reporter.info(log(`${actionText(object.action)} ${describeObject(object.id)}`));
  };
  const observer = job.request.wait
    ? observeRelease(state.objects, {
        connect: () => connect(job, deps),
        onApplied: reportApplied,
        timeoutMs: job.request.timeoutMs,
        startedAt: new Date(deps.base.startedAt),
        now: deps.now,
        reporter,
        log,
      })
    : undefined;
  try {
    let helmDone = false;
    void observer?.verdict.then((failure) => {
      if (failure && !helmDone)
        reporter.info(
          log(`helm waits until its --timeout (${job.request.timeoutMs / 1000}s) before it rolls back`),
        );
    });
    reporter.info(
      log(`running helm upgrade --install ${job.upgrade.release} in namespace ${target.namespace}`),
    );
    const run = await job.helm.upgrade(job.upgrade, target);
    helmDone = true;
    reporter.debug(log(`ran ${job.helm.bin} ${run.args.join(' ')}`));
    for (const line of `${run.stdout}\n${run.stderr}`.split('\n').filter(Boolean))
      reporter.debug(log(`helm: ${line}`));
    state.helm.output = tail(
      reporter.redactor.redact(`${run.stdout}${run.stderr ? `\n${run.stderr}` : ''}`.trim()),
    );
    const history = (await job.helm.history(job.upgrade.release, target)) ?? [];
    recordRevisions(state.helm, history, revisionBefore);

    if (run.exitCode === 0) {
      reportApplied();
      reporter.info(
        log(`helm: release ${job.upgrade.release} revision ${state.helm.revision ?? '?'} deployed`),
      );
      // helm's watcher saw every object ready; kpush's waits on (Jobs until Complete), unless it
      // never even saw helm's changes land (an object helm deleted again, a hook): then helm's word stands.
      const failure = observer
        ? ((await settledWithin(observer.verdict, observer.applied() ? job.request.timeoutMs : 10_000)) ??
          null)
        : null;
      for (const object of state.objects)
        if (job.request.wait && object.status === 'Unknown') object.status = 'Current';
      if (failure) throw failure;
      return;
    }
    // helm has failed (and rolled back): the watch's verdict, if it has one, names the reason.
    const seen = observer ? await settledWithin(observer.verdict, observer.applied() ? 5_000 : 0) : null;
    throw helmFailure(job, run, state.helm, seen ?? null);
  } finally {
    // Also when helm could not run at all: the watches must not outlive the deploy.
    observer?.stop();
  }
}

function recordRevisions(helm: HelmRecord, history: readonly HelmRevision[], before: number): void {
  const created = history.find((row) => row.revision > before);
  helm.revision = created?.revision ?? null;
  const back = rolledBackTo(history, before);
  if (back !== null) helm.rolledBackTo = back;
}

function helmFailure(job: ClusterJob, run: HelmRun, helm: HelmRecord, seen: KpushError | null): KpushError {
  const rollback =
    helm.rolledBackTo === undefined ? '' : `; helm rolled back to revision ${helm.rolledBackTo}`;
  if (seen) {
    return new KpushError(seen.code, `${seen.message}${rollback}`, {
      hint: 'See the summary above (pod reasons and warning events); fix the chart or values and deploy again.',
      ...(seen.details ? { details: seen.details } : {}),
    });
  }
  if (run.timedOut) {
    return new HelmError(
      'E_HELM_KILLED',
      `helm upgrade of ${job.upgrade.release} did not finish within ${run.limitMs / 1000}s and was killed`,
      `The release may now be stuck in a pending state: run kpush again, and it names the command that unblocks it.`,
    );
  }
  return new HelmError(
    'E_HELM_FAILED',
    `helm upgrade of ${job.upgrade.release} failed: ${helmErrorSummary(run.stderr)}${rollback}`,
    "helm's full output is in the record (helm.output) and in --verbose.",
  );
}

/** The promise's value if it settles within `ms`, else undefined. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolveLate) => {
    timer = setTimeout(() => resolveLate(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function tail(text: string): string {
  return text.length <= MAX_RECORDED_OUTPUT ? text : `…${text.slice(-MAX_RECORDED_OUTPUT)}`;
}

function finalRecord(
  job: ClusterJob,
  state: ClusterState,
  deps: ClusterDeps,
  error: KpushError | null,
): AuditRecord {
  const finished = deps.now();
  for (const object of state.objects) if (error && object.status === 'Unknown') object.status = 'Skipped';
  const objects = [...state.objects, ...state.removed].map((object) => ({
    kind: object.id.kind,
    group: object.id.group,
    namespace: object.id.namespace,
    name: object.id.name,
    action: object.action,
    status: object.status,
    ...(object.message ? { message: object.message } : {}),
  }));
  return {
    ...deps.base,
    id: job.recordId,
    result: error ? 'failed' : job.request.dryRun ? 'dry-run' : 'succeeded',
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - Date.parse(deps.base.startedAt),
    cluster: state.target,
    namespace: state.namespace,
    objects,
    summary: summarize(objects),
    error: error ? { code: error.code, message: error.message } : null,
    helm: state.helm,
  };
}

function asKpushError(error: unknown): KpushError {
  if (error instanceof KpushError) return error;
  return new KpushError('E_INTERNAL', (error as Error)?.message ?? String(error), {
    hint: 'This is a bug in kpush; rerun with --verbose and report it.',
    cause: error,
  });
}
