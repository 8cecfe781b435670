/**
 * Waits until every applied object is Current (kstatus rules, Jobs until Complete), driven by
 * watches: one list-then-watch per kind and namespace, plus Pods and ReplicaSets where
 * workloads are, so a crash-looping or unschedulable pod fails the deploy at once instead of
 * after the timeout. Local re-evaluation once a second covers the time-based rules.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeClient, KubeApiError, type WatchEvent } from '../adapters/kube.js';
import { objectStatus, podProblems, workloadStatusWithPods } from '../core/deploy/status.js';
import {
  describeObject,
  type KubeObject,
  type ObjectId,
  objectKey,
  type StatusResult,
} from '../core/deploy/types.js';
import { KpushError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import type { PlannedObject } from './deploy-cluster.js';

export interface WaitOptions {
  timeoutMs: number;
  /** ApplySet id: members are watched by their part-of label. null: watch each object by name. */
  setId: string | null;
  /** Events older than this are history, not this deploy's. */
  startedAt: Date;
  now: () => Date;
  reporter: Reporter;
  log: (line: string) => string;
  /** No per-object progress lines (CRDs becoming Established between stages). */
  quiet?: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
/** Kinds no controller acts on: Current as soon as they are stored. */
const STATIC_KINDS = new Set([
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'LimitRange',
  'ResourceQuota',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PriorityClass',
  'StorageClass',
  'IngressClass',
  'RuntimeClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

interface Watched {
  object: PlannedObject;
  latest: KubeObject | null;
  seen: boolean;
  settled: StatusResult | null;
}

interface Collection {
  apiVersion: string;
  kind: string;
  namespace: string;
  selector: { labelSelector?: string; fieldSelector?: string };
}

export async function waitForRollout(
  client: KubeClient,
  objects: readonly PlannedObject[],
  options: WaitOptions,
): Promise<void> {
  const pending = new Map<string, Watched>();
  for (const object of objects) {
    if (object.action === 'failed' || object.action === 'pruned') continue;
    const initial = object.result ?? object.live;
    const watched: Watched = { object, latest: initial, seen: false, settled: null };
    if (STATIC_KINDS.has(object.id.kind) && initial) {
      watched.settled = { status: 'Current', message: 'stored' };
      object.status = 'Current';
      continue;
    }
    pending.set(objectKey(object.id), watched);
  }
  if (pending.size === 0) return;

  const work = options.reporter.task(
    `waiting for ${pending.size} object${pending.size === 1 ? '' : 's'} to become ready`,
    () => watchUntilSettled(client, pending, options),
  );
  await work;
}

async function watchUntilSettled(
  client: KubeClient,
  pending: Map<string, Watched>,
  options: WaitOptions,
): Promise<void> {
  const abort = new AbortController();
  const pods = new Map<string, KubeObject>();
  const replicaSets = new Map<string, KubeObject>();
  const collections = collectionsFor([...pending.values()], options.setId);
  const workloadNamespaces = [
    ...new Set(
      [...pending.values()]
        .filter((w) => WORKLOAD_KINDS.has(w.object.id.kind))
        .map((w) => w.object.id.namespace),
    ),
  ];
  const listed = new Set<string>();

  return new Promise<void>((resolve, reject) => {
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearInterval(ticker);
      clearTimeout(deadline);
      abort.abort();
    };
    const succeed = () => {
      if (stopped) return;
      stop();
      resolve();
    };
    const fail = (error: unknown) => {
      if (stopped) return;
      stop();
      reject(error);
    };
    /** Gathers the summary (pod reasons, events) after the watches stopped, then rejects. */
    const failWithSummary = (why: 'failed' | 'timeout') => {
      if (stopped) return;
      stop();
      failure(client, pending, pods, replicaSets, options, why).then(reject, reject);
    };

    const evaluate = () => {
      if (stopped) return;
      const now = options.now();
      for (const [key, watched] of pending) {
        if (!listed.has(collectionKeyOf(watched.object.id))) continue;
        const status = statusOf(watched, pods, replicaSets, now, options.startedAt);
        watched.object.status = status.status;
        watched.object.message = status.message;
        if (status.status === 'Current') {
          watched.settled = status;
          if (!options.quiet)
            options.reporter.info(
              options.log(`ready ${describeObject(watched.object.id)}: ${status.message}`),
            );
          pending.delete(key);
        } else if (status.status === 'Failed') {
          options.reporter.info(
            options.log(`failed ${describeObject(watched.object.id)}: ${status.message}`),
          );
          failWithSummary('failed');
          return;
        }
      }
      if (pending.size === 0) succeed();
    };

    const ticker = setInterval(evaluate, 1000);
    const deadline = setTimeout(() => failWithSummary('timeout'), options.timeoutMs);

    const onObject = (event: WatchEvent) => {
      const id = idOf(event.object);
      const watched = pending.get(objectKey(id));
      if (!watched) return;
      watched.latest = event.type === 'DELETED' ? null : event.object;
      watched.seen = true;
    };
    const onRelated = (store: Map<string, KubeObject>) => (event: WatchEvent) => {
      const uid = event.object.metadata.uid ?? '';
      if (event.type === 'DELETED') store.delete(uid);
      else store.set(uid, event.object);
    };

    const streams = [
      ...collections.map((collection) =>
        follow(
          client,
          collection,
          abort.signal,
          onObject,
          () => {
            listed.add(`${collection.apiVersion}|${collection.kind}|${collection.namespace}`);
            evaluate();
          },
          evaluate,
        ),
      ),
      ...workloadNamespaces.flatMap((namespace) =>
        [
          { kind: 'Pod', apiVersion: 'v1', store: pods },
          { kind: 'ReplicaSet', apiVersion: 'apps/v1', store: replicaSets },
        ].map(({ kind, apiVersion, store }) =>
          follow(
            client,
            { apiVersion, kind, namespace, selector: {} },
            abort.signal,
            onRelated(store),
            evaluate,
            evaluate,
          ).catch((error: unknown) => {
            // Without read access to pods the rollout is still judged by its workloads' status,
            // only later and with fewer reasons.
            if (!(error instanceof KubeApiError && error.status === 403)) throw error;
            options.reporter.debug(
              options.log(`cannot watch ${kind}s in ${namespace} (forbidden): waiting without pod details`),
            );
          }),
        ),
      ),
    ];
    for (const stream of streams) {
      stream.catch((error: unknown) => {
        fail(
          error instanceof KpushError
            ? error
            : new KpushError('E_WATCH', `watching the rollout failed: ${(error as Error).message}`, {
                cause: error,
              }),
        );
      });
    }
  });
}

/**
 * List, then watch from the list's resourceVersion; when the server closes the stream (its
 * timeout) or the version expired (410), list again. Ends when `signal` aborts.
 */
async function follow(
  client: KubeClient,
  collection: Collection,
  signal: AbortSignal,
  onEvent: (event: WatchEvent) => void,
  onListed: () => void,
  onChange: () => void,
): Promise<void> {
  while (!signal.aborted) {
    const listedAt = Date.now();
    const list = await client.list(
      collection.apiVersion,
      collection.kind,
      collection.namespace,
      collection.selector,
    );
    if (signal.aborted) return;
    for (const object of list.items) onEvent({ type: 'ADDED', object });
    onListed();
    try {
      await client.watch(
        collection.apiVersion,
        collection.kind,
        collection.namespace,
        { ...collection.selector, resourceVersion: list.resourceVersion },
        (event) => {
          // ERROR is the server saying the version expired (410 Gone): the loop lists again.
          if (event.type === 'ERROR' || event.type === 'BOOKMARK') return;
          onEvent(event);
          onChange();
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof KubeApiError && error.status === 410)) throw error;
    }
    // A server that ends watches at once must not turn this into a busy loop.
    const elapsed = Date.now() - listedAt;
    if (elapsed < 1000) await sleep(1000 - elapsed, undefined, { signal }).catch(() => {});
  }
}

function collectionsFor(watched: Watched[], setId: string | null): Collection[] {
  const byKey = new Map<string, Collection>();
  for (const { object } of watched) {
    const { apiVersion, kind } = object.desired;
    const namespace = object.id.namespace;
    if (setId) {
      const key = `${apiVersion}|${kind}|${namespace}`;
      if (!byKey.has(key)) {
        byKey.set(key, {
          apiVersion,
          kind,
          namespace,
          selector: { labelSelector: `applyset.kubernetes.io/part-of=${setId}` },
        });
      }
    } else {
      byKey.set(`${apiVersion}|${kind}|${namespace}|${object.id.name}`, {
        apiVersion,
        kind,
        namespace,
        selector: { fieldSelector: `metadata.name=${object.id.name}` },
      });
    }
  }
  return [...byKey.values()];
}

function collectionKeyOf(id: ObjectId): string {
  const apiVersion = id.group ? `${id.group}/${id.version}` : id.version;
  return `${apiVersion}|${id.kind}|${id.namespace}`;
}

function idOf(object: KubeObject): ObjectId {
  const slash = object.apiVersion.indexOf('/');
  return {
    group: slash === -1 ? '' : object.apiVersion.slice(0, slash),
    version: slash === -1 ? object.apiVersion : object.apiVersion.slice(slash + 1),
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name ?? '',
  };
}

function statusOf(
  watched: Watched,
  pods: Map<string, KubeObject>,
  replicaSets: Map<string, KubeObject>,
  now: Date,
  startedAt: Date,
): StatusResult {
  const latest = watched.latest;
  if (!latest) {
    // A Job removed by its TTL controller after finishing is done (helm/helm#31849).
    if (watched.object.id.kind === 'Job' && watched.seen)
      return { status: 'Current', message: 'completed and removed (ttlSecondsAfterFinished)' };
    return { status: 'NotFound', message: 'not found in the cluster (deleted while waiting?)' };
  }
  if (!WORKLOAD_KINDS.has(latest.kind)) return objectStatus(latest, now);
  const related = relatedOf(latest, pods, replicaSets);
  return workloadStatusWithPods(latest, related.pods, now, { replicaSets: related.replicaSets, startedAt });
}

/** Pods a workload owns (directly, or through its ReplicaSets), and those ReplicaSets. */
function relatedOf(
  workload: KubeObject,
  pods: Map<string, KubeObject>,
  replicaSets: Map<string, KubeObject>,
): { pods: KubeObject[]; replicaSets: KubeObject[] } {
  const uid = workload.metadata.uid;
  const ownedBy = (object: KubeObject, owner: string | undefined) =>
    owner !== undefined && (object.metadata.ownerReferences ?? []).some((ref) => ref.uid === owner);
  const ownSets = [...replicaSets.values()].filter((rs) => ownedBy(rs, uid));
  const owners = new Set([uid, ...ownSets.map((rs) => rs.metadata.uid)]);
  const ownPods = [...pods.values()].filter((pod) =>
    (pod.metadata.ownerReferences ?? []).some((ref) => owners.has(ref.uid)),
  );
  return { pods: ownPods, replicaSets: ownSets };
}

/** The failure summary: each object not Current, why, its pods' reasons and recent warnings. */
async function failure(
  client: KubeClient,
  pending: Map<string, Watched>,
  pods: Map<string, KubeObject>,
  replicaSets: Map<string, KubeObject>,
  options: WaitOptions,
  why: 'failed' | 'timeout',
): Promise<KpushError> {
  const now = options.now();
  const stuck = [...pending.values()].filter((watched) => !watched.settled);
  const lines: string[] = [];
  for (const watched of stuck) {
    const status = statusOf(watched, pods, replicaSets, now, options.startedAt);
    watched.object.status =
      why === 'timeout' && status.status === 'InProgress' ? 'InProgress' : status.status;
    watched.object.message = status.message;
    lines.push(`${describeObject(watched.object.id)}: ${status.status}: ${status.message}`);
    const related = watched.latest
      ? relatedOf(watched.latest, pods, replicaSets)
      : { pods: [], replicaSets: [] };
    for (const pod of related.pods) {
      for (const problem of podProblems(pod)) {
        if (problem.message && status.message.includes(problem.message)) continue; // said just above
        lines.push(
          `  pod ${pod.metadata.name}: ${problem.reason}${problem.message ? `: ${problem.message}` : ''}`,
        );
      }
    }
    const names = [
      watched.object.id.name,
      ...related.pods.map((pod) => pod.metadata.name ?? ''),
      ...related.replicaSets.map((rs) => rs.metadata.name ?? ''),
    ];
    for (const event of await recentWarnings(client, watched.object.id.namespace, names, options.startedAt)) {
      lines.push(`  event ${event}`);
    }
  }
  options.reporter.info(
    options.log(
      why === 'timeout' ? `rollout not finished after ${options.timeoutMs / 1000}s:` : 'rollout failed:',
    ),
  );
  for (const line of lines) options.reporter.info(options.log(`  ${line}`));
  const first = stuck.find((watched) => watched.object.status === 'Failed') ?? stuck[0];
  const subject = first
    ? `${describeObject(first.object.id)}: ${first.object.message ?? first.object.status}`
    : 'objects not ready';
  return new KpushError(
    why === 'timeout' ? 'E_ROLLOUT_TIMEOUT' : 'E_ROLLOUT_FAILED',
    why === 'timeout'
      ? `${stuck.length} object${stuck.length === 1 ? '' : 's'} not ready after ${options.timeoutMs / 1000}s; first: ${subject}`
      : `rollout failed: ${subject}`,
    {
      hint: 'See the summary above (pod reasons and warning events). To go back: git revert the env commit and deploy again.',
      details: {
        notReady: stuck.map((watched) => ({
          object: describeObject(watched.object.id),
          status: watched.object.status,
          message: watched.object.message,
        })),
      },
    },
  );
}

/** Warning events about these objects since the deploy started, oldest first, at most 5. */
async function recentWarnings(
  client: KubeClient,
  namespace: string,
  names: string[],
  since: Date,
): Promise<string[]> {
  if (!namespace) return [];
  const wanted = new Set(names.filter(Boolean));
  const list = await client
    .list('v1', 'Event', namespace, { fieldSelector: 'type=Warning' })
    .catch(() => ({ items: [] }));
  return list.items
    .filter((event) => wanted.has((event.involvedObject as { name?: string } | undefined)?.name ?? ''))
    .map((event) => ({
      at: String(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? ''),
      text: `${(event.involvedObject as { kind?: string }).kind ?? ''}/${(event.involvedObject as { name?: string }).name ?? ''}: ${String(event.reason ?? '')}: ${String(event.message ?? '').trim()}${Number(event.count ?? 1) > 1 ? ` (x${event.count})` : ''}`,
    }))
    .filter((event) => !event.at || Date.parse(event.at) >= since.getTime() - 5_000)
    .sort((a, b) => a.at.localeCompare(b.at))
    .slice(-5)
    .map((event) => event.text);
}
