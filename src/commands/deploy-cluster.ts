import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiResource, type ApplyOptions, KubeApiError, KubeClient } from '../adapters/kube.js';
import { type ClusterRecords, openRecords } from '../adapters/deploy-records.js';
import { mapLimit, settleLimit } from '../core/map-limit.js';
import { explainRefusal } from '../core/deploy/api-errors.js';
import {
  APPLYSET_PART_OF_LABEL,
  type ApplySetContents,
  applySetFieldManager,
  applySetId,
  checkParentId,
  checkTooling,
  contentsOf,
  KPUSH_TOOL_NAME,
  parentObject,
  pruneCandidates,
  superset,
  withMembershipLabel,
} from '../core/deploy/applyset.js';
import { objectDiff } from '../core/deploy/diff.js';
import { autoscaledWorkloads, withoutReplicas } from '../core/deploy/hpa.js';
import { isUnchanged } from '../core/deploy/normalize.js';
import { inWaves, planStages } from '../core/deploy/order.js';
import { type AuditRecord, type RecordedObject, summarize } from '../core/deploy/record.js';
import { takeoverPatch } from '../core/deploy/takeover.js';
import { provablyUnchanged } from '../core/deploy/unchanged.js';
import {
  describeObject,
  type KubeObject,
  type Manifest,
  type ObjectAction,
  type ObjectId,
  objectKey,
  type RolloutStatus,
  splitApiVersion,
} from '../core/deploy/types.js';
import { KpushError } from '../errors.js';
import type { DeployDeps, DeployRequest, RecordBase } from './deploy.js';
import { waitForRollout } from './rollout-wait.js';

/** How long a new CRD's kind may take to appear in discovery after it is Established. */
const DISCOVERY_SETTLE_MS = 30_000;
/** Requests in flight per cluster: enough to hide latency, few enough to be polite. */
const CONCURRENCY = 24;

export interface ClusterJob {
  manifests: readonly Manifest[];
  request: DeployRequest;
  context: string | undefined;
  /** Prefix for log lines when several clusters deploy at once. */
  label: string | undefined;
  recordId: string;
}

/** One object through the deploy: what was asked, what the server said, what happened. */
export interface PlannedObject {
  id: ObjectId;
  source: Manifest['source'];
  desired: KubeObject;
  live: KubeObject | null;
  /** `live` has been read (loadLive reads each object once). */
  liveLoaded?: boolean;
  /** The server's dry-run result: the object as it would be stored. */
  result: KubeObject | null;
  action: ObjectAction | 'pending';
  status: RolloutStatus | 'Skipped';
  message?: string;
  diff: string;
  /** A custom resource whose CRD this deploy creates: resolved after the CRD is Established. */
  awaitsCrd: boolean;
  /** Dry run only: its namespace is created by this deploy, so the server cannot check it yet. */
  awaitsNamespace?: boolean;
}

export interface ClusterDeployResult {
  record: AuditRecord;
  objects: PlannedObject[];
  pruned: PlannedObject[];
  error: KpushError | null;
}

