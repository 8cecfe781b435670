import { describe, expect, it } from 'vitest';
import {
  aggregateStatus,
  newestReplicaSet,
  objectStatus,
  podProblems,
  podVerdict,
  selectorMatches,
  workloadStatusWithPods,
} from '../../../src/core/deploy/status.js';
import type { KubeObject, StatusResult } from '../../../src/core/deploy/types.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

function object(apiVersion: string, kind: string, rest: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, ...rest };
}

function deployment(status: Record<string, unknown>, spec: Record<string, unknown> = {}, generation = 2) {
  return object('apps/v1', 'Deployment', {
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'dep-uid',
      generation,
      annotations: { 'deployment.kubernetes.io/revision': '2' },
    },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, ...spec },
    status: { observedGeneration: 2, ...status },
  });
}

const available = [
  { type: 'Available', status: 'True' },
  { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
];
const rolledOut = {
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: available,
};

describe('generic rules', () => {
  it('reports Terminating before anything else', () => {
    const obj = deployment(rolledOut);
    obj.metadata.deletionTimestamp = secondsAgo(1);
    expect(objectStatus(obj).status).toBe('Terminating');
  });

  it('waits for the controller to observe the generation', () => {
    expect(objectStatus(deployment(rolledOut, {}, 3))).toMatchObject({
      status: 'InProgress',
      message: 'waiting for the controller to observe generation 3 (last observed 2)',
    });
  });

  it('uses Reconciling and Stalled conditions of any kind', () => {
    const widget = (type: string) =>
      object('example.com/v1', 'Widget', {
        status: { conditions: [{ type, status: 'True', reason: 'R', message: 'm' }] },
      });
    expect(objectStatus(widget('Reconciling'))).toEqual({ status: 'InProgress', message: 'm', reason: 'R' });
    expect(objectStatus(widget('Stalled'))).toEqual({ status: 'Failed', message: 'm', reason: 'R' });
  });
});

describe('Deployment', () => {
  it.each<[string, Record<string, unknown>, Partial<StatusResult>]>([
    ['rolled out', rolledOut, { status: 'Current', message: '2 replicas available' }],
    [
      'too few replicas',
      { ...rolledOut, replicas: 1 },
      { status: 'InProgress', message: '1 of 2 replicas created' },
    ],
    ['not updated', { ...rolledOut, updatedReplicas: 1 }, { message: '1 of 2 replicas updated' }],
    [
      'old replicas left',
      { ...rolledOut, replicas: 3 },
      { status: 'InProgress', message: 'waiting for rollout: 1 old replica pending termination' },
    ],
    [
      'not available',
      { ...rolledOut, availableReplicas: 1 },
      { message: '1 of 2 updated replicas available' },
    ],
    ['not ready', { ...rolledOut, readyReplicas: 1 }, { message: '1 of 2 replicas ready' }],
    [
      'Available false',
      { ...rolledOut, conditions: [available[1], { type: 'Available', status: 'False' }] },
      { status: 'InProgress' },
    ],
    [
      'new ReplicaSet still progressing',
      {
        ...rolledOut,
        conditions: [available[0], { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
      },
      { status: 'InProgress' },
    ],
    [
      'progress deadline exceeded',
      {
        ...rolledOut,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'web has timed out progressing',
          },
        ],
      },
      {
        status: 'Failed',
        reason: 'ProgressDeadlineExceeded',
        message: 'progress deadline exceeded: web has timed out progressing',
      },
    ],
  ])('%s', (_name, status, expected) => {
    expect(objectStatus(deployment(status))).toMatchObject(expected);
  });

  it('defaults spec.replicas to 1', () => {
    const status = {
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: available,
    };
    expect(objectStatus(deployment(status, { replicas: undefined })).status).toBe('Current');
  });

  it('is not fooled by an old ReplicaSet keeping ready replicas up', () => {
    const status = {
      replicas: 2,
      updatedReplicas: 0,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: available,
    };
    expect(objectStatus(deployment(status)).status).toBe('InProgress');
  });
});

describe('StatefulSet, DaemonSet, ReplicaSet', () => {
  const sts = (status: Record<string, unknown>, strategy?: object) =>
    object('apps/v1', 'StatefulSet', { spec: { replicas: 3, updateStrategy: strategy }, status });
  const done = {
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: 'r2',
    updateRevision: 'r2',
  };

  it('StatefulSet follows kstatus', () => {
    expect(objectStatus(sts(done)).status).toBe('Current');
    expect(objectStatus(sts({ ...done, readyReplicas: 2 }))).toMatchObject({
      status: 'InProgress',
      message: '2 of 3 replicas ready',
    });
    expect(objectStatus(sts({ ...done, currentRevision: 'r1' })).status).toBe('InProgress');
    expect(objectStatus(sts({ ...done, readyReplicas: 0 }, { type: 'OnDelete' })).status).toBe('Current');
    const partitioned = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    expect(
      objectStatus(sts({ ...done, updatedReplicas: 0, currentRevision: 'r1' }, partitioned)).status,
    ).toBe('InProgress');
    expect(
      objectStatus(sts({ ...done, updatedReplicas: 1, currentRevision: 'r1' }, partitioned)).status,
    ).toBe('Current');
  });

  it('DaemonSet waits for every node', () => {
    const ds = (status: Record<string, unknown>) => object('apps/v1', 'DaemonSet', { status });
    const full = {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
      numberReady: 3,
    };
    expect(objectStatus(ds(full)).status).toBe('Current');
    expect(objectStatus(ds({})).status).toBe('InProgress');
    expect(objectStatus(ds({ ...full, updatedNumberScheduled: 1 }))).toMatchObject({
      status: 'InProgress',
      message: '1 of 3 pods updated',
    });
  });

  it('ReplicaSet counts labelled, available and ready replicas', () => {
    const rs = (status: Record<string, unknown>) =>
      object('apps/v1', 'ReplicaSet', { spec: { replicas: 2 }, status });
    const full = { replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 2 };
    expect(objectStatus(rs(full)).status).toBe('Current');
    expect(objectStatus(rs({ ...full, availableReplicas: 1 })).status).toBe('InProgress');
    expect(
      objectStatus(rs({ ...full, conditions: [{ type: 'ReplicaFailure', status: 'True' }] })).reason,
    ).toBe('ReplicaFailure');
  });
});

describe('Job', () => {
  const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    object('batch/v1', 'Job', { spec: { completions: 1, ...spec }, status });
  it('is Current only when Complete', () => {
    expect(objectStatus(job({ startTime: secondsAgo(5), active: 1 })).status).toBe('InProgress');
    expect(objectStatus(job({})).message).toBe('job not started');
    expect(
      objectStatus(job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })).status,
    ).toBe('Current');
  });
  it('fails on Failed or FailureTarget, with the reason', () => {
    const failedJob = job({
      failed: 3,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    });
    expect(objectStatus(failedJob)).toEqual({
      status: 'Failed',
      reason: 'BackoffLimitExceeded',
      message: 'job failed (3 failed pods): Job has reached the specified backoff limit',
    });
    expect(
      objectStatus(
        job({ conditions: [{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' }] }),
      ).status,
    ).toBe('Failed');
  });
  it('says so when suspended', () => {
    expect(objectStatus(job({}, { suspend: true })).message).toBe('job is suspended');
  });
});

function pod(status: Record<string, unknown>, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return object('v1', 'Pod', {
    metadata: {
      name: 'web-abc',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': 'new' },
      ...metadata,
    },
    status,
  });
}

const waiting = (name: string, reason: string, message?: string, lastState?: object) => ({
  name,
  ready: false,
  state: { waiting: { reason, ...(message ? { message } : {}) } },
  ...(lastState ? { lastState } : {}),
});

describe('Pod, PVC, Service, CRD and the rest', () => {
  it('Pod follows kstatus', () => {
    expect(objectStatus(pod({ phase: 'Succeeded' })).status).toBe('Current');
    expect(
      objectStatus(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).status,
    ).toBe('Current');
    expect(
      objectStatus(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })).status,
    ).toBe('InProgress');
    expect(objectStatus(pod({ phase: 'Failed' })).status).toBe('Failed');
    const crashing = pod({ phase: 'Running', containerStatuses: [waiting('app', 'CrashLoopBackOff')] });
    expect(objectStatus(crashing)).toMatchObject({ status: 'Failed', reason: 'CrashLoopBackOff' });
    const unschedulable = (seconds: number) =>
      pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            lastTransitionTime: secondsAgo(seconds),
          },
        ],
      });
    expect(objectStatus(unschedulable(30), NOW).status).toBe('Failed');
    expect(objectStatus(unschedulable(5), NOW).status).toBe('InProgress');
    expect(objectStatus(unschedulable(30)).status).toBe('InProgress');
  });

  it.each<[string, KubeObject, string]>([
    ['bound PVC', object('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } }), 'Current'],
    ['pending PVC', object('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } }), 'InProgress'],
    ['ClusterIP Service', object('v1', 'Service', { spec: { clusterIP: '10.0.0.1' } }), 'Current'],
    ['LoadBalancer without IP', object('v1', 'Service', { spec: { type: 'LoadBalancer' } }), 'InProgress'],
    ['ConfigMap', object('v1', 'ConfigMap'), 'Current'],
    ['Secret', object('v1', 'Secret'), 'Current'],
    ['CronJob', object('batch/v1', 'CronJob'), 'Current'],
    [
      'PDB',
      object('policy/v1', 'PodDisruptionBudget', { status: { desiredHealthy: 3, currentHealthy: 0 } }),
      'Current',
    ],
    ['custom resource without conditions', object('example.com/v1', 'Widget'), 'Current'],
    [
      'custom resource Ready',
      object('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
      'Current',
    ],
    [
      'custom resource not Ready',
      object('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }),
      'InProgress',
    ],
    [
      'custom resource Ready Unknown',
      object('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }),
      'InProgress',
    ],
  ])('%s → expected status per the kstatus table', (_name, obj, status) => {
    expect(objectStatus(obj).status).toBe(status);
  });

  it('CRD is Current when Established and Failed when its names are not accepted', () => {
    const crd = (conditions: object[]) =>
      object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions } });
    expect(objectStatus(crd([{ type: 'Established', status: 'True' }])).status).toBe('Current');
    expect(objectStatus(crd([{ type: 'Established', status: 'False', reason: 'Installing' }])).status).toBe(
      'InProgress',
    );
    expect(objectStatus(crd([]))).toMatchObject({ status: 'InProgress' });
    expect(
      objectStatus(
        crd([
          {
            type: 'NamesAccepted',
            status: 'False',
            reason: 'MultipleNamesConflict',
            message: '"w" is already in use',
          },
        ]),
      ),
    ).toEqual({
      status: 'Failed',
      reason: 'MultipleNamesConflict',
      message: 'names not accepted: "w" is already in use',
    });
  });

  it('aggregates: any Failed is Failed, all Current is Current', () => {
    const current: StatusResult = { status: 'Current', message: '' };
    expect(
      aggregateStatus([current, { status: 'Failed', message: '' }, { status: 'InProgress', message: '' }]),
    ).toBe('Failed');
    expect(aggregateStatus([current, current])).toBe('Current');
    expect(aggregateStatus([current, { status: 'NotFound', message: '' }])).toBe('InProgress');
  });
});

describe('podProblems', () => {
  it('explains waiting containers, with the last exit of a crash loop', () => {
    const problems = podProblems(
      pod({
        phase: 'Running',
        containerStatuses: [
          waiting('app', 'CrashLoopBackOff', 'back-off 10s restarting failed container', {
            terminated: { exitCode: 137, reason: 'OOMKilled' },
          }),
          waiting('sidecar', 'ImagePullBackOff', 'Back-off pulling image "nope:1"'),
          waiting('starting', 'ContainerCreating'),
        ],
      }),
    );
    expect(problems).toEqual([
      {
        reason: 'CrashLoopBackOff',
        container: 'app',
        message:
          'container "app" is in CrashLoopBackOff: back-off 10s restarting failed container (last exit: code 137 (OOMKilled))',
      },
      {
        reason: 'ImagePullBackOff',
        container: 'sidecar',
        message: 'container "sidecar" is in ImagePullBackOff: Back-off pulling image "nope:1"',
      },
    ]);
  });

  it.each(['ErrImagePull', 'CreateContainerConfigError', 'InvalidImageName', 'RunContainerError'])(
    'reports %s',
    (reason) => {
      expect(podProblems(pod({ phase: 'Pending', containerStatuses: [waiting('app', reason)] }))).toEqual([
        { reason, container: 'app', message: `container "app" is in ${reason}` },
      ]);
    },
  );

  it('reports init containers and non-zero exits', () => {
    const problems = podProblems(
      pod({
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'migrate',
            ready: false,
            state: { terminated: { exitCode: 2, reason: 'Error', message: 'no such table\n' } },
          },
        ],
        containerStatuses: [waiting('app', 'PodInitializing')],
      }),
    );
    expect(problems).toEqual([
      {
        reason: 'Error',
        container: 'migrate',
        message: 'init container "migrate" exited with code 2 (Error): no such table',
      },
    ]);
  });

  it('reports the scheduler message and running-but-not-ready containers', () => {
    const unschedulable = pod({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient cpu.',
        },
      ],
    });
    expect(podProblems(unschedulable)).toEqual([
      { reason: 'Unschedulable', message: 'unschedulable: 0/1 nodes are available: 1 Insufficient cpu.' },
    ]);
    const notReady = pod({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'app', ready: false, state: { running: { startedAt: secondsAgo(3) } } }],
    });
    expect(podProblems(notReady)).toEqual([
      { reason: 'NotReady', container: 'app', message: 'container "app" is running but not ready' },
    ]);
    expect(podProblems(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }))).toEqual([
      { reason: 'NotReady', message: 'running but not ready' },
    ]);
  });

  it('reports nothing for a healthy pod', () => {
    const healthy = pod({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }],
    });
    expect(podProblems(healthy)).toEqual([]);
  });
});

