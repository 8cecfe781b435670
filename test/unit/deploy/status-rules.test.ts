// The status rules one by one, with the exact result each gives (status, message, reason): the
// messages are what deploy prints while it waits, and what a user reads when it gives up.
import { describe, expect, it } from 'vitest';
import {
  conditionsOf,
  findCondition,
  newestReplicaSet,
  objectStatus,
  podProblems,
  podsOfWorkload,
  podVerdict,
  selectorMatches,
  workloadStatusWithPods,
} from '../../../src/core/deploy/status.js';
import type { KubeObject } from '../../../src/core/deploy/types.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

function object(apiVersion: string, kind: string, rest: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, ...rest };
}

const withConditions = (conditions: unknown[]) => ({ conditions });

function pod(status: Record<string, unknown>, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return object('v1', 'Pod', {
    metadata: { name: 'p', namespace: 'shop', labels: { app: 'web' }, ...metadata },
    status,
  });
}

const unschedulableSince = (seconds: number | undefined, message?: string) => ({
  type: 'PodScheduled',
  status: 'False',
  reason: 'Unschedulable',
  ...(seconds === undefined ? {} : { lastTransitionTime: secondsAgo(seconds) }),
  ...(message ? { message } : {}),
});

describe('kinds that only need to exist', () => {
  it.each([
    ['v1', 'ConfigMap'],
    ['v1', 'Secret'],
    ['batch/v1', 'CronJob'],
    ['policy/v1', 'PodDisruptionBudget'],
  ])('%s %s is Current whatever its conditions say', (apiVersion, kind) => {
    const obj = object(apiVersion, kind, { status: withConditions([{ type: 'Ready', status: 'False' }]) });
    expect(objectStatus(obj)).toEqual({ status: 'Current', message: 'exists' });
  });

  it('judges a same-named kind of another group by its Ready condition', () => {
    const obj = object('example.com/v1', 'ConfigMap', {
      status: withConditions([{ type: 'Ready', status: 'False', message: 'syncing' }]),
    });
    expect(objectStatus(obj)).toEqual({ status: 'InProgress', message: 'not ready: syncing' });
  });
});

describe('conditionsOf and findCondition', () => {
  it('keeps only conditions with a string type and status', () => {
    const obj = object('example.com/v1', 'Widget', {
      status: withConditions([
        null,
        'Ready',
        { type: 1, status: 'True' },
        { type: 'Ready' },
        { status: 'True' },
        { type: 'Ready', status: 'True', reason: 'Done' },
      ]),
    });
    expect(conditionsOf(obj)).toEqual([{ type: 'Ready', status: 'True', reason: 'Done' }]);
    expect(findCondition(obj, 'Ready')).toEqual({ type: 'Ready', status: 'True', reason: 'Done' });
    expect(findCondition(obj, 'Stalled')).toBeUndefined();
  });

  it('is empty without a conditions list', () => {
    expect(conditionsOf(object('v1', 'ConfigMap'))).toEqual([]);
    expect(conditionsOf(object('v1', 'ConfigMap', { status: { conditions: {} } }))).toEqual([]);
  });
});

describe('generic rules', () => {
  it('reports a deleted object as Terminating', () => {
    const obj = object('v1', 'ConfigMap');
    obj.metadata.deletionTimestamp = secondsAgo(1);
    expect(objectStatus(obj)).toEqual({ status: 'Terminating', message: 'being deleted' });
  });

  it('compares generations only when both are numbers', () => {
    const noObserved = object('v1', 'ConfigMap', { status: {} });
    noObserved.metadata.generation = 3;
    expect(objectStatus(noObserved)).toEqual({ status: 'Current', message: 'exists' });
    const noGeneration = object('v1', 'ConfigMap', { status: { observedGeneration: 2 } });
    expect(objectStatus(noGeneration)).toEqual({ status: 'Current', message: 'exists' });
  });

  it('falls back to a fixed text for Reconciling and Stalled conditions without message or reason', () => {
    const widget = (type: string) =>
      object('example.com/v1', 'Widget', { status: withConditions([{ type, status: 'True' }]) });
    expect(objectStatus(widget('Reconciling'))).toEqual({ status: 'InProgress', message: 'reconciling' });
    expect(objectStatus(widget('Stalled'))).toEqual({
      status: 'Failed',
      message: 'stalled',
      reason: 'Stalled',
    });
  });
});

