// Pure deploy helpers: the "provably unchanged" fast path, refusals explained, HPA, client-side
// takeover, the audit record's renderings, durations, bounded concurrency.
import { describe, expect, it } from 'vitest';
import { explainRefusal } from '../../../src/core/deploy/api-errors.js';
import { autoscaledWorkloads, withoutReplicas } from '../../../src/core/deploy/hpa.js';
import {
  type AuditRecord,
  historyLines,
  RECORD_SCHEMA,
  recordMarkdown,
} from '../../../src/core/deploy/record.js';
import { mergeFieldSets, takeoverPatch } from '../../../src/core/deploy/takeover.js';
import type { KubeObject, ObjectId } from '../../../src/core/deploy/types.js';
import { provablyUnchanged } from '../../../src/core/deploy/unchanged.js';
import { parseDuration } from '../../../src/core/duration.js';
import { mapLimit, settleLimit } from '../../../src/core/map-limit.js';

/** A Deployment as the server returns it after `kpush` applied `desired` (defaults added). */
function liveDeployment(
  overrides: { image?: string; extraOwned?: boolean; replicasOwner?: string } = {},
): KubeObject {
  const fieldsV1: Record<string, unknown> = {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  };
  if (overrides.extraOwned)
    (fieldsV1['f:metadata'] as Record<string, Record<string, unknown>>)['f:labels']!['f:tier'] = {};
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      generation: 3,
      managedFields: [
        { manager: 'kpush', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1 },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'apps/v1',
          subresource: 'status',
          fieldsV1: {},
        },
      ],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: overrides.image ?? 'registry.test/web:1',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
            },
          ],
          restartPolicy: 'Always',
        },
      },
    },
    status: { replicas: 2 },
  };
}

function desiredDeployment(
  image = 'registry.test/web:1',
  labels: Record<string, string> = { app: 'web' },
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

describe('provablyUnchanged', () => {
  it('is true when kpush owns exactly the manifest and every value is live (defaults ignored)', () => {
    expect(provablyUnchanged(liveDeployment(), desiredDeployment(), 'kpush')).toBe(true);
  });

  it('is false for a changed value', () => {
    expect(provablyUnchanged(liveDeployment(), desiredDeployment('registry.test/web:2'), 'kpush')).toBe(
      false,
    );
  });

  it('is false when the manifest drops a field kpush owns (the apply would remove it)', () => {
    expect(provablyUnchanged(liveDeployment({ extraOwned: true }), desiredDeployment(), 'kpush')).toBe(false);
  });

  it('is false when the manifest adds a field, even one the server already has', () => {
    const desired = desiredDeployment();
    (desired.spec as Record<string, unknown>).strategy = { type: 'RollingUpdate' };
    expect(provablyUnchanged(liveDeployment(), desired, 'kpush')).toBe(false);
  });

  it('is false for another field manager, or when kpush has no entry', () => {
    expect(provablyUnchanged(liveDeployment(), desiredDeployment(), 'other')).toBe(false);
    const live = liveDeployment();
    live.metadata.managedFields = [];
    expect(provablyUnchanged(live, desiredDeployment(), 'kpush')).toBe(false);
  });

  it('is false when a list item is missing, added or reordered', () => {
    const two = desiredDeployment();
    const containers = (two.spec as { template: { spec: { containers: unknown[] } } }).template.spec
      .containers;
    containers.push({ name: 'sidecar', image: 'registry.test/side:1' });
    expect(provablyUnchanged(liveDeployment(), two, 'kpush')).toBe(false);
  });

  it('is false for values the server canonicalises differently (decided by the server instead)', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        managedFields: [
          { manager: 'kpush', operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:n': {} } } },
        ],
      },
      data: { n: '1' },
    };
    expect(
      provablyUnchanged(
        live,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { n: '1' } },
        'kpush',
      ),
    ).toBe(true);
    expect(
      provablyUnchanged(
        live,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { n: 1 } },
        'kpush',
      ),
    ).toBe(false);
  });

  it('never answers true for a Secret written with stringData (write-only on the server)', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        managedFields: [
          {
            manager: 'kpush',
            operation: 'Apply',
            apiVersion: 'v1',
            fieldsV1: { 'f:stringData': { 'f:p': {} } },
          },
        ],
      },
      data: { p: Buffer.from('x').toString('base64') },
    };
    expect(
      provablyUnchanged(
        live,
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { p: 'x' } },
        'kpush',
      ),
    ).toBe(false);
  });
});

