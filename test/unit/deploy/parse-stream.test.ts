/**
 * parseManifestStream takes the nodes of simple documents from buildSimpleDocument, the rest from
 * `yaml` (YAML 1.1, kubectl's scalars): the objects, their lines and the errors must be what
 * `yaml` alone gives, on random streams and on every file of the real corpus.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseManifestStream } from '../../../src/core/deploy/validate.js';
import { corpusYamlFiles, documentArb, textArb } from '../manifests/simple-arbitraries.js';

const RUNS = Number(process.env.KPUSH_FUZZ_RUNS ?? 800);

function outcome(text: string, nodesFrom: 'builder' | 'yaml'): unknown {
  try {
    return { objects: parseManifestStream(text, 'f.yaml', { nodesFrom }).objects };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function expectSameAsYaml(text: string): void {
  expect(outcome(text, 'builder'), text).toEqual(outcome(text, 'yaml'));
}

describe('parseManifestStream reads what yaml alone reads', () => {
  it('random streams of simple documents', () => {
    fc.assert(
      fc.property(fc.array(documentArb, { minLength: 1, maxLength: 3 }), (documents) => {
        expectSameAsYaml(documents.map((text, index) => (index > 0 ? `---\n${text}` : text)).join(''));
      }),
      { numRuns: RUNS },
    );
  });

  it('random lines, valid or not', () => {
    fc.assert(fc.property(textArb, expectSameAsYaml), { numRuns: RUNS * 2 });
  });

  it('every file of the real corpus', () => {
    const files = corpusYamlFiles();
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) expectSameAsYaml(readFileSync(file, 'utf8'));
  });

  it('YAML 1.1 scalars as kubectl reads them, at their lines', () => {
    const text =
      'kind: A\nmode: 0644\na: yes\nb: n\nt: 1_000\ntime: 12:30\ndate: 2024-01-01\non: x\n---\nkind: B\n';
    const { objects } = parseManifestStream(text, 'f.yaml');
    expect(objects).toEqual([
      {
        object: {
          kind: 'A',
          mode: 420,
          a: true,
          b: false,
          t: 1000,
          time: '12:30',
          date: '2024-01-01',
          true: 'x',
        },
        line: 1,
      },
      { object: { kind: 'B' }, line: 10 },
    ]);
  });
});

describe('parseManifestStream: YAML that cannot be read as objects', () => {
  it('a merge key of a scalar is a syntax error at the document, not a crash', () => {
    expect(() => parseManifestStream('kind: A\nbase: &x 1\nb:\n  <<: *x\n', 'm.yaml')).toThrow(
      /m\.yaml:1:1: .*Merge sources must be maps/,
    );
  });

  it('a List whose items are an alias is flattened like any other', () => {
    const { objects } = parseManifestStream(
      'kind: List\nbase: &l [{kind: A}, {kind: B}]\nitems: *l\n',
      'l.yaml',
    );
    expect(objects).toEqual([
      { object: { kind: 'A' }, line: 1 },
      { object: { kind: 'B' }, line: 1 },
    ]);
  });
});
