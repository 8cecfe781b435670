/**
 * scanManifest parses into nodes only the documents that can hold a requested image (simple ones
 * built by simple-nodes.ts); the others are checked by splitDocuments (simple-documents.ts),
 * which must never certify a document the `yaml` package (or kpush's duplicate-key check) would
 * reject. Neither may change a scan's result against one that parses every document with `yaml`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { YamlSyntaxError } from '../../../src/errors.js';
import { scanManifest } from '../../../src/manifests/index.js';
import { scanParsedManifest } from '../../../src/manifests/scan.js';
import { splitDocuments, splitDocumentsAndLines } from '../../../src/manifests/simple-documents.js';
import { lineStartsOf, parseManifestSource } from '../../../src/manifests/yaml-source.js';
import { renderScenario, type Scenario, scenarioArb } from './manifest-arbitraries.js';
import { indentedText } from './simple-arbitraries.js';

const RUNS = Number(process.env.KPUSH_FUZZ_RUNS ?? 800);
/** The reference: every document's nodes from `yaml` itself, none from buildSimpleDocument. */
const YAML_ONLY = { nodesFrom: 'yaml' } as const;
const CORPUS = join(import.meta.dirname, '../../../../shared/corpus');

/** The scan, or the error it throws, as comparable data. */
function outcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (error) {
    if (!(error instanceof YamlSyntaxError)) throw error;
    return { error: error.message };
  }
}

/** What parsing only the documents a filter selects reports, against parsing every document. */
function expectSameVerdictSkippingEverything(text: string): void {
  const skipping = outcome(() => parseManifestSource('f.yaml', text, () => false).documents.length);
  const full = outcome(() => parseManifestSource('f.yaml', text, () => true, YAML_ONLY).documents.length);
  expect('error' in (skipping as object) ? skipping : 'valid').toEqual(
    'error' in (full as object) ? full : 'valid',
  );
}

/** Every simple document parses without error on its own, and is a CRD exactly when yaml says so. */
function expectSimpleDocumentsValid(text: string): void {
  const isCrd = (kind: unknown, apiVersion: unknown) =>
    kind === 'CustomResourceDefinition' &&
    typeof apiVersion === 'string' &&
    apiVersion.startsWith('apiextensions.k8s.io/');
  for (const document of splitDocuments(text)) {
    if (!document.simple) continue;
    const source = text.slice(document.start, document.end);
    expect(
      outcome(() => parseManifestSource('f.yaml', source, () => true, YAML_ONLY)),
      source,
    ).not.toHaveProperty('error');
    const [parsed] = parseAllDocuments(source);
    const root = parsed?.contents?.toJSON() as Record<string, unknown> | null | undefined;
    expect(isCrd(document.kind, document.apiVersion), source).toBe(isCrd(root?.kind, root?.apiVersion));
  }
}

