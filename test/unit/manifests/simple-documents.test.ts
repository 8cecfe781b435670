/**
 * splitDocuments on its own: which documents it certifies simple (exactly, both ways, at each
 * edge of the subset its header describes), where each document starts and ends, and the root
 * `kind`/`apiVersion` it reads. Every document it certifies must parse without error in `yaml`
 * (duplicate keys included), so each certified case is checked against yaml as well.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type SplitDocument, splitDocuments } from '../../../src/manifests/simple-documents.js';

/** The one document of `text`, checked to be the only one and to span the whole text. */
function single(text: string): SplitDocument {
  const documents = splitDocuments(text);
  expect(documents).toHaveLength(1);
  const [document] = documents as [SplitDocument];
  expect(document.start).toBe(0);
  expect(document.end).toBe(text.length);
  return document;
}

/** yaml (with its duplicate-key check) finds no error in any document of `text`. */
function expectYamlAccepts(text: string): void {
  const documents = parseAllDocuments(text);
  const errors = 'errors' in documents ? documents.errors : documents.flatMap((document) => document.errors);
  expect(
    errors.map((error) => error.message),
    text,
  ).toEqual([]);
}

function expectSimple(text: string, simple: boolean): void {
  expect(single(text).simple, JSON.stringify(text)).toBe(simple);
  if (simple) expectYamlAccepts(text);
}

describe('splitDocuments: keys', () => {
  it.each([
    ['a plain key', 'a: 1\n'],
    ['a key with dots, slashes and dashes', 'app.kubernetes.io/name: x\n'],
    ['a key starting with _ or $', '_a: 1\n$b: 2\n'],
    ['a double-quoted key', '"a b": 1\n'],
    ['a single-quoted key', "'a b': 1\n"],
    ['an empty quoted key', '"": 1\n'],
    ['a key with nothing after its colon', 'a:\n'],
    ['a key followed by a comment', 'a: # c\n'],
    ['several distinct keys', 'a: 1\nb: 2\nc: 3\n'],
    ['the same key in two mappings', 'a:\n  x: 1\nb:\n  x: 1\n'],
    ['the same key in two items of a sequence', '- x: 1\n- x: 2\n'],
    ['a key of 251 characters', `${'k'.repeat(251)}: 1\n`],
    ['a quoted key of 250 characters', `"${'k'.repeat(250)}": 1\n`],
    ['a single-quoted key of 250 characters', `'${'k'.repeat(250)}': 1\n`],
    ['keys that only look like null or bools', 'nul: 1\nTrue1: 2\nyes: 3\n'],
  ])('certifies %s', (_, text) => {
    expectSimple(text, true);
  });

  it.each([
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate key after a nested mapping', 'a:\n  x: 1\nb: 2\na: 3\n'],
    ['a duplicate key spelled quoted and plain', 'a: 1\n"a": 2\n'],
    ['a duplicate key spelled in both quote styles', '"a": 1\n\'a\': 2\n'],
    ['a duplicate empty key', '"": 1\n\'\': 2\n'],
    ['a duplicate key in an item', '- a: 1\n  a: 2\n'],
    ['a duplicate nested key', 'a:\n  x: 1\n  x: 2\n'],
    ['a key of 252 characters', `${'k'.repeat(252)}: 1\n`],
    ['a quoted key of 251 characters', `"${'k'.repeat(251)}": 1\n`],
    ['a single-quoted key of 251 characters', `'${'k'.repeat(251)}': 1\n`],
    ['a number as key', '1: a\n'],
    ['a key with a space', 'a b: 1\n'],
    ['a key without space after its colon', 'a:b\n'],
    ['a double-quoted key with an escape', '"a\\n": 1\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a merge key', '<<: {}\n'],
    ['a plain key ending in a colon', 'a:: 1\n'],
    ['a key that starts with a dash', '-a: 1\n'],
  ])('does not certify %s', (_, text) => {
    expectSimple(text, false);
  });

  it.each(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE'])(
    'does not certify %s as a plain key',
    (key) => {
      expectSimple(`${key}: 1\n`, false);
      expectSimple(`a:\n  ${key}: 1\n`, false);
      expectSimple(`a: {b: 1, ${key}: 2}\n`, false);
    },
  );

  it('certifies a single-quoted null or bool as key (a string)', () => {
    expectSimple("'null': 1\n'true': 2\n", true);
  });
});