describe('Deployment', () => {
  const deployment = (status: Record<string, unknown>) =>
    object('apps/v1', 'Deployment', { spec: { replicas: 2 }, status });
  const counts = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };

  it('needs no Progressing condition to be Current', () => {
    expect(
      objectStatus(deployment({ ...counts, ...withConditions([{ type: 'Available', status: 'True' }]) })),
    ).toEqual({
      status: 'Current',
      message: '2 replicas available',
    });
  });

  it('says what it waits for', () => {
    const progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' };
    expect(objectStatus(deployment({ ...counts, ...withConditions([progressing]) }))).toEqual({
      status: 'InProgress',
      message: 'waiting for the new ReplicaSet to become available',
    });
    const unknown = { type: 'Progressing', status: 'Unknown', reason: 'NewReplicaSetAvailable' };
    const availableTrue = { type: 'Available', status: 'True' };
    expect(objectStatus(deployment({ ...counts, ...withConditions([availableTrue, unknown]) }))).toEqual({
      status: 'InProgress',
      message: 'waiting for the new ReplicaSet to become available',
    });
    expect(objectStatus(deployment(counts))).toEqual({
      status: 'InProgress',
      message: 'deployment is not Available yet',
    });
  });
});

describe('StatefulSet', () => {
  const sts = (status: Record<string, unknown>, updateStrategy?: object) =>
    object('apps/v1', 'StatefulSet', { spec: { replicas: 3, updateStrategy }, status });
  const done = { replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 };

  it.each<[string, Record<string, unknown>, string]>([
    ['created', { ...done, replicas: 1, readyReplicas: 1 }, '1 of 3 replicas created'],
    [
      'pending termination',
      { ...done, replicas: 5 },
      'waiting for rollout: 2 old replicas pending termination',
    ],
    [
      'one pending termination',
      { ...done, replicas: 4 },
      'waiting for rollout: 1 old replica pending termination',
    ],
    ['at the current revision', { ...done, currentReplicas: 2 }, '2 of 3 replicas at the current revision'],
    ['no current revision', { ...done, updateRevision: 'r2' }, 'waiting for revision r2 to replace '],
    ['no update revision', { ...done, currentRevision: 'r1' }, 'waiting for revision  to replace r1'],
  ])('in progress: %s', (_name, status, message) => {
    expect(objectStatus(sts(status))).toEqual({ status: 'InProgress', message });
  });

  it('is Current without revisions, or with equal ones', () => {
    expect(objectStatus(sts(done))).toEqual({ status: 'Current', message: '3 replicas ready' });
    expect(objectStatus(sts({ ...done, currentRevision: 'r2', updateRevision: 'r2' }))).toEqual({
      status: 'Current',
      message: '3 replicas ready',
    });
  });

  it('explains OnDelete and partitioned rollouts', () => {
    expect(objectStatus(sts({}, { type: 'OnDelete' }))).toEqual({
      status: 'Current',
      message: 'OnDelete update strategy: pods are replaced when deleted',
    });
    const partitioned = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    expect(objectStatus(sts({ ...done, updatedReplicas: 0 }, partitioned))).toEqual({
      status: 'InProgress',
      message: '0 of 1 replicas above the partition updated',
    });
    expect(objectStatus(sts({ ...done, updatedReplicas: 1 }, partitioned))).toEqual({
      status: 'Current',
      message: 'partitioned rollout complete: 1 replica updated',
    });
  });
});

