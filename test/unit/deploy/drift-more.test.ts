import { describe, expect, it } from 'vitest';
import {
  type ClusterDrift,
  type DriftReport,
  driftLines,
  driftMarkdown,
  driftSummary,
  type FieldDrift,
  fieldDrifts,
  formatPath,
  type ObjectDrift,
  objectIdOf,
  ownersOf,
  showValue,
} from '../../../src/core/deploy/drift.js';
import type { KubeObject, ManagedFieldsEntry } from '../../../src/core/deploy/types.js';

/** An object of `kind` with the given top-level fields and no managedFields. */
function obj(kind: string, fields: Record<string, unknown>, apiVersion = 'v1'): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'ns' }, ...fields };
}

/** The drifts without their steps: path, live, repo, managers. */
function drifts(live: KubeObject, result: KubeObject): Omit<FieldDrift, 'steps'>[] {
  return fieldDrifts(live, result).map(({ steps: _steps, ...rest }) => rest);
}

/** Drifts of `spec.list` from `before` to `after`, as path → [live, repo]. */
function listDrifts(before: unknown[], after: unknown[]): [string, unknown, unknown][] {
  return fieldDrifts(obj('Thing', { spec: { list: before } }), obj('Thing', { spec: { list: after } })).map(
    (drift) => [drift.path, drift.live, drift.repo],
  );
}

describe('fieldDrifts: maps', () => {
  it('reports a field removed by the repo and one added by it, each once', () => {
    expect(
      drifts(
        obj('ConfigMap', { data: { kept: 'a', gone: 'b' } }),
        obj('ConfigMap', { data: { kept: 'a', added: 'c' } }),
      ),
    ).toEqual([
      { path: '.data.gone', live: 'b', repo: undefined, managers: [] },
      { path: '.data.added', live: undefined, repo: 'c', managers: [] },
    ]);
  });

  it('reports a whole map the repo removes (or adds) as one field, not key by key', () => {
    expect(drifts(obj('Thing', { spec: { extra: { a: 1, b: 2 } } }), obj('Thing', { spec: {} }))).toEqual([
      { path: '.spec.extra', live: { a: 1, b: 2 }, repo: undefined, managers: [] },
    ]);
    expect(drifts(obj('Thing', { spec: {} }), obj('Thing', { spec: { extra: { a: 1 } } }))).toEqual([
      { path: '.spec.extra', live: undefined, repo: { a: 1 }, managers: [] },
    ]);
  });

  it('ignores keys that are undefined on both sides', () => {
    expect(
      drifts(obj('Thing', { spec: { a: undefined, b: 1 } }), obj('Thing', { spec: { a: undefined, b: 2 } })),
    ).toEqual([{ path: '.spec.b', live: 1, repo: 2, managers: [] }]);
  });

  it('does not mask ConfigMap data', () => {
    expect(
      drifts(obj('ConfigMap', { data: { k: 'live' } }), obj('ConfigMap', { data: { k: 'repo' } })),
    ).toEqual([{ path: '.data.k', live: 'live', repo: 'repo', managers: [] }]);
  });
});

