import { isRecord, pathOf } from './normalize.js';
import type { KubeObject, PodProblem, RolloutStatus, StatusResult } from './types.js';
import { splitApiVersion } from './types.js';

/**
 * Rollout status: kstatus' rules (kubernetes-sigs/cli-utils `pkg/kstatus/status`), except that a
 * running Job is InProgress until Complete (as Helm waits), plus pod verdicts that let deploy stop
 * at the first workload that cannot succeed instead of waiting for the timeout.
 */

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** kstatus gives a pod this long to be scheduled before calling it unschedulable. */
export const UNSCHEDULABLE_GRACE_MS = 15_000;

/** Container waiting reasons that will not clear up by waiting. */
export const DECISIVE_WAITING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
]);

/** Waiting reasons that are just steps of a normal start, not problems. */
const ROUTINE_WAITING_REASONS = new Set(['ContainerCreating', 'PodInitializing']);

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

const current = (message: string): StatusResult => ({ status: 'Current', message });
const inProgress = (message: string, reason?: string): StatusResult =>
  reason ? { status: 'InProgress', message, reason } : { status: 'InProgress', message };
const failed = (message: string, reason: string): StatusResult => ({ status: 'Failed', message, reason });

/**
 * kstatus of one object. `now` matters only for a Pending Pod: unschedulable for longer than
 * 15 s is Failed; without `now` it stays InProgress.
 */
export function objectStatus(obj: KubeObject, now?: Date): StatusResult {
  const generic = genericStatus(obj);
  if (generic) return generic;
  const group = splitApiVersion(obj.apiVersion).group;
  switch (`${obj.kind}.${group}`) {
    case 'Deployment.apps':
      return deploymentStatus(obj);
    case 'StatefulSet.apps':
      return statefulSetStatus(obj);
    case 'DaemonSet.apps':
      return daemonSetStatus(obj);
    case 'ReplicaSet.apps':
      return replicaSetStatus(obj);
    case 'Job.batch':
      return jobStatus(obj);
    case 'Pod.':
      return podStatus(obj, now);
    case 'PersistentVolumeClaim.':
      return pvcStatus(obj);
    case 'Service.':
      return serviceStatus(obj);
    case 'CustomResourceDefinition.apiextensions.k8s.io':
      return crdStatus(obj);
    case 'ConfigMap.':
    case 'Secret.':
    case 'CronJob.batch':
    case 'PodDisruptionBudget.policy':
      return current('exists');
    default:
      return readyConditionStatus(obj);
  }
}

/** Any Failed → Failed; all Current → Current; anything else is still in progress. */
export function aggregateStatus(results: readonly StatusResult[]): RolloutStatus {
  if (results.some((result) => result.status === 'Failed')) return 'Failed';
  if (results.every((result) => result.status === 'Current')) return 'Current';
  return 'InProgress';
}

export function conditionsOf(obj: KubeObject): Condition[] {
  const conditions = pathOf(obj, ['status', 'conditions']);
  if (!Array.isArray(conditions)) return [];
  return conditions.filter(
    (condition): condition is Condition =>
      isRecord(condition) && typeof condition.type === 'string' && typeof condition.status === 'string',
  );
}

export function findCondition(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((condition) => condition.type === type);
}

function isConditionTrue(obj: KubeObject, type: string): boolean {
  return findCondition(obj, type)?.status === 'True';
}

/** Rules for every kind, before the kind's own: deletion, unobserved generation, standard conditions. */
function genericStatus(obj: KubeObject): StatusResult | null {
  if (obj.metadata.deletionTimestamp) return { status: 'Terminating', message: 'being deleted' };
  const generation = obj.metadata.generation;
  const observed = pathOf(obj, ['status', 'observedGeneration']);
  if (typeof generation === 'number' && typeof observed === 'number' && generation !== observed) {
    return inProgress(
      `waiting for the controller to observe generation ${generation} (last observed ${observed})`,
    );
  }
  const reconciling = findCondition(obj, 'Reconciling');
  if (reconciling?.status === 'True') {
    return inProgress(conditionText(reconciling, 'reconciling'), reconciling.reason);
  }
  const stalled = findCondition(obj, 'Stalled');
  if (stalled?.status === 'True')
    return failed(conditionText(stalled, 'stalled'), stalled.reason ?? 'Stalled');
  return null;
}