/** Deploys to one cluster; never throws: failures end up in the result and its record. */
export async function deployToCluster(
  job: ClusterJob,
  deps: DeployDeps & { base: RecordBase },
): Promise<ClusterDeployResult> {
  const log = prefixer(job.label);
  const objects: PlannedObject[] = [];
  const pruned: PlannedObject[] = [];
  let client: KubeClient | undefined;
  let records: ClusterRecords | undefined;
  let namespace = job.request.namespace ?? '';
  let target = { server: 'unknown', context: job.context ?? 'unknown' };
  const finish = async (error: KpushError | null): Promise<ClusterDeployResult> => {
    const finished = deps.now();
    const record: AuditRecord = {
      ...deps.base,
      id: job.recordId,
      result: error ? 'failed' : job.request.dryRun ? 'dry-run' : 'succeeded',
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - Date.parse(deps.base.startedAt),
      cluster: target,
      namespace,
      objects: [...objects, ...pruned].map(recorded),
      summary: summarize([...objects, ...pruned].map(recorded)),
      error: error ? { code: error.code, message: error.message } : null,
    };
    if (records && !job.request.dryRun) {
      await records.complete(record).catch((recordError: unknown) => {
        deps.reporter.warn(
          log(`could not write the deploy record to the cluster: ${(recordError as Error).message}`),
        );
      });
    }
    client?.close();
    return { record, objects, pruned, error };
  };

  try {
    client = await KubeClient.connect({
      kubeconfig: job.request.kubeconfig,
      context: job.context,
      env: deps.env,
      redact: (secret) => deps.reporter.redactor.add(secret),
    });
    target = { server: client.target.server, context: client.target.context };
    namespace = job.request.namespace ?? soleNamespace(job.manifests) ?? client.target.namespace;
    // Independent reads at once: each is a round trip before the first apply.
    const [version, resolved] = await Promise.all([
      client.serverVersion(),
      resolveObjects(client, job.manifests, namespace),
      // Discovery keepAutoscaledReplicas needs next (its errors are its own, when it asks again).
      client.resourceFor('autoscaling/v2', 'HorizontalPodAutoscaler').catch(() => undefined),
    ]);
    deps.reporter.debug(
      log(`connected to ${target.server} (context ${target.context}, Kubernetes ${version})`),
    );
    objects.push(...resolved);
    const parentName = `kpush-${job.request.app}`;
    const setId = applySetId(parentName, namespace);
    for (const object of objects) object.desired = withMembershipLabel(object.desired, setId);
    const stageContext: StageContext = { client, request: job.request, deps, log, setId };

    // The live state of every object is read meanwhile, and while the record and the ApplySet
    // are written (awaited below; a failure before then must not surface as an unhandled rejection).
    const live = loadLive(client, objects);
    live.catch(() => {});
    const parentId: ObjectId = { group: '', version: 'v1', kind: 'Secret', namespace, name: parentName };
    const [namespaces, , liveParent] = await Promise.all([
      checkNamespaces(client, objects, job.request.dryRun),
      keepAutoscaledReplicas(client, objects),
      client.get(parentId).catch((error: unknown) => {
        if (error instanceof KubeApiError && error.status === 404) return null;
        throw error;
      }),
    ]);
    const toolingProblem = liveParent
      ? (checkTooling(liveParent.metadata.annotations?.['applyset.kubernetes.io/tooling'], KPUSH_TOOL_NAME) ??
        checkParentId(liveParent.metadata.labels, setId))
      : null;
    if (toolingProblem) {
      throw new KpushError('E_APPLYSET_OWNER', `${describeObject(parentId)}: ${toolingProblem}`, {
        hint: `Another tool manages this ApplySet: pick another --app name, or remove ${parentName} if it is stale.`,
      });
    }

    if (!job.request.dryRun) {
      records = await openRecords(client, {
        app: job.request.app,
        namespace,
        fieldManager: job.request.fieldManager,
      });
      await ensureNamespaceFor(objects, namespace, stageContext, namespaces);
      const grown = superset(
        liveParent?.metadata.annotations,
        objects.map((object) => object.id),
      );
      // Independent writes: the record of this deploy and the ApplySet superset, both before any apply.
      await Promise.all([
        records.start({ ...deps.base, id: job.recordId, target, namespace }),
        writeParent(client, parentName, namespace, grown),
        live,
      ]);
    }
    await live;

    for (const stage of planStages(objects)) {
      await runStage(stage, stageContext);
      if (!job.request.dryRun && stage.some((object) => object.id.kind === 'CustomResourceDefinition')) {
        await waitForCrds(client, stage, job.request.timeoutMs, deps, log);
        client.refreshDiscovery();
        await resolveAwaitingCustomResources(client, objects, namespace);
      }
    }

    const kept: ObjectId[] = [];
    if (job.request.prune) {
      const outcome = await prune(client, setId, parentName, namespace, objects, job.request, deps, log);
      pruned.push(...outcome.pruned);
      kept.push(...outcome.kept);
    }
    if (!job.request.dryRun && job.request.prune) {
      // Without --prune the superset stays: objects dropped from the source remain findable.
      // Members kept by prune's safety rules stay in the set, so a later run still finds them.
      await writeParent(
        client,
        parentName,
        namespace,
        contentsOf([...objects.map((object) => object.id), ...kept]),
      );
    }
    if (job.request.wait && !job.request.dryRun) {
      await waitForRollout(client, objects, {
        timeoutMs: job.request.timeoutMs,
        setId,
        startedAt: new Date(deps.base.startedAt),
        now: deps.now,
        reporter: deps.reporter,
        log,
      });
    }
    return await finish(null);
  } catch (error) {
    const failure =
      error instanceof KpushError
        ? error
        : new KpushError('E_INTERNAL', (error as Error).message ?? String(error), {
            hint: 'This is a bug in kpush; rerun with --verbose and report it.',
            cause: error,
          });
    for (const object of objects) if (object.action === 'pending') object.status = 'Skipped';
    return finish(failure);
  }
}

