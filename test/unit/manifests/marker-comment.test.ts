/**
 * markerAfter on its own: which `# kpush:image` / `# kpush:tag` comments belong to a value
 * (right after it, on its line), and what they name.
 */
import { describe, expect, it } from 'vitest';
import { type ParsedNode, parseDocument } from 'yaml';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { scanManifest } from '../../../src/manifests/index.js';
import { markerAfter } from '../../../src/manifests/marker-comment.js';

/** The node at `path` in the (only) document of `text`. */
function nodeAt(text: string, path: (string | number)[]): ParsedNode {
  const document = parseDocument(text, { keepSourceTokens: false });
  expect(document.errors).toEqual([]);
  const node = document.getIn(path, true) as ParsedNode | undefined;
  expect(node).toBeDefined();
  return node as ParsedNode;
}

function markerAt(text: string, path: (string | number)[] = ['a']) {
  return markerAfter(text, nodeAt(text, path));
}

describe('markerAfter', () => {
  it.each([
    ['a kpush:image marker', 'a: v # kpush:image ghcr.io/acme/api\n', 'image', 'ghcr.io/acme/api'],
    ['a kpush:tag marker', 'a: v # kpush:tag ghcr.io/acme/api\n', 'tag', 'ghcr.io/acme/api'],
    ['no space after the hash', 'a: v #kpush:image api\n', 'image', 'api'],
    ['several spaces around', 'a: v     #    kpush:tag    api   \n', 'tag', 'api'],
    ['tabs around', 'a: v\t#\tkpush:image\tapi\n', 'image', 'api'],
    ['a name up to a hash', 'a: v # kpush:image api#x\n', 'image', 'api'],
    ['a name up to a space', 'a: v # kpush:tag api and more\n', 'tag', 'api'],
    ['a marker at the end of the text', 'a: v # kpush:image api', 'image', 'api'],
    ['a marker before a CRLF', 'a: v # kpush:image api\r\nb: w\r\n', 'image', 'api'],
    ['a double-quoted value', 'a: "v # w" # kpush:image api\n', 'image', 'api'],
    ['a single-quoted value', "a: 'v' # kpush:tag api\n", 'tag', 'api'],
    ['a name with a tag and digest as written', 'a: v # kpush:image Api:1@x\n', 'image', 'Api:1@x'],
  ])('reads %s', (_, text, kind, name) => {
    expect(markerAt(text)).toEqual({ kind, name });
  });

  it.each([
    ['no comment', 'a: v\n'],
    ['another comment', 'a: v # image api\n'],
    ['an unknown marker', 'a: v # kpush:digest api\n'],
    ['a marker with a longer word', 'a: v # kpush:images api\n'],
    ['a marker in capitals', 'a: v # KPUSH:image api\n'],
    ['a space inside the marker', 'a: v # kpush: image api\n'],
    ['a marker without a name', 'a: v # kpush:image\n'],
    ['a marker without a name before spaces', 'a: v # kpush:image   \n'],
    ['a marker whose name starts with a hash', 'a: v # kpush:image #api\n'],
    ['a marker after other words in the comment', 'a: v # see kpush:image api\n'],
    ['a marker on the next line', 'a: v\n# kpush:image api\n'],
    ['a marker on an indented next line', 'a: v\n  # kpush:image api\n'],
  ])('reads nothing for %s', (_, text) => {
    expect(markerAt(text)).toBeNull();
  });

  it('reads the marker of the value it is right after, not of an earlier one on the line', () => {
    const text = 'a: [x, y] # kpush:image api\n';
    expect(markerAt(text, ['a', 0])).toBeNull();
    expect(markerAt(text, ['a', 1])).toBeNull();
    expect(markerAt(text, ['a'])).toEqual({ kind: 'image', name: 'api' });
  });

  it('reads a marker after a flow mapping and after an alias', () => {
    expect(markerAt('a: {b: c} # kpush:tag api\n')).toEqual({ kind: 'tag', name: 'api' });
    const alias = 'x: &v 1\na: *v # kpush:tag api\n';
    expect(markerAt(alias)).toEqual({ kind: 'tag', name: 'api' });
    expect(markerAt(alias, ['x'])).toBeNull();
  });

  it('reads nothing after a block scalar, whose comment on the next line is not its own', () => {
    expect(markerAt('a: |\n  v\n# kpush:image api\n')).toBeNull();
    expect(markerAt('a: >-\n  v\n# kpush:image api\n')).toBeNull();
    expect(markerAt('a: | # kpush:image api\n  v\n')).toBeNull();
  });

  it('reads nothing after a block mapping or sequence', () => {
    expect(markerAt('a:\n  b: c\n# kpush:image api\n')).toBeNull();
    expect(markerAt('a:\n  - c\n# kpush:image api\n')).toBeNull();
    expect(markerAt('a:\n  b: c # kpush:tag api\n', ['a', 'b'])).toEqual({ kind: 'tag', name: 'api' });
  });

  it('reads each value on its own, whatever was read before', () => {
    const text = 'a: v # kpush:image one\nb: w\nc: x # kpush:tag two\n';
    expect(markerAt(text, ['a'])).toEqual({ kind: 'image', name: 'one' });
    expect(markerAt(text, ['b'])).toBeNull();
    expect(markerAt(text, ['c'])).toEqual({ kind: 'tag', name: 'two' });
    expect(markerAt(text, ['a'])).toEqual({ kind: 'image', name: 'one' });
    expect(markerAt(text, ['b'])).toBeNull();
  });
});

describe('scanMarkers (through scanManifest)', () => {
  const API = 'ghcr.io/acme/api';
  const scan = (text: string, image: string) => scanManifest('f.yaml', text, [parseImageReference(image)]);

  it('sets a kpush:tag value to the requested tag', () => {
    expect(scan(`a: x # kpush:tag ${API}\n`, `${API}:2`)).toEqual({
      edits: [
        {
          kind: 'marker',
          repository: API,
          line: 1,
          start: 3,
          end: 4,
          oldValue: 'x',
          newValue: '2',
          text: '"2"',
        },
      ],
      matched: [API],
      declined: [],
      warnings: [],
    });
  });

  it('sets a kpush:image value written without tag to the requested reference', () => {
    expect(scan(`a: ${API} # kpush:image ${API}\n`, `${API}:2`).edits).toEqual([
      {
        kind: 'marker',
        repository: API,
        line: 1,
        start: 3,
        end: 19,
        oldValue: API,
        newValue: `${API}:2`,
        text: `${API}:2`,
      },
    ]);
  });

  it('declines a kpush:tag value when the image is requested with a digest only', () => {
    expect(scan(`a: x # kpush:tag ${API}\n`, `${API}@sha256:${'b'.repeat(64)}`)).toEqual({
      edits: [],
      matched: [],
      declined: [
        {
          repository: API,
          line: 1,
          reason: `the value marked "# kpush:tag ${API}" is a tag, but ${API} was requested with a digest only; left unchanged`,
        },
      ],
      warnings: [],
    });
  });

  it.each([
    ['a flow sequence', `a: [x] # kpush:image ${API}\n`, 1],
    ['an alias of a flow sequence', `a: &v [x]\nb: *v # kpush:image ${API}\n`, 2],
  ])('declines a marker on %s, which is not a scalar', (_, text, line) => {
    expect(scan(text, `${API}:2`)).toEqual({
      edits: [],
      matched: [],
      declined: [
        {
          repository: API,
          line,
          reason: `the value marked "# kpush:image ${API}" is not a plain or quoted scalar; left unchanged`,
        },
      ],
      warnings: [],
    });
  });
});