describe('fieldDrifts: lists', () => {
  it('reports a list of scalars as a whole, and a list the repo removes', () => {
    expect(listDrifts(['a', 'b'], ['a', 'c'])).toEqual([['.spec.list', ['a', 'b'], ['a', 'c']]]);
    expect(
      drifts(obj('Thing', { spec: { list: [{ name: 'a' }] } }), obj('Thing', { spec: {} })).map((d) => [
        d.path,
        d.live,
        d.repo,
      ]),
    ).toEqual([['.spec.list', [{ name: 'a' }], undefined]]);
    expect(
      drifts(obj('Thing', { spec: {} }), obj('Thing', { spec: { list: ['x'] } })).map((d) => [
        d.path,
        d.repo,
      ]),
    ).toEqual([['.spec.list', ['x']]]);
  });

  it('matches named items by name, and reports an added or removed item whole', () => {
    expect(listDrifts([{ name: 'a', v: 1 }], [{ name: 'a', v: 2 }])).toEqual([
      ['.spec.list[name="a"].v', 1, 2],
    ]);
    expect(listDrifts([{ name: 'a' }], [{ name: 'a' }, { name: 'b', v: 1 }])).toEqual([
      ['.spec.list[name="b"]', undefined, { name: 'b', v: 1 }],
    ]);
  });

  it('matches ports by port and protocol when they have no name', () => {
    const service = (targetPort: number) =>
      obj('Service', {
        spec: {
          ports: [
            { port: 53, protocol: 'TCP', targetPort: 5353 },
            { port: 53, protocol: 'UDP', targetPort },
          ],
        },
      });
    expect(drifts(service(5353), service(5354))).toEqual([
      { path: '.spec.ports[port=53,protocol="UDP"].targetPort', live: 5353, repo: 5354, managers: [] },
    ]);
  });

  it('compares unkeyed lists of maps of the same length item by item, by index', () => {
    expect(listDrifts([{ x: 1 }, { x: 2 }], [{ x: 1 }, { x: 3 }])).toEqual([['.spec.list[1].x', 2, 3]]);
  });

  it('compares unkeyed lists of maps of different lengths as a whole', () => {
    expect(listDrifts([{ x: 1 }], [{ x: 1 }, { x: 2 }])).toEqual([
      ['.spec.list', [{ x: 1 }], [{ x: 1 }, { x: 2 }]],
    ]);
  });

  it('compares lists that mix maps and other values as a whole', () => {
    expect(listDrifts([{ x: 1 }, 's'], [{ x: 1 }, { x: 2 }])).toEqual([
      ['.spec.list', [{ x: 1 }, 's'], [{ x: 1 }, { x: 2 }]],
    ]);
    expect(listDrifts([{ x: 1 }, { x: 2 }], [{ x: 1 }, 's'])).toEqual([
      ['.spec.list', [{ x: 1 }, { x: 2 }], [{ x: 1 }, 's']],
    ]);
    expect(listDrifts([null], [{ name: 'a' }])).toEqual([['.spec.list', [null], [{ name: 'a' }]]]);
  });

  it('does not key a list by a field that only some items have', () => {
    expect(listDrifts([{ name: 'a', v: 1 }, { v: 2 }], [{ name: 'a', v: 1 }, { v: 3 }])).toEqual([
      ['.spec.list[1].v', 2, 3],
    ]);
  });

  it('does not key a list by names repeated on either side', () => {
    expect(
      listDrifts(
        [
          { name: 'a', v: 1 },
          { name: 'a', v: 2 },
        ],
        [
          { name: 'a', v: 1 },
          { name: 'a', v: 3 },
        ],
      ),
    ).toEqual([['.spec.list[1].v', 2, 3]]);
    expect(
      listDrifts(
        [
          { name: 'a', v: 1 },
          { name: 'a', v: 2 },
        ],
        [
          { name: 'a', v: 1 },
          { name: 'b', v: 2 },
        ],
      ),
    ).toEqual([['.spec.list[1].name', 'a', 'b']]);
    expect(
      listDrifts(
        [
          { name: 'a', v: 1 },
          { name: 'b', v: 2 },
        ],
        [
          { name: 'a', v: 1 },
          { name: 'a', v: 2 },
        ],
      ),
    ).toEqual([['.spec.list[1].name', 'b', 'a']]);
  });
});