/**
 * The namespace the app lives in when --namespace is not given: the one every namespaced object
 * names (a kustomization's `namespace:`), else the context's. The ApplySet parent and the deploy
 * records go there.
 */
export function soleNamespace(manifests: readonly Manifest[]): string | undefined {
  const named = new Set(manifests.map((manifest) => manifest.object.metadata.namespace).filter(Boolean));
  return named.size === 1 ? [...named][0] : undefined;
}

/**
 * Every namespace objects go to must exist or be created by this deploy. In a dry run, objects
 * in a namespace the deploy creates cannot be checked by the server yet: they are planned as
 * created, as custom resources of new CRDs are.
 */
export async function checkNamespaces(
  client: KubeClient,
  objects: PlannedObject[],
  dryRun: boolean,
): Promise<Set<string>> {
  const created = new Set(
    objects.filter((o) => o.id.kind === 'Namespace' && o.id.group === '').map((o) => o.id.name),
  );
  const wanted = [...new Set(objects.map((object) => object.id.namespace).filter(Boolean))];
  const exists = await mapLimit(wanted, CONCURRENCY, async (name) =>
    Boolean(await client.get({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name })),
  );
  const missing = wanted.filter((_name, index) => !exists[index]);
  const absent = missing.filter((name) => !created.has(name));
  if (absent.length > 0) {
    throw new KpushError(
      'E_NAMESPACE_MISSING',
      `namespace ${absent.join(', ')} does not exist on ${client.target.server}`,
      {
        hint: `Include a Namespace manifest, create it (kubectl create namespace ${absent[0]}), or pass --namespace. Nothing was applied.`,
      },
    );
  }
  if (dryRun) {
    for (const object of objects) if (missing.includes(object.id.namespace)) object.awaitsNamespace = true;
  }
  return new Set(wanted.filter((_name, index) => exists[index]));
}

/** Kinds from discovery; namespaces defaulted; custom resources of CRDs in this deploy noted. */
export async function resolveObjects(
  client: KubeClient,
  manifests: readonly Manifest[],
  namespace: string,
): Promise<PlannedObject[]> {
  const crdKinds = crdsInRender(manifests);
  const unknown = new Set<string>();
  const resolved = await mapLimit(manifests, CONCURRENCY, async (manifest) => {
    const { apiVersion, kind } = manifest.object;
    const resource = await client.resourceFor(apiVersion, kind);
    const fromCrd = crdKinds.get(`${apiVersion}|${kind}`);
    if (!resource && fromCrd === undefined)
      unknown.add(`${kind} (${apiVersion}) from ${manifest.source.file}:${manifest.source.line}`);
    const namespaced = resource ? resource.namespaced : fromCrd === 'Namespaced';
    return planned(manifest, namespaced, namespace, !resource);
  });
  if (unknown.size > 0) {
    throw new KpushError('E_UNKNOWN_KIND', `the cluster does not know ${[...unknown].join(', ')}`, {
      hint: 'Install the CustomResourceDefinition first or include it in this deploy, or fix apiVersion/kind. Nothing was applied.',
      details: { unknownKinds: [...unknown] },
    });
  }
  const seen = new Map<string, PlannedObject>();
  for (const object of resolved) {
    const key = objectKey(object.id);
    const earlier = seen.get(key);
    if (earlier) {
      throw new KpushError(
        'E_DUPLICATE_OBJECT',
        `${describeObject(object.id)} is defined twice: ${earlier.source.file}:${earlier.source.line} and ${object.source.file}:${object.source.line}`,
        {
          hint: 'Keep one definition (an object without a namespace gets the default one). Nothing was applied.',
        },
      );
    }
    seen.set(key, object);
  }
  return resolved;
}