// Lines near the subset's edges, inside and outside it, for random documents.
const KEYS = ['a', 'b', 'kind', 'apiVersion', '"a"', "'b'", 'null', '1', 'x.y/z-w', '? a', '<<', 'a b'];
const VALUES = [
  '',
  'v',
  'CustomResourceDefinition',
  'apiextensions.k8s.io/v1',
  'v # c',
  'v#c',
  'a: b',
  'x:',
  ':x',
  '-x',
  '--x',
  '-',
  '- v',
  '"q"',
  '"q" x',
  "'s''t'",
  "'open",
  '"open',
  '"e\\n"',
  '|',
  '|-',
  '>+',
  '|2',
  '| x',
  '{}',
  '[]',
  '[a, b]',
  '{a: 1}',
  '{a: 1, a: 2}',
  '{ cpu: 500m, memory: 1Gi }',
  `['x', "y"]`,
  '{a: b,}',
  "[a, 'b, c']",
  '{a: "x, a: y"}',
  '{true: 1}',
  '[a: b]',
  '[ ]',
  '&anchor v',
  '*anchor',
  '!tag v',
  '!!str v',
  '@v',
  '`v',
  '%v',
  'v\t',
  '1.10',
  'true',
  '~',
];
const CONTINUATIONS = [
  'text',
  'more text',
  "close'",
  'close"',
  '"quoted" text',
  '- x',
  '# c',
  'x: y',
  'z:',
  '#',
];
const PLAIN_VALUES = [
  '',
  'v',
  'w x',
  'CustomResourceDefinition',
  'apiextensions.k8s.io/v1',
  '{}',
  '"q"',
  "'s''t'",
  '|',
];
const lineArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'b', 'c', 'kind', 'apiVersion', '"a"'), fc.constantFrom(...PLAIN_VALUES))
      .map(([key, value]) => `${key}:${value === '' ? '' : ` ${value}`}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'a: ', 'b: '), fc.constantFrom(...PLAIN_VALUES))
      .map(([key, value]) => `- ${key}${value}`.trimEnd()),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES))
      .map(([key, value]) => `${key}:${value === '' ? '' : ` ${value}`}`),
  },
  { weight: 1, arbitrary: fc.constantFrom(...VALUES).map((value) => `-${value === '' ? '' : ` ${value}`}`) },
  { weight: 2, arbitrary: fc.constantFrom(...CONTINUATIONS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '   ',
      '---',
      '--- # c',
      '--- x',
      '---\t',
      '...',
      '%YAML 1.2',
      '# c',
      '\t',
    ),
  },
);
/** Lines mostly at the indentation of the line before, one level in or out: documents with structure. */
const textArb = indentedText(lineArb, { steps: [0, 0, 0, 2, 2, -2, -4, 1, -1], maxLength: 14 });

describe('splitDocuments certifies only what yaml accepts', () => {
  it('random documents: each simple one parses alone, and skipping simple ones reports the same error', () => {
    let simple = 0;
    let documents = 0;
    fc.assert(
      fc.property(textArb, (text) => {
        expectSimpleDocumentsValid(text);
        expectSameVerdictSkippingEverything(text);
        const split = splitDocuments(text);
        documents += split.length;
        simple += split.filter((document) => document.simple && document.end - document.start > 8).length;
      }),
      { numRuns: RUNS * 4 },
    );
    // Not a vacuous property: a good share of the random documents are simple ones with content.
    expect(simple / documents).toBeGreaterThan(0.04);
  });

  it('certifies real files: every corpus file gets the same verdict', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(name)) files.push(path);
      }
    };
    walk(CORPUS);
    expect(files.length).toBeGreaterThan(50);
    let simple = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expectSimpleDocumentsValid(text);
      expectSameVerdictSkippingEverything(text);
      simple += splitDocuments(text).filter((document) => document.simple).length;
    }
    // Most real documents are in the subset (argo-cd's install.yaml entirely), or skipping would not pay.
    expect(simple).toBeGreaterThan(150);
  });

  it('puts all of argo-cd install.yaml in the subset', () => {
    const text = readFileSync(join(CORPUS, 'env/argo-cd/manifests/install.yaml'), 'utf8');
    const documents = splitDocuments(text);
    expect(documents.filter((document) => !document.simple)).toEqual([]);
    expect(documents.filter((document) => document.kind === 'CustomResourceDefinition')).toHaveLength(3);
  });
});

describe('splitDocumentsAndLines', () => {
  it('reads the line starts lineStartsOf reads, on random texts (LF and CRLF, with a BOM)', () => {
    fc.assert(
      fc.property(textArb, fc.constantFrom('', '\r', '\ufeff'), (lf, variant) => {
        const text = variant === '\ufeff' ? `\ufeff${lf}` : lf.replaceAll('\n', `${variant}\n`);
        const { documents, lineStarts } = splitDocumentsAndLines(text);
        expect(lineStarts).toEqual(lineStartsOf(text));
        expect(documents).toEqual(splitDocuments(text));
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

describe('skipping documents never changes a scan', () => {
  it('random manifests: the scan equals the one that parses every document', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario: Scenario) => {
        const input = renderScenario(scenario);
        const everyDocument = outcome(() =>
          scanParsedManifest(
            parseManifestSource(scenario.path, input, () => true, YAML_ONLY),
            scenario.targets,
          ),
        );
        expect(outcome(() => scanManifest(scenario.path, input, scenario.targets))).toEqual(everyDocument);
      }),
      { numRuns: RUNS },
    );
  });

  const cases: [string, string, string][] = [
    [
      'a Helm split with the registry holding part of the path',
      'ghcr.io/acme/api:2.0.0',
      'kind: X\n---\nimage:\n  registry: ghcr.io/acme\n  repository: api\n  tag: "1.0"\n',
    ],
    [
      'a registry written in capitals',
      'ghcr.io/acme/api:2.0.0',
      'kind: X\n---\ncontainers:\n  - image: GHCR.IO/acme/api:1.0\n',
    ],
    ['a Docker Hub image written without registry', 'nginx:1.27', 'kind: X\n---\nimage: nginx:1.25\n'],
    [
      'a marker in a CustomResourceDefinition',
      'ghcr.io/acme/api:2.0.0',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  x: ghcr.io/acme/api:1.0 # kpush:image ghcr.io/acme/api\n',
    ],
    [
      'a marker naming no repository (a warning)',
      'ghcr.io/acme/api:2.0.0',
      'kind: X\n---\nx: y # kpush:image not/a/Repo:tag\n---\nimage: ghcr.io/acme/api:1\n',
    ],
    [
      'a kind that goes on over two lines',
      'ghcr.io/acme/api:2.0.0',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n  Not\nspec:\n  image: ghcr.io/acme/api:1.0\n',
    ],
  ];
  it.each(cases)('still finds %s', (_, image, input) => {
    const targets = [parseImageReference(image)];
    const scan = scanManifest('apps/f.yaml', input, targets);
    expect(scan.edits.length + scan.warnings.length).toBeGreaterThan(0);
    expect(scan).toEqual(
      scanParsedManifest(
        parseManifestSource('apps/f.yaml', input, () => true, YAML_ONLY),
        targets,
      ),
    );
  });

  it('skips a CustomResourceDefinition whose schema mentions the image', () => {
    const input =
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  image: ghcr.io/acme/api:1.0\n';
    const targets = [parseImageReference('ghcr.io/acme/api:2.0.0')];
    expect(scanManifest('crd.yaml', input, targets).edits).toEqual([]);
  });
});

describe('broken YAML in a document without any requested image still blocks the bump', () => {
  const targets = [parseImageReference('ghcr.io/acme/api:2.0.0')];
  const withTarget = 'kind: Deployment\nspec:\n  image: ghcr.io/acme/api:1.0\n';
  const errors: [string, string][] = [
    ['a duplicate key', 'kind: ConfigMap\ndata:\n  a: 1\n  a: 2\n'],
    ['a duplicate key spelled quoted and plain', 'kind: ConfigMap\ndata:\n  a: 1\n  "a": 2\n'],
    ['an unresolved alias', 'kind: ConfigMap\ndata:\n  a: *nowhere\n'],
    ['two anchors on one node', 'kind: ConfigMap\ndata:\n  a: &x &y 1\n'],
    ['an empty anchor', 'kind: ConfigMap\ndata:\n  a: & 1\n'],
    ['a bad indentation', 'kind: ConfigMap\ndata:\n  a: 1\n b: 2\n'],
    ['a missing closing quote', 'kind: ConfigMap\ndata:\n  a: "x\n'],
    ['a tab as indentation', 'kind: ConfigMap\ndata:\n\ta: 1\n'],
    ['an unclosed flow sequence', 'kind: ConfigMap\ndata: [1, 2\n'],
    ['a nested compact mapping', 'kind: ConfigMap\ndata: a: b\n'],
    [
      'a duplicate key in a CustomResourceDefinition',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: 1\nspec: 2\n',
    ],
  ];
  it.each(errors)('%s, before or after the document with the image', (_, broken) => {
    for (const text of [`${withTarget}---\n${broken}`, `${broken}---\n${withTarget}`]) {
      const result = outcome(() => scanManifest('apps/f.yaml', text, targets));
      expect(result).toHaveProperty('error', expect.stringMatching(/^apps\/f\.yaml:\d+:\d+: /));
      // The same file:line:col as when every document is parsed.
      expect(result).toEqual(
        outcome(() =>
          scanParsedManifest(
            parseManifestSource('apps/f.yaml', text, () => true, YAML_ONLY),
            targets,
          ),
        ),
      );
    }
  });
});
