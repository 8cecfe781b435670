import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KpushError } from '../../../src/errors.js';
import {
  applyEdits,
  decodeManifest,
  encodeEdited,
  encodeManifest,
  type ScalarEdit,
} from '../../../src/manifests/index.js';

const YAML = 'image: ghcr.io/acme/api:1.0 # café\n';

function bom(encoding: 'utf16le' | 'utf16be', text: string): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return encoding === 'utf16le' ? le : Buffer.from(le).swap16();
}

describe('manifest encodings', () => {
  it.each([
    ['UTF-8', Buffer.from(YAML, 'utf8'), 'utf8'],
    ['UTF-8 with a byte order mark', Buffer.from(`\ufeff${YAML}`, 'utf8'), 'utf8'],
    ['Latin-1', Buffer.from(YAML, 'latin1'), 'latin1'],
    ['UTF-16LE with a byte order mark', bom('utf16le', YAML), 'utf16le'],
    ['UTF-16BE with a byte order mark', bom('utf16be', YAML), 'utf16be'],
  ] as const)('reads %s as text and writes an edit back byte-exactly', (_name, bytes, encoding) => {
    const decoded = decodeManifest('app.yaml', bytes);
    expect(decoded.encoding).toBe(encoding);
    expect(decoded.text.replace(/^\ufeff/, '')).toBe(YAML);
    expect(encodeManifest(decoded.text, decoded.encoding).equals(bytes)).toBe(true);
    const edited = encodeManifest(decoded.text.replace('1.0', '2.0'), decoded.encoding);
    expect(edited.length).toBe(bytes.length);
    const differing = [...edited].flatMap((byte, index) => (byte === bytes[index] ? [] : [index]));
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.length).toBeLessThanOrEqual(encoding.startsWith('utf16') ? 2 : 1);
  });

  it.each([
    ['UTF-16 without a byte order mark', Buffer.from(YAML, 'utf16le'), /contains NUL bytes/],
    ['a NUL byte in UTF-8', Buffer.from('a: 1\0\n'), /contains NUL bytes/],
    [
      'UTF-16 of odd length',
      Buffer.concat([bom('utf16le', 'a: 1\n'), Buffer.from([0x41])]),
      /not \(odd length/,
    ],
    ['UTF-32LE', Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]), /starts like UTF-16 but is not/],
    [
      'a Git LFS pointer',
      Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${'4'.repeat(64)}\nsize 1234\n`),
      /is kept with Git LFS \(a pointer is stored in git\); kpush cannot read or edit it$/,
    ],
    [
      'a file git-crypt stores encrypted',
      Buffer.concat([Buffer.from('\0GITCRYPT\0'), Buffer.from([0x12, 0x9a, 0x00, 0xff])]),
      /is kept with git-crypt \(it is stored encrypted\)/,
    ],
  ])('refuses %s, naming the file', (_name, bytes, reason) => {
    let error: unknown;
    try {
      decodeManifest('apps/odd.yaml', bytes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KpushError);
    expect((error as KpushError).code).toBe('E_ENCODING');
    expect((error as KpushError).message).toMatch(/^apps\/odd\.yaml /);
    expect((error as KpushError).message).toMatch(reason);
    // What to do next, and the file for --json.
    expect((error as KpushError).hint).toMatch(/--path; nothing was committed\.$/);
    expect((error as KpushError).details).toEqual({ file: 'apps/odd.yaml' });
  });

  it('reads a Uint8Array view at an offset as its own bytes only', () => {
    const backing = Buffer.from(`xx${YAML}yy`, 'utf8');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, Buffer.byteLength(YAML));
    const decoded = decodeManifest('app.yaml', view);
    expect(decoded).toMatchObject({ text: YAML, encoding: 'utf8' });
    expect(Buffer.from(decoded.bytes).toString('utf8')).toBe(YAML);
  });

  it('refuses to put a character outside Latin-1 into a Latin-1 file', () => {
    expect(() => encodeManifest('tag: ✓\n', 'latin1')).toThrow(RangeError);
    expect(encodeManifest('tag: ÿ\n', 'latin1')).toEqual(
      Buffer.from([0x74, 0x61, 0x67, 0x3a, 0x20, 0xff, 0x0a]),
    );
  });
  it('keeps a UTF-8 byte order mark in the text', () => {
    expect(decodeManifest('app.yaml', Buffer.from('\ufeffa: 1\n', 'utf8'))).toMatchObject({
      text: '\ufeffa: 1\n',
      encoding: 'utf8',
    });
  });

  it.each([
    ['0xFF alone', [0xff, 0x41, 0x0a], 'ÿA\n'],
    ['0xFE alone', [0xfe, 0x41, 0x0a], 'þA\n'],
    ['0xFE second', [0x41, 0xfe, 0x0a], 'Aþ\n'],
    ['0xFF second', [0x41, 0xff, 0x0a], 'Aÿ\n'],
  ])('reads a file starting with %s as Latin-1, not UTF-16', (_name, bytes, text) => {
    expect(decodeManifest('app.yaml', Buffer.from(bytes))).toMatchObject({ text, encoding: 'latin1' });
  });

  it('tells UTF-16BE from UTF-16LE by the order of the mark', () => {
    expect(decodeManifest('app.yaml', Buffer.from([0xfe, 0xff, 0, 0x61]))).toMatchObject({
      text: '\ufeffa',
      encoding: 'utf16be',
    });
    expect(decodeManifest('app.yaml', Buffer.from([0xff, 0xfe, 0x61, 0]))).toMatchObject({
      text: '\ufeffa',
      encoding: 'utf16le',
    });
  });

  it('explains what cannot be read, with a hint and the file', () => {
    let error: unknown;
    try {
      decodeManifest('apps/odd.yaml', Buffer.from('a: 1\0\n'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      message:
        'apps/odd.yaml contains NUL bytes (UTF-16 without a byte order mark, UTF-32, or binary); kpush cannot edit it byte-exactly',
      hint: 'Convert the file to UTF-8 (or UTF-16 with a byte order mark), or narrow the scan with --path; nothing was committed.',
      details: { file: 'apps/odd.yaml' },
    });
    expect(() => decodeManifest('b.yaml', Buffer.from([0xff, 0xfe, 0x61]))).toThrow(
      'b.yaml starts like UTF-16 but is not (odd length, or UTF-32); kpush cannot edit it byte-exactly',
    );
  });

  it('names the Latin-1 problem', () => {
    expect(() => encodeManifest('\u0100', 'latin1')).toThrow(
      'an edit put a character outside Latin-1 into a Latin-1 file',
    );
    expect(encodeManifest('\u0100', 'utf8')).toEqual(Buffer.from([0xc4, 0x80]));
  });

  describe('encodeEdited', () => {
    const edit = (start: number, end: number, text: string): ScalarEdit => ({
      kind: 'image',
      repository: 'ghcr.io/acme/api',
      line: 1,
      start,
      end,
      text,
      oldValue: '',
      newValue: text,
    });
    // ASCII and Latin-1 take the byte splice; the rest (é in UTF-8, UTF-16, a BOM) re-encodes.
    const texts = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '\r', '-', '#', '1') }),
      fc.string({ unit: fc.constantFrom('a', ' ', '\n', 'é', 'ÿ') }),
      fc.string({ unit: fc.constantFrom('a', ' ', '\n', 'é', '✓', '😀') }),
    );
    const bytesOf = (text: string, encoding: 'utf8' | 'latin1' | 'utf16le') =>
      encoding === 'utf16le' ? bom('utf16le', text) : Buffer.from(text, encoding);

    it('writes the bytes encodeManifest(applyEdits()) writes, for any edits of any text', () => {
      fc.assert(
        fc.property(
          texts,
          fc.constantFrom('utf8', 'latin1', 'utf16le' as const),
          fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom('', 'v2', 'é', '✓')), { maxLength: 4 }),
          (text, encoding, raw) => {
            if (encoding === 'latin1' && /[^\u0000-\u00ff]/.test(text)) return;
            const decoded = decodeManifest('app.yaml', bytesOf(text, encoding));
            // Non-overlapping edits inside the text, in any order.
            const length = decoded.text.length;
            const starts = [...new Set(raw.map(([at]) => at % (length + 1)))].sort((a, b) => a - b);
            const edits = starts.flatMap((start, index) => {
              const end = Math.min(start + (raw[index]?.[1] ?? 0), starts[index + 1] ?? length);
              const replacement = raw[index]?.[2] ?? '';
              if (decoded.encoding === 'latin1' && /[^\u0000-\u00ff]/.test(replacement)) return [];
              // Never split a surrogate pair.
              if (
                /[\ud800-\udbff]/.test(decoded.text[start - 1] ?? '') ||
                /[\ud800-\udbff]/.test(decoded.text[end - 1] ?? '')
              )
                return [];
              return [edit(start, end, replacement)];
            });
            const expected = encodeManifest(applyEdits(decoded.text, edits), decoded.encoding);
            expect(encodeEdited(decoded, edits.reverse()).equals(expected)).toBe(true);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('refuses overlapping edits and edits past the end, as applyEdits does', () => {
      const decoded = decodeManifest('app.yaml', Buffer.from(YAML));
      expect(() => encodeEdited(decoded, [edit(3, 8, 'x'), edit(5, 9, 'y')])).toThrow(RangeError);
      expect(() => encodeEdited(decoded, [edit(3, YAML.length + 1, 'x')])).toThrow(RangeError);
    });

    it('refuses an edit that puts a character outside Latin-1 into a Latin-1 file', () => {
      const decoded = decodeManifest('app.yaml', Buffer.from(YAML, 'latin1'));
      expect(decoded.encoding).toBe('latin1');
      expect(() => encodeEdited(decoded, [edit(0, 5, '✓')])).toThrow(RangeError);
    });
  });
});
