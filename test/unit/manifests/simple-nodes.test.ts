/**
 * buildSimpleDocument builds, for simple documents, the nodes `yaml` would parse: compared here
 * node by node (types, values, sources, scalar ranges, collection starts) with `yaml`'s own on
 * random documents, the property test's manifests and every document of the real corpus.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { splitDocuments } from '../../../src/manifests/simple-documents.js';
import { buildSimpleDocument } from '../../../src/manifests/simple-nodes.js';
import { renderScenario, scenarioArb } from './manifest-arbitraries.js';

const RUNS = Number(process.env.KPUSH_FUZZ_RUNS ?? 800);
const CORPUS = join(import.meta.dirname, '../../../../shared/corpus');
const _schema = new Document().schema;

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

const KEYS = ['a', 'b', 'kind', 'image', '"q"', "'s''t'", 'x.y/z-w', '$a', '_b', "''", '""'];
const VALUES = [
  'v',
  'w x',
  'v # c',
  'v#c',
  '1',
  '0x1F',
  '0o17',
  '1.10',
  '1e3',
  '.5',
  '-1',
  '+2',
  '.inf',
  '-.Inf',
  '.NaN',
  'true',
  'False',
  'null',
  'NULL',
  '~',
  'yes',
  '2024-01-01',
  '-x',
  'a:b',
  'nginx:1.27',
  'ghcr.io/acme/api:1.0@sha256:abc',
  '"q"',
  '"q" # c',
  '""',
  "'s''t'",
  "''",
  '"a # b"',
  "'it''s # not a comment'",
  '{}',
  '[]',
  '{ }',
  '[ ]',
  '{} # c',
  '# only a comment',
];
const lineArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...KEYS), fc.constantFrom('', ...VALUES), fc.constantFrom('', '  '))
      .map(([key, value, trailing]) => `${key}:${value === '' ? '' : ` ${value}`}${trailing}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'a: ', 'image: ', '"k": '), fc.constantFrom('', ...VALUES))
      .map(([key, value]) => `- ${key}${value}`.trimEnd()),
  },
  { weight: 1, arbitrary: fc.constantFrom('-', '- ', '-  # c', '', '   ', '# c', '---', '--- # c') },
);
/** Lines mostly at the indentation of the line before, one level in or out. */
const textArb = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(0, 0, 2, 2, -2, -4, 4), lineArb), { minLength: 1, maxLength: 16 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([lines, crlf, finalNewline]) => {
    let indent = 0;
    const text = lines
      .map(([step, line]) => {
        indent = line.startsWith('---') ? 0 : Math.max(0, indent + step);
        return `${' '.repeat(indent)}${line}`;
      })
      .join(crlf ? '\r\n' : '\n');
    return finalNewline ? `${text}${crlf ? '\r\n' : '\n'}` : text;
  });

/** Plain scalars that go on over more lines: `|` is a line break plus deeper indentation. */
const FOLDED = ['one|two', 'a|b|c', 'one||two', '1|2', 'x|y # c', 'true|false', 'a b|  c d'];

/** `value` as written after `key:` or `-` at `indent`, continuation lines two columns deeper. */
function written(value: string, indent: number): string {
  const [first = '', ...rest] = value.split('|');
  const deeper = ' '.repeat(indent + 2);
  return [first, ...rest.map((line) => (line === '' ? '' : `${deeper}${line}`))].join('\n');
}

/** Well-formed block trees in the subset: mappings, sequences (`- key:` maps too), scalars, comments. */
type Tree = string | { map: [string, Tree][] } | { seq: Tree[] };
const { tree: treeArb } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('', ...VALUES, ...FOLDED),
    fc.record({
      map: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('tree')), { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ seq: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
  ),
}));

function renderTree(tree: Tree, indent: number, seqUnderKey: boolean): string[] {
  const pad = ' '.repeat(indent);
  if (typeof tree === 'string') return [];
  if ('map' in tree) {
    const keys = new Set<string>();
    const lines: string[] = [];
    for (const [key, value] of tree.map) {
      if (keys.has(key.replaceAll(/["']/g, ''))) continue;
      keys.add(key.replaceAll(/["']/g, ''));
      if (typeof value === 'string')
        lines.push(`${pad}${key}:${value === '' ? '' : ` ${written(value, indent)}`}`);
      else {
        const inner = 'seq' in value && seqUnderKey ? indent : indent + 2;
        lines.push(`${pad}${key}:`, ...renderTree(value, inner, seqUnderKey));
      }
    }
    return lines;
  }
  return tree.seq.flatMap((item) => {
    if (typeof item === 'string') return [`${pad}-${item === '' ? '' : ` ${written(item, indent)}`}`];
    const [first = '', ...rest] = renderTree(item, indent + 2, seqUnderKey);
    return 'map' in item ? [`${pad}- ${first.trimStart()}`, ...rest] : [`${pad}-`, first, ...rest];
  });
}

const documentArb = fc
  .tuple(
    fc.oneof(
      fc.record({
        map: fc.array(fc.tuple(fc.constantFrom(...KEYS), treeArb), { minLength: 1, maxLength: 5 }),
      }),
      fc.record({ seq: fc.array(treeArb, { minLength: 1, maxLength: 3 }) }),
    ),
    fc.boolean(),
    fc.boolean(),
    fc.constantFrom('', '---\n', '# head\n---\n'),
  )
  .map(([tree, seqUnderKey, crlf, head]) => {
    const text = `${head + renderTree(tree, 0, seqUnderKey).join('\n')}\n`;
    return crlf ? text.replaceAll('\n', '\r\n') : text;
  });

describe('buildSimpleDocument builds the nodes yaml parses', () => {
  it('random documents in the subset', () => {
    let built = 0;
    fc.assert(
      fc.property(documentArb, (text) => {
        built += expectSameNodes(text);
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: most of them are built rather than left to yaml.
    expect(built).toBeGreaterThan(RUNS / 2);
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
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(name)) files.push(path);
      }
    };
    walk(CORPUS);
    let built = 0;
    for (const file of files) built += expectSameNodes(readFileSync(file, 'utf8'));
    expect(built).toBeGreaterThan(100);
  });

  it('folds plain scalars that go on over more lines, as yaml does', () => {
    for (const text of [
      'a: one\n  two\n\n\n  three # c\nb: x\n',
      '- /bin/cp a b &&\n  /bin/ln c\n- next\n',
      'k: 1\n  2\n',
      'k: x\n\n  y\n',
    ]) {
      const built = buildSimpleDocument(text, 0, text.length);
      expect(built, text).not.toBeNull();
      expect(shape(built?.contents), text).toEqual(shape(parseAllDocuments(text)[0]?.contents));
    }
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
    expect(
      (built?.getIn(['spec', 'containers', 0, 'image'], true) as { range: number[] })?.range,
    ).toEqual([image, image + 'nginx:1.27'.length, image + 'nginx:1.27'.length]);
    for (const outside of [
      'a: |\n  text\n',
      'a: [x]\n',
      'a: {b: c}\n',
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