function planned(
  manifest: Manifest,
  namespaced: boolean,
  namespace: string,
  awaitsCrd: boolean,
): PlannedObject {
  const { namespace: _ignored, ...metadata } = manifest.object.metadata;
  const objectNamespace = namespaced ? manifest.object.metadata.namespace || namespace : '';
  const desired: KubeObject = {
    ...manifest.object,
    metadata: namespaced ? { ...metadata, namespace: objectNamespace } : metadata,
  };
  return {
    id: { ...manifest.id, namespace: objectNamespace },
    source: manifest.source,
    desired,
    live: null,
    result: null,
    action: 'pending',
    status: 'Unknown',
    diff: '',
    awaitsCrd,
  };
}

/** `apiVersion|kind` → scope, for every version of every CRD in the render. */
function crdsInRender(manifests: readonly Manifest[]): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const { object } of manifests) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = object.spec as {
      group?: string;
      scope?: string;
      names?: { kind?: string };
      versions?: { name?: string }[];
    };
    for (const version of spec?.versions ?? []) {
      if (spec.group && spec.names?.kind && version.name) {
        kinds.set(`${spec.group}/${version.name}|${spec.names.kind}`, spec.scope ?? 'Namespaced');
      }
    }
  }
  return kinds;
}

/**
 * An Established CRD reaches discovery a moment later (kubernetes/kubectl#1179): ask again,
 * with fresh discovery, for a bounded while before calling its kind unknown.
 */
async function servedSoon(
  client: KubeClient,
  apiVersion: string,
  kind: string,
): Promise<ApiResource | undefined> {
  const deadline = Date.now() + DISCOVERY_SETTLE_MS;
  for (;;) {
    const resource = await client.resourceFor(apiVersion, kind);
    if (resource || Date.now() >= deadline) return resource;
    await sleep(250);
    client.refreshDiscovery();
  }
}

async function resolveAwaitingCustomResources(
  client: KubeClient,
  objects: PlannedObject[],
  namespace: string,
): Promise<void> {
  for (const object of objects) {
    if (!object.awaitsCrd) continue;
    const resource = await servedSoon(client, object.desired.apiVersion, object.desired.kind);
    if (!resource) {
      throw new KpushError(
        'E_UNKNOWN_KIND',
        `${describeObject(object.id)}: its CustomResourceDefinition is Established but the API server does not serve ${object.desired.kind} (${object.desired.apiVersion})`,
        {
          hint: 'Check the CRD served versions and the custom resource apiVersion.',
        },
      );
    }
    object.awaitsCrd = false;
    if (!resource.namespaced && object.id.namespace) {
      const { namespace: _dropped, ...metadata } = object.desired.metadata;
      object.desired = { ...object.desired, metadata };
      object.id = { ...object.id, namespace: '' };
    } else if (resource.namespaced && !object.id.namespace) {
      object.desired = { ...object.desired, metadata: { ...object.desired.metadata, namespace } };
      object.id = { ...object.id, namespace };
    }
  }
}