describe('DaemonSet', () => {
  const ds = (status: Record<string, unknown>) => object('apps/v1', 'DaemonSet', { status });
  const full = {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 3,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
    numberReady: 3,
  };

  it('waits for the controller to count the nodes', () => {
    expect(objectStatus(ds({}))).toEqual({
      status: 'InProgress',
      message: 'waiting for the controller to count the nodes',
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['scheduled', { currentNumberScheduled: 1 }, '1 of 3 pods scheduled'],
    ['updated', { updatedNumberScheduled: 2 }, '2 of 3 pods updated'],
    ['available', { numberAvailable: 0 }, '0 of 3 pods available'],
    ['ready', { numberReady: 2 }, '2 of 3 pods ready'],
  ])('counts pods %s', (_name, counts, message) => {
    expect(objectStatus(ds({ ...full, ...counts }))).toEqual({ status: 'InProgress', message });
  });

  it('is Current when every count reaches the desired number', () => {
    expect(objectStatus(ds(full))).toEqual({ status: 'Current', message: '3 pods ready' });
    const one = { desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 1 };
    expect(objectStatus(ds({ ...one, numberAvailable: 1, numberReady: 1 }))).toEqual({
      status: 'Current',
      message: '1 pod ready',
    });
  });
});

describe('ReplicaSet', () => {
  const rs = (status: Record<string, unknown>, replicas = 2) =>
    object('apps/v1', 'ReplicaSet', { spec: { replicas }, status });
  const full = { replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 2 };

  it.each<[string, Record<string, unknown>, string]>([
    ['labelled', { fullyLabeledReplicas: 1 }, '1 of 2 replicas labelled'],
    ['available', { availableReplicas: 0 }, '0 of 2 replicas available'],
    ['ready', { readyReplicas: 1 }, '1 of 2 replicas ready'],
    ['one pending termination', { replicas: 3 }, '1 replica pending termination'],
    ['pending termination', { replicas: 5 }, '3 replicas pending termination'],
  ])('in progress: %s', (_name, counts, message) => {
    expect(objectStatus(rs({ ...full, ...counts }))).toEqual({ status: 'InProgress', message });
  });

  it('is Current with every replica available', () => {
    expect(objectStatus(rs(full))).toEqual({ status: 'Current', message: '2 replicas available' });
    const one = { replicas: 1, fullyLabeledReplicas: 1, availableReplicas: 1, readyReplicas: 1 };
    expect(objectStatus(rs(one, 1))).toEqual({ status: 'Current', message: '1 replica available' });
  });

  it('explains a replica failure', () => {
    expect(objectStatus(rs(withConditions([{ type: 'ReplicaFailure', status: 'True' }])))).toEqual({
      status: 'InProgress',
      message: 'cannot create pods: replica failure',
      reason: 'ReplicaFailure',
    });
    const quota = {
      type: 'ReplicaFailure',
      status: 'True',
      reason: 'FailedCreate',
      message: 'quota exceeded',
    };
    expect(objectStatus(rs(withConditions([quota])))).toEqual({
      status: 'InProgress',
      message: 'cannot create pods: quota exceeded',
      reason: 'ReplicaFailure',
    });
  });
});

describe('Job', () => {
  const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    object('batch/v1', 'Job', { spec, status });
  const complete = withConditions([{ type: 'Complete', status: 'True' }]);

  it('counts completions from spec.completions, else parallelism, else 1', () => {
    expect(objectStatus(job({ succeeded: 3, ...complete }, { completions: 3, parallelism: 2 }))).toEqual({
      status: 'Current',
      message: 'complete: 3 of 3 succeeded',
    });
    expect(objectStatus(job({ succeeded: 2, ...complete }, { parallelism: 2 }))).toEqual({
      status: 'Current',
      message: 'complete: 2 of 2 succeeded',
    });
    expect(objectStatus(job({ succeeded: 1, ...complete }))).toEqual({
      status: 'Current',
      message: 'complete: 1 of 1 succeeded',
    });
  });

  it('reports the progress of a started job', () => {
    expect(
      objectStatus(job({ startTime: secondsAgo(5), succeeded: 1, active: 2, failed: 1 }, { completions: 4 })),
    ).toEqual({
      status: 'InProgress',
      message: '1 of 4 completions succeeded, 2 active, 1 failed',
    });
    expect(objectStatus(job({ startTime: secondsAgo(5) }))).toEqual({
      status: 'InProgress',
      message: '0 of 1 completions succeeded, 0 active, 0 failed',
    });
    expect(objectStatus(job({}))).toEqual({ status: 'InProgress', message: 'job not started' });
  });

  it('fails with the default reason and without a message when the condition gives none', () => {
    expect(objectStatus(job({ failed: 1, ...withConditions([{ type: 'Failed', status: 'True' }]) }))).toEqual(
      {
        status: 'Failed',
        message: 'job failed (1 failed pod)',
        reason: 'JobFailed',
      },
    );
  });
});

describe('Pod (objectStatus)', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['succeeded', { phase: 'Succeeded' }, { status: 'Current', message: 'completed' }],
    ['failed', { phase: 'Failed' }, { status: 'Failed', message: 'pod failed', reason: 'PodFailed' }],
    [
      'evicted',
      { phase: 'Failed', reason: 'Evicted', message: 'low on memory' },
      { status: 'Failed', message: 'pod failed: low on memory', reason: 'Evicted' },
    ],
    [
      'ready',
      { phase: 'Running', ...withConditions([{ type: 'Ready', status: 'True' }]) },
      { status: 'Current', message: 'running and ready' },
    ],
    ['running, not ready', { phase: 'Running' }, { status: 'InProgress', message: 'running but not ready' }],
    ['pending', { phase: 'Pending' }, { status: 'InProgress', message: 'pending' }],
    [
      'unschedulable for 15 s exactly',
      { phase: 'Pending', ...withConditions([unschedulableSince(15)]) },
      { status: 'InProgress', message: 'not scheduled yet' },
    ],
    [
      'unschedulable for 16 s',
      { phase: 'Pending', ...withConditions([unschedulableSince(16)]) },
      { status: 'Failed', message: 'unschedulable: no node fits', reason: 'Unschedulable' },
    ],
    ['no phase', {}, { status: 'InProgress', message: 'waiting for the kubelet to report the pod' }],
    [
      'unknown phase',
      { phase: 'Unknown' },
      { status: 'InProgress', message: 'waiting for the kubelet to report the pod' },
    ],
  ])('%s', (_name, status, expected) => {
    expect(objectStatus(pod(status), NOW)).toEqual(expected);
  });

  it('counts an unschedulable time without transition from the pod creation', () => {
    const old = pod(
      { phase: 'Pending', ...withConditions([unschedulableSince(undefined)]) },
      {
        creationTimestamp: secondsAgo(30),
      },
    );
    expect(objectStatus(old, NOW)).toMatchObject({ status: 'Failed', reason: 'Unschedulable' });
    const fresh = pod(
      { phase: 'Pending', ...withConditions([unschedulableSince(undefined)]) },
      {
        creationTimestamp: secondsAgo(3),
      },
    );
    expect(objectStatus(fresh, NOW)).toEqual({ status: 'InProgress', message: 'not scheduled yet' });
  });
});