describe('fieldDrifts: Secrets', () => {
  const secret = (fields: Record<string, unknown>, labels?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'shop', ...(labels ? { labels } : {}) },
    ...fields,
  });

  it('masks a key added or removed with plain *** on the side that has it', () => {
    expect(drifts(secret({ data: { a: 'QQ==' } }), secret({ data: { a: 'QQ==', b: 'Qg==' } }))).toEqual([
      { path: '.data.b', live: undefined, repo: '***', managers: [] },
    ]);
    expect(drifts(secret({ data: { a: 'QQ==', b: 'Qg==' } }), secret({ data: { a: 'QQ==' } }))).toEqual([
      { path: '.data.b', live: '***', repo: undefined, managers: [] },
    ]);
  });

  it('masks each key of a whole data map added or removed', () => {
    expect(drifts(secret({}), secret({ data: { a: 'QQ==', b: 'Qg==' } }))).toEqual([
      { path: '.data', live: undefined, repo: { a: '***', b: '***' }, managers: [] },
    ]);
    expect(drifts(secret({ data: { a: 'QQ==' } }), secret({}))).toEqual([
      { path: '.data', live: { a: '***' }, repo: undefined, managers: [] },
    ]);
  });

  it('masks stringData the repo sets, folded into data', () => {
    expect(drifts(secret({ data: { a: 'QQ==' } }), secret({ stringData: { a: 'B' } }))).toEqual([
      { path: '.data.a', live: '*** (before)', repo: '*** (after)', managers: [] },
    ]);
  });

  it('shows metadata of a Secret unmasked', () => {
    expect(drifts(secret({ data: {} }, { team: 'a' }), secret({ data: {} }, { team: 'b' }))).toEqual([
      { path: '.metadata.labels.team', live: 'a', repo: 'b', managers: [] },
    ]);
  });

  it('masks when only the repo side is a Secret', () => {
    expect(
      drifts(obj('ConfigMap', { data: { a: 'QQ==' } }), secret({ data: { a: 'Qg==' } })).filter(
        (d) => d.path === '.data.a',
      ),
    ).toEqual([{ path: '.data.a', live: '*** (before)', repo: '*** (after)', managers: [] }]);
  });
});