/** Drops spec.replicas from workloads an HPA (live, or in this deploy) scales. */
export async function keepAutoscaledReplicas(client: KubeClient, objects: PlannedObject[]): Promise<void> {
  const scalable = objects.filter((object) =>
    ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(object.id.kind),
  );
  if (scalable.length === 0) return;
  const namespaces = [...new Set(scalable.map((object) => object.id.namespace))];
  const rendered = objects
    .filter((object) => object.id.kind === 'HorizontalPodAutoscaler')
    .map((object) => object.desired);
  const live = (await client.resourceFor('autoscaling/v2', 'HorizontalPodAutoscaler'))
    ? (
        await mapLimit(namespaces, CONCURRENCY, (ns) =>
          client.list('autoscaling/v2', 'HorizontalPodAutoscaler', ns),
        )
      ).flatMap((list) => list.items)
    : [];
  const autoscaled = autoscaledWorkloads([...live, ...rendered]);
  for (const object of scalable) {
    if (autoscaled.has(objectKey(object.id))) object.desired = withoutReplicas(object.desired);
  }
}

/**
 * The ApplySet parent (and the record objects) live in `namespace`: it must exist before the
 * first apply. When this deploy creates it, that Namespace is applied first.
 */
async function ensureNamespaceFor(
  objects: PlannedObject[],
  namespace: string,
  context: StageContext,
  existing: ReadonlySet<string>,
): Promise<void> {
  const { client } = context;
  const id: ObjectId = { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: namespace };
  if (existing.has(namespace) || (await client.get(id))) return;
  const own = objects.find(
    (object) => object.id.kind === 'Namespace' && object.id.group === '' && object.id.name === namespace,
  );
  if (!own) {
    throw new KpushError(
      'E_NAMESPACE_MISSING',
      `namespace ${namespace} does not exist on ${client.target.server}`,
      {
        hint: `Create it (kubectl create namespace ${namespace}), include a Namespace manifest, or pass --namespace.`,
      },
    );
  }
  await runStage([own], context);
}

/** What every stage needs to know besides its objects. */
interface StageContext {
  client: KubeClient;
  request: DeployRequest;
  deps: DeployDeps;
  log: (line: string) => string;
  setId: string;
}

/**
 * One stage: plan every object against its live state (created / configured / unchanged),
 * catching conflicts and invalid changes before anything of the stage is written, then apply the
 * ones that change. Changes are decided by a server-side dry-run; an object the live state proves
 * unchanged (src/core/deploy/unchanged.ts) needs no request, and a new object in a real run is
 * validated by its apply (which creates it) rather than by a dry-run before it.
 */
async function runStage(stage: PlannedObject[], context: StageContext): Promise<void> {
  const { client, request, deps, log } = context;
  const todo = stage.filter((object) => object.action === 'pending');
  await loadLive(client, todo);
  const planning = await settleLimit(todo, CONCURRENCY, (object) => planObject(object, context));
  const failures = collectFailures(todo, planning);
  for (const object of todo) {
    if (object.action !== 'failed' && (request.diff || request.dryRun) && object.diff) {
      printDiff(deps, object.diff);
    }
  }
  if (failures.length > 0) throw stageFailure(failures, 'nothing of this stage was applied');

  if (request.dryRun) {
    for (const object of todo)
      deps.reporter.info(log(`${dryRunVerb(object.action)} ${describeObject(object.id)}`));
    return;
  }
  const changed = todo.filter((object) => object.action === 'created' || object.action === 'configured');
  const applyFailures = await applyInWaves(changed, context);
  for (const object of todo) {
    if (object.action !== 'failed' && object.action !== 'pending')
      deps.reporter.info(log(`${object.action} ${describeObject(object.id)}`));
  }
  if (applyFailures.length > 0) {
    const notSent = todo.filter((object) => object.action === 'pending').length;
    throw stageFailure(
      applyFailures,
      notSent === 0
        ? 'the objects listed before it were applied'
        : `the objects listed before it were applied; ${notSent} that come after it in the apply order were not`,
    );
  }
}

/**
 * Wave after wave (see inWaves). A refused object stops the waves after its own: a Deployment is
 * not rolled out when the ConfigMap it mounts was refused. Those go back to pending, which the
 * record shows as Skipped.
 */