describe('splitDocuments: values', () => {
  it.each([
    ['a plain word', 'a: v\n'],
    ['a plain value with spaces', 'a: w x\n'],
    ['a plain value with inner colons and hashes', 'a: b:c#d\n'],
    ['a plain value starting with a dash and a word', 'a: -x\nb: --y\n'],
    ['a plain value followed by a comment', 'a: b # c\n'],
    ['a comment that holds a colon and space', 'a: b # c: d\n'],
    ['trailing spaces', 'a: b   \n'],
    ['dots at the end of a value', 'a: b...\n'],
    ['a value with a percent sign inside', 'a: 50%\n'],
    ['numbers, bools and nulls as values', 'a: 1.10\nb: true\nc: ~\nd: null\n'],
    ['a double-quoted value', 'a: "x y"\n'],
    ['a double-quoted value with a comment', 'a: "x" # c\n'],
    ['a double-quoted value holding a single quote and a hash', 'a: "it\'s #1"\n'],
    ['an empty double-quoted value', 'a: ""\n'],
    ['a single-quoted value', "a: 'x y'\n"],
    ['a single-quoted value with an escaped quote', "a: 'it''s'\n"],
    ['a single-quoted value holding a backslash and a double quote', 'a: \'a\\b "c"\'\n'],
    ['an empty single-quoted value', "a: ''\n"],
    ['an empty flow sequence', 'a: []\n'],
    ['a flow sequence with spaces inside', 'a: [ ]\n'],
    ['a flow sequence of words and quoted strings', 'a: [a, "b c", \'d, e\', f/g.h+i=j-k]\n'],
    ['a flow sequence with a comment', 'a: [a] # c\n'],
    ['an empty flow mapping', 'a: {}\n'],
    ['a flow mapping', 'a: { cpu: 500m, memory: 1Gi }\n'],
    ['a flow mapping with quoted values', 'a: {b: "x", c: \'y\'} # c\n'],
    ['a flow mapping with the same value twice', 'a: {b: x, c: x}\n'],
    ['flow mappings with the same keys under different keys', 'a: {b: 1}\nc: {b: 1}\n'],
  ])('certifies %s', (_, text) => {
    expectSimple(text, true);
  });

  it.each([
    ['an anchor', 'a: &x v\n'],
    ['an alias', 'a: *x\n'],
    ['a tag', 'a: !t v\n'],
    ['a core tag', 'a: !!str v\n'],
    ['a value starting with @', 'a: @v\n'],
    ['a value starting with a backquote', 'a: `v\n'],
    ['a value starting with %', 'a: %v\n'],
    ['a value starting with ?', 'a: ?v\n'],
    ['a value starting with :', 'a: :v\n'],
    ['a value starting with ,', 'a: ,v\n'],
    ['a value starting with ]', 'a: ]v\n'],
    ['a value that is a lone dash', 'a: -\n'],
    ['a sequence entry after a key on its line', 'a: - x\n'],
    ['a nested compact mapping', 'a: b: c\n'],
    ['a value ending in a colon', 'a: b:\n'],
    ['a value ending in a colon before a comment', 'a: b: # c\n'],
    ['a double-quoted value with an escape', 'a: "x\\ny"\n'],
    ['text after a double-quoted value', 'a: "x" y\n'],
    ['text after a single-quoted value', "a: 'x' y\n"],
    ['a comment right after a quoted value', 'a: "x"# c\n'],
    ['a flow sequence with a trailing comma', 'a: [a,]\n'],
    ['a flow sequence holding a pair', 'a: [a: b]\n'],
    ['a flow sequence holding a flow sequence', 'a: [[a]]\n'],
    ['text after a flow sequence', 'a: [a] x\n'],
    ['an unclosed flow sequence', 'a: [a, b\n'],
    ['a flow mapping with a trailing comma', 'a: {b: c,}\n'],
    ['an unclosed flow mapping', 'a: {b: 1\n'],
    ['a flow mapping with a duplicate key', 'a: {b: 1, b: 2}\n'],
    ['a flow mapping with a duplicate key after others', 'a: {b: 1, c: 2, d: 3, c: 4}\n'],
    ['a flow mapping with a quoted key', 'a: {"b": 1}\n'],
    ['a flow mapping whose quoted value looks like a repeated key', 'a: {b: "x, b: y"}\n'],
    ['a tab in a value', 'a: b\tc\n'],
    ['a tab after a value', 'a: b\t\n'],
    ['a tab before a value', 'a:\tb\n'],
  ])('does not certify %s', (_, text) => {
    expectSimple(text, false);
  });
});

