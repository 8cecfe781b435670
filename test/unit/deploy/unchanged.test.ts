// The "provably unchanged" fast path, case by case on small objects: which managedFields entry
// counts, how maps, leaves, sets and associative lists are matched against fieldsV1, and every
// shape it must refuse (answer false, so that the server's dry-run decides).
import { describe, expect, it } from 'vitest';
import type { KubeObject, ManagedFieldsEntry } from '../../../src/core/deploy/types.js';
import { provablyUnchanged } from '../../../src/core/deploy/unchanged.js';

type Body = Record<string, unknown>;

/** A live ConfigMap-like object whose only managedFields entry is kpush's apply of `fieldsV1`. */
function live(body: Body, fieldsV1: unknown, entry: Partial<ManagedFieldsEntry> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cfg',
      namespace: 'ns',
      uid: 'u-1',
      managedFields: [
        {
          manager: 'kpush',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: fieldsV1 as Record<string, unknown>,
          ...entry,
        },
      ],
    },
    ...body,
  };
}

function desired(body: Body): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, ...body };
}

const unchanged = (liveObject: KubeObject, desiredObject: KubeObject) =>
  provablyUnchanged(liveObject, desiredObject, 'kpush');

describe('provablyUnchanged: identity and the managedFields entry', () => {
  const data = { data: { a: '1' } };
  const owned = { 'f:data': { 'f:a': {} } };

  it('is true for a matching map', () => {
    expect(unchanged(live(data, owned), desired(data))).toBe(true);
  });

  it('is false when only the apiVersion differs, even if the entry was applied at the desired version', () => {
    const liveObject = { ...live(data, owned, { apiVersion: 'v2' }), apiVersion: 'v1' };
    expect(unchanged(liveObject, { ...desired(data), apiVersion: 'v2' })).toBe(false);
  });

  it('is false when only the kind differs', () => {
    expect(unchanged(live(data, owned), { ...desired(data), kind: 'Secret' })).toBe(false);
  });

  it('is false without managedFields', () => {
    const liveObject = live(data, owned);
    delete liveObject.metadata.managedFields;
    expect(unchanged(liveObject, desired(data))).toBe(false);
  });

  it('counts only an Apply entry of that manager on the main resource', () => {
    expect(unchanged(live(data, owned, { operation: 'Update' }), desired(data))).toBe(false);
    expect(unchanged(live(data, owned, { manager: 'helm' }), desired(data))).toBe(false);
    expect(unchanged(live(data, owned, { subresource: 'status' }), desired(data))).toBe(false);
  });

  it('is false when the manager has two Apply entries', () => {
    const liveObject = live(data, owned);
    liveObject.metadata.managedFields = [
      ...(liveObject.metadata.managedFields ?? []),
      { manager: 'kpush', operation: 'Apply', apiVersion: 'v1', fieldsV1: owned },
    ];
    expect(unchanged(liveObject, desired(data))).toBe(false);
  });

  it('is false when the entry was applied at another apiVersion', () => {
    expect(unchanged(live(data, owned, { apiVersion: 'v1beta1' }), desired(data))).toBe(false);
  });

  it('is false when the entry has no fieldsV1', () => {
    const liveObject = live(data, owned);
    delete liveObject.metadata.managedFields?.[0]?.fieldsV1;
    expect(unchanged(liveObject, desired(data))).toBe(false);
  });

  it('is true for an object with nothing but its name, owning nothing', () => {
    expect(unchanged(live({}, {}), desired({}))).toBe(true);
  });

  it('tracks labels and annotations but never name and namespace', () => {
    const liveObject = live({}, { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    liveObject.metadata.labels = { app: 'web' };
    const wanted = desired({});
    wanted.metadata.labels = { app: 'web' };
    expect(unchanged(liveObject, wanted)).toBe(true);
    wanted.metadata.labels = { app: 'api' };
    expect(unchanged(liveObject, wanted)).toBe(false);
  });
});

describe('provablyUnchanged: maps and leaves', () => {
  it('ignores fields the configuration leaves undefined', () => {
    expect(
      unchanged(
        live({ data: { a: '1' } }, { 'f:data': { 'f:a': {} } }),
        desired({ data: { a: '1' }, binaryData: undefined }),
      ),
    ).toBe(true);
  });

  it('is false when the manager owns a field the configuration does not set', () => {
    expect(
      unchanged(
        live({ data: { a: '1', b: '2' } }, { 'f:data': { 'f:a': {}, 'f:b': {} } }),
        desired({ data: { a: '1' } }),
      ),
    ).toBe(false);
  });

  it('compares an atomic map owned only as "." whole', () => {
    const fields = { 'f:data': { '.': {} } };
    expect(unchanged(live({ data: { a: '1' } }, fields), desired({ data: { a: '1' } }))).toBe(true);
    expect(unchanged(live({ data: { a: '1' } }, fields), desired({ data: { a: '2' } }))).toBe(false);
  });

  it('is false for a scalar configured where the manager owns a map', () => {
    const fields = { 'f:data': { 'f:0': {}, 'f:1': {} } };
    expect(unchanged(live({ data: { 0: 'a', 1: 'b' } }, fields), desired({ data: 'ab' }))).toBe(false);
    expect(unchanged(live({ data: { 0: 'a' } }, { 'f:data': { 'f:0': {} } }), desired({ data: 7 }))).toBe(
      false,
    );
  });

  it('is false when live is not a map where the configuration has one', () => {
    expect(unchanged(live({ data: 'x' }, { 'f:data': { 'f:a': {} } }), desired({ data: { a: '1' } }))).toBe(
      false,
    );
  });

  it('is false when an owned key is not a field', () => {
    expect(
      unchanged(live({ data: { a: '1' } }, { 'f:data': { 'x:a': {} } }), desired({ data: { a: '1' } })),
    ).toBe(false);
  });
});

describe('provablyUnchanged: sets', () => {
  const fields = { 'f:spec': { 'f:names': { 'v:"a"': {}, 'v:"b"': {} } } };

  it('is true when the set holds exactly the configured values, in any order', () => {
    expect(
      unchanged(live({ spec: { names: ['b', 'a'] } }, fields), desired({ spec: { names: ['a', 'b'] } })),
    ).toBe(true);
  });

  it('is false for a configured value the manager does not own', () => {
    expect(
      unchanged(live({ spec: { names: ['a', 'c'] } }, fields), desired({ spec: { names: ['a', 'c'] } })),
    ).toBe(false);
  });

  it('is false for a configured value missing from live', () => {
    expect(
      unchanged(live({ spec: { names: ['a', 'x'] } }, fields), desired({ spec: { names: ['a', 'b'] } })),
    ).toBe(false);
  });

  it('is false when the number of items differs from the owned values', () => {
    expect(
      unchanged(live({ spec: { names: ['a', 'b'] } }, fields), desired({ spec: { names: ['a'] } })),
    ).toBe(false);
  });

  it('is false when live holds no list there', () => {
    expect(
      unchanged(live({ spec: { names: 'a,b' } }, fields), desired({ spec: { names: ['a', 'b'] } })),
    ).toBe(false);
  });

  it('is false for a list mixing value and key entries', () => {
    const mixed = { 'f:spec': { 'f:names': { 'v:"a"': {}, 'k:{"x":1}': {} } } };
    expect(
      unchanged(
        live({ spec: { names: ['a', { x: 1 }] } }, mixed),
        desired({ spec: { names: ['a', { x: 1 }] } }),
      ),
    ).toBe(false);
  });
});

describe('provablyUnchanged: associative lists', () => {
  const item = { '.': {}, 'f:name': {}, 'f:value': {} };
  const fields = { 'f:spec': { 'f:env': { 'k:{"name":"a"}': item, 'k:{"name":"b"}': item } } };
  const env = [
    { name: 'a', value: '1' },
    { name: 'b', value: '2' },
  ];

  it('is true for items in the configured order with equal values', () => {
    expect(unchanged(live({ spec: { env } }, fields), desired({ spec: { env } }))).toBe(true);
  });

  it('is false when live has the items in another order', () => {
    expect(unchanged(live({ spec: { env: [env[1], env[0]] } }, fields), desired({ spec: { env } }))).toBe(
      false,
    );
  });

  it('is false when an item value differs', () => {
    const changed = [env[0], { name: 'b', value: '3' }];
    expect(unchanged(live({ spec: { env } }, fields), desired({ spec: { env: changed } }))).toBe(false);
  });

  it('is false when the manager owns more items than configured', () => {
    expect(unchanged(live({ spec: { env } }, fields), desired({ spec: { env: [env[0]] } }))).toBe(false);
  });

  it('is false when live holds a map where the list is configured', () => {
    const one = { 'f:spec': { 'f:env': { 'k:{"name":"a"}': item } } };
    expect(
      unchanged(
        live({ spec: { env: { name: 'a', value: '1' } } }, one),
        desired({ spec: { env: [env[0]] } }),
      ),
    ).toBe(false);
  });

  it('is false for a list mixing key entries with other entries', () => {
    const mixed = { 'f:spec': { 'f:env': { 'k:{"name":"a"}': item, 'v:{"name":"b"}': item } } };
    expect(unchanged(live({ spec: { env } }, mixed), desired({ spec: { env } }))).toBe(false);
  });

  it('is false for index-tracked items', () => {
    const indexed = { 'f:spec': { 'f:env': { 'i:0': item } } };
    expect(unchanged(live({ spec: { env: [env[0]] } }, indexed), desired({ spec: { env: [env[0]] } }))).toBe(
      false,
    );
  });

  it('is false for a scalar item in an associative list', () => {
    const one = { 'f:spec': { 'f:env': { 'k:{"name":"a"}': { '.': {} } } } };
    expect(unchanged(live({ spec: { env: [{ name: 'a' }] } }, one), desired({ spec: { env: [5] } }))).toBe(
      false,
    );
  });

  it('is false for an item that no owned key names', () => {
    const one = { 'f:spec': { 'f:env': { 'k:{"name":"a"}': { '.': {} } } } };
    expect(
      unchanged(live({ spec: { env: [{ name: 'a' }] } }, one), desired({ spec: { env: [{ name: 'z' }] } })),
    ).toBe(false);
  });

  it('is false when the keyed item is missing from live', () => {
    const one = { 'f:spec': { 'f:env': { 'k:{"name":"a"}': { '.': {}, 'f:name': {} } } } };
    expect(
      unchanged(live({ spec: { env: [{ name: 'b' }] } }, one), desired({ spec: { env: [{ name: 'a' }] } })),
    ).toBe(false);
  });

  describe('with compound keys (ports: containerPort and protocol)', () => {
    const ports = {
      'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
      'k:{"containerPort":80,"protocol":"UDP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
    };
    const livePorts = [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 80, protocol: 'UDP' },
    ];

    it('matches every key field, in live and in the configuration', () => {
      expect(
        unchanged(
          live({ spec: { ports: livePorts } }, { 'f:spec': { 'f:ports': ports } }),
          desired({ spec: { ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }] } }),
        ),
      ).toBe(false);
      const tcpOwnsProtocol = {
        'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
        'k:{"containerPort":80,"protocol":"UDP"}': ports['k:{"containerPort":80,"protocol":"UDP"}'],
      };
      expect(
        unchanged(
          live({ spec: { ports: livePorts } }, { 'f:spec': { 'f:ports': tcpOwnsProtocol } }),
          desired({ spec: { ports: livePorts } }),
        ),
      ).toBe(true);
    });

    it('lets the configuration leave out a key field the server defaults, when that names one item', () => {
      const one = {
        'k:{"containerPort":80,"protocol":"TCP"}': ports['k:{"containerPort":80,"protocol":"TCP"}'],
      };
      expect(
        unchanged(
          live({ spec: { ports: [livePorts[0]] } }, { 'f:spec': { 'f:ports': one } }),
          desired({ spec: { ports: [{ containerPort: 80 }] } }),
        ),
      ).toBe(true);
    });

    it('is false when a configured key field differs from the owned key', () => {
      const one = {
        'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
      };
      expect(
        unchanged(
          live({ spec: { ports: [livePorts[0]] } }, { 'f:spec': { 'f:ports': one } }),
          desired({ spec: { ports: [{ containerPort: 80, protocol: 'UDP' }] } }),
        ),
      ).toBe(false);
    });
  });
});
