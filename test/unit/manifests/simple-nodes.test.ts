/**
 * buildSimpleDocument builds, for simple documents, the nodes `yaml` would parse: compared here
 * node by node (types, values, sources, scalar ranges, collection starts) with `yaml`'s own on
 * random documents, the property test's manifests and every document of the real corpus.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { splitDocuments } from '../../../src/manifests/simple-documents.js';
import { buildSimpleDocument } from '../../../src/manifests/simple-nodes.js';
import { renderScenario, scenarioArb } from './manifest-arbitraries.js';
import { corpusYamlFiles, documentArb, textArb } from './simple-arbitraries.js';

const RUNS = Number(process.env.KPUSH_FUZZ_RUNS ?? 800);

/** What the conventions read of a node, as comparable data. */
function shape(node: unknown): unknown {
  if (isScalar(node)) {
    const { type, source, value, format } = node as typeof node & { source: string };
    const [start, end] = node.range ?? [];
    return { type, source, value, valueType: typeof value, format, start, end };
  }
  if (isMap(node) || isSeq(node)) {
    return {
      collection: isMap(node) ? 'map' : 'seq',
      flow: node.flow === true,
      start: node.range?.[0],
      items: node.items.map((item) =>
        isPair(item) ? { key: shape(item.key), value: shape(item.value) } : shape(item),
      ),
    };
  }
  return node === null ? null : { other: String(node) };
}

/** `text`, one document, is built (not left to yaml) into the nodes yaml parses. */
function expectBuiltLikeYaml(text: string): void {
  const built = buildSimpleDocument(text, 0, text.length);
  expect(built, text).not.toBeNull();
  expect(shape(built?.contents), text).toEqual(shape(parseAllDocuments(text)[0]?.contents));
}

/** For each simple document the builder takes: its nodes equal yaml's. Returns how many it built. */
function expectSameNodes(text: string): number {
  let built = 0;
  for (const document of splitDocuments(text)) {
    if (!document.simple) continue;
    const nodes = buildSimpleDocument(text, document.start, document.end);
    if (nodes === null) continue;
    built++;
    const parsed = parseAllDocuments(text.slice(document.start, document.end), { uniqueKeys: false });
    const [only] = Array.isArray(parsed) ? parsed : [];
    const source = text.slice(document.start, document.end);
    expect(parsed, source).toHaveLength(1);
    expect(shape(nodes.contents), source).toEqual(shift(shape(only?.contents), document.start));
  }
  return built;
}

/** `yaml` parsed the document alone: its offsets are relative to the document's start. */
function shift(value: unknown, by: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shift(item, by));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      (key === 'start' || key === 'end') && typeof item === 'number' ? item + by : shift(item, by),
    ]),
  );
}

describe('buildSimpleDocument builds the nodes yaml parses', () => {
  it('random documents in the subset', () => {
    let built = 0;
    fc.assert(
      fc.property(documentArb, (text) => {
        built += expectSameNodes(text);
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: many of them are built rather than left to yaml.
    expect(built).toBeGreaterThan(RUNS / 3);
  });

  it('random lines near the subset', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expectSameNodes(text);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("the property test's manifests", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        expectSameNodes(renderScenario(scenario));
      }),
      { numRuns: RUNS },
    );
  });

  it('every document of the real corpus', () => {
    let built = 0;
    for (const file of corpusYamlFiles()) built += expectSameNodes(readFileSync(file, 'utf8'));
    expect(built).toBeGreaterThan(100);
  });

  it('folds plain scalars that go on over more lines, as yaml does', () => {
    for (const text of [
      'a: one\n  two\n\n\n  three # c\nb: x\n',
      '- /bin/cp a b &&\n  /bin/ln c\n- next\n',
      'k: 1\n  2\n',
      'k: x\n\n  y\n',
    ])
      expectBuiltLikeYaml(text);
  });

  it('builds one-line flow collections of words and quoted strings, as yaml does', () => {
    for (const text of [
      'limits: { cpu: 500m, memory: 1Gi }\n',
      "args: [port, \"8080\", 'a ''b'''] # c\n",
      'n: [1, true, null, 0x1F, 1.5]\nm: {a: x, b: "y, z: w"}\n',
      '- [ ]\n- { }\n- [a,b]\n',
    ])
      expectBuiltLikeYaml(text);
  });

  it('examples: what it builds and what it leaves to yaml', () => {
    const build = (text: string) => buildSimpleDocument(text, 0, text.length);
    const deployment =
      'apiVersion: apps/v1\nkind: Deployment\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27 # pinned\n';
    const built = build(deployment);
    expect(built?.toJS()).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    const image = deployment.indexOf('nginx');
    expect(shape(built?.contents)).toEqual(shape(parseAllDocuments(deployment)[0]?.contents));
    expect(JSON.stringify(built?.contents)).toContain('nginx:1.27');
    expect((built?.getIn(['spec', 'containers', 0, 'image'], true) as { range: number[] })?.range).toEqual([
      image,
      image + 'nginx:1.27'.length,
      image + 'nginx:1.27'.length,
    ]);
    for (const outside of [
      'a: |\n  text\n',
      'a: [x: y]\n',
      'a: {b: [c]}\n',
      'a: [x] y\n',
      'a: b # ended\n  continued\n',
      '- b\n  - c\n',
      'a: b\n  c: d\n',
      'a: "two\n  lines"\n',
      '- - nested\n',
      'scalar at the root\n',
      '# nothing but a comment\n',
    ])
      expect(build(outside), outside).toBeNull();
  });
});