describe('ownersOf', () => {
  const entry = (manager: string, fieldsV1: Record<string, unknown>, subresource?: string) =>
    ({
      manager,
      operation: 'Update',
      fieldsV1,
      ...(subresource ? { subresource } : {}),
    }) as ManagedFieldsEntry;
  const withFields = (managedFields: ManagedFieldsEntry[], fields: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Thing',
    metadata: { name: 'x', managedFields },
    ...fields,
  });

  it('lists every owner of a shared field, sorted', () => {
    const owned = { 'f:spec': { 'f:replicas': {} } };
    const live = withFields([entry('zeta', owned), entry('alpha', owned), entry('mid', owned, 'scale')], {
      spec: { replicas: 1 },
    });
    expect(ownersOf(live, [{ field: 'spec' }, { field: 'replicas' }])).toEqual([
      'alpha',
      'mid (scale)',
      'zeta',
    ]);
  });

  it('finds nobody on an object without managedFields, and skips entries with no manager or fields', () => {
    expect(ownersOf(withFields([], { spec: { a: 1 } }), [{ field: 'spec' }])).toEqual([]);
    const live = withFields(
      [
        { operation: 'Update', fieldsV1: { 'f:spec': {} } },
        { manager: 'm', operation: 'Update' },
      ],
      { spec: { a: 1 } },
    );
    live.metadata.managedFields?.push(entry('ok', { 'f:spec': {} }));
    expect(ownersOf(live, [{ field: 'spec' }, { field: 'a' }])).toEqual(['ok']);
    delete live.metadata.managedFields;
    expect(ownersOf(live, [{ field: 'spec' }])).toEqual([]);
  });

  it('treats a list item whose entry holds only "." as owned whole', () => {
    const live = withFields([entry('m', { 'f:spec': { 'f:list': { 'k:{"name":"a"}': { '.': {} } } } })], {
      spec: { list: [{ name: 'a', image: 'x' }] },
    });
    expect(
      ownersOf(live, [{ field: 'spec' }, { field: 'list' }, { item: { name: 'a' } }, { field: 'image' }]),
    ).toEqual(['m']);
  });

  it('does not own a field whose fieldsV1 node is not a map', () => {
    const live = withFields([entry('m', { 'f:spec': 'broken' })], { spec: { a: 1 } });
    expect(ownersOf(live, [{ field: 'spec' }, { field: 'a' }])).toEqual([]);
  });

  it('matches every field of a multi-field key, for the live item the step names', () => {
    const ports = [
      { port: 53, protocol: 'TCP', targetPort: 1 },
      { port: 53, protocol: 'UDP', targetPort: 2 },
    ];
    const live = withFields(
      [
        entry('tcp', {
          'f:spec': { 'f:ports': { 'k:{"port":53,"protocol":"TCP"}': { 'f:targetPort': {} } } },
        }),
        entry('udp', {
          'f:spec': { 'f:ports': { 'k:{"port":53,"protocol":"UDP"}': { 'f:targetPort': {}, 'f:name': {} } } },
        }),
      ],
      { spec: { ports } },
    );
    const path = (protocol: string) => [
      { field: 'spec' },
      { field: 'ports' },
      { item: { port: 53, protocol } },
      { field: 'targetPort' },
    ];
    expect(ownersOf(live, path('UDP'))).toEqual(['udp']);
    expect(ownersOf(live, path('TCP'))).toEqual(['tcp']);
    // An entry that lists TCP first must still not own the UDP item's field.
    const mixed = withFields(
      [
        entry('m', {
          'f:spec': {
            'f:ports': {
              'k:{"port":53,"protocol":"TCP"}': { 'f:targetPort': {} },
              'k:{"port":53,"protocol":"UDP"}': { 'f:name': {} },
            },
          },
        }),
      ],
      { spec: { ports } },
    );
    expect(ownersOf(mixed, path('UDP'))).toEqual([]);
    expect(ownersOf(mixed, path('TCP'))).toEqual(['m']);
  });

  it('follows a list inside a list item', () => {
    const live = withFields(
      [
        entry('m', {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { 'f:hostPort': {} } },
              },
            },
          },
        }),
      ],
      {
        spec: {
          containers: [
            { name: 'sidecar', ports: [{ containerPort: 9090, protocol: 'TCP' }] },
            { name: 'app', ports: [{ containerPort: 8080, protocol: 'TCP', hostPort: 80 }] },
          ],
        },
      },
    );
    const containers = [{ field: 'spec' }, { field: 'containers' }];
    const port = { item: { containerPort: 8080, protocol: 'TCP' } };
    expect(
      ownersOf(live, [
        ...containers,
        { item: { name: 'app' } },
        { field: 'ports' },
        port,
        { field: 'hostPort' },
      ]),
    ).toEqual(['m']);
    expect(
      ownersOf(live, [...containers, { index: 1 }, { field: 'ports' }, { index: 0 }, { field: 'hostPort' }]),
    ).toEqual(['m']);
    expect(
      ownersOf(live, [
        ...containers,
        { item: { name: 'sidecar' } },
        { field: 'ports' },
        { index: 0 },
        { field: 'hostPort' },
      ]),
    ).toEqual([]);
  });

  it('matches set items by their v: value and list items by their i: index', () => {
    const live = withFields(
      [
        entry('fin', { 'f:metadata': { 'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} } } }),
        entry('idx', { 'f:spec': { 'f:list': { 'i:1': { 'f:x': {} } } } }),
      ],
      { spec: { list: [{ x: 1 }, { x: 2 }] } },
    );
    live.metadata.finalizers = ['b', 'c'];
    const finalizer = (index: number) => [{ field: 'metadata' }, { field: 'finalizers' }, { index }];
    expect(ownersOf(live, finalizer(0))).toEqual(['fin']);
    expect(ownersOf(live, finalizer(1))).toEqual([]);
    expect(ownersOf(live, [{ field: 'spec' }, { field: 'list' }, { index: 1 }, { field: 'x' }])).toEqual([
      'idx',
    ]);
    expect(ownersOf(live, [{ field: 'spec' }, { field: 'list' }, { index: 0 }, { field: 'x' }])).toEqual([]);
  });

  it('reports owners in fieldDrifts for fields inside nested lists', () => {
    const deployment = (hostPort: number, managedFields: ManagedFieldsEntry[]): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', managedFields },
      spec: {
        template: {
          spec: {
            containers: [{ name: 'app', ports: [{ containerPort: 8080, protocol: 'TCP', hostPort }] }],
          },
        },
      },
    });
    const patch = entry('kubectl-patch', {
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { 'f:hostPort': {} } },
              },
            },
          },
        },
      },
    });
    expect(drifts(deployment(81, [patch]), deployment(80, []))).toEqual([
      {
        path: '.spec.template.spec.containers[name="app"].ports[containerPort=8080,protocol="TCP"].hostPort',
        live: 81,
        repo: 80,
        managers: ['kubectl-patch'],
      },
    ]);
  });
});

