import { describe, expect, it } from 'vitest';
import {
  driftLines,
  driftMarkdown,
  fieldDrifts,
  formatPath,
  ownersOf,
} from '../../../src/core/deploy/drift.js';
import type { KubeObject, ManagedFieldsEntry } from '../../../src/core/deploy/types.js';

/** A Deployment as the API server returns it after kpush applied it and someone scaled and edited it. */
function liveDeployment(replicas: number, image: string, managedFields: ManagedFieldsEntry[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', resourceVersion: '42', managedFields },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'sidecar', image: 'registry.test/proxy:1' },
            { name: 'app', image, ports: [{ containerPort: 8080, protocol: 'TCP' }] },
          ],
        },
      },
    },
    status: { replicas },
  };
}

const kpushEntry: ManagedFieldsEntry = {
  manager: 'kpush',
  operation: 'Apply',
  apiVersion: 'apps/v1',
  fieldsV1: {
    'f:spec': {
      'f:selector': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"app"}': { '.': {}, 'f:name': {} },
            'k:{"name":"sidecar"}': { '.': {}, 'f:name': {}, 'f:image': {} },
          },
        },
      },
    },
  },
};
const scaleEntry: ManagedFieldsEntry = {
  manager: 'kubectl',
  operation: 'Update',
  apiVersion: 'apps/v1',
  subresource: 'scale',
  fieldsV1: { 'f:spec': { 'f:replicas': {} } },
};
const editEntry: ManagedFieldsEntry = {
  manager: 'kubectl-edit',
  operation: 'Update',
  apiVersion: 'apps/v1',
  fieldsV1: {
    'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } },
  },
};
const statusEntry: ManagedFieldsEntry = {
  manager: 'kube-controller-manager',
  operation: 'Update',
  subresource: 'status',
  fieldsV1: { 'f:status': { 'f:replicas': {} } },
};

describe('fieldDrifts', () => {
  it('names each differing field with live and repo values and the manager that owns it live', () => {
    const live = liveDeployment(5, 'registry.test/web:9.9.9', [
      kpushEntry,
      scaleEntry,
      editEntry,
      statusEntry,
    ]);
    const result = liveDeployment(2, 'registry.test/web:1.0.0', [kpushEntry]);
    const drifts = fieldDrifts(live, result);
    expect(drifts.map(({ steps: _steps, ...rest }) => rest)).toEqual([
      { path: '.spec.replicas', live: 5, repo: 2, managers: ['kubectl (scale)'] },
      {
        path: '.spec.template.spec.containers[name="app"].image',
        live: 'registry.test/web:9.9.9',
        repo: 'registry.test/web:1.0.0',
        managers: ['kubectl-edit'],
      },
    ]);
  });

  it('finds nothing when only status and server bookkeeping differ', () => {
    const live = liveDeployment(2, 'a:1', [kpushEntry]);
    const result = { ...liveDeployment(2, 'a:1', []), status: { replicas: 7 } };
    result.metadata.resourceVersion = '43';
    expect(fieldDrifts(live, result)).toEqual([]);
  });

  it('reports a list whose items were only reordered as a whole', () => {
    const live = liveDeployment(2, 'a:1', [kpushEntry]);
    const result = structuredClone(live);
    const spec = (result.spec as { template: { spec: { containers: unknown[] } } }).template.spec;
    spec.containers.reverse();
    const [drift] = fieldDrifts(live, result);
    expect(drift?.path).toBe('.spec.template.spec.containers');
    expect(drift?.managers).toEqual(['kpush']);
  });

  it('masks Secret values: a changed key shows *** (before) / *** (after), never the value', () => {
    const secret = (password: string, managers: ManagedFieldsEntry[]): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'shop', managedFields: managers },
      data: { password: Buffer.from(password).toString('base64'), user: 'YWRtaW4=' },
    });
    const patch: ManagedFieldsEntry = {
      manager: 'kubectl-patch',
      operation: 'Update',
      fieldsV1: { 'f:data': { 'f:password': {} } },
    };
    const drifts = fieldDrifts(secret('changed-by-hand', [patch]), secret('from-the-repo', []));
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({
      path: '.data.password',
      live: '*** (before)',
      repo: '*** (after)',
      managers: ['kubectl-patch'],
    });
    const text = JSON.stringify(drifts);
    expect(text).not.toContain(Buffer.from('changed-by-hand').toString('base64'));
    expect(text).not.toContain(Buffer.from('from-the-repo').toString('base64'));
  });
});