describe('splitDocuments: block scalars', () => {
  it.each([
    ['a literal block scalar', 'a: |\n  x\n  y\nb: 1\n'],
    ['a folded block scalar with chomping', 'a: >-\n  x\nb: |+\n  y\n'],
    ['a header with a comment', 'a: | # c\n  x\n'],
    ['more-indented lines in the content', 'a: |\n  x\n    y\n  z\nb: 1\n'],
    ['content that looks like YAML', 'a: |\n  b: c\n  - &x *y !z\n  # not a comment\n  "q\n'],
    ['content with tabs and backslashes', 'a: |\n  x\ty\\\n'],
    ['an empty block scalar', 'a: |\nb: 1\n'],
    ['an empty block scalar at the end', 'a: |'],
    ['an empty block scalar followed by an empty line', 'a: |\n\nb: 1\n'],
    ['empty lines inside the content', 'a: |\n  x\n\n  y\n'],
    ['an empty line as indented as the content before it', 'a: |\n  \n  x\n'],
    ['more-indented empty lines after the content starts', 'a: |\n  x\n      \n  y\n'],
    ['a comment at the column of the key after it', 'a: |\n  x\n# c\nb: 1\n'],
    ['a block scalar in a sequence item', '- |\n  x\n- y\n'],
    ['a block scalar under a nested key', 'a:\n  b: >\n    x\n  c: 1\n'],
    ['a block scalar under a key in an item', '- a: |\n    x\n  b: 1\n'],
  ])('certifies %s', (_, text) => {
    expectSimple(text, true);
  });

  it.each([
    ['an indentation indicator', 'a: |2\n  x\n'],
    ['an indentation indicator after chomping', 'a: >-2\n  x\n'],
    ['two chomping indicators', 'a: |-+\n  x\n'],
    ['text after the header', 'a: | x\n  y\n'],
    ['a comment right after the header', 'a: |# c\n  x\n'],
    ['a content line less indented than the first', 'a: |\n    x\n  y\n'],
    ['a first content line not indented past the key', 'a: |\nx\n'],
    ['content not indented past a sequence entry', '- |\n x\n'],
    ['leading empty lines more indented than the content', 'a: |\n    \n  x\n'],
    ['an empty block scalar followed by an indented empty line and a comment', 'a: |\n   \n# c\n'],
    ['an empty block scalar ending the text with an indented empty line', 'a: |\n  '],
    ['a comment indented into the block scalar that it ends', 'a: |\n    x\n  # c\nb: 1\n'],
    ['a comment indented past the key right after the header', 'a: |\n  x\n # c\nb: 1\n'],
    ['an empty block scalar, then its key again', 'a: |\na: 1\n'],
    ['a block scalar, then its key again', 'a: >\n  x\na: 1\n'],
    ['a pair folded into the plain value after a block scalar', 'a: |\n  x\nb: c\n  d: e\n'],
  ])('does not certify %s', (_, text) => {
    expectSimple(text, false);
  });
});