function conditionText(condition: Condition, fallback: string): string {
  return condition.message || condition.reason || fallback;
}

function intField(obj: KubeObject, path: readonly string[], fallback: number): number {
  const value = pathOf(obj, path);
  return typeof value === 'number' ? value : fallback;
}

function stringField(obj: KubeObject, path: readonly string[]): string | undefined {
  const value = pathOf(obj, path);
  return typeof value === 'string' ? value : undefined;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function deploymentStatus(obj: KubeObject): StatusResult {
  const progressing = findCondition(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return failed(
      `progress deadline exceeded: ${conditionText(progressing, 'no progress')}`,
      'ProgressDeadlineExceeded',
    );
  }
  const spec = intField(obj, ['spec', 'replicas'], 1);
  const replicas = intField(obj, ['status', 'replicas'], 0);
  const updated = intField(obj, ['status', 'updatedReplicas'], 0);
  const ready = intField(obj, ['status', 'readyReplicas'], 0);
  const available = intField(obj, ['status', 'availableReplicas'], 0);
  if (spec > replicas) return inProgress(`${replicas} of ${spec} replicas created`);
  if (spec > updated) return inProgress(`${updated} of ${spec} replicas updated`);
  if (replicas > spec) {
    return inProgress(`waiting for rollout: ${plural(replicas - spec, 'old replica')} pending termination`);
  }
  if (updated > available) return inProgress(`${available} of ${updated} updated replicas available`);
  if (spec > ready) return inProgress(`${ready} of ${spec} replicas ready`);
  // kstatus also waits for the controller to call the new ReplicaSet available.
  if (progressing && !(progressing.status === 'True' && progressing.reason === 'NewReplicaSetAvailable')) {
    return inProgress('waiting for the new ReplicaSet to become available');
  }
  if (!isConditionTrue(obj, 'Available')) return inProgress('deployment is not Available yet');
  return current(`${plural(replicas, 'replica')} available`);
}

function statefulSetStatus(obj: KubeObject): StatusResult {
  if (stringField(obj, ['spec', 'updateStrategy', 'type']) === 'OnDelete') {
    return current('OnDelete update strategy: pods are replaced when deleted');
  }
  const spec = intField(obj, ['spec', 'replicas'], 1);
  const replicas = intField(obj, ['status', 'replicas'], 0);
  const ready = intField(obj, ['status', 'readyReplicas'], 0);
  const currentReplicas = intField(obj, ['status', 'currentReplicas'], 0);
  const updated = intField(obj, ['status', 'updatedReplicas'], 0);
  const partition = intField(obj, ['spec', 'updateStrategy', 'rollingUpdate', 'partition'], -1);
  if (spec > replicas) return inProgress(`${replicas} of ${spec} replicas created`);
  if (spec > ready) return inProgress(`${ready} of ${spec} replicas ready`);
  if (replicas > spec) {
    return inProgress(`waiting for rollout: ${plural(replicas - spec, 'old replica')} pending termination`);
  }
  if (partition !== -1) {
    const target = spec - partition;
    if (updated < target) return inProgress(`${updated} of ${target} replicas above the partition updated`);
    return current(`partitioned rollout complete: ${plural(updated, 'replica')} updated`);
  }
  if (spec > currentReplicas)
    return inProgress(`${currentReplicas} of ${spec} replicas at the current revision`);
  const currentRevision = stringField(obj, ['status', 'currentRevision']) ?? '';
  const updateRevision = stringField(obj, ['status', 'updateRevision']) ?? '';
  if (currentRevision !== updateRevision) {
    return inProgress(`waiting for revision ${updateRevision} to replace ${currentRevision}`);
  }
  return current(`${plural(replicas, 'replica')} ready`);
}

function daemonSetStatus(obj: KubeObject): StatusResult {
  const desired = intField(obj, ['status', 'desiredNumberScheduled'], -1);
  if (desired === -1) return inProgress('waiting for the controller to count the nodes');
  const counts: [string, number][] = [
    ['scheduled', intField(obj, ['status', 'currentNumberScheduled'], 0)],
    ['updated', intField(obj, ['status', 'updatedNumberScheduled'], 0)],
    ['available', intField(obj, ['status', 'numberAvailable'], 0)],
    ['ready', intField(obj, ['status', 'numberReady'], 0)],
  ];
  for (const [what, count] of counts) {
    if (desired > count) return inProgress(`${count} of ${desired} pods ${what}`);
  }
  return current(`${plural(desired, 'pod')} ready`);
}

function replicaSetStatus(obj: KubeObject): StatusResult {
  const failure = findCondition(obj, 'ReplicaFailure');
  if (failure?.status === 'True') {
    return inProgress(`cannot create pods: ${conditionText(failure, 'replica failure')}`, 'ReplicaFailure');
  }
  const spec = intField(obj, ['spec', 'replicas'], 1);
  const replicas = intField(obj, ['status', 'replicas'], 0);
  const counts: [string, number][] = [
    ['labelled', intField(obj, ['status', 'fullyLabeledReplicas'], 0)],
    ['available', intField(obj, ['status', 'availableReplicas'], 0)],
    ['ready', intField(obj, ['status', 'readyReplicas'], 0)],
  ];
  for (const [what, count] of counts) {
    if (spec > count) return inProgress(`${count} of ${spec} replicas ${what}`);
  }
  if (replicas > spec) return inProgress(`${plural(replicas - spec, 'replica')} pending termination`);
  return current(`${plural(replicas, 'replica')} available`);
}

/** Unlike kstatus, a started Job is not Current: deploy waits for Complete, as Helm does. */
function jobStatus(obj: KubeObject): StatusResult {
  const completions = intField(obj, ['spec', 'completions'], intField(obj, ['spec', 'parallelism'], 1));
  const succeeded = intField(obj, ['status', 'succeeded'], 0);
  const failedPods = intField(obj, ['status', 'failed'], 0);
  const active = intField(obj, ['status', 'active'], 0);
  if (isConditionTrue(obj, 'Complete')) return current(`complete: ${succeeded} of ${completions} succeeded`);
  // FailureTarget comes first (Kubernetes ≥ 1.31): Failed follows once the pods are gone.
  for (const type of ['Failed', 'FailureTarget']) {
    const condition = findCondition(obj, type);
    if (condition?.status === 'True') {
      const why = condition.message ? `: ${condition.message}` : '';
      return failed(
        `job failed (${plural(failedPods, 'failed pod')})${why}`,
        condition.reason ?? 'JobFailed',
      );
    }
  }
  if (pathOf(obj, ['spec', 'suspend']) === true) return inProgress('job is suspended');
  if (!stringField(obj, ['status', 'startTime'])) return inProgress('job not started');
  return inProgress(
    `${succeeded} of ${completions} completions succeeded, ${active} active, ${failedPods} failed`,
  );
}

function podStatus(pod: KubeObject, now: Date | undefined): StatusResult {
  const phase = stringField(pod, ['status', 'phase']);
  switch (phase) {
    case 'Succeeded':
      return current('completed');
    case 'Failed':
      return failed(podFailureText(pod), stringField(pod, ['status', 'reason']) ?? 'PodFailed');
    case 'Running': {
      if (isConditionTrue(pod, 'Ready')) return current('running and ready');
      const crashLooping = podProblems(pod).find((problem) => problem.reason === 'CrashLoopBackOff');
      if (crashLooping) return failed(crashLooping.message, 'CrashLoopBackOff');
      return inProgress('running but not ready');
    }
    case 'Pending': {
      const unschedulable = unschedulableCondition(pod);
      if (!unschedulable) return inProgress('pending');
      const since = timeOf(unschedulable.lastTransitionTime) ?? timeOf(pod.metadata.creationTimestamp);
      if (now && since !== undefined && now.getTime() - since > UNSCHEDULABLE_GRACE_MS) {
        return failed(unschedulableText(unschedulable), 'Unschedulable');
      }
      return inProgress('not scheduled yet');
    }
    default:
      return inProgress('waiting for the kubelet to report the pod');
  }
}

function pvcStatus(obj: KubeObject): StatusResult {
  const phase = stringField(obj, ['status', 'phase']);
  return phase === 'Bound' ? current('bound') : inProgress(`not bound yet (phase ${phase ?? 'unknown'})`);
}

function serviceStatus(obj: KubeObject): StatusResult {
  const type = stringField(obj, ['spec', 'type']) ?? 'ClusterIP';
  if (type === 'LoadBalancer' && !stringField(obj, ['spec', 'clusterIP'])) {
    return inProgress('waiting for a cluster IP');
  }
  return current('exists');
}

function crdStatus(obj: KubeObject): StatusResult {
  for (const condition of conditionsOf(obj)) {
    if (condition.type === 'NamesAccepted' && condition.status === 'False') {
      return failed(
        `names not accepted: ${conditionText(condition, 'conflict')}`,
        condition.reason ?? 'NamesNotAccepted',
      );
    }
    if (condition.type === 'Established') {
      if (condition.status === 'True') return current('established');
      if (condition.status === 'False' && condition.reason !== 'Installing') {
        return failed(
          `not established: ${conditionText(condition, 'unknown')}`,
          condition.reason ?? 'NotEstablished',
        );
      }
    }
  }
  return inProgress('waiting to be established');
}

/** Custom resources: a Ready condition where there is one, else nothing to wait for. */
function readyConditionStatus(obj: KubeObject): StatusResult {
  const ready = findCondition(obj, 'Ready');
  if (!ready) return current('exists');
  if (ready.status === 'True') return current('ready');
  return inProgress(`not ready: ${conditionText(ready, 'no reason given')}`, ready.reason);
}

// ---------------------------------------------------------------------------------------------
// Pods

interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string; signal?: number };
}