describe('formatPath', () => {
  it('spells the root, list indexes and items whose key fields are partly unset', () => {
    expect(formatPath([])).toBe('.');
    expect(formatPath([{ field: 'spec' }, { field: 'list' }, { index: 2 }, { field: 'x' }])).toBe(
      '.spec.list[2].x',
    );
    expect(formatPath([{ item: { port: 80, protocol: undefined } }])).toBe('[port=80]');
  });
});

// ---------------------------------------------------------------------------------------------

function objectDrift(overrides: Partial<ObjectDrift>): ObjectDrift {
  return {
    kind: 'Deployment',
    group: 'apps',
    namespace: 'shop',
    name: 'web',
    state: 'changed',
    source: 'web.yaml:1',
    fields: [],
    ...overrides,
  };
}

function clusterOf(overrides: Partial<ClusterDrift>): ClusterDrift {
  return {
    context: 'prod',
    server: 'https://k8s.test',
    namespace: 'shop',
    status: 'drifted',
    objects: [],
    checked: 4,
    summary: { changed: 0, missing: 0, extra: 0 },
    error: null,
    ...overrides,
  };
}

function reportOf(clusters: ClusterDrift[], overrides: Partial<DriftReport> = {}): DriftReport {
  return {
    schema: 'kpush.dev/drift-report/v1',
    app: 'shop',
    checkedAt: '2026-11-24T10:00:00.000Z',
    envRepo: { url: 'https://git.test/env', commit: 'abc', path: '.', dirty: false },
    drifted: true,
    clusters,
    ...overrides,
  };
}

describe('driftSummary and objectIdOf', () => {
  it('counts objects by state', () => {
    expect(driftSummary([])).toEqual({ changed: 0, missing: 0, extra: 0 });
    expect(
      driftSummary([
        objectDrift({ state: 'changed' }),
        objectDrift({ state: 'extra' }),
        objectDrift({ state: 'missing' }),
        objectDrift({ state: 'extra' }),
      ]),
    ).toEqual({ changed: 1, missing: 1, extra: 2 });
  });

  it('gives the object id without a version', () => {
    expect(objectIdOf(objectDrift({}))).toEqual({
      group: 'apps',
      version: '',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
    });
  });
});

describe('showValue', () => {
  it('says a missing value is absent, and shows masks and the empty string as they are', () => {
    expect(showValue(undefined)).toBe('(absent)');
    expect(showValue('*** (before)')).toBe('*** (before)');
    expect(showValue('')).toBe('""');
    expect(showValue('plain')).toBe('"plain"');
    expect(showValue('a***')).toBe('"a***"');
    expect(showValue(null)).toBe('null');
    expect(showValue({ a: 1 })).toBe('{"a":1}');
  });

  it('shortens values longer than max to max characters ending in …', () => {
    expect(showValue('abcd', 6)).toBe('"abcd"');
    expect(showValue('abcde', 6)).toBe('"abcd…');
    expect(showValue('x'.repeat(200))).toHaveLength(120);
  });
});

describe('driftLines', () => {
  it('says why a cluster could not be checked', () => {
    const error = { code: 'unreachable', message: 'connection refused' };
    expect(driftLines(clusterOf({ status: 'error', error }), 'shop')).toEqual([
      'could not check shop (namespace shop) on prod: connection refused',
    ]);
    expect(driftLines(clusterOf({ status: 'error' }), 'shop')).toEqual([
      'could not check shop (namespace shop) on prod: unknown error',
    ]);
  });

  it('says a clean cluster matches, with the number of objects checked', () => {
    expect(driftLines(clusterOf({ status: 'clean' }), 'shop')).toEqual([
      'no drift: shop (namespace shop) on prod matches the env repo (4 objects)',
    ]);
  });

  it('gives a changed object its message, and each field all its managers or none', () => {
    const objects = [
      objectDrift({ message: 'dry-run refused: invalid' }),
      objectDrift({
        name: 'api',
        fields: [
          { path: '.spec.replicas', live: 3, repo: undefined, managers: ['a', 'b'] },
          { path: '.spec.paused', live: undefined, repo: '', managers: [] },
        ],
      }),
    ];
    expect(driftLines(clusterOf({ objects, summary: { changed: 2, missing: 0, extra: 0 } }), 'shop')).toEqual(
      [
        'drift in shop (namespace shop) on prod:',
        '  ~ Deployment.apps shop/web (web.yaml:1): dry-run refused: invalid',
        '  ~ Deployment.apps shop/api (web.yaml:1)',
        '      .spec.replicas: live 3, repo (absent) (by a, b)',
        '      .spec.paused: live (absent), repo "" (manager unknown)',
        '2 drifted: 2 changed, 0 missing, 0 not in the repo',
      ],
    );
  });
});

