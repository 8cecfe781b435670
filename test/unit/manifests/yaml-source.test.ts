import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parse, type ParsedNode } from 'yaml';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { YamlSyntaxError } from '../../../src/errors.js';
import { applyEdits } from '../../../src/manifests/apply.js';
import { scanParsedManifest } from '../../../src/manifests/scan.js';
import {
  asEditableScalar,
  dereference,
  doubleQuoted,
  type EditableScalar,
  findPair,
  holds,
  insertPairAfter,
  isImplicitNull,
  keyName,
  lineOf,
  lookupPair,
  lookupString,
  type ManifestSource,
  needsQuotes,
  newValueText,
  type ParsedMap,
  type ParsedPair,
  parseManifestSource,
  plainIfSafe,
  positionOf,
  removePair,
  renderLike,
  replaceScalar,
  resolveAlias,
  type Splice,
  scalarString,
  singleQuoted,
  spliceLine,
  stringValue,
} from '../../../src/manifests/yaml-source.js';

function source(text: string, path = 'a.yaml'): ManifestSource {
  return parseManifestSource(path, text);
}

function rootMap(parsed: ManifestSource, document = 0): ParsedMap {
  const contents = parsed.documents[document]?.contents;
  if (!isMap(contents)) throw new Error('expected a mapping');
  return contents as ParsedMap;
}

/** The mapping at `path` (keys, or indexes into sequences) below the first document's root. */
function mapAt(parsed: ManifestSource, ...path: (string | number)[]): ParsedMap {
  let node: unknown = parsed.documents[0]?.contents;
  for (const step of path) {
    if (typeof step === 'number' && isSeq(node)) node = node.items[step];
    else if (isMap(node)) node = findPair(node as ParsedMap, String(step))?.value;
    else throw new Error(`no ${step}`);
    node = dereference(parsed, node as ParsedNode);
  }
  if (!isMap(node)) throw new Error('expected a mapping');
  return node as ParsedMap;
}

function pair(map: ParsedMap, key: string): ParsedPair {
  const found = findPair(map, key);
  if (!found) throw new Error(`no ${key}`);
  return found;
}

function scalar(map: ParsedMap, key: string): EditableScalar {
  const node = asEditableScalar(pair(map, key).value);
  if (!node) throw new Error(`${key} is not an editable scalar`);
  return node;
}

function apply(text: string, splice: Splice): string {
  return text.slice(0, splice.start) + splice.text + text.slice(splice.end);
}