function containerStatuses(
  pod: KubeObject,
  field: 'initContainerStatuses' | 'containerStatuses',
): ContainerStatus[] {
  const statuses = pathOf(pod, ['status', field]);
  if (!Array.isArray(statuses)) return [];
  return statuses.filter(
    (status): status is ContainerStatus => isRecord(status) && typeof status.name === 'string',
  );
}

/**
 * Why a pod is not Ready, most telling first: containers stuck waiting (with the last exit code
 * of a crash-looping one), containers that exited non-zero, the scheduler's reason for not
 * placing it, and containers that run but fail their readiness probe.
 */
export function podProblems(pod: KubeObject): PodProblem[] {
  const problems: PodProblem[] = [];
  const phase = stringField(pod, ['status', 'phase']);
  const groups: [string, ContainerStatus[]][] = [
    ['init container', containerStatuses(pod, 'initContainerStatuses')],
    ['container', containerStatuses(pod, 'containerStatuses')],
  ];
  for (const [label, statuses] of groups) {
    for (const status of statuses) {
      const problem = containerProblem(`${label} "${status.name}"`, status);
      if (problem) problems.push({ ...problem, container: status.name });
    }
  }
  const unschedulable = unschedulableCondition(pod);
  if (unschedulable) problems.push({ reason: 'Unschedulable', message: unschedulableText(unschedulable) });
  if (phase === 'Failed' && problems.length === 0) {
    problems.push({
      reason: stringField(pod, ['status', 'reason']) ?? 'PodFailed',
      message: podFailureText(pod),
    });
  }
  if (phase === 'Running' && findCondition(pod, 'Ready')?.status === 'False' && problems.length === 0) {
    problems.push({ reason: 'NotReady', message: 'running but not ready' });
  }
  return problems;
}

