import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { applyEdits, scanManifest } from '../../../src/manifests/index.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;

function bump(source: string, images: string[], path = 'manifest.yaml') {
  const scan = scanManifest(path, source, images.map(parseImageReference));
  return { ...scan, output: applyEdits(source, scan.edits) };
}

const API = ['ghcr.io/acme/api:2'];

describe('where the rules look', () => {
  it('skips annotations and labels under metadata at any depth, but not elsewhere', () => {
    const source = [
      'metadata:',
      '  annotations:',
      '    image: ghcr.io/acme/api:1',
      '  labels:',
      '    image: ghcr.io/acme/api:1',
      '  other:',
      '    image: ghcr.io/acme/api:1',
      'spec:',
      '  annotations:',
      '    image: ghcr.io/acme/api:1',
      '  template:',
      '    metadata:',
      '      labels:',
      '        image: ghcr.io/acme/api:1',
      '',
    ].join('\n');
    expect(bump(source, API).edits.map((edit) => edit.line)).toEqual([7, 10]);
  });

  it('skips the data of ConfigMaps and Secrets only', () => {
    const data = (kind: string) =>
      `kind: ${kind}\ndata:\n  image: ghcr.io/acme/api:1\nstringData:\n  image: ghcr.io/acme/api:1\nbinaryData:\n  image: ghcr.io/acme/api:1\nspec:\n  image: ghcr.io/acme/api:1\n`;
    expect(bump(data('ConfigMap'), API).edits.map((edit) => edit.line)).toEqual([9]);
    expect(bump(data('Secret'), API).edits.map((edit) => edit.line)).toEqual([9]);
    expect(bump(data('Deployment'), API).edits.map((edit) => edit.line)).toEqual([3, 5, 7, 9]);
  });

  it('skips a CustomResourceDefinition only when it is one of apiextensions.k8s.io', () => {
    const crd = (apiVersion: string) =>
      `${apiVersion}kind: CustomResourceDefinition\nspec:\n  image: ghcr.io/acme/api:1\n`;
    expect(bump(crd('apiVersion: apiextensions.k8s.io/v1\n'), API).edits).toEqual([]);
    expect(bump(crd('apiVersion: apiextensions.k8s.io/v1beta1\n'), API).edits).toEqual([]);
    expect(bump(crd('apiVersion: example.com/v1\n'), API).edits).toHaveLength(1);
    expect(bump(crd('apiVersion: v1/apiextensions.k8s.io/\n'), API).edits).toHaveLength(1);
    expect(bump(crd(''), API).edits).toHaveLength(1);
    expect(
      bump('apiVersion: apiextensions.k8s.io/v1\nkind: Pod\nspec:\n  image: ghcr.io/acme/api:1\n', API).edits,
    ).toHaveLength(1);
  });

  it('walks under keys that are not strings', () => {
    const source = '1:\n  image: ghcr.io/acme/api:1\n? [k]\n: image: ghcr.io/acme/api:1\n';
    expect(bump(source, API).output).toBe(source.replaceAll('api:1', 'api:2'));
  });

  it('walks sequences of mappings and of sequences', () => {
    const source = 'a:\n  - - image: ghcr.io/acme/api:1\n  - image: ghcr.io/acme/api:1\n';
    expect(bump(source, API).output).toBe(source.replaceAll('api:1', 'api:2'));
  });

  it('lets markers work where the rules do not look', () => {
    const source = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  annotations:',
      '    image: ghcr.io/acme/api:1 # kpush:image ghcr.io/acme/api',
      'spec:',
      '  list:',
      '    - ghcr.io/acme/api:1 # kpush:image ghcr.io/acme/api',
      '    - [ghcr.io/acme/api:1]',
      '  empty:',
      '  ? lone',
      '',
    ].join('\n');
    expect(bump(source, API).edits.map((edit) => [edit.kind, edit.line])).toEqual([
      ['marker', 5],
      ['marker', 8],
    ]);
  });
});

