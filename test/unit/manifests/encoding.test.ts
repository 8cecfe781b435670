import { describe, expect, it } from 'vitest';
import { KpushError } from '../../../src/errors.js';
import { decodeManifest, encodeManifest } from '../../../src/manifests/index.js';

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
  });

  it('reads a Uint8Array view at an offset as its own bytes only', () => {
    const backing = Buffer.from(`xx${YAML}yy`, 'utf8');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, Buffer.byteLength(YAML));
    expect(decodeManifest('app.yaml', view)).toEqual({ text: YAML, encoding: 'utf8' });
  });

  it('refuses to put a character outside Latin-1 into a Latin-1 file', () => {
    expect(() => encodeManifest('tag: ✓\n', 'latin1')).toThrow(RangeError);
    expect(encodeManifest('tag: ÿ\n', 'latin1')).toEqual(
      Buffer.from([0x74, 0x61, 0x67, 0x3a, 0x20, 0xff, 0x0a]),
    );
  });
  it('keeps a UTF-8 byte order mark in the text', () => {
    expect(decodeManifest('app.yaml', Buffer.from('\ufeffa: 1\n', 'utf8'))).toEqual({
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
    expect(decodeManifest('app.yaml', Buffer.from(bytes))).toEqual({ text, encoding: 'latin1' });
  });

  it('tells UTF-16BE from UTF-16LE by the order of the mark', () => {
    expect(decodeManifest('app.yaml', Buffer.from([0xfe, 0xff, 0, 0x61]))).toEqual({
      text: '\ufeffa',
      encoding: 'utf16be',
    });
    expect(decodeManifest('app.yaml', Buffer.from([0xff, 0xfe, 0x61, 0]))).toEqual({
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
});