describe('splitDocuments: multi-line scalars', () => {
  it.each([
    ['a plain scalar that goes on over a more-indented line', 'a: b\n  c\nd: 1\n'],
    ['a plain scalar over several lines', 'a: b\n  c\n    d\n  e\n'],
    ['an empty line inside a plain scalar', 'a: b\n\n  c\n'],
    ['a continuation that starts with a dash and a word', 'a: b\n  -c\n'],
    ['a continuation that starts with a colon and a word', 'a: b\n  :c\n'],
    ['a continuation that starts with a question mark and a word', 'a: b\n  ?c\n'],
    ['a continuation that starts with a quote', 'a: b\n  "c" d\n'],
    ['a continuation holding a colon inside a word', 'a: b\n  c:d\n'],
    ['a continuation with a comment holding a colon', 'a: b\n  c # d: e\n'],
    ['a continuation with a comment, then a key', 'a: b\n  c # d\ne: 1\n'],
    ['a plain scalar in an item going on', '- b\n  c\n'],
    ['a plain scalar under a nested key going on', 'a:\n  b: c\n    d\n  e: 1\n'],
    ['a double-quoted scalar over two lines', 'a: "x\n  y"\nb: 1\n'],
    ['a double-quoted scalar over three lines', 'a: "ab\n  cd ef\n  gh" # c\n'],
    ['a single-quoted scalar over three lines', "a: 'ab\n  cd ef\n  gh' # c\n"],
    ['an empty line inside a quoted scalar', 'a: "x\n\n  y"\n'],
    ['a single-quoted scalar with escaped quotes on its lines', "a: 'x\n  it''s\n  y'\n"],
    ['a single-quoted scalar holding double quotes on a later line', 'a: \'x\n  say "hi"\'\n'],
    ['a double-quoted scalar holding single quotes on a later line', 'a: "x\n  it\'s"\n'],
    ['a quoted scalar in an item', '- "x\n  y"\n- z\n'],
  ])('certifies %s', (_, text) => {
    expectSimple(text, true);
  });

  it.each([
    ['a plain scalar going on at the column of its key', 'a: b\nc\n'],
    ['a plain scalar going on at the column of its item', '- b\n c\n'],
    ['a continuation holding a colon and space', 'a: b\n  c: d\n'],
    ['a continuation ending in a colon', 'a: b\n  c:\n'],
    ['a continuation ending in a colon before a comment', 'a: b\n  c: # d\n'],
    ['a continuation that is a sequence entry', 'a: b\n  - c\n'],
    ['a continuation that starts with an anchor', 'a: b\n  &c\n'],
    ['a continuation that starts with a colon and space', 'a: b\n  : c\n'],
    ['a continuation with a tab', 'a: b\n  c\td\n'],
    ['a plain scalar going on after a comment line', 'a: b\n# c\n  d\n'],
    ['a plain scalar going on after its own comment', 'a: b # c\n  d\n'],
    ['a plain scalar going on after a comment in a continuation', 'a: b\n  c # d\n  e\n'],
    ['a double-quoted scalar going on at its key column', 'a: "x\ny"\n'],
    ['a quoted scalar going on at its item column', '- "x\n y"\n'],
    ['a double-quoted scalar that never closes', 'a: "x\n  y\n'],
    ['a single-quoted scalar that never closes', "a: 'x\n  y\n"],
    ['text after the closing quote', 'a: "x\n  y" z\n'],
    ['a second quoted scalar after the closing one', 'a: "x\n  y" "z"\n'],
    ['an escape on a later line', 'a: "x\n  y\\n"\n'],
    ['a quote that would end the scalar inside a later line', 'a: "x\n  y" z "w\n'],
    ['a tab on a later line', 'a: "x\n  y\tz"\n'],
    ['a tab on a later line before the closing one', 'a: "x\n  y\tz\n  w"\n'],
    ['a comment-like later line', 'a: "x\n  # y"\n'],
    ['a comment-like later line before the closing one', 'a: "x\n  # y\n  z"\n'],
    ['a line at the key column before the closing one', 'a: "x\ny\n  z"\n'],
    ['an escape on the first line', 'a: "x\\\n  y"\n'],
    ['a lone single quote on the first line after text', "a: 'x' y\n  z'\n"],
    ['a lone double quote on the first line after text', 'a: "x" y\n  z"\n'],
  ])('does not certify %s', (_, text) => {
    expectSimple(text, false);
  });
});

