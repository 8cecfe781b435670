import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { YamlSyntaxError } from '../../../src/errors.js';
import { scanManifest } from '../../../src/manifests/index.js';

const targets = [parseImageReference('ghcr.io/acme/api:1.2.0')];

function syntaxError(source: string, path = 'apps/api.yaml'): YamlSyntaxError {
  try {
    scanManifest(path, source, targets);
  } catch (error) {
    if (error instanceof YamlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a YamlSyntaxError');
}

describe('scanManifest on invalid YAML', () => {
  it('reports file, 1-based line and column of the first error', () => {
    const error = syntaxError('a: 1\nb: c: d\n');
    expect(error).toMatchObject({
      file: 'apps/api.yaml',
      line: 2,
      column: 4,
      exitCode: 1,
      code: 'E_YAML_SYNTAX',
    });
    expect(error.message).toBe('apps/api.yaml:2:4: Nested mappings are not allowed in compact mappings');
  });

  it('finds an error in a later document of a multi-document file', () => {
    const error = syntaxError('kind: A\n---\nkind: B\n---\nspec:\n  x: 1\n y: 2\n');
    expect([error.line, error.column]).toEqual([7, 1]);
  });

  it('reports the first error when there are several', () => {
    const error = syntaxError('a:\n\tb: 1\nc: [\n');
    expect([error.line, error.column]).toEqual([2, 1]);
    expect(error.message).toContain('Tabs are not allowed as indentation');
  });

  it('rejects duplicate keys, as kubectl does', () => {
    const error = syntaxError('image: ghcr.io/acme/api:1\nimage: ghcr.io/acme/api:2\n');
    expect([error.line, error.column]).toEqual([2, 1]);
  });

  it('does not count a byte order mark as a column', () => {
    expect(syntaxError('\uFEFFa: 1\nb: c: d\n').column).toBe(4);
    expect(syntaxError('\uFEFFb: c: d\n').column).toBe(4);
  });

  it('an unexpected closing bracket', () => {
    const error = syntaxError('a: 1\n]\n');
    expect([error.line, error.column]).toEqual([2, 1]);
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing\n# here\n'],
    ['empty documents', '---\n---\n...\n'],
    ['a bare scalar', 'just text\n'],
  ])('accepts %s', (_, source) => {
    expect(scanManifest('a.yaml', source, targets)).toEqual({
      edits: [],
      matched: [],
      declined: [],
      warnings: [],
    });
  });
});