const id: ObjectId = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };

describe('explainRefusal', () => {
  it('names each conflicting field and its manager', () => {
    const explained = explainRefusal(id, {
      status: 409,
      reason: 'Conflict',
      message: 'Apply failed with 2 conflicts',
      causes: [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-edit" using apps/v1',
          field: '.spec.replicas',
        },
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "hpa" using apps/v1',
          field: '.spec.template',
        },
      ],
    });
    expect(explained.code).toBe('E_APPLY_CONFLICT');
    expect(explained.message).toBe(
      'Deployment.apps shop/web: 2 fields are managed by another tool: .spec.replicas (owned by kubectl-edit), .spec.template (owned by hpa)',
    );
    expect(explained.hint).toContain('--force-conflicts');
  });

  it('names an immutable field and how to recreate the object', () => {
    const explained = explainRefusal(id, {
      status: 422,
      reason: 'Invalid',
      message: 'Deployment.apps "web" is invalid',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: ...: field is immutable',
          field: 'spec.selector',
        },
      ],
    });
    expect(explained).toMatchObject({
      code: 'E_APPLY_IMMUTABLE',
      message: 'Deployment.apps shop/web: spec.selector cannot be changed on an existing object',
    });
    expect(explained.hint).toContain('kubectl delete deployment/web -n shop');
  });

  it('never repeats the values of an invalid Secret', () => {
    const secret: ObjectId = { group: '', version: 'v1', kind: 'Secret', namespace: 'shop', name: 'creds' };
    const explained = explainRefusal(secret, {
      status: 422,
      reason: 'Invalid',
      message: 'Secret "creds" is invalid: data[password]: Invalid value: "hunter2-secret": bad',
      causes: [
        { reason: 'FieldValueInvalid', message: 'Invalid value: "hunter2-secret"', field: 'data[password]' },
      ],
    });
    expect(explained.message).not.toContain('hunter2');
    expect(explained.message).toContain('data[password]');
  });
});

describe('HPA-managed workloads', () => {
  it('finds the targets of HPAs, per namespace, and drops only spec.replicas', () => {
    const hpa = (ns: string, name: string): KubeObject => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: `${name}-hpa`, namespace: ns },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name } },
    });
    const keys = autoscaledWorkloads([hpa('shop', 'web'), hpa('other', 'api')]);
    expect(keys.has('apps|Deployment|shop|web')).toBe(true);
    expect(keys.has('apps|Deployment|shop|api')).toBe(false);
    const stripped = withoutReplicas(desiredDeployment());
    expect((stripped.spec as Record<string, unknown>).replicas).toBeUndefined();
    expect((stripped.spec as Record<string, unknown>).template).toBeDefined();
  });
});

