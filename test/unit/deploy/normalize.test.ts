import { describe, expect, it } from 'vitest';
import {
  deepEqual,
  isSecret,
  isUnchanged,
  normalizeForCompare,
  pathOf,
  podSpecsOf,
} from '../../../src/core/deploy/normalize.js';
import type { KubeObject } from '../../../src/core/deploy/types.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function liveDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'u-1',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2024-01-01T00:00:00Z',
      selfLink: '/apis/apps/v1/namespaces/shop/deployments/web',
      managedFields: [{ manager: 'kpush', operation: 'Apply' }],
      labels: { app: 'web' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"big":"json"}',
        'deployment.kubernetes.io/revision': '3',
      },
    },
    spec: {
      replicas: 2,
      template: { spec: { containers: [{ name: 'app', image: 'web:1', ports: [{ containerPort: 80 }] }] } },
    },
    status: { replicas: 2, observedGeneration: 3 },
  };
}

describe('normalizeForCompare', () => {
  it('drops server bookkeeping, status and the last-applied annotation, and keeps the rest', () => {
    const normalized = normalizeForCompare(liveDeployment());
    expect(normalized.metadata).toEqual({
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
    });
    expect(normalized.status).toBeUndefined();
    expect(normalized.spec).toMatchObject({ replicas: 2 });
  });

  it('does not modify its input', () => {
    const live = liveDeployment();
    const before = structuredClone(live);
    normalizeForCompare(live);
    expect(live).toEqual(before);
  });

  it('defaults container and Service port protocols to TCP', () => {
    const normalized = normalizeForCompare(liveDeployment());
    expect(normalized.spec).toMatchObject({
      template: { spec: { containers: [{ ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
    });
    const service = normalizeForCompare({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] },
    });
    expect(service.spec).toEqual({
      ports: [
        { port: 80, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
    });
  });

  it('folds Secret stringData into base64 data, stringData winning as on the server', () => {
    const secret = normalizeForCompare({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: b64('old'), b: b64('kept') },
      stringData: { a: 'new', c: 'ü' },
    });
    expect(secret.stringData).toBeUndefined();
    expect(secret.data).toEqual({ a: b64('new'), b: b64('kept'), c: b64('ü') });
  });

  it('keeps values the cluster assigned when given the live object', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        clusterIP: '10.0.0.7',
        clusterIPs: ['10.0.0.7'],
        type: 'NodePort',
        ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      },
    };
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] },
    };
    expect(normalizeForCompare(desired, live).spec).toEqual({
      type: 'NodePort',
      ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }],
      clusterIP: '10.0.0.7',
      clusterIPs: ['10.0.0.7'],
    });
    const pvc = (spec: object, annotations?: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', ...(annotations ? { annotations } : {}) },
      spec,
    });
    const livePvc = pvc({ volumeName: 'pv-1', resources: {} }, { 'pv.kubernetes.io/bind-completed': 'yes' });
    expect(normalizeForCompare(pvc({ resources: {} }), livePvc)).toEqual(normalizeForCompare(livePvc));
    const webhook = (caBundle?: string): KubeObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'hook' },
      webhooks: [{ name: 'a.example.com', clientConfig: caBundle ? { caBundle } : {} }],
    });
    expect(normalizeForCompare(webhook(), webhook('Q0E='))).toEqual(webhook('Q0E='));
  });

  it('does not invent cluster values the desired object sets differently', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { clusterIP: '10.0.0.7' },
    };
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { clusterIP: 'None' },
    };
    expect(normalizeForCompare(desired, live).spec).toEqual({ clusterIP: 'None' });
  });
});

describe('deepEqual', () => {
  it('ignores key order and undefined members, not array order', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(deepEqual({ a: null }, { a: {} })).toBe(false);
    expect(deepEqual([], {})).toBe(false);
  });
});