describe('podVerdict', () => {
  const started = new Date(NOW.getTime() - 60_000);
  it.each([
    'CrashLoopBackOff',
    'ImagePullBackOff',
    'ErrImagePull',
    'InvalidImageName',
    'CreateContainerConfigError',
  ])('fails at once on %s', (reason) => {
    expect(
      podVerdict(pod({ phase: 'Pending', containerStatuses: [waiting('app', reason)] }), NOW, started),
    ).toMatchObject({
      status: 'Failed',
      reason,
    });
  });

  it('fails an init container that crash-loops', () => {
    const initLoop = pod({
      phase: 'Pending',
      initContainerStatuses: [waiting('migrate', 'CrashLoopBackOff')],
    });
    expect(podVerdict(initLoop, NOW, started)).toMatchObject({
      status: 'Failed',
      message: expect.stringContaining('"migrate"'),
    });
  });

  it('fails an unschedulable pod after 15 s, counted from no earlier than the deploy start', () => {
    const unschedulable = (since: string) =>
      pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            lastTransitionTime: since,
            message: 'no nodes',
          },
        ],
      });
    expect(podVerdict(unschedulable(secondsAgo(16)), NOW, started)).toEqual({
      status: 'Failed',
      reason: 'Unschedulable',
      message: 'unschedulable: no nodes',
    });
    expect(podVerdict(unschedulable(secondsAgo(10)), NOW, started).status).toBe('InProgress');
    const justStarted = new Date(NOW.getTime() - 5_000);
    expect(podVerdict(unschedulable(secondsAgo(3600)), NOW, justStarted).status).toBe('InProgress');
  });

  it('fails a failed pod unless a Job will retry it', () => {
    expect(
      podVerdict(pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), NOW, started),
    ).toEqual({
      status: 'Failed',
      reason: 'Evicted',
      message: 'pod failed: low on memory',
    });
    const jobPod = pod(
      { phase: 'Failed' },
      { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j', controller: true }] },
    );
    expect(podVerdict(jobPod, NOW, started).status).toBe('InProgress');
  });

  it('is Current when ready or completed, and InProgress with the problem otherwise', () => {
    expect(
      podVerdict(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }), NOW, started)
        .status,
    ).toBe('Current');
    expect(podVerdict(pod({ phase: 'Succeeded' }), NOW, started).status).toBe('Current');
    const probing = pod({
      phase: 'Running',
      containerStatuses: [{ name: 'app', ready: false, state: { running: {} } }],
    });
    expect(podVerdict(probing, NOW, started)).toEqual({
      status: 'InProgress',
      reason: 'NotReady',
      message: 'container "app" is running but not ready',
    });
    expect(podVerdict(pod({ phase: 'Pending' }), NOW, started)).toEqual({
      status: 'InProgress',
      message: 'pod is Pending',
    });
  });
});

