import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyStage,
  applyWave,
  inWaves,
  deleteOrder,
  kindRank,
  planStages,
  UNKNOWN_KIND_RANK,
} from '../../../src/core/deploy/order.js';
import type { ObjectId } from '../../../src/core/deploy/types.js';

function id(kind: string, name = 'x', namespace = '', group = ''): ObjectId {
  return { group, version: 'v1', kind, namespace, name };
}

const describeIds = (ids: ObjectId[]) => ids.map((item) => `${item.kind}/${item.namespace}/${item.name}`);

describe('applyStage', () => {
  it.each([
    ['CustomResourceDefinition', 0],
    ['Namespace', 0],
    ['ClusterRole', 0],
    ['StorageClass', 1],
    ['GatewayClass', 1],
    ['ClusterClass', 1],
    ['MyWidgetClass', 1],
    ['ClusterRoleBinding', 2],
    ['Deployment', 2],
    ['Widget', 2],
    ['ValidatingWebhookConfiguration', 2],
  ])('%s is in stage %i', (kind, stage) => {
    expect(applyStage(id(kind))).toBe(stage);
  });
});

describe('kindRank', () => {
  it('follows Flux order for the kinds Flux names, with webhooks after unknown kinds', () => {
    const fluxOrder = [
      'CustomResourceDefinition',
      'Namespace',
      'ClusterRole',
      'ClusterClass',
      'RuntimeClass',
      'PriorityClass',
      'StorageClass',
      'VolumeSnapshotClass',
      'IngressClass',
      'GatewayClass',
      'ClusterRoleBinding',
      'ResourceQuota',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'Secret',
      'Service',
      'LimitRange',
      'Deployment',
      'StatefulSet',
      'CronJob',
      'PodDisruptionBudget',
      'Widget',
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
    ];
    const ranks = fluxOrder.map((kind) => kindRank(id(kind)));
    for (let index = 1; index < ranks.length; index++) {
      expect(ranks[index], fluxOrder[index]).toBeGreaterThan(ranks[index - 1] as number);
    }
    expect(kindRank(id('Widget'))).toBe(UNKNOWN_KIND_RANK);
  });

  it('places the kinds Flux leaves out next to the objects they depend on', () => {
    const rank = (kind: string) => kindRank(id(kind));
    expect(rank('PersistentVolumeClaim')).toBeGreaterThan(rank('Secret'));
    expect(rank('PersistentVolumeClaim')).toBeLessThan(rank('Deployment'));
    expect(rank('PersistentVolume')).toBeLessThan(rank('PersistentVolumeClaim'));
    expect(rank('NetworkPolicy')).toBeLessThan(rank('Deployment'));
    for (const kind of ['DaemonSet', 'Pod', 'ReplicaSet', 'Job']) {
      expect(rank(kind), kind).toBeGreaterThan(rank('Service'));
      expect(rank(kind), kind).toBeLessThan(UNKNOWN_KIND_RANK);
    }
    expect(rank('Job')).toBeLessThan(rank('CronJob'));
    expect(rank('HorizontalPodAutoscaler')).toBeGreaterThan(rank('StatefulSet'));
    expect(rank('Ingress')).toBeGreaterThan(rank('Service'));
    expect(rank('APIService')).toBeLessThan(UNKNOWN_KIND_RANK);
  });
});

