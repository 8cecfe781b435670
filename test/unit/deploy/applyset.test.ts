import { describe, expect, it } from 'vitest';
import {
  APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION,
  APPLYSET_GROUP_KINDS_ANNOTATION,
  APPLYSET_ID_LABEL,
  APPLYSET_PART_OF_LABEL,
  APPLYSET_TOOLING_ANNOTATION,
  applySetFieldManager,
  applySetId,
  checkParentId,
  checkTooling,
  contentsOf,
  parentObject,
  parseParent,
  pruneCandidates,
  superset,
  withMembershipLabel,
} from '../../../src/core/deploy/applyset.js';
import type { KubeObject, ObjectId } from '../../../src/core/deploy/types.js';
import { KpushError } from '../../../src/errors.js';

function id(kind: string, name: string, namespace = '', group = ''): ObjectId {
  return { group, version: 'v1', kind, namespace, name };
}

describe('applySetId', () => {
  it('matches the value kubectl computes', () => {
    expect(applySetId('cross_namespace', 'applyset-namespace', 'Secret')).toBe(
      'applyset-maUyxm9hLztJjNIswOCgA-VT6EJxr1_CcWA5kSzuMYE-v1',
    );
    expect(applySetId('cross_namespace', 'applyset-namespace')).toBe(
      'applyset-maUyxm9hLztJjNIswOCgA-VT6EJxr1_CcWA5kSzuMYE-v1',
    );
  });

  it('differs by name, namespace, kind and group, and is a valid label value', () => {
    const ids = new Set([
      applySetId('a', 'ns'),
      applySetId('b', 'ns'),
      applySetId('a', 'other'),
      applySetId('a', 'ns', 'ConfigMap'),
      applySetId('a', 'ns', 'Secret', 'example.com'),
    ]);
    expect(ids.size).toBe(5);
    for (const value of ids) expect(value).toMatch(/^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/);
  });

  it('names the parent field manager as kubectl does', () => {
    expect(applySetFieldManager()).toBe('kpush-applyset');
  });
});

describe('parent annotations', () => {
  const ids = [
    id('Deployment', 'web', 'shop', 'apps'),
    id('Service', 'web', 'shop'),
    id('ConfigMap', 'c', 'admin'),
    id('Namespace', 'shop'),
    id('Widget', 'w', 'shop', 'example.com'),
    id('Deployment', 'api', 'shop', 'apps'),
  ];

  it('builds the parent Secret with the id label and sorted, comma-joined annotations', () => {
    const parent = parentObject({
      name: 'shop-set',
      namespace: 'shop',
      version: '1.2.3',
      contents: contentsOf(ids),
    });
    expect(parent).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'shop-set',
        namespace: 'shop',
        labels: { [APPLYSET_ID_LABEL]: applySetId('shop-set', 'shop') },
        annotations: {
          [APPLYSET_TOOLING_ANNOTATION]: 'kpush/1.2.3',
          [APPLYSET_GROUP_KINDS_ANNOTATION]: 'ConfigMap,Deployment.apps,Namespace,Service,Widget.example.com',
          [APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]: 'admin',
        },
      },
    });
  });

  it('writes empty annotations for an empty set and supports a ConfigMap parent', () => {
    const parent = parentObject({
      name: 'p',
      namespace: 'ns',
      version: '1',
      kind: 'ConfigMap',
      contents: contentsOf([]),
    });
    expect(parent.kind).toBe('ConfigMap');
    expect(parent.metadata.labels?.[APPLYSET_ID_LABEL]).toBe(applySetId('p', 'ns', 'ConfigMap'));
    expect(parent.metadata.annotations?.[APPLYSET_GROUP_KINDS_ANNOTATION]).toBe('');
    expect(parent.metadata.annotations?.[APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]).toBe('');
  });

  it('parses what it writes, and kubectl-written parents', () => {
    const parent = parentObject({ name: 'p', namespace: 'shop', version: '1', contents: contentsOf(ids) });
    expect(parseParent(parent.metadata.annotations)).toEqual({
      groupKinds: ['ConfigMap', 'Deployment.apps', 'Namespace', 'Service', 'Widget.example.com'],
      namespaces: ['admin'],
      tooling: 'kpush/1',
    });
    expect(
      parseParent({
        [APPLYSET_TOOLING_ANNOTATION]: 'kubectl/v1.31.0',
        [APPLYSET_GROUP_KINDS_ANNOTATION]: '',
      }),
    ).toEqual({
      groupKinds: [],
      namespaces: [],
      tooling: 'kubectl/v1.31.0',
    });
    expect(parseParent(undefined)).toEqual({ groupKinds: [], namespaces: [], tooling: null });
  });

  it('records the superset of the old and the new set before applying', () => {
    const old = {
      [APPLYSET_GROUP_KINDS_ANNOTATION]: 'CronJob.batch,Service',
      [APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]: 'legacy',
    };
    const contents = superset(old, [id('Service', 's', 'shop'), id('ConfigMap', 'c', 'admin')]);
    expect(contents).toEqual({
      groupKinds: ['ConfigMap', 'CronJob.batch', 'Service'],
      namespaces: ['admin', 'legacy', 'shop'],
    });
    const parent = parentObject({ name: 'p', namespace: 'shop', version: '1', contents });
    expect(parent.metadata.annotations?.[APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]).toBe('admin,legacy');
  });
});