describe('driftMarkdown', () => {
  it('renders a clean cluster and a local, uncommitted env repo', () => {
    expect(
      driftMarkdown(
        reportOf([clusterOf({ status: 'clean' })], {
          drifted: false,
          envRepo: { url: null, commit: null, path: '.', dirty: true },
        }),
      ),
    ).toBe(
      [
        '### ✅ kpush drift shop → prod: no drift',
        '',
        'env repo (local directory) @ not a git checkout, namespace shop',
        '',
        '',
      ].join('\n'),
    );
  });

  it('renders a cluster that could not be checked, with its error', () => {
    const error = { code: 'unreachable', message: 'dial tcp: <refused>' };
    expect(driftMarkdown(reportOf([clusterOf({ status: 'error', error })]))).toBe(
      [
        '### ❌ kpush drift shop → prod: could not check',
        '',
        'env repo https://git.test/env @ abc, namespace shop',
        '',
        'error: dial tcp: &lt;refused>',
        '',
        '',
      ].join('\n'),
    );
  });

  it('renders one row per field, and one per object without fields, escaping table cells', () => {
    const objects = [
      objectDrift({
        fields: [
          { path: '.spec.replicas', live: 5, repo: 2, managers: ['kubectl (scale)', 'kpush'] },
          { path: '.data.a|b', live: 'x'.repeat(70), repo: undefined, managers: [] },
        ],
      }),
      objectDrift({ name: 'api', message: 'refused:\r\n\r\nbad | value \\ here' }),
      objectDrift({ name: 'plain' }),
      objectDrift({ kind: 'ConfigMap', group: '', name: 'old', state: 'extra', source: '(cluster)' }),
      objectDrift({ kind: 'Service', group: '', name: 'web', state: 'missing' }),
    ];
    const markdown = driftMarkdown(
      reportOf([clusterOf({ objects })], { fix: { ok: false, records: [], error: 'apply | failed' } }),
    );
    expect(markdown).toBe(
      [
        '### ⚠️ kpush drift shop → prod: drift',
        '',
        'env repo https://git.test/env @ abc, namespace shop',
        '',
        '| object | drift | field | live | repo | changed by |',
        '|---|---|---|---|---|---|',
        '| Deployment.apps shop/web | changed | `.spec.replicas` | 5 | 2 | kubectl (scale), kpush |',
        `| Deployment.apps shop/web | changed | \`.data.a\\|b\` | "${'x'.repeat(58)}… | (absent) | unknown |`,
        '| Deployment.apps shop/api | changed | refused: bad \\| value \\\\ here | | | |',
        '| Deployment.apps shop/plain | changed |  | | | |',
        '| ConfigMap shop/old | extra | not in the repo | | | |',
        '| Service shop/web | missing | missing from the cluster | | | |',
        '',
        '❌ fix failed: apply \\| failed',
        '',
        '',
      ].join('\n'),
    );
  });

  it('reports a successful fix, and a failed one without a message', () => {
    const clean = [clusterOf({ status: 'clean' })];
    expect(driftMarkdown(reportOf(clean, { fix: { ok: true, records: ['r1'] } }))).toContain(
      'namespace shop\n\n✅ fixed: re-deployed from the env repo\n\n',
    );
    expect(
      driftMarkdown(reportOf(clean, { fix: { ok: false, records: [] } })).endsWith('❌ fix failed: \n\n'),
    ).toBe(true);
  });
});