describe('planStages', () => {
  it('groups into non-empty stages, each in rank then group/kind/namespace/name order', () => {
    const items = [
      id('Deployment', 'web', 'shop', 'apps'),
      id('Widget', 'b', 'shop', 'example.com'),
      id('Service', 'web', 'shop'),
      id('Namespace', 'shop'),
      id('CustomResourceDefinition', 'widgets.example.com', '', 'apiextensions.k8s.io'),
      id('Deployment', 'api', 'shop', 'apps'),
      id('Deployment', 'api', 'admin', 'apps'),
      id('Widget', 'a', 'shop', 'example.com'),
      id('Gadget', 'a', 'shop', 'example.com'),
      id('Gizmo', 'a', 'shop', 'aaa.io'),
      id('ValidatingWebhookConfiguration', 'hook', '', 'admissionregistration.k8s.io'),
    ].map((objectId) => ({ id: objectId }));
    const stages = planStages(items).map((stage) => describeIds(stage.map((item) => item.id)));
    expect(stages).toEqual([
      ['CustomResourceDefinition//widgets.example.com', 'Namespace//shop'],
      [
        'Service/shop/web',
        'Deployment/admin/api',
        'Deployment/shop/api',
        'Deployment/shop/web',
        'Gizmo/shop/a',
        'Gadget/shop/a',
        'Widget/shop/a',
        'Widget/shop/b',
        'ValidatingWebhookConfiguration//hook',
      ],
    ]);
  });

  it('puts Class kinds Flux does not know in the class stage', () => {
    const stages = planStages([
      { id: id('Deployment') },
      { id: id('FancyClass') },
      { id: id('StorageClass') },
    ]);
    expect(stages.map((stage) => stage.map((item) => item.id.kind))).toEqual([
      ['StorageClass', 'FancyClass'],
      ['Deployment'],
    ]);
  });

  it('returns no stages for no objects', () => {
    expect(planStages([])).toEqual([]);
  });
});

const kinds = [
  'Namespace',
  'CustomResourceDefinition',
  'Deployment',
  'Service',
  'FancyClass',
  'Widget',
  'Secret',
];
const arbitraryId = fc.record({
  group: fc.constantFrom('', 'apps', 'example.com'),
  version: fc.constant('v1'),
  kind: fc.constantFrom(...kinds),
  namespace: fc.constantFrom('', 'a', 'b'),
  name: fc.constantFrom('x', 'y', 'z'),
});

describe('deleteOrder', () => {
  it('deletes workloads before the namespaces and CRDs they need', () => {
    const order = deleteOrder([
      id('Namespace', 'shop'),
      id('Deployment', 'web', 'shop', 'apps'),
      id('CustomResourceDefinition', 'w', '', 'apiextensions.k8s.io'),
      id('StorageClass', 'fast'),
    ]);
    expect(order.map((item) => item.kind)).toEqual([
      'Deployment',
      'StorageClass',
      'Namespace',
      'CustomResourceDefinition',
    ]);
  });

  it('is exactly the flattened apply plan reversed, whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(arbitraryId, { maxLength: 30 }), (ids) => {
        const applied = planStages(ids.map((objectId) => ({ id: objectId }))).flatMap((stage) =>
          stage.map((item) => item.id),
        );
        expect(describeIds(deleteOrder(ids))).toEqual(describeIds([...applied].reverse()));
        expect(describeIds(deleteOrder([...ids].reverse()))).toEqual(describeIds(deleteOrder(ids)));
      }),
    );
  });
});

describe('apply waves inside a stage', () => {
  it('puts config and policy, Services, workloads, routes and custom resources, webhooks in that order', () => {
    const waveOf = (kind: string) => applyWave({ kind });
    for (const kind of [
      'ConfigMap',
      'Secret',
      'ServiceAccount',
      'RoleBinding',
      'NetworkPolicy',
      'PersistentVolumeClaim',
    ])
      expect(waveOf(kind), kind).toBe(0);
    for (const kind of ['Service', 'LimitRange']) expect(waveOf(kind), kind).toBe(1);
    for (const kind of [
      'DaemonSet',
      'Deployment',
      'StatefulSet',
      'HorizontalPodAutoscaler',
      'Job',
      'CronJob',
      'PodDisruptionBudget',
    ])
      expect(waveOf(kind), kind).toBe(2);
    for (const kind of ['Ingress', 'APIService', 'Certificate', 'Rollout'])
      expect(waveOf(kind), kind).toBe(3);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'])
      expect(waveOf(kind), kind).toBe(4);
  });

  it('splits a sorted stage into its waves, keeping the order inside each and leaving out empty ones', () => {
    const item = (kind: string, name: string) => ({ id: { kind }, name });
    const stage = [
      item('ConfigMap', 'a'),
      item('Secret', 'b'),
      item('Deployment', 'c'),
      item('Deployment', 'd'),
      item('ValidatingWebhookConfiguration', 'e'),
    ];
    expect(inWaves(stage).map((wave) => wave.map((entry) => entry.name))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
    expect(inWaves([])).toEqual([]);
  });
});