describe('workloadStatusWithPods', () => {
  const replicaSet = (hash: string, revision: string, owner = 'dep-uid') =>
    object('apps/v1', 'ReplicaSet', {
      metadata: {
        name: `web-${hash}`,
        namespace: 'shop',
        labels: { app: 'web', 'pod-template-hash': hash },
        annotations: { 'deployment.kubernetes.io/revision': revision },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true },
        ],
      },
    });
  const replicaSets = [
    replicaSet('old', '1'),
    replicaSet('new', '2'),
    replicaSet('other', '9', 'someone-else'),
  ];
  const rollingOut = deployment({ replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 });
  const crashLooping = (name: string, hash: string) =>
    pod(
      { phase: 'Running', containerStatuses: [waiting('app', 'CrashLoopBackOff', 'back-off 20s')] },
      { name, labels: { app: 'web', 'pod-template-hash': hash } },
    );

  it('picks the newest ReplicaSet of this Deployment', () => {
    expect(newestReplicaSet(rollingOut, replicaSets)?.metadata.name).toBe('web-new');
  });

  it('fails a Deployment whose new pods crash-loop, naming pod and container', () => {
    const result = workloadStatusWithPods(rollingOut, [crashLooping('web-new-1', 'new')], NOW, {
      replicaSets,
    });
    expect(result).toEqual({
      status: 'Failed',
      reason: 'CrashLoopBackOff',
      message: 'pod web-new-1: container "app" is in CrashLoopBackOff: back-off 20s',
    });
  });

  it('ignores crash-looping pods of old ReplicaSets and of other workloads', () => {
    const pods = [
      crashLooping('web-old-1', 'old'),
      crashLooping('web-other-1', 'other'),
      {
        ...crashLooping('api-1', 'new'),
        metadata: { name: 'api-1', namespace: 'shop', labels: { app: 'api', 'pod-template-hash': 'new' } },
      },
      {
        ...crashLooping('elsewhere', 'new'),
        metadata: { name: 'e', namespace: 'prod', labels: { app: 'web', 'pod-template-hash': 'new' } },
      },
    ];
    expect(workloadStatusWithPods(rollingOut, pods, NOW, { replicaSets })).toEqual({
      status: 'InProgress',
      message: '1 of 2 replicas updated',
    });
  });

  it('does not judge pods before the controller has seen the new generation', () => {
    const unobserved = deployment(
      { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      {},
      3,
    );
    expect(
      workloadStatusWithPods(unobserved, [crashLooping('web-new-1', 'new')], NOW, { replicaSets }).status,
    ).toBe('InProgress');
  });

  it('adds the first pod problem to an InProgress message', () => {
    const probing = pod({
      phase: 'Running',
      containerStatuses: [{ name: 'app', ready: false, state: { running: {} } }],
    });
    expect(workloadStatusWithPods(rollingOut, [probing], NOW, { replicaSets }).message).toBe(
      '1 of 2 replicas updated; pod web-abc: container "app" is running but not ready',
    );
  });

  it('returns a Current workload as is', () => {
    const done = deployment(rolledOut);
    expect(
      workloadStatusWithPods(done, [crashLooping('web-new-1', 'new')], NOW, { replicaSets }).status,
    ).toBe('Current');
  });

  it('fails a Job on its condition or on a pod that cannot start', () => {
    const job = object('batch/v1', 'Job', {
      metadata: { name: 'migrate', namespace: 'shop', uid: 'job-uid' },
      spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } } },
      status: { startTime: secondsAgo(30), active: 1 },
    });
    const jobPod = (statusFields: Record<string, unknown>) =>
      pod(statusFields, {
        name: 'migrate-x',
        labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' },
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', uid: 'job-uid', controller: true },
        ],
      });
    expect(
      workloadStatusWithPods(
        job,
        [jobPod({ phase: 'Pending', containerStatuses: [waiting('m', 'ErrImagePull')] })],
        NOW,
      ),
    ).toMatchObject({
      status: 'Failed',
      reason: 'ErrImagePull',
    });
    expect(workloadStatusWithPods(job, [jobPod({ phase: 'Failed' })], NOW).status).toBe('InProgress');
    const failedJob = {
      ...job,
      status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    };
    expect(workloadStatusWithPods(failedJob, [], NOW)).toMatchObject({
      status: 'Failed',
      reason: 'BackoffLimitExceeded',
    });
  });

  it('counts only StatefulSet pods at the update revision', () => {
    const sts = object('apps/v1', 'StatefulSet', {
      metadata: { name: 'db', namespace: 'shop' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'db' } } },
      status: { replicas: 2, readyReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' },
    });
    const dbPod = (revision: string) =>
      pod(
        { phase: 'Running', containerStatuses: [waiting('db', 'CrashLoopBackOff')] },
        { name: `db-${revision}`, labels: { app: 'db', 'controller-revision-hash': revision } },
      );
    expect(workloadStatusWithPods(sts, [dbPod('db-1')], NOW).status).toBe('InProgress');
    expect(workloadStatusWithPods(sts, [dbPod('db-2')], NOW).status).toBe('Failed');
  });

  it('judges a bare Pod by its own verdict', () => {
    expect(workloadStatusWithPods(crashLooping('solo', 'x'), [], NOW).status).toBe('Failed');
  });
});

describe('selectorMatches', () => {
  it('applies matchLabels and every expression operator', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, labels)).toBe(
      false,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, labels)).toBe(false);
  });
});