function syntaxError(text: string): YamlSyntaxError {
  try {
    parseManifestSource('f.yaml', text);
  } catch (error) {
    if (error instanceof YamlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a YamlSyntaxError');
}

describe('needsQuotes', () => {
  it.each([
    '1.2.3',
    'v1.10',
    'latest',
    '1.0.0-rc.1',
    '2024.01.15-abc123',
    '_build',
    'ghcr.io/acme/api:1.10',
    'nginx:1',
    'localhost:5000/acme/api:1',
    'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    '123abc',
    'a+b',
    'a_b-c',
    'x',
    'Z9',
    '1e',
    '1.5x',
  ])('keeps %s plain', (value) => {
    expect(needsQuotes(value)).toBe(false);
    expect(plainIfSafe(value)).toBe(value);
  });

  it.each([
    ['a float', '1.10'],
    ['an int', '20240101'],
    ['an octal in YAML 1.1', '0777'],
    ['hex', '0x1F'],
    ['a 1.2 octal', '0o17'],
    ['an exponent', '1e3'],
    ['a signed exponent', '1.5E-3'],
    ['a trailing dot', '1.'],
    ['an underscore float', '1_0.5_0'],
    ['a 1.1 underscore number', '1_000'],
    ['a 1.1 sexagesimal', '1:20'],
    ['a leading dot', '.5'],
    ['infinity', '.inf'],
    ['a bool', 'true'],
    ['a 1.1 bool', 'yes'],
    ['a 1.1 bool', 'On'],
    ['a 1.1 short bool', 'y'],
    ['null', 'null'],
    ['a capital null', 'NULL'],
    ['tilde', '~'],
    ['a 1.1 timestamp', '2024-01-01'],
    ['empty', ''],
    ['a flow indicator', '[::1]:5000/api'],
    ['a trailing colon', 'api:'],
    ['a leading dash', '-rc'],
    ['a leading plus', '+rc'],
    ['a leading slash', '/api'],
    ['a comment sign', 'a #b'],
    ['a space', 'a b'],
    ['a leading space', ' a'],
    ['a trailing space', 'a '],
    ['a line break', 'a\nb'],
    ['a comma', 'a,b'],
    ['an equals sign', 'a=b'],
    ['an asterisk', 'a*b'],
    ['a closing bracket', 'a]'],
    ['a quote', 'a"b'],
  ])('quotes %s (%s)', (_, value) => {
    expect(needsQuotes(value)).toBe(true);
    expect(plainIfSafe(value)).toBe(doubleQuoted(value));
  });
});

describe('quoting', () => {
  it.each(["it's", 'a"b\\c', 'plain', "''", '\\\\'])('round-trips %s in both quote styles', (value) => {
    expect(parse(`k: ${singleQuoted(value)}`)).toEqual({ k: value });
    expect(parse(`k: ${doubleQuoted(value)}`)).toEqual({ k: value });
  });

  it('doubles single quotes and escapes backslashes before double quotes', () => {
    expect(singleQuoted("it's 'x'")).toBe("'it''s ''x'''");
    expect(doubleQuoted('a\\"b')).toBe('"a\\\\\\"b"');
    expect(doubleQuoted('\\\\')).toBe('"\\\\\\\\"');
    expect(doubleQuoted('""')).toBe('"\\"\\""');
    expect(doubleQuoted('')).toBe('""');
  });
});

describe('scalars', () => {
  const parsed = source(
    [
      'plain: v1',
      'number: 1.10',
      "single: 'it''s'",
      'double: "a\\"b"',
      'empty:',
      'quotedEmpty: ""',
      'tilde: ~',
      'block: |',
      '  text',
      'alias: &x y',
      'ref: *x',
      'map: {a: 1}',
      '',
    ].join('\n'),
  );
  const map = rootMap(parsed);

  it('edits plain and quoted scalars only', () => {
    expect(asEditableScalar(pair(map, 'plain').value)?.type).toBe('PLAIN');
    expect(asEditableScalar(pair(map, 'single').value)?.type).toBe('QUOTE_SINGLE');
    expect(asEditableScalar(pair(map, 'double').value)?.type).toBe('QUOTE_DOUBLE');
    expect(asEditableScalar(pair(map, 'block').value)).toBeNull();
    expect(asEditableScalar(pair(map, 'ref').value)).toBeNull();
    expect(asEditableScalar(pair(map, 'map').value)).toBeNull();
    expect(asEditableScalar(null)).toBeNull();
  });

  it('reads the string as written, unescaped', () => {
    expect(scalarString(scalar(map, 'number'))).toBe('1.10');
    expect(scalarString(scalar(map, 'single'))).toBe("it's");
    expect(scalarString(scalar(map, 'double'))).toBe('a"b');
  });

  it('tells an empty value from an empty string and ~', () => {
    expect(isImplicitNull(scalar(map, 'empty'))).toBe(true);
    expect(isImplicitNull(scalar(map, 'quotedEmpty'))).toBe(false);
    expect(isImplicitNull(scalar(map, 'tilde'))).toBe(false);
    expect(isImplicitNull(scalar(map, 'plain'))).toBe(false);
  });

  it('renders a new value in the quoting of the old one', () => {
    expect(renderLike(parsed, scalar(map, 'single'), "v'2")).toBe("'v''2'");
    expect(renderLike(parsed, scalar(map, 'double'), 'v2')).toBe('"v2"');
    expect(renderLike(parsed, scalar(map, 'plain'), 'v2')).toBe('v2');
    expect(renderLike(parsed, scalar(map, 'plain'), '2.0')).toBe('"2.0"');
  });

  it('quotes every value written into a JSON file', () => {
    const json = source('{"tag": v1, "t": \'x\'}', 'values.JSON');
    expect(json.json).toBe(true);
    expect(newValueText(json, 'v2')).toBe('"v2"');
    expect(renderLike(json, scalar(rootMap(json), 'tag'), 'v2')).toBe('"v2"');
    expect(renderLike(json, scalar(rootMap(json), 't'), 'v2')).toBe("'v2'");
    expect(newValueText(parsed, 'v2')).toBe('v2');
    expect(newValueText(parsed, '2')).toBe('"2"');
  });

  it('holds a value only in a form that reads back as that string', () => {
    expect(holds(scalar(map, 'plain'), 'v1')).toBe(true);
    expect(holds(scalar(map, 'plain'), 'v2')).toBe(false);
    // Plain `1.10` is the number 1.1: it does not hold the string "1.10".
    expect(holds(scalar(map, 'number'), '1.10')).toBe(false);
    expect(holds(scalar(rootMap(source('t: "1.10"\n')), 't'), '1.10')).toBe(true);
    expect(holds(scalar(rootMap(source("t: '1.10'\n")), 't'), '1.10')).toBe(true);
    expect(holds(scalar(map, 'single'), "it's")).toBe(true);
  });
});

describe('parseManifestSource', () => {
  it('records line starts, the line break and whether the file is JSON', () => {
    const parsed = source('a: 1\nb: 2\n');
    expect(parsed.lineStarts).toEqual([0, 5, 10]);
    expect(parsed.eol).toBe('\n');
    expect(parsed.json).toBe(false);
    expect(parsed.path).toBe('a.yaml');
    expect(source('a: 1\r\nb: 2').lineStarts).toEqual([0, 6]);
    expect(source('a: 1\r\nb: 2').eol).toBe('\r\n');
    expect(source('a: 1').lineStarts).toEqual([0]);
    expect(source('a: 1\n\n\n').lineStarts).toEqual([0, 5, 6, 7]);
    expect(source('a: 1', 'a.json').json).toBe(true);
    expect(source('a: 1', 'a.json.yaml').json).toBe(false);
    expect(source('a: 1', 'a.jsonc').json).toBe(false);
  });

  it('parses each document with offsets into the whole text', () => {
    const text = 'kind: A\n---\nkind: B\nimage: x\n';
    const parsed = source(text);
    expect(parsed.documents).toHaveLength(2);
    expect(pair(rootMap(parsed, 1), 'image').key.range[0]).toBe(text.indexOf('image'));
  });

  it('skips the simple documents the filter does not need, keeping every offset', () => {
    const text = 'kind: A\nimage: a\n---\nkind: B\nimage: b\n---\nkind: C\n';
    const seen: string[] = [];
    const parsed = parseManifestSource('a.yaml', text, (document, documentText) => {
      seen.push(documentText);
      expect(text.slice(document.start, document.end)).toBe(documentText);
      return documentText.includes('kind: B');
    });
    expect(seen).toEqual(['kind: A\nimage: a\n', '---\nkind: B\nimage: b\n', '---\nkind: C\n']);
    const kinds = parsed.documents.map((document) =>
      isMap(document.contents) ? stringValue(document.contents as ParsedMap, 'kind') : null,
    );
    expect(kinds).toContain('B');
    expect(kinds).not.toContain('A');
    expect(kinds).not.toContain('C');
    const b = parsed.documents.find((document) => isMap(document.contents)) as (typeof parsed.documents)[0];
    expect(pair(b.contents as ParsedMap, 'image').value?.range[0]).toBe(text.indexOf('b\n---'));
    expect(parsed.text).toBe(text);
    expect(parsed.lineStarts).toHaveLength(8);
  });

  it('parses nothing when no document is needed', () => {
    expect(parseManifestSource('a.yaml', 'kind: A\n---\nkind: B\n', () => false).documents).toEqual([]);
    expect(parseManifestSource('a.yaml', 'a:', () => false).documents).toHaveLength(0);
    // A document of a single line break has nothing to blank out.
    expect(parseManifestSource('a.yaml', '\n---\nkind: A\n', () => false).documents).toHaveLength(0);
  });

  it('blanks out a skipped document before one that is not simple', () => {
    const parsed = parseManifestSource('a.yaml', 'kind: A\n---\na: &x 1\nb: *x\n', () => false);
    expect(parsed.documents.map((document) => document.toJS())).toEqual([{ a: 1, b: 1 }]);
  });

  it('still parses a needed document after one that is not simple', () => {
    const text = 'a: &x 1\nb: *x\n---\nkind: B\nimage: b\n';
    const parsed = parseManifestSource('a.yaml', text, (_, documentText) => documentText.includes('B'));
    expect(parsed.documents).toHaveLength(2);
    expect(stringValue(rootMap(parsed, 1), 'image')).toBe('b');
    expect(lookupString(parsed, rootMap(parsed, 0), 'b')).toBeNull();
  });

  it('reports the first problem in the file, whatever found it', () => {
    // A duplicate key before a syntax error in the same document.
    expect(syntaxError('a: 1\na: 2\nb: c: d\n')).toMatchObject({
      line: 2,
      column: 1,
      message: 'f.yaml:2:1: Map keys must be unique',
    });
    // An unresolved alias before a duplicate key.
    expect(syntaxError('x: *nope\ny: 1\ny: 2\n')).toMatchObject({
      line: 1,
      column: 4,
      message: 'f.yaml:1:4: Unresolved alias (the first anchor of this name must come before it): *nope',
    });
    // A duplicate key in the first document before an error in the second.
    expect(syntaxError('a: 1\na: 2\n---\nb: c: d\n')).toMatchObject({ line: 2, column: 1 });
    expect(syntaxError('a: 1\n---\nb: c: d\na: 1\na: 2\n')).toMatchObject({ line: 3, column: 4 });
  });

  it('finds duplicate keys at any depth, in sequences too', () => {
    expect(syntaxError('list:\n  - name: a\n    name: b\n')).toMatchObject({ line: 3, column: 5 });
    expect(syntaxError('a:\n  - - x: 1\n      x: 2\n')).toMatchObject({ line: 3, column: 7 });
    expect(syntaxError('a: {b: {c: 1, c: 2}}\n')).toMatchObject({ line: 1, column: 15 });
    expect(syntaxError('a: 1\nb: 1\nb: 2\nb: 3\n')).toMatchObject({ line: 3, column: 1 });
  });

  it('compares keys by value and type, and never compares collection keys', () => {
    expect(() => source('1: a\n"1": b\n')).not.toThrow();
    expect(() => source('true: a\n"true": b\n')).not.toThrow();
    expect(() => source('? [a]\n: 1\n? [a]\n: 2\n')).not.toThrow();
    expect(() => source('a: {x: 1}\nb: {x: 1}\n')).not.toThrow();
    expect(syntaxError('\'a\': 1\n"a": 2\n')).toMatchObject({ line: 2, column: 1 });
    expect(syntaxError('1: a\n0x1: b\n')).toMatchObject({ line: 2, column: 1 });
  });

  it('requires an anchor before each alias, in the same document', () => {
    expect(() => source('a: &x 1\nb: *x\n')).not.toThrow();
    expect(syntaxError('a: *x\nb: &x 1\n')).toMatchObject({ line: 1, column: 4 });
    expect(syntaxError('a: &x 1\n---\nb: *x\n')).toMatchObject({ line: 3, column: 4 });
    expect(syntaxError('- [*x]\n')).toMatchObject({ line: 1, column: 4 });
    expect(syntaxError('? *x\n: 1\n')).toMatchObject({ line: 1, column: 3 });
    expect(syntaxError('a:\n  b: *x\n')).toMatchObject({ line: 2, column: 6 });
    expect(syntaxError('*x : 1\n')).toMatchObject({ line: 1, column: 1 });
  });
});

describe('positions', () => {
  const text = 'ab\ncd\n\nefg';
  const parsed = source(text);

  it('maps every offset to its 1-based line and column', () => {
    const expected = [
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
      [2, 2],
      [2, 3],
      [3, 1],
      [4, 1],
      [4, 2],
      [4, 3],
      [4, 4],
    ];
    const positions = expected.map((_, offset) => positionOf(text, parsed.lineStarts, offset));
    expect(positions.map(({ line, column }) => [line, column])).toEqual(expected);
    expect(lineOf(parsed, 9)).toBe(4);
    expect(lineOf(parsed, 0)).toBe(1);
  });

  it('finds the line in a long file', () => {
    const long = Array.from({ length: 37 }, (_, index) => `k${index}: v`).join('\n');
    const parsed = source(long);
    for (let line = 1; line <= 37; line++) {
      const start = long.indexOf(`k${line - 1}:`);
      expect(positionOf(long, parsed.lineStarts, start)).toEqual({ line, column: 1 });
      expect(positionOf(long, parsed.lineStarts, start + 3)).toEqual({ line, column: 4 });
    }
  });

  it('does not count a byte order mark as a column of the first line', () => {
    const withBom = '\uFEFFab\ncd\n';
    const starts = source(withBom).lineStarts;
    expect(positionOf(withBom, starts, 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf(withBom, starts, 1)).toEqual({ line: 1, column: 1 });
    expect(positionOf(withBom, starts, 2)).toEqual({ line: 1, column: 2 });
    expect(positionOf(withBom, starts, 5)).toEqual({ line: 2, column: 2 });
    expect(positionOf('xab', [0], 2)).toEqual({ line: 1, column: 3 });
  });

  it('puts an inserted line after its anchor, and a replacement on its own line', () => {
    expect(spliceLine(parsed, { start: 4, end: 4, text: '\nx: 1' })).toBe(3);
    expect(spliceLine(parsed, { start: 4, end: 4, text: 'x' })).toBe(2);
    expect(spliceLine(parsed, { start: 3, end: 5, text: '\nx' })).toBe(2);
    const crlf = source('a: 1\r\nb: 2\r\n');
    expect(spliceLine(crlf, { start: 4, end: 4, text: '\r\nx: 1' })).toBe(2);
    expect(spliceLine(crlf, { start: 4, end: 4, text: '\nx: 1' })).toBe(1);
  });
});

describe('replaceScalar', () => {
  function replaced(text: string, key: string, value: string): string {
    const parsed = source(text);
    const node = scalar(mapAt(parsed), key);
    return apply(text, replaceScalar(parsed, node, value));
  }

  it('replaces the value with its quotes and keeps what surrounds it', () => {
    expect(replaced('a: "1" # c\nb: 2\n', 'a', "'2'")).toBe("a: '2' # c\nb: 2\n");
    expect(replaced('a: x\n', 'a', 'yz')).toBe('a: yz\n');
    expect(replaced('{"a":"x"}', 'a', '"y"')).toBe('{"a":"y"}');
    expect(replaced('{a: x#}\n', 'a', 'y')).toBe('{a: y}\n');
  });

  it('writes into an empty value with one separating space, never touching a comment', () => {
    expect(replaced('a:\nb: 1\n', 'a', 'v')).toBe('a: v\nb: 1\n');
    expect(replaced('a:', 'a', 'v')).toBe('a: v');
    expect(replaced('a:  \n', 'a', 'v')).toBe('a:  v\n');
    expect(replaced('a:\t\n', 'a', 'v')).toBe('a:\tv\n');
    expect(replaced('a: # c\n', 'a', 'v')).toBe('a: v # c\n');
    expect(replaced('a:\t# c\n', 'a', 'v')).toBe('a:\tv # c\n');
  });
});

describe('insertPairAfter', () => {
  function inserted(
    text: string,
    anchor: string,
    key: string,
    value: string,
    path = 'a.yaml',
    ...at: (string | number)[]
  ) {
    const parsed = source(text, path);
    const map = mapAt(parsed, ...at);
    const splice = insertPairAfter(parsed, map, pair(map, anchor), key, value);
    return { splice, output: apply(text, splice) };
  }

  it('adds a line at the indentation of the keys', () => {
    expect(inserted('a:\n  b: 1\n  c: 2\nd: 3\n', 'b', 'x', 'v', 'a.yaml', 'a').output).toBe(
      'a:\n  b: 1\n  x: v\n  c: 2\nd: 3\n',
    );
    expect(inserted('b: 1\nc: 2\n', 'c', 'x', 'v').output).toBe('b: 1\nc: 2\nx: v\n');
  });

  it('quotes a value that plain would change, and never a key', () => {
    expect(inserted('b: 1\n', 'b', 'newTag', '1.10').output).toBe('b: 1\nnewTag: "1.10"\n');
  });

  it('goes after a comment and a multi-line value', () => {
    expect(inserted('a: 1 # one\nb: 2\n', 'a', 'x', 'v').output).toBe('a: 1 # one\nx: v\nb: 2\n');
    expect(inserted('a: [1,\n  2]\nb: 2\n', 'a', 'x', 'v').output).toBe('a: [1,\n  2]\nx: v\nb: 2\n');
  });

  it('uses the file line break and keeps a missing final one missing', () => {
    const { splice, output } = inserted('a: 1\r\nb: 2\r\n', 'a', 'x', 'v');
    expect(splice).toEqual({ start: 4, end: 4, text: '\r\nx: v' });
    expect(output).toBe('a: 1\r\nx: v\r\nb: 2\r\n');
    expect(inserted('a: 1\nb: 2', 'b', 'x', 'v').output).toBe('a: 1\nb: 2\nx: v');
    expect(inserted('a: 1\r\nb: 2', 'b', 'x', 'v').output).toBe('a: 1\r\nb: 2\r\nx: v');
  });

  it('indents like a key on its own line when the first key follows `- `', () => {
    const text = 'images:\n  -   name: a\n      newTag: v1\n';
    expect(inserted(text, 'name', 'digest', 'd', 'a.yaml', 'images', 0).output).toBe(
      'images:\n  -   name: a\n      digest: d\n      newTag: v1\n',
    );
    expect(inserted('images:\n- name: a\n', 'name', 'newTag', 'v', 'a.yaml', 'images', 0).output).toBe(
      'images:\n- name: a\n  newTag: v\n',
    );
    expect(inserted('- name: a\n  tag: 1\n', 'tag', 'x', 'v', 'a.yaml', 0).output).toBe(
      '- name: a\n  tag: 1\n  x: v\n',
    );
  });

  it('adds `, key: value` in a flow mapping, quoting both in JSON', () => {
    expect(inserted('a: {b: 1, c: 2}\n', 'b', 'x', 'v', 'a.yaml', 'a').output).toBe(
      'a: {b: 1, x: v, c: 2}\n',
    );
    expect(inserted('[{b: 1}]\n', 'b', 'x', '1.0', 'a.yaml', 0).output).toBe('[{b: 1, x: "1.0"}]\n');
    const json = inserted('{"a": {"b": "1"}}', 'b', 'x', 'v', 'a.json', 'a');
    expect(json.output).toBe('{"a": {"b": "1", "x": "v"}}');
    expect(JSON.parse(json.output)).toEqual({ a: { b: '1', x: 'v' } });
  });
});

describe('removePair', () => {
  function removed(text: string, key: string, ...at: (string | number)[]): string {
    const parsed = source(text);
    const map = mapAt(parsed, ...at);
    return apply(text, removePair(parsed, map, pair(map, key)));
  }

  it('removes the whole line of a key, with its comment and nested lines', () => {
    expect(removed('a: 1\nb: 2 # c\nc: 3\n', 'b')).toBe('a: 1\nc: 3\n');
    expect(removed('a: [1,\n  2]\nb: 2\n', 'a')).toBe('b: 2\n');
    expect(removed('a: 1\nb: 2\n', 'a')).toBe('b: 2\n');
    expect(removed('a: 1\r\nb: 2\r\nc: 3\r\n', 'b')).toBe('a: 1\r\nc: 3\r\n');
    expect(removed('x:\n  a: 1\n  b: 2\n', 'b', 'x')).toBe('x:\n  a: 1\n');
  });

  it('takes the line break before the last line of a file without a final one', () => {
    expect(removed('a: 1\nb: 2', 'b')).toBe('a: 1');
    expect(removed('a: 1\r\nb: 2', 'b')).toBe('a: 1');
    expect(removed('a: 1\n\nb: 2', 'b')).toBe('a: 1\n');
    expect(removed('a: 1', 'a')).toBe('');
  });

  it('moves the next key into the place of a first key after `- `', () => {
    expect(removed('- a: 1\n  b: 2\n', 'a', 0)).toBe('- b: 2\n');
    expect(removed('- a: 1\n  b: 2\n  c: 3\n', 'b', 0)).toBe('- a: 1\n  c: 3\n');
    expect(removed('- a: 1\n', 'a', 0)).toBe('- \n');
  });

  it('removes a key with its comma in a flow mapping', () => {
    expect(removed('{a: 1, b: 2, c: 3}\n', 'a')).toBe('{b: 2, c: 3}\n');
    expect(removed('{a: 1, b: 2, c: 3}\n', 'b')).toBe('{a: 1, c: 3}\n');
    expect(removed('{a: 1, b: 2, c: 3}\n', 'c')).toBe('{a: 1, b: 2}\n');
    expect(removed('{a: 1}\n', 'a')).toBe('{}\n');
    // The comma before a later key goes with it, whatever the spacing after the comma.
    expect(removed('{a: 1,  b: 2, c: 3}\n', 'b')).toBe('{a: 1, c: 3}\n');
    expect(removed('{a: 1,b: 2}\n', 'a')).toBe('{b: 2}\n');
    expect(removed('x:\n  {a: 1,\n   b: 2}\n', 'b', 'x')).toBe('x:\n  {a: 1}\n');
  });
});

describe('mappings', () => {
  const map = rootMap(source('name: a\n1: b\n? [c]\n: d\nnum: 2\nq: "3"\nblock: >\n  e\nnull: f\nn:\n'));

  it('names string keys only', () => {
    expect(map.items.map(keyName)).toEqual(['name', null, null, 'num', 'q', 'block', null, 'n']);
    expect(findPair(map, 'num')?.key.range[0]).toBe(23);
    expect(findPair(map, 'missing')).toBeUndefined();
  });

  it('reads string values of plain and quoted scalars', () => {
    expect(stringValue(map, 'name')).toBe('a');
    expect(stringValue(map, 'q')).toBe('3');
    expect(stringValue(map, 'num')).toBeNull();
    expect(stringValue(map, 'block')).toBeNull();
    expect(stringValue(map, 'n')).toBeNull();
    expect(stringValue(map, 'missing')).toBeNull();
  });
});

describe('anchors, aliases and merge keys', () => {
  it('resolves an alias to the last anchor of its name before it', () => {
    const text = 'a: &x 1\nb: *x\nc: &x 2\nd: *x\n---\ne: &x 3\nf: *x\n';
    const parsed = source(text);
    const first = rootMap(parsed, 0);
    const second = rootMap(parsed, 1);
    const target = (map: ParsedMap, key: string) =>
      (dereference(parsed, pair(map, key).value) as ParsedNode).range[0];
    expect(target(first, 'b')).toBe(text.indexOf('1'));
    expect(target(first, 'd')).toBe(text.indexOf('2'));
    expect(target(second, 'f')).toBe(text.indexOf('3'));
    expect(lookupString(parsed, first, 'd')).toBeNull();
    expect(dereference(parsed, pair(first, 'a').value)).toBe(pair(first, 'a').value);
    expect(dereference(parsed, null)).toBeNull();
    expect(dereference(parsed, undefined)).toBeNull();
  });

  it('resolves nothing for an alias of a skipped document', () => {
    const text = 'a: &x v\nb: *x\n';
    const parsed = source(text);
    const alias = pair(rootMap(parsed), 'b').value;
    if (alias === null || !('source' in alias)) throw new Error('expected an alias');
    expect(resolveAlias(parsed, alias as never)).toBe(pair(rootMap(parsed), 'a').value);
    expect(resolveAlias({ ...parsed, documents: [] }, alias as never)).toBeNull();
    // An alias whose name no anchor of that document has.
    expect(resolveAlias(source('c: &y 1\nd: 2\n'), alias as never)).toBeNull();
  });

  it('anchors on collections and keys count too', () => {
    const text = 'base: &b {tag: v1}\nlist: &l [1]\n&k key: 1\nimage:\n  <<: *b\nother: *l\nk2: *k\n';
    const parsed = source(text);
    const root = rootMap(parsed);
    expect(isSeq(dereference(parsed, pair(root, 'other').value))).toBe(true);
    expect(lookupString(parsed, root, 'k2')).toBe('key');
    expect(lookupString(parsed, mapAt(parsed, 'image'), 'tag')).toBe('v1');
  });

  it('looks a key up in the mapping first, then in merged mappings in order', () => {
    const text = [
      'one: &one {tag: v1, repository: r1}',
      'two: &two {tag: v2, digest: d2}',
      'own:',
      '  <<: *one',
      '  tag: v0',
      'list:',
      '  <<: [*two, *one]',
      'inline:',
      '  <<: {tag: v3}',
      '',
    ].join('\n');
    const parsed = source(text);
    const own = lookupPair(parsed, mapAt(parsed, 'own'), 'tag');
    expect(own?.mergedAt).toBeNull();
    expect(own?.pair.key.range[0]).toBe(text.indexOf('tag: v0'));
    expect(lookupString(parsed, mapAt(parsed, 'own'), 'repository')).toBe('r1');
    expect(lookupPair(parsed, mapAt(parsed, 'own'), 'repository')?.mergedAt).toBe(text.indexOf('<<: *one'));
    const list = mapAt(parsed, 'list');
    expect(lookupString(parsed, list, 'tag')).toBe('v2');
    expect(lookupString(parsed, list, 'repository')).toBe('r1');
    expect(lookupPair(parsed, list, 'repository')?.mergedAt).toBe(text.indexOf('<<: ['));
    expect(lookupString(parsed, mapAt(parsed, 'inline'), 'tag')).toBe('v3');
    expect(lookupPair(parsed, list, 'missing')).toBeNull();
  });

  it('reports the innermost merge key of a chain', () => {
    const text = 'a: &a {tag: v1}\nb: &b\n  <<: *a\nc:\n  <<: *b\n';
    const parsed = source(text);
    expect(lookupPair(parsed, mapAt(parsed, 'c'), 'tag')?.mergedAt).toBe(text.indexOf('<<: *a'));
    expect(lookupString(parsed, mapAt(parsed, 'c'), 'tag')).toBe('v1');
  });

  it('ignores merge values that are not mappings', () => {
    const text = 's: &s v1\nl: &l [tag]\nm:\n  <<: [*s, *l, 1]\n  x: 1\nn:\n  <<: *s\n';
    const parsed = source(text);
    expect(lookupPair(parsed, mapAt(parsed, 'm'), 'tag')).toBeNull();
    expect(lookupPair(parsed, mapAt(parsed, 'n'), 'v1')).toBeNull();
  });

  it('follows at most 17 merge keys deep', () => {
    const chain = (length: number) => {
      const lines = ['m0: &m0 {tag: v1}'];
      for (let index = 1; index <= length; index++) lines.push(`m${index}: &m${index} {<<: *m${index - 1}}`);
      return source(`${lines.join('\n')}\n`);
    };
    const reachable = chain(17);
    expect(lookupString(reachable, mapAt(reachable, 'm17'), 'tag')).toBe('v1');
    expect(lookupPair(reachable, mapAt(reachable, 'm17'), 'tag')?.mergedAt).toBe(
      reachable.text.indexOf('<<: *m0'),
    );
    const tooDeep = chain(18);
    expect(lookupPair(tooDeep, mapAt(tooDeep, 'm18'), 'tag')).toBeNull();
    expect(lookupString(tooDeep, mapAt(tooDeep, 'm1'), 'tag')).toBe('v1');
  });

  it('stops on a mapping merged into itself', () => {
    const parsed = source('a: &a\n  x: 1\n  b:\n    <<: *a\n');
    expect(lookupPair(parsed, mapAt(parsed, 'a', 'b'), 'missing')).toBeNull();
    expect(lookupPair(parsed, mapAt(parsed, 'a', 'b'), 'x')?.mergedAt).toBe(parsed.text.indexOf('<<'));
  });

  it('reads a merged or aliased value as a string only when it is one', () => {
    const text = 'base: &b {tag: 1.0, repo: &r r1}\nimage:\n  <<: *b\n  alias: *r\n  num: *b\n';
    const parsed = source(text);
    const image = mapAt(parsed, 'image');
    expect(lookupString(parsed, image, 'tag')).toBeNull();
    expect(lookupString(parsed, image, 'repo')).toBe('r1');
    expect(lookupString(parsed, image, 'alias')).toBe('r1');
    expect(lookupString(parsed, image, 'num')).toBeNull();
    expect(lookupString(parsed, image, 'missing')).toBeNull();
  });
});

describe('pairs whose value is a block collection or block scalar, from yaml and from the builder', () => {
  const both = ['yaml', 'builder'] as const;
  function parsedBy(text: string, nodesFrom: 'yaml' | 'builder'): ManifestSource {
    return parseManifestSource('a.yaml', text, () => true, { nodesFrom });
  }

  it('removing one removes its own lines, not the next key', () => {
    for (const nodesFrom of both) {
      for (const [text, key, expected] of [
        ['a:\n  x: 1\nb: 2\n', 'a', 'b: 2\n'],
        ['a:\n  - 1\n  - 2\n\nb: 2\n', 'a', '\nb: 2\n'],
        ['a: |\n  text\nb: 2\n', 'a', 'b: 2\n'],
        ['a:\n  x: 1 # c\nb: 2\n', 'a', 'b: 2\n'],
      ] as const) {
        const parsed = parsedBy(text, nodesFrom);
        const map = rootMap(parsed);
        expect(apply(text, removePair(parsed, map, pair(map, key))), `${nodesFrom}: ${text}`).toBe(expected);
      }
    }
  });

  it('a key inserted after one goes right after its lines', () => {
    for (const nodesFrom of both) {
      const text = 'a:\n  - 1\n  - 2\nb: 2\n';
      const parsed = parsedBy(text, nodesFrom);
      const map = rootMap(parsed);
      expect(apply(text, insertPairAfter(parsed, map, pair(map, 'a'), 'c', 'x')), nodesFrom).toBe(
        'a:\n  - 1\n  - 2\nc: x\nb: 2\n',
      );
    }
  });

  it('a kustomize digest written as a mapping is removed without the tagSuffix after it', () => {
    const text = 'images:\n- name: ghcr.io/acme/api\n  newTag: v1\n  digest:\n    x: 1\n  tagSuffix: -x\n';
    const targets = [parseImageReference('ghcr.io/acme/api:v2')];
    const scans = both.map((nodesFrom) =>
      scanParsedManifest(
        parseManifestSource('kustomization.yaml', text, () => true, { nodesFrom }),
        targets,
      ),
    );
    expect(scans[0]).toEqual(scans[1]);
    const edited = applyEdits(text, scans[0]?.edits ?? []);
    expect(edited).toContain('tagSuffix: -x');
    expect(edited).not.toContain('digest');
  });
});
