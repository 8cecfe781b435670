/**
 * Random YAML near the subset simple-nodes.ts builds (and simple-documents.ts certifies), shared
 * by the tests that compare the builder with `yaml`, and the corpus files they read in place.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

const CORPUS = join(import.meta.dirname, '../../../../shared/corpus');

/** Every YAML file of ../shared/corpus. */
export function corpusYamlFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  walk(CORPUS);
  return files;
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
  '[a, b]',
  "[ 1, true, null, 1.5, \"q\", 's''t' ]",
  '{ cpu: 500m, memory: 1Gi }',
  '{a: 1, b: "x, y: z"} # c',
  '[\'x\', "y # not a comment"]',
  '{ on: yes, n: 0x1F }',
  '[a,b,c]',
  '[-x, +1, .5]',
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
/**
 * Texts of lines drawn from `lines`, each mostly at the indentation of the line before, one
 * level in or out (a `---` goes back to column 0), LF or CRLF, with or without a final break.
 */
export function indentedText(
  lines: fc.Arbitrary<string>,
  options: { steps: number[]; minLength?: number; maxLength: number },
): fc.Arbitrary<string> {
  const { steps, minLength = 0, maxLength } = options;
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...steps), lines), { minLength, maxLength }),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([drawn, crlf, finalNewline]) => {
      let indent = 0;
      const text = drawn
        .map(([step, line]) => {
          indent = line.startsWith('---') ? 0 : Math.max(0, indent + step);
          return `${' '.repeat(indent)}${line}`;
        })
        .join(crlf ? '\r\n' : '\n');
      return finalNewline && text !== '' ? `${text}${crlf ? '\r\n' : '\n'}` : text;
    });
}

/** Lines near the builder's subset. */
export const textArb = indentedText(lineArb, { steps: [0, 0, 2, 2, -2, -4, 4], minLength: 1, maxLength: 16 });

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

export const documentArb = fc
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