describe('PVC, Service, CRD and custom resources', () => {
  const pvc = (status?: object) => object('v1', 'PersistentVolumeClaim', status ? { status } : {});
  it('PVC', () => {
    expect(objectStatus(pvc({ phase: 'Bound' }))).toEqual({ status: 'Current', message: 'bound' });
    expect(objectStatus(pvc({ phase: 'Pending' }))).toEqual({
      status: 'InProgress',
      message: 'not bound yet (phase Pending)',
    });
    expect(objectStatus(pvc())).toEqual({ status: 'InProgress', message: 'not bound yet (phase unknown)' });
    expect(objectStatus(pvc({ phase: 5 }))).toEqual({
      status: 'InProgress',
      message: 'not bound yet (phase unknown)',
    });
  });

  it('Service waits only for the cluster IP of a LoadBalancer', () => {
    const service = (spec: object) => object('v1', 'Service', { spec });
    expect(objectStatus(service({ type: 'LoadBalancer' }))).toEqual({
      status: 'InProgress',
      message: 'waiting for a cluster IP',
    });
    expect(objectStatus(service({ type: 'LoadBalancer', clusterIP: '10.0.0.1' }))).toEqual({
      status: 'Current',
      message: 'exists',
    });
    expect(objectStatus(service({}))).toEqual({ status: 'Current', message: 'exists' });
  });

  describe('CRD', () => {
    const crd = (conditions: object[]) =>
      object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: withConditions(conditions) });
    const established = { type: 'Established', status: 'True' };

    it.each<[string, object[], object]>([
      [
        'established',
        [{ type: 'NamesAccepted', status: 'True' }, established],
        { status: 'Current', message: 'established' },
      ],
      [
        'names accepted, not established yet',
        [{ type: 'NamesAccepted', status: 'True' }],
        { status: 'InProgress', message: 'waiting to be established' },
      ],
      [
        'Established Unknown',
        [{ type: 'Established', status: 'Unknown' }],
        { status: 'InProgress', message: 'waiting to be established' },
      ],
      [
        'names not accepted, no detail',
        [{ type: 'NamesAccepted', status: 'False' }],
        { status: 'Failed', message: 'names not accepted: conflict', reason: 'NamesNotAccepted' },
      ],
      [
        'not established, no detail',
        [{ type: 'Established', status: 'False' }],
        { status: 'Failed', message: 'not established: unknown', reason: 'NotEstablished' },
      ],
      [
        'not established, with a reason',
        [{ type: 'Established', status: 'False', reason: 'Broken', message: 'bad schema' }],
        { status: 'Failed', message: 'not established: bad schema', reason: 'Broken' },
      ],
    ])('%s', (_name, conditions, expected) => {
      expect(objectStatus(crd(conditions))).toEqual(expected);
    });
  });

  it('custom resources follow their Ready condition', () => {
    const widget = (conditions?: object[]) =>
      object('example.com/v1', 'Widget', conditions ? { status: withConditions(conditions) } : {});
    expect(objectStatus(widget())).toEqual({ status: 'Current', message: 'exists' });
    expect(objectStatus(widget([{ type: 'Ready', status: 'True' }]))).toEqual({
      status: 'Current',
      message: 'ready',
    });
    expect(objectStatus(widget([{ type: 'Ready', status: 'False' }]))).toEqual({
      status: 'InProgress',
      message: 'not ready: no reason given',
    });
    expect(objectStatus(widget([{ type: 'Ready', status: 'False', reason: 'Syncing' }]))).toEqual({
      status: 'InProgress',
      message: 'not ready: Syncing',
      reason: 'Syncing',
    });
  });
});