describe('ownersOf', () => {
  const live = liveDeployment(5, 'x:1', [kpushEntry, scaleEntry, editEntry, statusEntry]);
  it('matches list items by the keys in fieldsV1, not by position', () => {
    expect(
      ownersOf(live, [
        { field: 'spec' },
        { field: 'template' },
        { field: 'spec' },
        { field: 'containers' },
        { item: { name: 'sidecar' } },
        { field: 'image' },
      ]),
    ).toEqual(['kpush']);
    expect(
      ownersOf(live, [
        { field: 'spec' },
        { field: 'template' },
        { field: 'spec' },
        { field: 'containers' },
        { index: 1 },
        { field: 'image' },
      ]),
    ).toEqual(['kubectl-edit']);
  });
  it('gives the owner of an atomic parent for anything below it, and nobody for unowned fields', () => {
    expect(
      ownersOf(live, [{ field: 'spec' }, { field: 'selector' }, { field: 'matchLabels' }, { field: 'app' }]),
    ).toEqual(['kpush']);
    expect(ownersOf(live, [{ field: 'metadata' }, { field: 'labels' }, { field: 'team' }])).toEqual([]);
  });
  it('leaves status writers out', () => {
    expect(ownersOf(live, [{ field: 'status' }, { field: 'replicas' }])).toEqual([]);
  });
});

describe('formatPath', () => {
  it('spells paths as the API server does, quoting keys that are not identifiers', () => {
    expect(
      formatPath([{ field: 'metadata' }, { field: 'labels' }, { field: 'app.kubernetes.io/name' }]),
    ).toBe('.metadata.labels["app.kubernetes.io/name"]');
    expect(
      formatPath([
        { field: 'spec' },
        { field: 'ports' },
        { item: { port: 80, protocol: 'TCP' } },
        { field: 'targetPort' },
      ]),
    ).toBe('.spec.ports[port=80,protocol="TCP"].targetPort');
  });
});

describe('report renderings', () => {
  const cluster = {
    context: 'prod',
    server: 'https://k8s.test',
    namespace: 'shop',
    status: 'drifted' as const,
    checked: 3,
    objects: [
      {
        kind: 'Deployment',
        group: 'apps',
        namespace: 'shop',
        name: 'web',
        state: 'changed' as const,
        source: 'web.yaml:1',
        fields: [{ path: '.spec.replicas', live: 5, repo: 2, managers: ['kubectl (scale)'] }],
      },
      {
        kind: 'Service',
        group: '',
        namespace: 'shop',
        name: 'web',
        state: 'missing' as const,
        source: 'web.yaml:20',
        fields: [],
      },
      {
        kind: 'ConfigMap',
        group: '',
        namespace: 'shop',
        name: 'old',
        state: 'extra' as const,
        source: '(cluster)',
        fields: [],
      },
    ],
    summary: { changed: 1, missing: 1, extra: 1 },
    error: null,
  };
  it('text: one block per object, one line per field', () => {
    expect(driftLines(cluster, 'shop')).toEqual([
      'drift in shop (namespace shop) on prod:',
      '  ~ Deployment.apps shop/web (web.yaml:1)',
      '      .spec.replicas: live 5, repo 2 (by kubectl (scale))',
      '  - Service shop/web: missing from the cluster (web.yaml:20)',
      '  + ConfigMap shop/old: deployed by shop earlier, no longer in the env repo (deploy --prune deletes it)',
      '3 drifted: 1 changed, 1 missing, 1 not in the repo',
    ]);
  });
  it('markdown: a table row per field and per missing or leftover object', () => {
    const markdown = driftMarkdown({
      schema: 'kpush.dev/drift-report/v1',
      app: 'shop',
      checkedAt: '2026-11-24T10:00:00.000Z',
      envRepo: { url: 'https://git.test/env', commit: 'abc', path: '.', dirty: false },
      drifted: true,
      clusters: [cluster],
    });
    expect(markdown).toContain('### ⚠️ kpush drift shop → prod: drift');
    expect(markdown).toContain(
      '| Deployment.apps shop/web | changed | `.spec.replicas` | 5 | 2 | kubectl (scale) |',
    );
    expect(markdown).toContain('| Service shop/web | missing | missing from the cluster | | | |');
  });
});