describe('withMembershipLabel', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', labels: { app: 'web' } },
  };

  it('adds the part-of label to a copy', () => {
    const labelled = withMembershipLabel(obj, 'applyset-x-v1');
    expect(labelled.metadata.labels).toEqual({ app: 'web', [APPLYSET_PART_OF_LABEL]: 'applyset-x-v1' });
    expect(obj.metadata.labels).toEqual({ app: 'web' });
    expect(withMembershipLabel({ ...obj, metadata: { name: 'c' } }, 'i').metadata.labels).toEqual({
      [APPLYSET_PART_OF_LABEL]: 'i',
    });
  });

  it('refuses an input that sets the label itself, even to the same value', () => {
    const claimed = {
      ...obj,
      metadata: { name: 'c', labels: { [APPLYSET_PART_OF_LABEL]: 'applyset-x-v1' } },
    };
    expect(() => withMembershipLabel(claimed, 'applyset-x-v1')).toThrow(KpushError);
    expect(() => withMembershipLabel(claimed, 'applyset-x-v1')).toThrow(/already set/);
  });
});

describe('checkTooling and checkParentId', () => {
  it('accepts our own parent, of any version', () => {
    expect(checkTooling('kpush/0.1.0', 'kpush')).toBeNull();
    expect(checkTooling('kpush/v9')).toBeNull();
  });

  it('names the tool that owns another parent, reading the name up to the last slash', () => {
    expect(checkTooling('kubectl/v1.31.0', 'kpush')).toMatch(/managed by "kubectl", not "kpush"/);
    expect(checkTooling('acme/deployer/2.0', 'kpush')).toMatch(/managed by "acme\/deployer"/);
    expect(checkTooling('kpush', 'kpush')).toBeNull();
    expect(checkTooling(undefined, 'kpush')).toMatch(/no "applyset.kubernetes.io\/tooling" annotation/);
  });

  it('checks the id label', () => {
    const expected = applySetId('p', 'ns');
    expect(checkParentId({ [APPLYSET_ID_LABEL]: expected }, expected)).toBeNull();
    expect(checkParentId({ [APPLYSET_ID_LABEL]: 'applyset-other-v1' }, expected)).toMatch(/expected/);
    expect(checkParentId(undefined, expected)).toMatch(/no "applyset.kubernetes.io\/id" label/);
  });
});

describe('pruneCandidates', () => {
  const web = id('Deployment', 'web', 'shop', 'apps');
  const oldJob = id('CronJob', 'cleanup', 'shop', 'batch');
  const oldConfig = id('ConfigMap', 'old', 'shop');
  const oldNamespace = id('Namespace', 'legacy');
  const crd = id('CustomResourceDefinition', 'widgets.example.com', '', 'apiextensions.k8s.io');
  const members = [
    web,
    oldJob,
    oldConfig,
    oldNamespace,
    crd,
    id('Namespace', 'kube-system'),
    id('Namespace', 'default'),
  ].map((memberId) => ({ id: memberId }));

  it('prunes what this run did not apply, in deletion order, keeping Namespaces, CRDs and system namespaces', () => {
    const plan = pruneCandidates(members, [{ ...web, version: 'v2' }]);
    expect(plan.prune).toEqual([oldJob, oldConfig]);
    expect(plan.skipped.map((skip) => skip.id.name)).toEqual([
      'legacy',
      'widgets.example.com',
      'kube-system',
      'default',
    ]);
    expect(plan.skipped[0]?.reason).toMatch(/explicitly included/);
  });

  it('prunes Namespaces and CRDs on opt-in, never the system namespaces', () => {
    const plan = pruneCandidates(members, [web], { includeNamespacesAndCrds: true });
    expect(plan.prune).toEqual([oldJob, oldConfig, oldNamespace, crd]);
    expect(plan.skipped.map((skip) => skip.id.name).sort()).toEqual(['default', 'kube-system']);
    for (const name of ['kube-public', 'kube-node-lease']) {
      expect(
        pruneCandidates([{ id: id('Namespace', name) }], [web], { includeNamespacesAndCrds: true }).prune,
      ).toEqual([]);
    }
  });

  it('does not prune an applied object listed under another group (same uid)', () => {
    const underOldGroup = { id: id('Ingress', 'web', 'shop', 'extensions'), uid: 'uid-1' };
    const plan = pruneCandidates([underOldGroup], [id('Ingress', 'web', 'shop', 'networking.k8s.io')], {
      appliedUids: ['uid-1'],
    });
    expect(plan.prune).toEqual([]);
  });

  it('refuses to prune everything after an empty render unless allowed', () => {
    expect(pruneCandidates([{ id: oldConfig }], []).prune).toEqual([]);
    expect(pruneCandidates([{ id: oldConfig }], [])).toMatchObject({
      skipped: [{ reason: expect.stringMatching(/nothing was applied/) }],
    });
    expect(pruneCandidates([{ id: oldConfig }], [], { allowEmpty: true }).prune).toEqual([oldConfig]);
  });
});