describe('podProblems: edge cases', () => {
  it('skips container statuses that are not objects or have no name, and containers without state', () => {
    const problems = podProblems(
      pod({
        phase: 'Pending',
        containerStatuses: [
          null,
          { state: { waiting: { reason: 'ErrImagePull' } } },
          { name: 'idle', ready: false },
          { name: 'app', state: { waiting: { reason: 'ErrImagePull' } } },
        ],
      }),
    );
    expect(problems).toEqual([
      { reason: 'ErrImagePull', container: 'app', message: 'container "app" is in ErrImagePull' },
    ]);
    expect(podProblems(pod({ phase: 'Pending', containerStatuses: {} }))).toEqual([]);
  });

  it('reports a non-zero exit without reason or message, and ignores zero or unknown exits', () => {
    const exited = (terminated: object) =>
      podProblems(pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { terminated } }] }));
    expect(exited({ exitCode: 1 })).toEqual([
      { reason: 'Error', container: 'app', message: 'container "app" exited with code 1' },
    ]);
    expect(exited({ exitCode: 137, reason: 'OOMKilled' })).toEqual([
      { reason: 'OOMKilled', container: 'app', message: 'container "app" exited with code 137 (OOMKilled)' },
    ]);
    expect(exited({ exitCode: 0, reason: 'Completed' })).toEqual([]);
    expect(exited({ reason: 'Completed' })).toEqual([]);
  });

  it('says when the last exit code of a crash loop is unknown', () => {
    const problems = podProblems(
      pod({
        phase: 'Running',
        containerStatuses: [
          { name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: {} } },
        ],
      }),
    );
    expect(problems).toEqual([
      {
        reason: 'CrashLoopBackOff',
        container: 'app',
        message: 'container "app" is in CrashLoopBackOff (last exit: code unknown)',
      },
    ]);
  });

  it('explains a failed pod by its containers first, else by its own reason', () => {
    const exit = { name: 'app', state: { terminated: { exitCode: 2 } } };
    expect(podProblems(pod({ phase: 'Failed', reason: 'Evicted', containerStatuses: [exit] }))).toEqual([
      { reason: 'Error', container: 'app', message: 'container "app" exited with code 2' },
    ]);
    expect(podProblems(pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }))).toEqual([
      { reason: 'Evicted', message: 'pod failed: low on memory' },
    ]);
    expect(podProblems(pod({ phase: 'Failed' }))).toEqual([{ reason: 'PodFailed', message: 'pod failed' }]);
  });

  it('reports not-ready only for a running pod, and unschedulable only for that reason', () => {
    expect(
      podProblems(pod({ phase: 'Pending', ...withConditions([{ type: 'Ready', status: 'False' }]) })),
    ).toEqual([]);
    const scheduled = { type: 'PodScheduled', status: 'True' };
    expect(podProblems(pod({ phase: 'Running', ...withConditions([scheduled]) }))).toEqual([]);
    const schedulerError = { type: 'PodScheduled', status: 'False', reason: 'SchedulerError' };
    expect(podProblems(pod({ phase: 'Pending', ...withConditions([schedulerError]) }))).toEqual([]);
  });
});

