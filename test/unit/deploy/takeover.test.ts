import { describe, expect, it } from 'vitest';
import { autoscaledWorkloads, withoutReplicas } from '../../../src/core/deploy/hpa.js';
import { mergeFieldSets, takeoverPatch } from '../../../src/core/deploy/takeover.js';
import type { KubeObject, ManagedFieldsEntry } from '../../../src/core/deploy/types.js';

function live(managedFields: ManagedFieldsEntry[] | undefined): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      resourceVersion: '7',
      ...(managedFields ? { managedFields } : {}),
    },
  };
}

const entry = (
  manager: string,
  operation: 'Apply' | 'Update',
  fields: Record<string, unknown>,
  extra = {},
) => ({
  manager,
  operation,
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
  ...extra,
});

/** The managedFields the patch writes, or null when there is no patch. */
function managedAfter(object: KubeObject): ManagedFieldsEntry[] | null {
  const patch = takeoverPatch(object, 'kpush') as { op: string; path: string; value: unknown }[] | null;
  if (patch === null) return null;
  expect(patch).toEqual([
    { op: 'test', path: '/metadata/resourceVersion', value: '7' },
    { op: 'replace', path: '/metadata/managedFields', value: expect.any(Array) },
  ]);
  return patch[1]?.value as ManagedFieldsEntry[];
}

describe('taking over client-side ownership', () => {
  it.each([
    ['kubectl-client-side-apply', 'Update'],
    ['before-first-apply', 'Update'],
    ['kubectl-create', 'Update'],
    ['kubectl', 'Update'],
    ['kubectl', 'Apply'],
  ] as const)('inherits the fields of %s (%s)', (manager, operation) => {
    const after = managedAfter(
      live([entry(manager, operation, { 'f:spec': { 'f:paused': {} } }, { time: 't1' })]),
    );
    expect(after).toEqual([
      {
        manager: 'kpush',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: 't1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:paused': {} } },
      },
    ]);
  });

  it.each([
    ['another tool', [entry('argocd-controller', 'Update', { 'f:spec': {} })]],
    [
      'a client-side manager applying server-side',
      [entry('kubectl-client-side-apply', 'Apply', { 'f:spec': {} })],
    ],
    [
      'a status subresource update',
      [entry('kubectl-client-side-apply', 'Update', { 'f:status': {} }, { subresource: 'status' })],
    ],
    ['an entry without a manager', [{ operation: 'Update' as const, fieldsV1: { 'f:spec': {} } }]],
    ['no managedFields at all', undefined],
  ])('leaves %s alone', (_what, fields) => {
    expect(takeoverPatch(live(fields), 'kpush')).toBeNull();
  });

  it("merges into kpush's own Apply entry, keeping its time, and leaves other entries in place", () => {
    const helm = entry('helm', 'Update', { 'f:metadata': {} });
    const kpushUpdate = entry('kpush', 'Update', { 'f:status': {} });
    const after = managedAfter(
      live([
        entry('kpush', 'Apply', { 'f:spec': { 'f:replicas': {} } }, { time: 'ours' }),
        helm,
        entry('kubectl-client-side-apply', 'Update', { 'f:spec': { 'f:paused': {} } }, { time: 'theirs' }),
        kpushUpdate,
      ]),
    );
    expect(after).toEqual([
      helm,
      kpushUpdate,
      {
        manager: 'kpush',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: 'ours',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } },
      },
    ]);
  });

  it('dates a merged entry at the epoch when no entry says when', () => {
    const after = managedAfter(live([{ manager: 'kubectl-create', operation: 'Update' }]));
    expect(after?.[0]).toMatchObject({ time: '1970-01-01T00:00:00.000Z', fieldsV1: {} });
  });
});

describe('mergeFieldSets', () => {
  it('unites nested sets and keeps the first where a leaf meets a set', () => {
    expect(
      mergeFieldSets(
        { 'f:a': { 'f:x': {} }, 'f:leaf': {}, 'f:list': ['x'] },
        { 'f:a': { 'f:y': { 'f:z': {} } }, 'f:leaf': { 'f:deeper': {} }, 'f:list': { 'f:k': {} }, 'f:b': {} },
      ),
    ).toEqual({
      'f:a': { 'f:x': {}, 'f:y': { 'f:z': {} } },
      'f:leaf': { 'f:deeper': {} },
      'f:list': ['x'],
      'f:b': {},
    });
    expect(mergeFieldSets({ 'f:n': null }, { 'f:n': { 'f:k': {} } })).toEqual({ 'f:n': { 'f:k': {} } });
  });
});

describe('taking over: which entry is ours', () => {
  it("merges only into kpush's Apply entry, not another tool's Apply entry or kpush's Update entry", () => {
    const argo = entry('argocd-controller', 'Apply', { 'f:metadata': { 'f:labels': {} } });
    const kpushUpdate = entry('kpush', 'Update', { 'f:status': {} });
    const after = managedAfter(
      live([
        argo,
        kpushUpdate,
        entry('kubectl-client-side-apply', 'Update', { 'f:spec': { 'f:paused': {} } }, { time: 'theirs' }),
        entry('kpush', 'Apply', { 'f:spec': { 'f:replicas': {} } }, { time: 'ours' }),
      ]),
    );
    expect(after).toEqual([
      argo,
      kpushUpdate,
      {
        manager: 'kpush',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: 'ours',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } },
      },
    ]);
  });
});

describe('mergeFieldSets: values that are not sets', () => {
  it('keeps a scalar or null on either side rather than merging into it', () => {
    expect(mergeFieldSets({ 'f:a': 'x' }, { 'f:a': { 'f:k': {} } })).toEqual({ 'f:a': 'x' });
    expect(mergeFieldSets({ 'f:a': { 'f:x': {} } }, { 'f:a': null })).toEqual({ 'f:a': { 'f:x': {} } });
    expect(mergeFieldSets({ 'f:a': { 'f:x': {} } }, { 'f:a': 5 })).toEqual({ 'f:a': { 'f:x': {} } });
  });
});

describe('HPA targets', () => {
  const hpa = (spec: unknown, namespace?: string): KubeObject => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h', ...(namespace === undefined ? {} : { namespace }) },
    spec,
  });

  it('are keyed by group, kind, namespace and name; apps/v1 when the ref has no apiVersion', () => {
    const keys = autoscaledWorkloads([
      hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web' } }, 'shop'),
      hpa({ scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' } }, 'shop'),
      hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } }),
    ]);
    expect([...keys].sort()).toEqual([
      'apps|Deployment|shop|web',
      'apps|StatefulSet||db',
      'argoproj.io|Rollout|shop|api',
    ]);
  });

  it('skip HPAs without a usable target', () => {
    const keys = autoscaledWorkloads([
      hpa(undefined, 'shop'),
      hpa({}, 'shop'),
      hpa({ scaleTargetRef: { name: 'web' } }, 'shop'),
      hpa({ scaleTargetRef: { kind: 'Deployment' } }, 'shop'),
    ]);
    expect(keys.size).toBe(0);
  });

  it('leave an object without spec.replicas as it is', () => {
    const noSpec: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    expect(withoutReplicas(noSpec)).toBe(noSpec);
    const noReplicas: KubeObject = { ...noSpec, spec: { paused: true } };
    expect(withoutReplicas(noReplicas)).toBe(noReplicas);
    const withReplicas: KubeObject = { ...noSpec, spec: { replicas: 3, paused: true } };
    expect(withoutReplicas(withReplicas)).toEqual({ ...noSpec, spec: { paused: true } });
    expect(withReplicas.spec).toEqual({ replicas: 3, paused: true });
  });
});