describe('client-side apply takeover', () => {
  it('merges client-side managers into kpush and guards with the resourceVersion', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'legacy',
        resourceVersion: '42',
        managedFields: [
          {
            manager: 'kubectl-client-side-apply',
            operation: 'Update',
            apiVersion: 'v1',
            fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
          },
          { manager: 'helm', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:c': {} } } },
        ],
      },
    };
    const patch = takeoverPatch(live, 'kpush') as { op: string; path: string; value: unknown }[];
    expect(patch[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: '42' });
    const entries = patch[1]?.value as { manager: string; operation: string; fieldsV1: unknown }[];
    expect(entries.map((entry) => entry.manager)).toEqual(['helm', 'kpush']); // another GitOps tool is never taken over
    expect(entries[1]).toMatchObject({
      operation: 'Apply',
      fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
    });
    expect(takeoverPatch({ ...live, metadata: { ...live.metadata, managedFields: [] } }, 'kpush')).toBeNull();
    expect(mergeFieldSets({ 'f:a': { 'f:x': {} } }, { 'f:a': { 'f:y': {} }, 'f:b': {} })).toEqual({
      'f:a': { 'f:x': {}, 'f:y': {} },
      'f:b': {},
    });
  });
});

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    schema: RECORD_SCHEMA,
    id: '20261124t100000z-abcdef',
    app: 'shop',
    mode: 'apply',
    result: 'succeeded',
    startedAt: '2026-11-24T10:00:00.000Z',
    finishedAt: '2026-11-24T10:00:04.200Z',
    durationMs: 4200,
    kpushVersion: '0.1.0',
    actor: 'octocat',
    ci: { provider: 'github', runUrl: 'https://github.com/acme/api/actions/runs/1' },
    source: { repo: 'https://github.com/acme/api', commit: '3f1c2a9d00000000000000000000000000000000' },
    envRepo: {
      url: 'https://github.com/acme/env',
      commit: 'aaaabbbbccccdddd000000000000000000000000',
      path: 'overlays/prod',
      dirty: false,
    },
    cluster: { server: 'https://k8s.test', context: 'prod' },
    namespace: 'shop',
    flags: { prune: true },
    objects: [
      {
        kind: 'Deployment',
        group: 'apps',
        namespace: 'shop',
        name: 'web|x',
        action: 'configured',
        status: 'Current',
      },
    ],
    summary: { created: 0, configured: 1, unchanged: 3, pruned: 0, failed: 0 },
    error: null,
    ...overrides,
  };
}

describe('audit record renderings', () => {
  it('the step summary table escapes cell content and shows provenance', () => {
    const markdown = recordMarkdown(
      record({ result: 'failed', error: { code: 'E', message: 'line1\n| <b>x</b>' } }),
    );
    expect(markdown).toContain('### ❌ kpush deploy shop → prod: failed');
    expect(markdown).toContain(
      '| source | https://github.com/acme/api @ 3f1c2a9d00000000000000000000000000000000 |',
    );
    expect(markdown).toContain('| Deployment.apps shop/web\\|x | configured | Current |  |');
    expect(markdown).toContain('| error | line1 \\| &lt;b>x&lt;/b> |');
  });

  it('history lines align columns, newest first as given', () => {
    const lines = historyLines([record(), record({ result: 'failed', actor: null, durationMs: null })]);
    expect(lines[0]).toMatch(/^STARTED\s+RESULT\s+ENV COMMIT\s+SOURCE COMMIT\s+ACTOR\s+OBJECTS\s+DURATION$/);
    expect(lines[1]).toMatch(
      /^2026-11-24T10:00:00Z\s+succeeded\s+aaaabbbbcccc\s+3f1c2a9d0000\s+octocat\s+0\+ 1~ 0-\s+4\.2s$/,
    );
    expect(lines[2]).toMatch(/failed .* - +0\+ 1~ 0- +-$/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1m30.5s', 90_500],
    ['250ms', 250],
    ['45', 45_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '5 m', '5x', 'm5', '1h-2m'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeNull(),
  );
});

describe('bounded concurrency', () => {
  it('never runs more than the limit at once and keeps input order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (value) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });

  it('mapLimit stops taking new work after a failure; settleLimit reports every outcome', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4], 1, async (value) => {
        started.push(value);
        if (value === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    const settled = await settleLimit([1, 2, 3], 2, async (value) => {
      if (value === 2) throw new Error('two');
      return value;
    });
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
