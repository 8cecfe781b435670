import { describe, expect, it } from 'vitest';
import { deepEqual, isUnchanged, normalizeForCompare } from '../../../src/core/deploy/normalize.js';
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