async function applyInWaves(changed: PlannedObject[], context: StageContext): Promise<ObjectFailure[]> {
  const waves = inWaves(changed);
  for (const [index, wave] of waves.entries()) {
    const failures = collectFailures(
      wave,
      await settleLimit(wave, CONCURRENCY, (object) => applyObject(object, context)),
    );
    if (failures.length > 0) {
      for (const object of waves.slice(index + 1).flat()) object.action = 'pending';
      return failures;
    }
  }
  return [];
}

async function applyObject(
  object: PlannedObject,
  { client, request, deps, log }: StageContext,
): Promise<void> {
  const patch = object.live ? takeoverPatch(object.live, request.fieldManager) : null;
  if (patch) {
    await client.jsonPatch(object.desired, patch);
    deps.reporter.debug(log(`took over client-side fields of ${describeObject(object.id)}`));
  }
  object.result = await client.apply(object.desired, applyOptions(request, false));
}

function applyOptions(request: DeployRequest, dryRun: boolean): ApplyOptions {
  return { fieldManager: request.fieldManager, force: request.forceConflicts, dryRun };
}

/** A kind with this many objects in one namespace is listed once instead of read one by one. */
const LIST_THRESHOLD = 10;

/**
 * Reads the live state of objects not read yet: one LIST per large kind and namespace, else a
 * GET each. Objects whose CRD or namespace this deploy creates wait for their stage.
 */
export async function loadLive(client: KubeClient, objects: PlannedObject[]): Promise<void> {
  const groups = new Map<string, PlannedObject[]>();
  for (const object of objects) {
    if (object.awaitsCrd || object.awaitsNamespace || object.liveLoaded) continue;
    const key = `${object.desired.apiVersion}|${object.desired.kind}|${object.id.namespace}`;
    groups.set(key, [...(groups.get(key) ?? []), object]);
  }
  const singles: PlannedObject[] = [];
  await mapLimit([...groups.values()], CONCURRENCY, async (group) => {
    const [first] = group;
    if (!first || group.length < LIST_THRESHOLD) {
      singles.push(...group);
      return;
    }
    const list = await client.list(first.desired.apiVersion, first.desired.kind, first.id.namespace);
    const byName = new Map(list.items.map((item) => [item.metadata.name, item]));
    for (const object of group) {
      object.live = byName.get(object.id.name) ?? null;
      object.liveLoaded = true;
    }
  });
  await mapLimit(singles, CONCURRENCY, async (object) => {
    object.live = await client.get(object.id);
    object.liveLoaded = true;
  });
}

async function planObject(object: PlannedObject, context: StageContext): Promise<void> {
  const { client, request } = context;
  if (object.awaitsCrd || object.awaitsNamespace) {
    // Its CRD or namespace is created by this very deploy (dry run): the server cannot check it yet.
    object.action = 'created';
    object.diff = objectDiff(object.id, null, object.desired, {});
    object.message = `its ${object.awaitsCrd ? 'CustomResourceDefinition' : 'namespace'} is created by this deploy; not checked by the server`;
    return;
  }
  const { live } = object;
  if (live) {
    refuseForeignMember(object, live, context.setId);
    if (provablyUnchanged(live, object.desired, request.fieldManager)) {
      object.action = 'unchanged';
      object.result = live;
      return;
    }
  } else if (!request.dryRun && !request.diff) {
    object.action = 'created';
    return;
  }
  object.result = await client.apply(object.desired, applyOptions(request, true));
  object.action = live === null ? 'created' : isUnchanged(live, object.result) ? 'unchanged' : 'configured';
  object.diff = object.action === 'unchanged' ? '' : objectDiff(object.id, live, object.result, {});
}