describe('podVerdict: edge cases', () => {
  const started = new Date(NOW.getTime() - 60_000);

  it('reports a deleted pod as Terminating, a completed one as Current', () => {
    const deleted = pod({ phase: 'Running' }, { deletionTimestamp: secondsAgo(1) });
    expect(podVerdict(deleted, NOW, started)).toEqual({ status: 'Terminating', message: 'being deleted' });
    expect(podVerdict(pod({ phase: 'Succeeded' }), NOW, started)).toEqual({
      status: 'Current',
      message: 'completed',
    });
  });

  it('fails a failed pod with its first problem, the pod reason winning', () => {
    const exit = { name: 'app', state: { terminated: { exitCode: 137, reason: 'Error' } } };
    expect(podVerdict(pod({ phase: 'Failed', containerStatuses: [exit] }), NOW, started)).toEqual({
      status: 'Failed',
      message: 'container "app" exited with code 137 (Error)',
      reason: 'Error',
    });
    expect(
      podVerdict(
        pod({ phase: 'Failed', reason: 'DeadlineExceeded', containerStatuses: [exit] }),
        NOW,
        started,
      ),
    ).toEqual({
      status: 'Failed',
      message: 'container "app" exited with code 137 (Error)',
      reason: 'DeadlineExceeded',
    });
  });

  it('leaves a failed pod to its Job, and only to a Job', () => {
    const owned = (kind: string) =>
      pod(
        { phase: 'Failed' },
        { ownerReferences: [{ apiVersion: 'v1', kind, name: 'o', uid: 'o', controller: true }] },
      );
    expect(podVerdict(owned('Job'), NOW, started)).toEqual({
      status: 'InProgress',
      message: 'pod failed (the Job decides whether to retry)',
    });
    expect(podVerdict(owned('ReplicaSet'), NOW, started)).toEqual({
      status: 'Failed',
      message: 'pod failed',
      reason: 'PodFailed',
    });
  });

  it('gives an unschedulable pod exactly 15 s', () => {
    const pending = (seconds: number) =>
      pod({ phase: 'Pending', ...withConditions([unschedulableSince(seconds)]) });
    expect(podVerdict(pending(15), NOW, started)).toEqual({
      status: 'InProgress',
      message: 'unschedulable: no node fits',
      reason: 'Unschedulable',
    });
    expect(podVerdict(pending(16), NOW, started)).toEqual({
      status: 'Failed',
      message: 'unschedulable: no node fits',
      reason: 'Unschedulable',
    });
  });

  it('calls a pod ready only while it runs', () => {
    const stale = pod({ phase: 'Unknown', ...withConditions([{ type: 'Ready', status: 'True' }]) });
    expect(podVerdict(stale, NOW, started)).toEqual({ status: 'InProgress', message: 'pod is Unknown' });
    const ready = pod({ phase: 'Running', ...withConditions([{ type: 'Ready', status: 'True' }]) });
    expect(podVerdict(ready, NOW, started)).toEqual({ status: 'Current', message: 'running and ready' });
    expect(podVerdict(pod({}), NOW, started)).toEqual({
      status: 'InProgress',
      message: 'waiting for the kubelet to report the pod',
    });
  });
});