function containerProblem(who: string, status: ContainerStatus): Omit<PodProblem, 'container'> | null {
  const waiting = status.state?.waiting;
  if (waiting?.reason && !ROUTINE_WAITING_REASONS.has(waiting.reason)) {
    const detail = waiting.message ? `: ${waiting.message}` : '';
    const lastExit = status.lastState?.terminated;
    const exit = lastExit ? ` (last exit: ${exitText(lastExit)})` : '';
    return { reason: waiting.reason, message: `${who} is in ${waiting.reason}${detail}${exit}` };
  }
  const terminated = status.state?.terminated;
  if (terminated && terminated.exitCode !== undefined && terminated.exitCode !== 0) {
    const detail = terminated.message ? `: ${terminated.message.trim()}` : '';
    return {
      reason: terminated.reason ?? 'Error',
      message: `${who} exited with ${exitText(terminated)}${detail}`,
    };
  }
  if (status.state?.running && status.ready === false) {
    return { reason: 'NotReady', message: `${who} is running but not ready` };
  }
  return null;
}

function exitText(terminated: NonNullable<ContainerState['terminated']>): string {
  const reason = terminated.reason ? ` (${terminated.reason})` : '';
  return `code ${terminated.exitCode ?? 'unknown'}${reason}`;
}

function unschedulableCondition(pod: KubeObject): Condition | undefined {
  const scheduled = findCondition(pod, 'PodScheduled');
  return scheduled?.status === 'False' && scheduled.reason === 'Unschedulable' ? scheduled : undefined;
}