describe('isUnchanged', () => {
  it('is true when only bookkeeping and status differ, whatever the key order', () => {
    const live = liveDeployment();
    const result = liveDeployment();
    result.metadata.resourceVersion = '43';
    result.metadata.managedFields = [{ manager: 'other', operation: 'Update' }];
    result.status = { replicas: 1 };
    result.spec = { template: (live.spec as { template: unknown }).template, replicas: 2 };
    expect(isUnchanged(live, result)).toBe(true);
  });

  it('is false when a label, an annotation or the spec changes', () => {
    const label = liveDeployment();
    label.metadata.labels = { app: 'web', tier: 'front' };
    const annotation = liveDeployment();
    annotation.metadata.annotations = { 'deployment.kubernetes.io/revision': '3', note: 'x' };
    const spec = liveDeployment();
    (spec.spec as { replicas: number }).replicas = 3;
    for (const result of [label, annotation, spec]) expect(isUnchanged(liveDeployment(), result)).toBe(false);
  });

  it('treats a Secret written as stringData like the same value in data', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { k: b64('v') },
    };
    const result: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { k: 'v' },
    };
    expect(isUnchanged(live, result)).toBe(true);
    expect(isUnchanged(live, { ...result, stringData: { k: 'w' } })).toBe(false);
  });

  it('treats an omitted port protocol like TCP', () => {
    const service = (port: object): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [port] },
    });
    expect(isUnchanged(service({ port: 80, protocol: 'TCP' }), service({ port: 80 }))).toBe(true);
  });
});