describe('workloadStatusWithPods: edge cases', () => {
  const sts = (status: Record<string, unknown> = {}, metadata: Partial<KubeObject['metadata']> = {}) =>
    object('apps/v1', 'StatefulSet', {
      metadata: { name: 'db', namespace: 'shop', uid: 'sts-uid', ...metadata },
      spec: { replicas: 2, selector: { matchLabels: { app: 'db' } } },
      status: { replicas: 2, readyReplicas: 1, ...status },
    });
  const dbPod = (
    name: string,
    status: Record<string, unknown>,
    metadata: Partial<KubeObject['metadata']> = {},
  ) => pod(status, { name, labels: { app: 'db' }, ...metadata });
  const probing = (name: string) =>
    dbPod(name, {
      phase: 'Running',
      containerStatuses: [{ name: 'db', ready: false, state: { running: {} } }],
    });

  it('judges a bare Pod by its verdict, not by its kstatus', () => {
    const pulling = pod({
      phase: 'Pending',
      containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ErrImagePull' } } }],
    });
    expect(workloadStatusWithPods(pulling, [], NOW)).toEqual({
      status: 'Failed',
      message: 'container "app" is in ErrImagePull',
      reason: 'ErrImagePull',
    });
  });

  it('counts unschedulable time from the deploy start it is given', () => {
    const stuck = dbPod('db-0', { phase: 'Pending', ...withConditions([unschedulableSince(3600)]) });
    expect(
      workloadStatusWithPods(sts(), [stuck], NOW, { startedAt: new Date(NOW.getTime() - 5_000) }),
    ).toEqual({
      status: 'InProgress',
      message: '1 of 2 replicas ready; pod db-0: unschedulable: no node fits',
    });
    expect(workloadStatusWithPods(sts(), [stuck], NOW)).toEqual({
      status: 'Failed',
      message: 'pod db-0: unschedulable: no node fits',
      reason: 'Unschedulable',
    });
  });

  it('names an unnamed pod', () => {
    const crashing = dbPod('x', {
      phase: 'Running',
      containerStatuses: [{ name: 'db', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    });
    delete crashing.metadata.name;
    expect(workloadStatusWithPods(sts(), [crashing], NOW)).toEqual({
      status: 'Failed',
      message: 'pod (unnamed): container "db" is in CrashLoopBackOff',
      reason: 'CrashLoopBackOff',
    });
  });

  it('adds only the first pod problem that has a reason', () => {
    const pending = dbPod('db-0', { phase: 'Pending' });
    expect(workloadStatusWithPods(sts(), [pending, probing('db-1'), probing('db-2')], NOW)).toEqual({
      status: 'InProgress',
      message: '1 of 2 replicas ready; pod db-1: container "db" is running but not ready',
    });
    expect(workloadStatusWithPods(sts(), [pending], NOW)).toEqual({
      status: 'InProgress',
      message: '1 of 2 replicas ready',
    });
  });

  it('judges pods when the workload has no generation', () => {
    const crashing = dbPod('db-0', {
      phase: 'Running',
      containerStatuses: [{ name: 'db', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    });
    expect(workloadStatusWithPods(sts({ observedGeneration: 1 }), [crashing], NOW).status).toBe('Failed');
  });

  it('leaves a Deployment without ReplicaSets to its own status', () => {
    const deployment = object('apps/v1', 'Deployment', {
      metadata: { name: 'web', namespace: 'shop', uid: 'dep-uid' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
      status: { replicas: 1 },
    });
    expect(workloadStatusWithPods(deployment, [probing('web-1')], NOW)).toEqual({
      status: 'InProgress',
      message: '1 of 2 replicas created',
    });
  });
});

describe('podsOfWorkload', () => {
  const deployment = (
    annotations?: Record<string, string>,
    selector: object = { matchLabels: { app: 'web' } },
  ) =>
    object('apps/v1', 'Deployment', {
      metadata: { name: 'web', namespace: 'shop', uid: 'dep-uid', ...(annotations ? { annotations } : {}) },
      spec: { selector },
    });
  const replicaSet = (name: string, labels: Record<string, string>, revision?: string, uid = 'dep-uid') =>
    object('apps/v1', 'ReplicaSet', {
      metadata: {
        name,
        namespace: 'shop',
        uid: `${name}-uid`,
        labels,
        ...(revision ? { annotations: { 'deployment.kubernetes.io/revision': revision } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid, controller: true }],
      },
    });
  const rsPod = (name: string, hash: string) =>
    pod(
      {},
      {
        name,
        labels: { app: 'web', 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `web-${hash}`,
            uid: `web-${hash}-uid`,
            controller: true,
          },
        ],
      },
    );
  const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name);

  it("takes a Deployment's pods from its newest ReplicaSet, whoever controls the pods", () => {
    const sets = [replicaSet('web-a', { app: 'web', 'pod-template-hash': 'a' }, '1')];
    expect(names(podsOfWorkload(deployment(), [rsPod('p1', 'a'), rsPod('p2', 'b')], sets))).toEqual(['p1']);
    expect(
      names(
        podsOfWorkload(deployment({ 'deployment.kubernetes.io/revision': '1' }), [rsPod('p1', 'a')], sets),
      ),
    ).toEqual(['p1']);
  });

  it('finds no Deployment pods without a ReplicaSet, or when the newest is behind the Deployment', () => {
    expect(podsOfWorkload(deployment(), [rsPod('p1', 'a')])).toEqual([]);
    const sets = [replicaSet('web-a', { app: 'web', 'pod-template-hash': 'a' }, '2')];
    expect(
      podsOfWorkload(deployment({ 'deployment.kubernetes.io/revision': '3' }), [rsPod('p1', 'a')], sets),
    ).toEqual([]);
    const unhashed = [replicaSet('web-a', { app: 'web' }, '2')];
    expect(podsOfWorkload(deployment(), [rsPod('p1', 'a')], unhashed)).toEqual([]);
  });

  it('copes with unlabelled objects under a selector that matches them', () => {
    const selector = { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] };
    const bare = pod({}, { name: 'bare', labels: undefined });
    const unlabelledSet = object('apps/v1', 'ReplicaSet', {
      metadata: { name: 'rs', namespace: 'shop', annotations: { 'deployment.kubernetes.io/revision': '1' } },
    });
    expect(podsOfWorkload(deployment(undefined, selector), [bare], [unlabelledSet])).toEqual([]);
    const hashedSet = replicaSet('web-h', { 'pod-template-hash': 'h' }, '1');
    expect(podsOfWorkload(deployment(undefined, selector), [bare], [hashedSet])).toEqual([]);
    const statefulSet = object('apps/v1', 'StatefulSet', {
      metadata: { name: 'db', namespace: 'shop' },
      spec: { selector },
      status: { updateRevision: 'db-2' },
    });
    expect(podsOfWorkload(statefulSet, [bare])).toEqual([]);
  });

  it('finds nothing for a workload without selector', () => {
    expect(podsOfWorkload(object('batch/v1', 'Job', { spec: {} }), [rsPod('p1', 'a')])).toEqual([]);
  });

  it('checks the controller of other workloads’ pods', () => {
    const statefulSet = object('apps/v1', 'StatefulSet', {
      metadata: { name: 'db', namespace: 'shop', uid: 'sts-uid' },
      spec: { selector: { matchLabels: { app: 'web' } } },
      status: {},
    });
    const ownedBy = (name: string, uid: string) =>
      pod(
        {},
        {
          name,
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid, controller: true },
          ],
        },
      );
    expect(
      names(podsOfWorkload(statefulSet, [ownedBy('mine', 'sts-uid'), ownedBy('theirs', 'other'), pod({})])),
    ).toEqual(['mine', 'p']);
  });

  it('takes every StatefulSet pod while there is no update revision', () => {
    const statefulSet = object('apps/v1', 'StatefulSet', {
      metadata: { name: 'db', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } } },
      status: {},
    });
    const atRevision = pod({}, { name: 'db-0', labels: { app: 'web', 'controller-revision-hash': 'db-1' } });
    expect(names(podsOfWorkload(statefulSet, [atRevision]))).toEqual(['db-0']);
  });

  it('matches objects without namespace to a workload without namespace', () => {
    const statefulSet = object('apps/v1', 'StatefulSet', {
      metadata: { name: 'db' },
      spec: { selector: {} },
    });
    const plain: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p0' } };
    expect(names(podsOfWorkload(statefulSet, [plain]))).toEqual(['p0']);
  });
});