describe('applyset edge cases', () => {
  it('leaves cluster-scoped objects out of the namespaces, and empty names out of the parent', () => {
    expect(
      contentsOf([id('Namespace', 'shop'), id('ClusterRole', 'r', '', 'rbac.authorization.k8s.io')]),
    ).toEqual({
      groupKinds: ['ClusterRole.rbac.authorization.k8s.io', 'Namespace'],
      namespaces: [],
    });
    const parent = parentObject({
      name: 'p',
      namespace: 'shop',
      version: '1',
      contents: { groupKinds: ['b', 'a', 'b'], namespaces: ['', 'shop', 'z', 'a', 'z'] },
    });
    expect(parent.metadata.annotations?.[APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]).toBe('a,z');
    expect(parent.metadata.annotations?.[APPLYSET_GROUP_KINDS_ANNOTATION]).toBe('a,b');
  });

  it('reads lists with empty entries and duplicates, sorted by code unit', () => {
    expect(
      parseParent({
        [APPLYSET_GROUP_KINDS_ANNOTATION]: ',Service,,Deployment.apps,Service,',
        [APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]: 'b,,a,B',
      }),
    ).toEqual({ groupKinds: ['Deployment.apps', 'Service'], namespaces: ['B', 'a', 'b'], tooling: null });
  });

  it('says which object claims the label, with a code and a hint', () => {
    const claimed = (name?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...(name ? { name } : {}), labels: { [APPLYSET_PART_OF_LABEL]: 'other' } },
    });
    let error: unknown;
    try {
      withMembershipLabel(claimed('c'), 'mine');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KpushError);
    expect(error).toMatchObject({
      code: 'E_APPLYSET_LABEL',
      message:
        'ConfigMap c: the ApplySet label "applyset.kubernetes.io/part-of" is already set in the manifest',
      hint: 'Remove the label from the manifest; kpush sets it on every object it applies.',
    });
    expect(() => withMembershipLabel(claimed(), 'mine')).toThrow(
      'ConfigMap : the ApplySet label "applyset.kubernetes.io/part-of" is already set in the manifest',
    );
  });

  it('prunes a member whose uid this run did not apply', () => {
    const member = { id: id('ConfigMap', 'old', 'shop'), uid: 'uid-2' };
    const plan = pruneCandidates([member], [id('ConfigMap', 'new', 'shop')], { appliedUids: ['uid-1'] });
    expect(plan).toEqual({ prune: [member.id], skipped: [] });
  });

  it('protects only core Namespaces with system names, and treats only core Namespaces and real CRDs as such', () => {
    const applied = [id('Deployment', 'web', 'shop', 'apps')];
    const lookalikes = [
      id('ConfigMap', 'default', 'shop'),
      id('Namespace', 'default', '', 'example.com'),
      id('Namespace', 'x', '', 'example.com'),
      id('CustomResourceDefinition', 'w', '', 'example.com'),
    ];
    const plan = pruneCandidates(
      lookalikes.map((member) => ({ id: member })),
      applied,
    );
    expect(plan.skipped).toEqual([]);
    expect(plan.prune).toHaveLength(4);
    expect(
      pruneCandidates([{ id: id('Namespace', 'default') }], applied, { includeNamespacesAndCrds: true }),
    ).toEqual({
      prune: [],
      skipped: [{ id: id('Namespace', 'default'), reason: 'namespace default is never pruned' }],
    });
    const crd = id('CustomResourceDefinition', 'w.example.com', '', 'apiextensions.k8s.io');
    expect(pruneCandidates([{ id: crd }], applied).skipped).toEqual([
      {
        id: crd,
        reason: 'CustomResourceDefinition is pruned only when Namespaces and CRDs are explicitly included',
      },
    ]);
    expect(pruneCandidates([{ id: id('ConfigMap', 'c', 'shop') }], []).skipped[0]?.reason).toBe(
      'nothing was applied: an empty render does not prune the whole set unless allowed',
    );
  });
});