describe('normalizeForCompare: edge cases', () => {
  const service = (spec?: object, extra: Partial<KubeObject> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    ...(spec ? { spec } : {}),
    ...extra,
  });

  it('drops annotations and labels left empty', () => {
    const normalized = normalizeForCompare({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        labels: {},
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
    });
    expect(normalized.metadata).toStrictEqual({ name: 'c' });
  });

  it('folds stringData only for a core-group Secret', () => {
    expect(isSecret({ apiVersion: 'v1', kind: 'Secret' })).toBe(true);
    expect(isSecret({ apiVersion: 'example.com/v1', kind: 'Secret' })).toBe(false);
    expect(isSecret({ apiVersion: 'v1', kind: 'ConfigMap' })).toBe(false);
    const custom = normalizeForCompare({
      apiVersion: 'example.com/v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { a: 'x' },
    });
    expect(custom.stringData).toEqual({ a: 'x' });
    expect(custom.data).toBeUndefined();
    const configMap = normalizeForCompare({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      stringData: { a: 'x' },
    });
    expect(configMap.stringData).toEqual({ a: 'x' });
    expect(configMap.data).toBeUndefined();
  });

  it('folds only string values of stringData', () => {
    const secret = normalizeForCompare({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { n: b64('old') },
      stringData: { n: 5, m: 'x' },
    });
    expect(secret.data).toEqual({ n: b64('old'), m: b64('x') });
    expect(secret.stringData).toBeUndefined();
  });

  it('leaves an object without spec alone, and defaults ports only of a Service spec', () => {
    expect(normalizeForCompare(service())).toStrictEqual(service());
    const custom: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Gateway',
      metadata: { name: 'g' },
      spec: { ports: [{ port: 80 }] },
    };
    expect(normalizeForCompare(custom).spec).toEqual({ ports: [{ port: 80 }] });
  });

  it('defaults init and ephemeral container ports, and skips items that are not containers', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [null, { name: 'a', ports: [{ containerPort: 1 }] }],
        initContainers: [{ name: 'i', ports: [{ containerPort: 2 }] }],
        ephemeralContainers: [
          { name: 'e', ports: [{ containerPort: 3, protocol: 'UDP' }, { containerPort: 4 }] },
        ],
      },
    };
    expect(normalizeForCompare(pod).spec).toEqual({
      containers: [null, { name: 'a', ports: [{ containerPort: 1, protocol: 'TCP' }] }],
      initContainers: [{ name: 'i', ports: [{ containerPort: 2, protocol: 'TCP' }] }],
      ephemeralContainers: [
        {
          name: 'e',
          ports: [
            { containerPort: 3, protocol: 'UDP' },
            { containerPort: 4, protocol: 'TCP' },
          ],
        },
      ],
    });
  });

  it('defaults the ports of a CronJob job template', () => {
    const cronJob: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 9 }] }] } } },
        },
      },
    };
    expect(pathOf(normalizeForCompare(cronJob), ['spec', 'jobTemplate', 'spec', 'template', 'spec'])).toEqual(
      {
        containers: [{ name: 'c', ports: [{ containerPort: 9, protocol: 'TCP' }] }],
      },
    );
  });

  it('copies cluster values only from a live object of the same kind', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 's' },
      spec: { clusterIP: '10.0.0.7' },
    };
    expect(normalizeForCompare(service({ type: 'ClusterIP' }), live).spec).toStrictEqual({
      type: 'ClusterIP',
    });
  });

  it('copies healthCheckNodePort, and no field the live object lacks', () => {
    const live = service({ clusterIP: '10.0.0.7', healthCheckNodePort: 31000 });
    expect(normalizeForCompare(service({ externalTrafficPolicy: 'Local' }), live).spec).toStrictEqual({
      externalTrafficPolicy: 'Local',
      clusterIP: '10.0.0.7',
      healthCheckNodePort: 31000,
    });
  });

  it('copies nothing when either side has no spec', () => {
    expect(normalizeForCompare(service({ type: 'ClusterIP' }), service()).spec).toStrictEqual({
      type: 'ClusterIP',
    });
    expect(normalizeForCompare(service(), service({ clusterIP: '10.0.0.7' })).spec).toBeUndefined();
  });

  it('matches node ports by name, else by port number, and keeps a node port the object sets', () => {
    const live = service({
      type: 'NodePort',
      ports: [
        { name: 'a', port: 80, nodePort: 30001 },
        { name: 'b', port: 81, nodePort: 30002 },
        { port: 90, nodePort: 30003 },
        { port: 91, nodePort: 30004 },
        { port: 92 },
      ],
    });
    const desired = service({
      type: 'NodePort',
      ports: [
        { name: 'b', port: 80 },
        { port: 91 },
        { name: 'a', port: 80, nodePort: 32000 },
        { port: 92 },
        { port: 93 },
        null,
      ],
    });
    expect(pathOf(normalizeForCompare(desired, live), ['spec', 'ports'])).toStrictEqual([
      { name: 'b', port: 80, nodePort: 30002, protocol: 'TCP' },
      { port: 91, nodePort: 30004, protocol: 'TCP' },
      { name: 'a', port: 80, nodePort: 32000, protocol: 'TCP' },
      { port: 92, protocol: 'TCP' },
      { port: 93, protocol: 'TCP' },
      null,
    ]);
  });

  it('keeps the ports alone when live has none', () => {
    const live = service({ type: 'ClusterIP' });
    expect(normalizeForCompare(service({ ports: [{ port: 80 }] }), live).spec).toStrictEqual({
      ports: [{ port: 80, protocol: 'TCP' }],
    });
  });

  it('keeps PVC controller annotations the object does not set, and the object own value', () => {
    const pvc = (annotations?: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', ...(annotations ? { annotations } : {}) },
      spec: {},
    });
    expect(normalizeForCompare(pvc(), pvc()).metadata).toStrictEqual({ name: 'data' });
    const live = pvc({
      'pv.kubernetes.io/bind-completed': 'yes',
      'volume.kubernetes.io/selected-node': 'node-1',
      other: 'x',
    });
    expect(
      normalizeForCompare(pvc({ 'pv.kubernetes.io/bind-completed': 'no' }), live).metadata,
    ).toStrictEqual({
      name: 'data',
      annotations: {
        'pv.kubernetes.io/bind-completed': 'no',
        'volume.kubernetes.io/selected-node': 'node-1',
      },
    });
  });

  it('keeps webhook caBundles by webhook name, for mutating webhooks too', () => {
    const config = (webhooks?: unknown[]): KubeObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'hook' },
      ...(webhooks ? { webhooks } : {}),
    });
    const live = config([
      { name: 'a', clientConfig: { caBundle: 'QQ==' } },
      { name: 'b', clientConfig: { caBundle: 'Qg==' } },
      { name: 'c', clientConfig: {} },
    ]);
    const desired = config([
      null,
      { name: 'b', clientConfig: {} },
      { name: 'a', clientConfig: { caBundle: 'own' } },
      { name: 'c', clientConfig: {} },
      { name: 'd', clientConfig: {} },
      { name: 'a' },
    ]);
    expect(normalizeForCompare(desired, live).webhooks).toStrictEqual([
      null,
      { name: 'b', clientConfig: { caBundle: 'Qg==' } },
      { name: 'a', clientConfig: { caBundle: 'own' } },
      { name: 'c', clientConfig: {} },
      { name: 'd', clientConfig: {} },
      { name: 'a' },
    ]);
    expect(normalizeForCompare(desired, config()).webhooks).toStrictEqual(desired.webhooks);
  });

  it('keeps the caBundle of a CRD conversion webhook and of an APIService', () => {
    const crd = (caBundle?: string): KubeObject => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        conversion: { strategy: 'Webhook', webhook: { clientConfig: caBundle ? { caBundle } : {} } },
      },
    });
    expect(normalizeForCompare(crd(), crd('Q0E='))).toStrictEqual(crd('Q0E='));
    const apiService = (caBundle?: string): KubeObject => ({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1.example.com' },
      spec: { group: 'example.com', ...(caBundle ? { caBundle } : {}) },
    });
    expect(normalizeForCompare(apiService(), apiService('Q0E='))).toStrictEqual(apiService('Q0E='));
  });

  it('takes the rules of an aggregated ClusterRole from live, and only of an aggregated one', () => {
    const role = (extra: object): KubeObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'view' },
      ...extra,
    });
    const aggregationRule = { clusterRoleSelectors: [{ matchLabels: { view: 'true' } }] };
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    const live = role({ aggregationRule, rules });
    expect(normalizeForCompare(role({ aggregationRule }), live)).toStrictEqual(live);
    expect(normalizeForCompare(role({ aggregationRule, rules: [] }), live).rules).toEqual([]);
    expect(normalizeForCompare(role({}), live)).toStrictEqual(role({}));
  });
});

describe('podSpecsOf', () => {
  it("names a Pod's spec, a template's and a job template's, and nothing without a spec", () => {
    const podSpec = { containers: [] };
    expect(podSpecsOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec })).toEqual([
      podSpec,
    ]);
    expect(podSpecsOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toEqual([]);
    expect(
      podSpecsOf({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { template: { spec: podSpec } },
      }),
    ).toEqual([podSpec]);
    expect(
      podSpecsOf({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'c' },
        spec: { jobTemplate: { spec: { template: { spec: podSpec } } } },
      }),
    ).toEqual([podSpec]);
    expect(
      podSpecsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, spec: { containers: [] } }),
    ).toEqual([]);
  });
});

describe('deepEqual: arrays', () => {
  it('compares lengths and never equates an array with an array-like map', () => {
    expect(deepEqual([1], [1, 2])).toBe(false);
    expect(deepEqual([1, 2], [1])).toBe(false);
    expect(deepEqual([1], { 0: 1, length: 1 })).toBe(false);
    expect(deepEqual({ 0: 1, length: 1 }, [1])).toBe(false);
    expect(deepEqual([{ a: 1 }], [{ a: 1 }])).toBe(true);
  });
});