describe('buildSimpleDocument with a filter on blocks', () => {
  /** yaml's nodes, each collection whose block (its key's line on) lacks `needle` emptied. */
  function prunedLikeYaml(text: string, needle: string): unknown {
    const prune = (node: unknown, blockText: string): unknown => {
      const full = shape(node) as { collection?: string; items?: unknown[] };
      if (!full?.collection || blockText.includes(needle)) return node;
      return { ...full, items: [] };
    };
    const walk = (node: unknown): unknown => {
      if (isMap(node))
        return {
          ...(shape(node) as object),
          items: node.items.map((pair) => {
            const value = pair.value as { range?: number[] } | null;
            const keyStart = text.lastIndexOf('\n', (pair.key as { range: number[] }).range[0]) + 1;
            const block = text.slice(keyStart, value?.range?.[1] ?? keyStart);
            const kept = prune(value, block);
            return { key: shape(pair.key), value: kept === value ? walk(value) : kept };
          }),
        };
      if (isSeq(node))
        return {
          ...(shape(node) as object),
          items: node.items.map((item) => {
            const start = (item as { range?: number[] }).range?.[0] ?? 0;
            const block = text.slice(
              text.lastIndexOf('\n', start) + 1,
              (item as { range?: number[] }).range?.[1],
            );
            const kept = prune(item, block);
            return kept === item ? walk(item) : kept;
          }),
        };
      return shape(node);
    };
    return walk(parseAllDocuments(text)[0]?.contents);
  }

  it('builds the blocks that hold the text, and an empty collection of its kind for each other', () => {
    const text = [
      'metadata:',
      '  labels:',
      '    app: web',
      'spec:',
      '  containers:',
      '    - name: web',
      '      image: ghcr.io/acme/web:1.0',
      '      env:',
      '        - name: A',
      '          value: "1"',
      '      ports:',
      '      - containerPort: 80',
      '  volumes:',
      '  - name: data',
      '',
    ].join('\n');
    const built = buildSimpleDocument(text, 0, text.length, undefined, (block) => block.includes('acme'));
    expect(shape(built?.contents)).toEqual(prunedLikeYaml(text, 'acme'));
    // spec.volumes: a sequence, emptied.
    expect(shape(built?.contents)).toMatchObject({
      items: [{}, { value: { items: [{}, { value: { collection: 'seq', items: [] } }] } }],
    });
  });

  it('keeps a block whose key line holds the text, blank lines after it too', () => {
    const text = 'a: # acme\n\n  b: 1\nc:\n  d: 2\n';
    const built = buildSimpleDocument(text, 0, text.length, undefined, (block) => block.includes('acme'));
    expect(shape(built?.contents)).toEqual(prunedLikeYaml(text, 'acme'));
    expect(shape(built?.contents)).toMatchObject({
      items: [{ value: { items: [{}] } }, { value: { items: [] } }],
    });
  });

  it('skips blank lines and comments inside a block, up to the end of its document (LF and CRLF)', () => {
    const document = [
      'kind: Deployment',
      'spec:',
      '  image: acme/web:1',
      'env:',
      '  - name: A',
      '',
      '# at the left edge, still inside',
      '    value: "1"',
      '  - name: B',
      'ports:',
      '- 80',
      '  # the last line of the document is a comment',
      '',
    ];
    for (const eol of ['\n', '\r\n']) {
      const head = `a: 1${eol}---${eol}`;
      const text = `${head}${document.join(eol)}---${eol}b: 2${eol}`;
      const start = head.length - `---${eol}`.length;
      const end = text.lastIndexOf(`---${eol}`);
      const built = buildSimpleDocument(text, start, end, undefined, (block) => block.includes('acme'));
      const alone = document.join(eol);
      const expected = shift(prunedLikeYaml(alone, 'acme'), start + `---${eol}`.length);
      expect(shape(built?.contents), JSON.stringify(eol)).toEqual(expected);
      expect(shape(built?.contents)).toMatchObject({
        items: [
          {},
          {},
          { value: { collection: 'seq', items: [] } },
          { value: { collection: 'seq', items: [] } },
        ],
      });
    }
  });

  it('leaves an empty value alone: no line belongs to it', () => {
    const text = 'a:\n# comment\n\nb: 1\n';
    const built = buildSimpleDocument(text, 0, text.length, undefined, () => false);
    expect(shape(built?.contents)).toEqual(shape(parseAllDocuments(text)[0]?.contents));
  });
});