describe('newestReplicaSet: edge cases', () => {
  const deployment = (spec: object = { selector: { matchLabels: { app: 'web' } } }, namespace?: string) =>
    object('apps/v1', 'Deployment', {
      metadata: { name: 'web', uid: 'dep-uid', ...(namespace ? { namespace } : {}) },
      spec,
    });
  const replicaSet = (name: string, revision?: string, rest: Partial<KubeObject['metadata']> = {}) =>
    object('apps/v1', 'ReplicaSet', {
      metadata: {
        name,
        labels: { app: 'web' },
        ...(revision ? { annotations: { 'deployment.kubernetes.io/revision': revision } } : {}),
        ...rest,
      },
    });
  const newest = (sets: KubeObject[], dep = deployment()) => newestReplicaSet(dep, sets)?.metadata.name;

  it('takes the highest revision, the first of equals, and revision 1 alone', () => {
    expect(newest([replicaSet('b', '2'), replicaSet('a', '1')])).toBe('b');
    expect(newest([replicaSet('first', '2'), replicaSet('second', '2')])).toBe('first');
    expect(newest([replicaSet('only', '1')])).toBe('only');
  });

  it('ignores ReplicaSets without revision, of another namespace, selector or controller', () => {
    expect(newest([replicaSet('r1', '1'), replicaSet('none')])).toBe('r1');
    expect(newest([replicaSet('r1', '1'), replicaSet('away', '5', { namespace: 'prod' })])).toBe('r1');
    expect(newest([replicaSet('r1', '1'), replicaSet('api', '5', { labels: { app: 'api' } })])).toBe('r1');
    const foreign = replicaSet('foreign', '5', {
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'other', controller: true },
      ],
    });
    expect(newest([replicaSet('r1', '1'), foreign])).toBe('r1');
  });

  it('matches namespaces when both are unset or both set', () => {
    expect(newest([replicaSet('here', '1', { namespace: 'shop' })], deployment(undefined, 'shop'))).toBe(
      'here',
    );
  });

  it('finds none for a Deployment without selector', () => {
    expect(newest([replicaSet('r1', '1')], deployment({}))).toBeUndefined();
  });
});

describe('selectorMatches: every operator both ways', () => {
  const labels = { app: 'web', tier: 'front' };
  const expression = (key: string, operator: string, values?: string[]) =>
    selectorMatches({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }, labels);

  it.each<[string, string, string[] | undefined, boolean]>([
    ['tier', 'In', ['front'], true],
    ['tier', 'In', ['back'], false],
    ['canary', 'In', ['front'], false],
    ['tier', 'NotIn', ['back'], true],
    ['canary', 'NotIn', ['back'], true],
    ['tier', 'NotIn', ['front'], false],
    ['tier', 'Exists', undefined, true],
    ['canary', 'Exists', undefined, false],
    ['canary', 'DoesNotExist', undefined, true],
    ['tier', 'DoesNotExist', undefined, false],
  ])('%s %s %j → %s', (key, operator, values, expected) => {
    expect(expression(key, operator, values)).toBe(expected);
  });
});
