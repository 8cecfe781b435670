import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { applyEdits, scanManifest } from '../../../src/manifests/index.js';
import { isKustomizationFile } from '../../../src/manifests/kustomization.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;
const PATH = 'overlays/prod/kustomization.yaml';

function bump(source: string, images: string[], path = PATH) {
  const scan = scanManifest(path, source, images.map(parseImageReference));
  return { ...scan, output: applyEdits(source, scan.edits) };
}

describe('isKustomizationFile', () => {
  it.each([
    'kustomization.yaml',
    'kustomization.yml',
    'Kustomization',
    'a/b/kustomization.yml',
    'x/Kustomization',
  ])('reads %s', (path) => {
    expect(isKustomizationFile(path)).toBe(true);
  });

  it.each([
    'kustomization.json',
    'my-kustomization.yaml',
    'kustomization.yaml/values.yaml',
    'Kustomization.yaml',
    '',
  ])('ignores %s', (path) => {
    expect(isKustomizationFile(path)).toBe(false);
  });

  it('leaves an `images:` list in any other file to the other rules', () => {
    const source = 'images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n';
    expect(bump(source, ['ghcr.io/acme/api:v2'], 'overlays/prod/images.yaml')).toMatchObject({
      edits: [],
      matched: [],
    });
    expect(bump(source, ['ghcr.io/acme/api:v2'], 'Kustomization').output).toBe(source.replace('v1', 'v2'));
  });
});

describe('kustomization images', () => {
  it.each([
    ['no images', 'resources:\n  - a.yaml\n'],
    ['an empty images key', 'images:\n'],
    ['images that are a mapping', 'images:\n  name: ghcr.io/acme/api\n  newTag: v1\n'],
    ['entries that are strings', 'images:\n  - ghcr.io/acme/api:v1\n'],
    ['an entry without a name', 'images:\n  - newTag: v1\n'],
    ['an entry whose name is not a string', 'images:\n  - name: [ghcr.io/acme/api]\n    newName: x\n'],
    ['a root that is a list', '- images:\n  - name: ghcr.io/acme/api\n'],
  ])('finds nothing in %s', (_, source) => {
    expect(bump(source, ['ghcr.io/acme/api:v2'])).toMatchObject({ edits: [], matched: [], declined: [] });
  });

  it('bumps entries in every document', () => {
    const source =
      'images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n---\nimages:\n  - name: nginx\n    newTag: v1\n';
    expect(bump(source, ['ghcr.io/acme/api:v2', 'nginx:v3']).output).toBe(
      'images:\n  - name: ghcr.io/acme/api\n    newTag: v2\n---\nimages:\n  - name: nginx\n    newTag: v3\n',
    );
  });

  it('names the line of `name` when newName deploys another image', () => {
    const source = 'images:\n  - newName: registry.internal/api\n    name: ghcr.io/acme/api\n';
    expect(bump(source, ['ghcr.io/acme/api:v2']).declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 3,
        reason:
          'images entry "name: ghcr.io/acme/api" has "newName: registry.internal/api", so kustomize deploys registry.internal/api instead; bump registry.internal/api, or remove newName',
      },
    ]);
  });

  it('records a removed digest with its old value', () => {
    const source = `images:\n  - name: ghcr.io/acme/api\n    newTag: v2\n    digest: ${OLD_DIGEST}\n`;
    const { edits, output } = bump(source, ['ghcr.io/acme/api:v2']);
    expect(output).toBe('images:\n  - name: ghcr.io/acme/api\n    newTag: v2\n');
    expect(edits).toEqual([
      {
        kind: 'kustomize',
        repository: 'ghcr.io/acme/api',
        line: 4,
        start: source.indexOf('    digest'),
        end: source.length,
        oldValue: OLD_DIGEST,
        newValue: '',
        text: '',
      },
    ]);
  });

  it('removes a stale digest that is not a scalar', () => {
    const source = 'images:\n  - name: ghcr.io/acme/api\n    digest: [x]\n    newTag: v1\n';
    const { edits, output } = bump(source, ['ghcr.io/acme/api:v2']);
    expect(output).toBe('images:\n  - name: ghcr.io/acme/api\n    newTag: v2\n');
    expect(edits.map((edit) => [edit.oldValue, edit.newValue])).toEqual([
      ['', ''],
      ['v1', 'v2'],
    ]);
  });

  it('removes a stale newTag for a digest-only request and puts the digest after the name', () => {
    const source = 'images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n';
    expect(bump(source, [`ghcr.io/acme/api@${DIGEST}`]).output).toBe(
      `images:\n  - name: ghcr.io/acme/api\n    digest: ${DIGEST}\n`,
    );
  });

  it('puts a new digest after newTag, or after newName', () => {
    const source = 'images:\n  - name: api\n    newName: ghcr.io/acme/api\n    newTag: v1\n    x: 1\n';
    expect(bump(source, [`ghcr.io/acme/api:v2@${DIGEST}`]).output).toBe(
      `images:\n  - name: api\n    newName: ghcr.io/acme/api\n    newTag: v2\n    digest: ${DIGEST}\n    x: 1\n`,
    );
    const noTag = 'images:\n  - newName: ghcr.io/acme/api\n    name: api\n';
    expect(bump(noTag, [`ghcr.io/acme/api@${DIGEST}`]).output).toBe(
      `images:\n  - newName: ghcr.io/acme/api\n    digest: ${DIGEST}\n    name: api\n`,
    );
  });

  it('names a newTag that is not a scalar and inserts the digest after it', () => {
    const source = 'images:\n  - name: ghcr.io/acme/api\n    newTag: [v1]\n';
    const { declined, output } = bump(source, [`ghcr.io/acme/api:v2@${DIGEST}`]);
    expect(declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 3,
        reason: '"newTag" is not a plain or quoted scalar; kpush cannot rewrite it',
      },
    ]);
    expect(output).toBe(`${source}    digest: ${DIGEST}\n`);
  });

  it.each([
    ['empty', 'tagSuffix: ""'],
    ['not a string', 'tagSuffix: [a]'],
    ['missing', 'x: 1'],
  ])('warns about no tagSuffix that is %s', (_, line) => {
    const source = `images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n    ${line}\n`;
    expect(bump(source, ['ghcr.io/acme/api:v2']).warnings).toEqual([]);
  });

  it('warns about a tagSuffix with its line', () => {
    const source = 'images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n    tagSuffix: "-x"\n';
    expect(bump(source, ['ghcr.io/acme/api:v2']).warnings).toEqual([
      'line 4: "tagSuffix: -x" no longer applies: kustomize ignores tagSuffix once newTag or digest is set',
    ]);
  });
});