describe('image fields', () => {
  it('reads `reference` only in an image volume', () => {
    const source = [
      'spec:',
      '  volumes:',
      '    - image:',
      '        reference: ghcr.io/acme/api:1',
      '    - other:',
      '        image: ghcr.io/acme/api:1',
      '        reference: ghcr.io/acme/api:1',
      '  other:',
      '    - image:',
      '        reference: ghcr.io/acme/api:1',
      '  image:',
      '    reference: ghcr.io/acme/api:1',
      'volumes:',
      '  x:',
      '    image:',
      '      reference: ghcr.io/acme/api:1',
      '',
    ].join('\n');
    expect(bump(source, API).edits.map((edit) => edit.line)).toEqual([4, 6]);
  });

  it('keeps the spelling of the name and sets the requested tag and digest', () => {
    expect(bump(`image: nginx:1.0@sha256:${'a'.repeat(64)}\n`, [`nginx:1.1@${DIGEST}`]).output).toBe(
      `image: nginx:1.1@${DIGEST}\n`,
    );
    expect(bump('image: nginx:1.0\n', [`docker.io/library/nginx@${DIGEST}`]).output).toBe(
      `image: nginx@${DIGEST}\n`,
    );
  });

  it('ignores values that are not references, and other repositories', () => {
    expect(bump('image: "not a reference"\n', API).edits).toEqual([]);
    expect(bump('image: ghcr.io/acme/web:1\n', API)).toMatchObject({ edits: [], matched: [] });
    expect(bump('image: [ghcr.io/acme/api:1]\n', API)).toMatchObject({ edits: [], matched: [] });
  });

  it('bumps a bare repository without a tag beside it', () => {
    expect(bump('image: ghcr.io/acme/api\n', API).output).toBe('image: ghcr.io/acme/api:2\n');
  });

  it('names an image inherited through a merge key', () => {
    const source = 'base: &b\n  image: ghcr.io/acme/api:1\npod:\n  <<: *b\n  name: api\n';
    const { declined, edits } = bump(source, API);
    // The anchor itself is an image field and is bumped: the merged use follows it.
    expect(edits.map((edit) => edit.line)).toEqual([2]);
    expect(declined).toEqual([]);
    const other = 'x-base: &b {ref: ghcr.io/acme/api:1}\npod:\n  <<: *b\n  image: ghcr.io/acme/api:1\n';
    expect(bump(other, API).declined).toEqual([]);
  });
});

describe('declined aliases and merged values', () => {
  it('names an aliased tag with the line of its anchor', () => {
    const source = 'versions:\n  api: &t "1"\nimage:\n  repository: ghcr.io/acme/api\n  tag: *t\n';
    expect(bump(source, API).declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 5,
        reason:
          '"tag: *t" is the alias *t of the value at line 2, which no rule bumps to 2; set the value there or replace the alias',
      },
    ]);
  });

  it('names an inherited tag at its anchor, with the line of the merge key', () => {
    const source = 'base: &b\n  tag: "1"\nimage:\n  repository: ghcr.io/acme/api\n  <<: *b\n';
    expect(bump(source, API).declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 2,
        reason:
          '"tag" is inherited through the merge key at line 5 by a mapping of ghcr.io/acme/api, and no rule bumps it here to 2; set "tag" in that mapping',
      },
    ]);
  });

  it('accepts an aliased or inherited value that already holds the request', () => {
    const alias = 'versions:\n  api: &t "2"\nimage:\n  repository: ghcr.io/acme/api\n  tag: *t\n';
    expect(bump(alias, API)).toMatchObject({ edits: [], declined: [], matched: ['ghcr.io/acme/api'] });
    const merged = 'base: &b\n  tag: "2"\nimage:\n  repository: ghcr.io/acme/api\n  <<: *b\n';
    expect(bump(merged, API)).toMatchObject({ edits: [], declined: [], matched: ['ghcr.io/acme/api'] });
  });

  it('names an inherited alias at the value it stands for', () => {
    const source = 'v: &t "1"\nbase: &b\n  tag: *t\nimage:\n  repository: ghcr.io/acme/api\n  <<: *b\n';
    expect(bump(source, API).declined).toMatchObject([
      { line: 1, reason: expect.stringMatching(/^"tag" is inherited through the merge key at line 6 /) },
    ]);
  });

  it('matches a marked alias whose anchor already holds the request', () => {
    expect(bump('a: &v "2"\nb: *v # kpush:tag ghcr.io/acme/api\n', API)).toMatchObject({
      edits: [],
      declined: [],
      matched: ['ghcr.io/acme/api'],
    });
  });

  it('names an aliased tag that is not a scalar', () => {
    const source = 'l: &l [1]\nimage:\n  repository: ghcr.io/acme/api\n  tag: *l\n';
    expect(bump(source, API).declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 4,
        reason: '"tag" is not a plain or quoted scalar; kpush cannot rewrite it',
      },
    ]);
  });

  it('leaves a value with a marker to its marker', () => {
    const source = 'image:\n  repository: ghcr.io/acme/api\n  tag: "1" # kpush:tag ghcr.io/acme/other\n';
    expect(bump(source, API)).toMatchObject({ edits: [], declined: [], matched: ['ghcr.io/acme/api'] });
  });

  it('does not touch a value that already holds the request', () => {
    expect(bump('image:\n  repository: ghcr.io/acme/api\n  tag: "2"\n', API)).toMatchObject({
      edits: [],
      matched: ['ghcr.io/acme/api'],
    });
    expect(bump('image:\n  repository: ghcr.io/acme/api\n  tag: 2\n', API).output).toBe(
      'image:\n  repository: ghcr.io/acme/api\n  tag: "2"\n',
    );
  });

  it('warns about a marker that names no repository, with its line', () => {
    expect(bump('a: 1\nb: x # kpush:image Not/A:b\n', API).warnings).toEqual([
      'line 2: "# kpush:image Not/A:b" does not name an image repository (without tag or digest); ignored',
    ]);
  });
});