function unschedulableText(condition: Condition): string {
  return `unschedulable: ${condition.message ?? 'no node fits'}`;
}

function podFailureText(pod: KubeObject): string {
  const message = stringField(pod, ['status', 'message']);
  return message ? `pod failed: ${message}` : 'pod failed';
}

function timeOf(timestamp: string | undefined): number | undefined {
  if (!timestamp) return undefined;
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? undefined : time;
}

function isOwnedByJob(pod: KubeObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'Job');
}

/**
 * Whether a pod can still become Ready. Failed, decisively, when a container waits for a reason
 * that waiting will not fix (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, InvalidImageName,
 * CreateContainerConfigError), when it has been unschedulable for more than 15 s, or when it
 * failed and no Job will retry it. The 15 s count from the later of the condition's transition and
 * `startedAt` (the deploy's start), so a pod is never judged on time nobody was watching.
 */
export function podVerdict(pod: KubeObject, now: Date, startedAt: Date): StatusResult {
  if (pod.metadata.deletionTimestamp) return { status: 'Terminating', message: 'being deleted' };
  const phase = stringField(pod, ['status', 'phase']);
  if (phase === 'Succeeded') return current('completed');
  const problems = podProblems(pod);
  if (phase === 'Failed') {
    const text = problems[0]?.message ?? podFailureText(pod);
    if (isOwnedByJob(pod)) return inProgress(`${text} (the Job decides whether to retry)`);
    return failed(text, stringField(pod, ['status', 'reason']) ?? problems[0]?.reason ?? 'PodFailed');
  }
  const decisive = problems.find((problem) => DECISIVE_WAITING_REASONS.has(problem.reason));
  if (decisive) return failed(decisive.message, decisive.reason);
  const unschedulable = unschedulableCondition(pod);
  if (unschedulable) {
    const since = Math.max(
      timeOf(unschedulable.lastTransitionTime) ?? startedAt.getTime(),
      startedAt.getTime(),
    );
    if (now.getTime() - since > UNSCHEDULABLE_GRACE_MS)
      return failed(unschedulableText(unschedulable), 'Unschedulable');
  }
  if (phase === 'Running' && isConditionTrue(pod, 'Ready')) return current('running and ready');
  const first = problems[0];
  if (first) return inProgress(first.message, first.reason);
  return inProgress(phase ? `pod is ${phase}` : 'waiting for the kubelet to report the pod');
}

// ---------------------------------------------------------------------------------------------
// Workloads with their pods

export interface WorkloadContext {
  /** The ReplicaSets in the Deployment's namespace; the newest one of this Deployment picks its pods. */
  replicaSets?: readonly KubeObject[];
  /** When the deploy started: unschedulable time before it does not count. Defaults to the epoch. */
  startedAt?: Date;
}

/**
 * The workload's kstatus, turned Failed as soon as one of its current pods is decisively failed
 * (reason and container named), or enriched with the first pod problem while in progress. Only
 * pods of the rollout count: for a Deployment, those of its newest ReplicaSet; for a StatefulSet,
 * those at its update revision.
 */