/** An object another ApplySet (another --app, or kubectl) owns is not silently taken over. */
function refuseForeignMember(object: PlannedObject, live: KubeObject, setId: string): void {
  const owner = live.metadata.labels?.[APPLYSET_PART_OF_LABEL];
  if (owner && owner !== setId) {
    throw new KpushError(
      'E_APPLYSET_FOREIGN',
      `${object.source.file}:${object.source.line}: ${describeObject(object.id)} already belongs to another ApplySet (${owner})`,
      {
        hint: 'Another --app (or kubectl --applyset) deploys this object: deploy it from one place only, or rename it.',
      },
    );
  }
}

interface ObjectFailure {
  object: PlannedObject;
  error: KpushError;
}

function collectFailures(objects: PlannedObject[], outcomes: PromiseSettledResult<void>[]): ObjectFailure[] {
  const failures: ObjectFailure[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') return;
    const object = objects[index] as PlannedObject;
    const error = explainObjectError(object, outcome.reason);
    object.action = 'failed';
    object.status = 'Failed';
    object.message = error.message;
    failures.push({ object, error });
  });
  return failures;
}

function explainObjectError(object: PlannedObject, error: unknown): KpushError {
  if (error instanceof KubeApiError && ![401, 403].includes(error.status)) {
    const explained = explainRefusal(object.id, error);
    return new KpushError(
      explained.code,
      `${object.source.file}:${object.source.line}: ${explained.message}`,
      {
        hint: explained.hint,
        cause: error,
      },
    );
  }
  if (error instanceof KpushError) return error;
  return new KpushError('E_INTERNAL', `${describeObject(object.id)}: ${(error as Error).message}`, {
    cause: error,
  });
}

function stageFailure(failures: ObjectFailure[], consequence: string): KpushError {
  const [first] = failures;
  if (failures.length === 1 && first) {
    return new KpushError(first.error.code, `${first.error.message} (${consequence})`, {
      ...(first.error.hint ? { hint: first.error.hint } : {}),
      details: {
        objects: failures.map(({ object, error }) => ({
          object: describeObject(object.id),
          code: error.code,
          message: error.message,
        })),
      },
    });
  }
  const lines = failures.map(({ error }) => `  ${error.message}`).join('\n');
  return new KpushError(
    failures.every((f) => f.error.code === first?.error.code) ? (first?.error.code ?? 'E_APPLY') : 'E_APPLY',
    `${failures.length} objects were refused (${consequence}):\n${lines}`,
    {
      ...(first?.error.hint ? { hint: first.error.hint } : {}),
      details: {
        objects: failures.map(({ object, error }) => ({
          object: describeObject(object.id),
          code: error.code,
          message: error.message,
        })),
      },
    },
  );
}

function dryRunVerb(action: PlannedObject['action']): string {
  return action === 'unchanged' ? 'unchanged' : `would be ${action}`;
}

async function waitForCrds(
  client: KubeClient,
  stage: PlannedObject[],
  timeoutMs: number,
  deps: DeployDeps,
  log: (line: string) => string,
): Promise<void> {
  const crds = stage.filter((object) => object.id.kind === 'CustomResourceDefinition');
  await waitForRollout(client, crds, {
    timeoutMs: Math.min(timeoutMs, 120_000),
    setId: null,
    startedAt: deps.now(),
    now: deps.now,
    reporter: deps.reporter,
    log,
    quiet: true,
  });
}

/** Writes the ApplySet parent with the group-kinds and namespaces given. */
async function writeParent(
  client: KubeClient,
  name: string,
  namespace: string,
  contents: ApplySetContents,
): Promise<void> {
  const parent = parentObject({ name, namespace, version: `v${__KPUSH_VERSION__}`, contents });
  await client.apply(parent, { fieldManager: applySetFieldManager(), force: true, dryRun: false });
}

/**
 * Deletes what an earlier deploy of this ApplySet applied and this one did not: LIST each
 * group-kind the parent records, in each namespace it records, by the part-of label.
 */