describe('splitDocuments: structure', () => {
  it.each([
    ['an empty text', ''],
    ['only comments and blank lines', '# c\n\n   \n# d\n'],
    ['a comment with a tab', '# a\tb\n'],
    ['an indented comment anywhere', 'a:\n      # c\n  b: 1\n'],
    ['a nested mapping', 'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n'],
    ['a nested mapping after a comment on the key line', 'a: # c\n  b: 1\n'],
    ['a nested mapping after blank and comment lines', 'a:\n\n# c\n  b: 1\n'],
    ['a sequence indented under its key', 'a:\n  - x\n  - y\nb: 1\n'],
    ['a sequence at the column of its key', 'a:\n- x\n- y\nb: 1\n'],
    ['a sequence at the column of a nested key', 'a:\n  b:\n  - x\n  c: 1\n'],
    ['a root sequence', '- a\n- b\n'],
    ['items with several spaces after the dash', '-   a\n-   b: 1\n    c: 2\n'],
    ['a mapping in a sequence item', '- a: 1\n  b: 2\n- a: 3\n'],
    ['a sequence at the column of a key in an item', '- a:\n  - b\n  c: 1\n'],
    ['a nested mapping in an item', '- a:\n    b: 1\n  c: 2\n'],
    ['a sequence in a sequence', '-\n  - a\n  - b\n- c\n'],
    ['a dash alone, then a mapping', '-\n  a: 1\n'],
    ['a dash with a comment, then a mapping', '- # c\n  a: 1\n'],
    ['an item that is a quoted key', '- "a": 1\n  \'b\': 2\n'],
    ['an empty item at the end', '- a\n-'],
    ['a key with no value at the end', 'a:'],
    ['no final line break', 'a: 1'],
    ['a line with spaces only at the end', 'a: 1\n   '],
    ['a value starting with dashes', 'a: ---\n'],
    ['a dash and a space, then a mapping', '- \n  a: 1\n'],
    ['a nested mapping after a plain value', 'a: b\nc:\n  d: 1\n'],
    ['a sequence after a plain value', 'a: b\nc:\n- d\n'],
    ['an empty item in a sequence at the column of its key', 'a:\n-\n- b\nc: 1\n'],
    ['values after several spaces', 'a:   b\nc:   # d\n  e: 1\n'],
    ['a second item after an empty one', '- # c\n- b\n'],
  ])('certifies %s', (_, text) => {
    expectSimple(text, true);
  });

  it.each([
    ['an indented root', '  a: 1\n'],
    ['a second root after a mapping', 'a:\n  b: 1\n- c\n'],
    ['a sequence entry after a root mapping', 'a: 1\n- b\n'],
    ['a key after a root sequence', '- a\nb: 1\n'],
    ['a scalar root', 'hello\n'],
    ['a mapping less indented than its siblings', 'a:\n    b: 1\n  c: 2\n'],
    ['a mapping more indented than its siblings', 'a:\n  b: 1\n    c: 2\n'],
    ['a nested line without a parent key', 'a: 1\n  b: 2\n'],
    ['a sequence entry at the column of a key with a value', 'a:\n  b: 1\n  - c\n'],
    ['a key in the sequence of an item', '- - a\n'],
    ['a sequence entry in a mapping of an item', '- a: 1\n  - b\n'],
    ['a sequence entry left of the key with no value before it', 'a:\n  b:\n- c\n'],
    ['a mapping at the column of the dash that opens it', '-\na: 1\n'],
    ['a tab as indentation', 'a:\n\tb: 1\n'],
    ['a tab after a key', 'a:\t\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['a document end marker with text', 'a: 1\n... # c\n'],
    ['a directive', '%YAML 1.2\n'],
    ['a key after an anchor line', 'a: &x 1\nb: 2\n'],
    ['a key repeated after an empty value', 'a:\nb: 1\na: 2\n'],
    ['a dash glued to a word as a root', '-a\n'],
    ['a dash line that is not a document start', '---a: 1\n'],
  ])('does not certify %s', (_, text) => {
    expectSimple(text, false);
  });
});

describe('splitDocuments: documents', () => {
  it('splits at each --- line, with offsets from that line to the next', () => {
    const text = 'a: 1\n---\nb: 2\n--- # c\nc: 3\n';
    expect(splitDocuments(text)).toEqual([
      { start: 0, end: 5, simple: true, kind: null, apiVersion: null },
      { start: 5, end: 14, simple: true, kind: null, apiVersion: null },
      { start: 14, end: text.length, simple: true, kind: null, apiVersion: null },
    ]);
    expectYamlAccepts(text);
  });

  it('starts a document at a leading --- and at a final one', () => {
    expect(splitDocuments('---\na: 1\n---')).toEqual([
      { start: 0, end: 0, simple: true, kind: null, apiVersion: null },
      { start: 0, end: 9, simple: true, kind: null, apiVersion: null },
      { start: 9, end: 12, simple: true, kind: null, apiVersion: null },
    ]);
  });

  it('reads --- followed by a space or a tab as a document start, and other dashes as content', () => {
    expect(splitDocuments('--- \na: 1\n').map(({ start, simple }) => [start, simple])).toEqual([
      [0, true],
      [0, true],
    ]);
    expect(splitDocuments('---\t\na: 1\n').map(({ start, simple }) => [start, simple])).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(splitDocuments('---x\n')).toEqual([
      { start: 0, end: 5, simple: false, kind: null, apiVersion: null },
    ]);
    expect(splitDocuments('----\n')).toHaveLength(1);
  });

  it('leaves a document whose --- line holds more than a comment to yaml', () => {
    const documents = splitDocuments('a: 1\n--- x\n---  #c\nb: 1\n--- #\n');
    expect(documents.map(({ start, simple }) => [start, simple])).toEqual([
      [0, true],
      [5, false],
      [11, true],
      [24, true],
    ]);
    expect(splitDocuments('---#c\n')[0]?.simple).toBe(false);
  });

  it('starts every document afresh: keys, roots and open scalars do not carry over', () => {
    expect(splitDocuments('a: 1\n---\na: 1\n').map((document) => document.simple)).toEqual([true, true]);
    expect(splitDocuments('- a\n---\nb: 1\n').map((document) => document.simple)).toEqual([true, true]);
    expect(splitDocuments('a: |\n---\nb: 1\n').map((document) => document.simple)).toEqual([true, true]);
    expect(splitDocuments('a: b\n---\n  c\n').map((document) => document.simple)).toEqual([true, false]);
  });

  it('keeps judging the documents after one that is not simple', () => {
    const text = 'a: &x 1\nb: 2\n---\nc: 1\n---\nd: *x\ne: 1\n';
    expect(splitDocuments(text).map((document) => document.simple)).toEqual([false, true, false]);
  });

  it('ends a quoted scalar left open at the next ---, which it leaves not simple', () => {
    expect(splitDocuments('a: "x\n---\nb: 1\n').map((document) => document.simple)).toEqual([false, true]);
  });

  it('reads CRLF line breaks like LF ones', () => {
    const text =
      'apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  a: |\r\n    x\r\n  b: "y\r\n    z"\r\n---\r\nc: 1\r\n';
    expect(splitDocuments(text)).toEqual([
      { start: 0, end: 66, simple: true, kind: 'Pod', apiVersion: 'v1' },
      { start: 66, end: text.length, simple: true, kind: null, apiVersion: null },
    ]);
    expectYamlAccepts(text);
    expect(splitDocuments('a:\r\n- b\r\n---\r\n---\r\n')).toEqual([
      { start: 0, end: 9, simple: true, kind: null, apiVersion: null },
      { start: 9, end: 14, simple: true, kind: null, apiVersion: null },
      { start: 14, end: 19, simple: true, kind: null, apiVersion: null },
    ]);
  });

  it('skips a BOM at the start, and certifies no document of a text with one elsewhere', () => {
    expect(splitDocuments('\ufeffkind: Pod\n')).toEqual([
      { start: 0, end: 11, simple: true, kind: 'Pod', apiVersion: null },
    ]);
    expect(splitDocuments('\ufeff---\na: 1\n')).toEqual([
      { start: 0, end: 1, simple: true, kind: null, apiVersion: null },
      { start: 1, end: 10, simple: true, kind: null, apiVersion: null },
    ]);
    expect(splitDocuments('a: 1\n---\nb: x\ufeff\n').map((document) => document.simple)).toEqual([
      false,
      false,
    ]);
    expect(splitDocuments('\ufeff\ufeffa: 1\n').map((document) => document.simple)).toEqual([false]);
    expect(splitDocuments('\u0000\n---\na: 1\n').map((document) => document.simple)).toEqual([false, false]);
  });

  it.each([
    ['a lone CR', 'a: 1\rb: 2\n'],
    ['a NUL', 'a: \u0000\n'],
    ['a backspace', 'a: \u0008\n'],
    ['a vertical tab', 'a: \u000b\n'],
    ['a form feed', 'a: \u000c\n'],
    ['an escape', 'a: \u001b\n'],
    ['a DEL', 'a: \u007f\n'],
  ])('certifies no document of a text with %s', (_, text) => {
    expect(splitDocuments(`b: 1\n---\n${text}`).map((document) => document.simple)).toEqual([false, false]);
  });
});

describe('splitDocuments: kind and apiVersion', () => {
  const root = (text: string) => {
    const document = single(text);
    return { simple: document.simple, kind: document.kind, apiVersion: document.apiVersion };
  };

  it('reads plain and quoted root values', () => {
    expect(root('apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n')).toEqual({
      simple: true,
      kind: 'CustomResourceDefinition',
      apiVersion: 'apiextensions.k8s.io/v1',
    });
    expect(root("kind: \"Pod\"\napiVersion: 'it''s'\n")).toEqual({
      simple: true,
      kind: 'Pod',
      apiVersion: "it's",
    });
    expect(root('kind: Pod # c\napiVersion: v1   \n')).toEqual({
      simple: true,
      kind: 'Pod',
      apiVersion: 'v1',
    });
    expect(root('kind: "Pod" # c\napiVersion: \'\' # d\n')).toEqual({
      simple: true,
      kind: 'Pod',
      apiVersion: '',
    });
    expect(root('"kind": Pod\n\'apiVersion\': v1\n')).toEqual({
      simple: true,
      kind: 'Pod',
      apiVersion: 'v1',
    });
  });

  it('reads nothing for a key without a value, or a value that is not a scalar on its line', () => {
    expect(root('kind:\napiVersion: # c\n')).toEqual({ simple: true, kind: null, apiVersion: null });
    expect(root('kind: |\n  Pod\napiVersion: [v1]\n')).toEqual({
      simple: true,
      kind: null,
      apiVersion: null,
    });
    expect(root('kind: {a: b}\n')).toEqual({ simple: true, kind: null, apiVersion: null });
  });

  it('reads nothing for a value that goes on over more lines', () => {
    expect(root('kind: Custom\n  Resource\napiVersion: v1\n')).toEqual({
      simple: true,
      kind: null,
      apiVersion: 'v1',
    });
    expect(root('apiVersion: a\n  b\nkind: Pod\n')).toEqual({ simple: true, kind: 'Pod', apiVersion: null });
    expect(root('kind: "Custom\n  Resource"\napiVersion: \'v\n  1\'\n')).toEqual({
      simple: true,
      kind: null,
      apiVersion: null,
    });
  });

  it('keeps a value whose line ends in a comment: what follows is not part of it', () => {
    expect(root('kind: Pod # c\n# d\napiVersion: v1\n')).toEqual({
      simple: true,
      kind: 'Pod',
      apiVersion: 'v1',
    });
    expect(root('kind: Pod\n# c\nmetadata: {}\n')).toEqual({ simple: true, kind: 'Pod', apiVersion: null });
  });

  it('reads only the root mapping', () => {
    expect(root('spec:\n  kind: Pod\n  apiVersion: v1\n')).toEqual({
      simple: true,
      kind: null,
      apiVersion: null,
    });
    expect(root('- kind: Pod\n  apiVersion: v1\n')).toEqual({ simple: true, kind: null, apiVersion: null });
    expect(root('kinds: Pod\napiversion: v1\n')).toEqual({ simple: true, kind: null, apiVersion: null });
  });

  it('reads nothing in a document that is not simple', () => {
    expect(root('kind: Pod\napiVersion: v1\nx: &a 1\n')).toEqual({
      simple: false,
      kind: null,
      apiVersion: null,
    });
    expect(root('kind: "Pod\n')).toEqual({ simple: false, kind: null, apiVersion: null });
  });

  it('reads each document on its own', () => {
    const documents = splitDocuments('kind: A\n---\napiVersion: v1\n---\nkind: B\n');
    expect(documents.map(({ kind, apiVersion }) => [kind, apiVersion])).toEqual([
      ['A', null],
      [null, 'v1'],
      ['B', null],
    ]);
  });
});

describe('splitDocuments: the edges of block scalars and quoted keys', () => {
  it('an empty block scalar followed by more-indented blank lines is left to yaml', () => {
    expect(splitDocuments('a: |\n   \nb: 1\n').map((document) => document.simple)).toEqual([false]);
  });

  it('a quoted `null` or `true` key is a string; only the plain one is not', () => {
    expect(splitDocuments('"null": 1\n').map((document) => document.simple)).toEqual([true]);
    expect(splitDocuments("'true': 1\n").map((document) => document.simple)).toEqual([true]);
    expect(splitDocuments('null: 1\n').map((document) => document.simple)).toEqual([false]);
  });
});