export function workloadStatusWithPods(
  workload: KubeObject,
  pods: readonly KubeObject[],
  now: Date,
  context: WorkloadContext = {},
): StatusResult {
  const startedAt = context.startedAt ?? new Date(0);
  if (workload.kind === 'Pod') return podVerdict(workload, now, startedAt);
  const base = objectStatus(workload, now);
  // Until the controller has seen the new spec, the "current" pods are the previous rollout's.
  if (base.status !== 'InProgress' || !generationObserved(workload)) return base;
  let hint: string | undefined;
  for (const pod of podsOfWorkload(workload, pods, context.replicaSets ?? [])) {
    const verdict = podVerdict(pod, now, startedAt);
    const name = pod.metadata.name ?? '(unnamed)';
    if (verdict.status === 'Failed') {
      return {
        status: 'Failed',
        message: `pod ${name}: ${verdict.message}`,
        reason: verdict.reason ?? 'PodFailed',
      };
    }
    if (hint === undefined && verdict.status === 'InProgress' && verdict.reason) {
      hint = `pod ${name}: ${verdict.message}`;
    }
  }
  return hint ? { ...base, message: `${base.message}; ${hint}` } : base;
}

function generationObserved(obj: KubeObject): boolean {
  const observed = pathOf(obj, ['status', 'observedGeneration']);
  return obj.metadata.generation === undefined || observed === obj.metadata.generation;
}

/** The pods that belong to the workload's current rollout. */
export function podsOfWorkload(
  workload: KubeObject,
  pods: readonly KubeObject[],
  replicaSets: readonly KubeObject[] = [],
): KubeObject[] {
  const selector = pathOf(workload, ['spec', 'selector']);
  if (!isRecord(selector)) return [];
  // A Deployment's pods are controlled by its ReplicaSets, so their owner is checked one level up.
  const checkOwner = workload.kind !== 'Deployment';
  const candidates = pods.filter(
    (pod) =>
      (pod.metadata.namespace ?? '') === (workload.metadata.namespace ?? '') &&
      selectorMatches(selector as LabelSelector, pod.metadata.labels ?? {}) &&
      !(checkOwner && ownedBySomeoneElse(pod, workload)),
  );
  switch (workload.kind) {
    case 'Deployment': {
      const newest = newestReplicaSet(workload, replicaSets);
      const hash = newest?.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
      const revision = workload.metadata.annotations?.[REVISION_ANNOTATION];
      // The Deployment names its current revision; a newest ReplicaSet behind it is stale.
      if (
        hash === undefined ||
        (revision && newest?.metadata.annotations?.[REVISION_ANNOTATION] !== revision)
      ) {
        return [];
      }
      return candidates.filter((pod) => pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
    }
    case 'StatefulSet': {
      const revision = stringField(workload, ['status', 'updateRevision']);
      if (!revision) return candidates;
      return candidates.filter((pod) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === revision);
    }
    default:
      return candidates;
  }
}

/** The Deployment's ReplicaSet with the highest `deployment.kubernetes.io/revision`. */
export function newestReplicaSet(
  deployment: KubeObject,
  replicaSets: readonly KubeObject[],
): KubeObject | undefined {
  const selector = pathOf(deployment, ['spec', 'selector']);
  if (!isRecord(selector)) return undefined;
  let newest: KubeObject | undefined;
  let newestRevision = -1;
  for (const replicaSet of replicaSets) {
    if ((replicaSet.metadata.namespace ?? '') !== (deployment.metadata.namespace ?? '')) continue;
    if (!selectorMatches(selector as LabelSelector, replicaSet.metadata.labels ?? {})) continue;
    if (ownedBySomeoneElse(replicaSet, deployment)) continue;
    const revision = Number.parseInt(replicaSet.metadata.annotations?.[REVISION_ANNOTATION] ?? '', 10);
    if (Number.isFinite(revision) && revision > newestRevision) {
      newest = replicaSet;
      newestRevision = revision;
    }
  }
  return newest;
}

/** True when `child` names a controller and it is known not to be `owner` (overlapping selectors). */
function ownedBySomeoneElse(child: KubeObject, owner: KubeObject): boolean {
  const controller = (child.metadata.ownerReferences ?? []).find((reference) => reference.controller);
  const ownerUid = owner.metadata.uid;
  return Boolean(controller && ownerUid && controller.uid !== ownerUid);
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelector semantics: every matchLabels entry and every expression must hold. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}