async function prune(
  client: KubeClient,
  setId: string,
  parentName: string,
  namespace: string,
  applied: readonly PlannedObject[],
  request: DeployRequest,
  deps: DeployDeps,
  log: (line: string) => string,
): Promise<{ pruned: PlannedObject[]; kept: ObjectId[] }> {
  const live = await listMembers(
    client,
    setId,
    parentName,
    namespace,
    applied.map((object) => object.id),
  );
  const plan = pruneCandidates(
    [...live.values()].map((item) => ({
      id: idOf(item),
      ...(item.metadata.uid ? { uid: item.metadata.uid } : {}),
    })),
    applied.map((object) => object.id),
    {
      includeNamespacesAndCrds: request.pruneNamespacesAndCrds,
      allowEmpty: request.allowEmpty,
      appliedUids: applied.flatMap((object) =>
        object.result?.metadata.uid ? [object.result.metadata.uid] : [],
      ),
    },
  );
  for (const skipped of plan.skipped)
    deps.reporter.warn(log(`not pruned: ${describeObject(skipped.id)}: ${skipped.reason}`));
  const outcome: PlannedObject[] = [];
  for (const id of plan.prune) {
    const liveObject = live.get(objectKey(id)) as KubeObject;
    const gone = await client.delete(id, { dryRun: request.dryRun });
    const diff = objectDiff(id, liveObject, null, {});
    if (request.dryRun || request.diff) printDiff(deps, diff);
    const verb = request.dryRun ? 'would be pruned' : 'pruned';
    deps.reporter.info(log(`${verb} ${describeObject(id)}${gone === 'gone' ? ' (already gone)' : ''}`));
    outcome.push({
      id,
      source: { file: '(cluster)', line: 0 },
      desired: liveObject,
      live: liveObject,
      result: null,
      action: 'pruned',
      status: request.dryRun ? 'Current' : 'NotFound',
      diff,
      awaitsCrd: false,
    });
  }
  return { pruned: outcome, kept: plan.skipped.map((skipped) => skipped.id) };
}

/**
 * The live members of the ApplySet, by object key: LIST each group-kind the parent records (with
 * `ids`), in each namespace it records, by the part-of label. Shared by prune and `kpush drift`.
 */
export async function listMembers(
  client: KubeClient,
  setId: string,
  parentName: string,
  namespace: string,
  ids: readonly ObjectId[],
): Promise<Map<string, KubeObject>> {
  const parent = await client.get({ group: '', version: 'v1', kind: 'Secret', namespace, name: parentName });
  const recorded = superset(parent?.metadata.annotations, ids);
  const namespaces = [...new Set([namespace, ...recorded.namespaces])];
  const live = new Map<string, KubeObject>();
  for (const entry of recorded.groupKinds) {
    const dot = entry.indexOf('.');
    const kind = dot === -1 ? entry : entry.slice(0, dot);
    const group = dot === -1 ? '' : entry.slice(dot + 1);
    const apiVersion = await client.preferredVersion(group);
    const resource = apiVersion ? await client.resourceFor(apiVersion, kind) : undefined;
    if (!apiVersion || !resource) continue; // the kind is gone from the cluster, and with it its objects
    for (const ns of resource.namespaced ? namespaces : ['']) {
      const list = await client.list(apiVersion, kind, ns, {
        labelSelector: `${APPLYSET_PART_OF_LABEL}=${setId}`,
      });
      for (const item of list.items) live.set(objectKey(idOf(item)), item);
    }
  }
  return live;
}

export function idOf(object: KubeObject): ObjectId {
  const { group, version } = splitApiVersion(object.apiVersion);
  return {
    group,
    version,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name ?? '',
  };
}

function printDiff(deps: DeployDeps, diff: string): void {
  if (deps.printDiff) deps.printDiff(diff);
  else deps.reporter.result(diff.trimEnd());
}

function recorded(object: PlannedObject): RecordedObject {
  return {
    kind: object.id.kind,
    group: object.id.group,
    namespace: object.id.namespace,
    name: object.id.name,
    action: object.action,
    status: object.status,
    ...(object.message ? { message: object.message } : {}),
  };
}

function prefixer(label: string | undefined): (line: string) => string {
  return label ? (line) => `[${label}] ${line}` : (line) => line;
}
