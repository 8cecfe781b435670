import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { applyEdits, scanManifest } from '../../../src/manifests/index.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;

function bump(source: string, images: string[], path = 'manifest.yaml') {
  const scan = scanManifest(path, source, images.map(parseImageReference));
  return { ...scan, output: applyEdits(source, scan.edits) };
}

describe('scanManifest', () => {
  it('describes each edit for the change list', () => {
    const source = 'spec:\n  containers:\n    - name: api\n      image: "ghcr.io/acme/api:1.0"\n';
    expect(bump(source, ['ghcr.io/acme/api:1.1']).edits).toEqual([
      {
        kind: 'image',
        repository: 'ghcr.io/acme/api',
        line: 4,
        start: source.indexOf('"'),
        end: source.lastIndexOf('"') + 1,
        oldValue: 'ghcr.io/acme/api:1.0',
        newValue: 'ghcr.io/acme/api:1.1',
        text: '"ghcr.io/acme/api:1.1"',
      },
    ]);
  });

  it('reports an inserted key on the line it will have', () => {
    const source = 'images:\n  - name: ghcr.io/acme/api\n';
    const { edits, output } = bump(source, ['ghcr.io/acme/api:2'], 'kustomization.yml');
    expect(output).toBe('images:\n  - name: ghcr.io/acme/api\n    newTag: "2"\n');
    expect(edits).toMatchObject([{ kind: 'kustomize', line: 3, oldValue: '', newValue: '2' }]);
  });

  it('matches without editing when the file is up to date', () => {
    const { edits, matched } = bump('image: nginx:1.27\n', ['docker.io/library/nginx:1.27']);
    expect(edits).toEqual([]);
    expect(matched).toEqual(['docker.io/library/nginx']);
  });

  it('rewrites an anchored value (and so its aliases) but never an alias', () => {
    const source = 'a:\n  image: &img ghcr.io/acme/api:1\nb:\n  image: *img\n';
    expect(bump(source, ['ghcr.io/acme/api:2']).output).toBe(source.replace('api:1', 'api:2'));
  });

  it('skips ConfigMap data inside a List, but not the containers beside it', () => {
    const source = [
      'kind: List',
      'items:',
      '  - kind: ConfigMap',
      '    data: {image: "ghcr.io/acme/api:1"}',
      '  - kind: Pod',
      '    spec: {containers: [{name: a, image: "ghcr.io/acme/api:1"}]}',
      '',
    ].join('\n');
    const { edits } = bump(source, ['ghcr.io/acme/api:2']);
    expect(edits.map((edit) => edit.line)).toEqual([6]);
  });

  it('lets a marker decide a value that another rule would also edit', () => {
    const source = 'image: ghcr.io/acme/api:1 # kpush:image ghcr.io/acme/other\n';
    expect(bump(source, ['ghcr.io/acme/api:2']).edits).toEqual([]);
    expect(bump(source, ['ghcr.io/acme/other:3']).output).toBe(source.replace('api:1', 'api:3'));
  });

  it('edits a value marked twice (rule and marker) only once', () => {
    const source = 'image:\n  repository: ghcr.io/acme/api\n  tag: "1" # kpush:tag ghcr.io/acme/api\n';
    const { edits, output } = bump(source, ['ghcr.io/acme/api:2']);
    expect(edits).toMatchObject([{ kind: 'marker', newValue: '2' }]);
    expect(output).toBe(source.replace('"1"', '"2"'));
  });

  it('names a marker on an alias of an unmarked anchor', () => {
    const { declined, matched } = bump('a: &x "1"\nb: *x # kpush:tag ghcr.io/acme/api\n', [
      'ghcr.io/acme/api:2',
    ]);
    expect(matched).toEqual([]);
    expect(declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 2,
        reason:
          'the value marked "# kpush:tag ghcr.io/acme/api" is the alias *x of the value at line 1, which nothing bumps: put the marker on line 1',
      },
    ]);
  });

  it('names a kpush:image marker on a value that is not a reference', () => {
    const { declined, edits, warnings } = bump('ref: "not a ref" # kpush:image ghcr.io/acme/api\n', [
      'ghcr.io/acme/api:2',
    ]);
    expect(edits).toEqual([]);
    expect(warnings).toEqual([]);
    expect(declined).toHaveLength(1);
    expect(declined[0]?.reason).toMatch(
      /^the value marked "# kpush:image ghcr.io\/acme\/api" is not an image reference/,
    );
  });

  it('writes a value into an empty marked key without touching the comment', () => {
    expect(bump('tag:    # kpush:tag ghcr.io/acme/api\n', ['ghcr.io/acme/api:v2']).output).toBe(
      'tag:    v2 # kpush:tag ghcr.io/acme/api\n',
    );
  });

  it('finds the last line even without a trailing line break', () => {
    expect(bump('image: ghcr.io/acme/api:1', ['ghcr.io/acme/api:2']).output).toBe(
      'image: ghcr.io/acme/api:2',
    );
    expect(
      bump('image:\n  repository: ghcr.io/acme/api\n  tag: "1"', [`ghcr.io/acme/api:2@${DIGEST}`]).output,
    ).toBe(`image:\n  repository: ghcr.io/acme/api\n  tag: "2"\n  digest: ${DIGEST}`);
  });

  describe('combining the conventions', () => {
    it('lists matched repositories sorted and declined references by line', () => {
      const source = [
        'a: &v "1.0"',
        'b: *v # kpush:tag ghcr.io/acme/api',
        'image:',
        '  repository: ghcr.io/acme/api',
        '  tag: [1]',
        'x: [1] # kpush:tag ghcr.io/acme/api',
        'web:',
        '  image: ghcr.io/acme/web:1',
        'db:',
        '  image: docker.io/bitnami/db:1',
        '',
      ].join('\n');
      const { declined, matched, edits } = bump(source, [
        'ghcr.io/acme/web:2',
        'ghcr.io/acme/api:2',
        'bitnami/db:2',
      ]);
      expect(declined.map((reference) => reference.line)).toEqual([2, 5, 6]);
      expect(declined[0]?.reason).toMatch(/alias \*v of the value at line 1/);
      expect(matched).toEqual(['docker.io/bitnami/db', 'ghcr.io/acme/api', 'ghcr.io/acme/web']);
      expect(edits.map((edit) => edit.line)).toEqual([8, 10]);
    });

    it('puts the edits of every convention in source order', () => {
      const source = [
        'image:',
        '  repository: ghcr.io/acme/api',
        '  tag: v1',
        'spec:',
        '  image: ghcr.io/acme/api:v1',
        'pinned: v1 # kpush:tag ghcr.io/acme/api',
        '',
      ].join('\n');
      const { edits, output } = bump(source, ['ghcr.io/acme/api:v2']);
      expect(edits.map((edit) => [edit.kind, edit.line])).toEqual([
        ['helm-values', 3],
        ['image', 5],
        ['marker', 6],
      ]);
      expect(output).toBe(source.replaceAll('v1', 'v2'));
    });

    it('keeps two insertions at one offset and drops an edit overlapping an earlier one', () => {
      const path = 'kustomization.yaml';
      const inserted = bump('images:\n- name: ghcr.io/acme/api\n', [`ghcr.io/acme/api:v2@${DIGEST}`], path);
      expect(inserted.output).toBe(`images:\n- name: ghcr.io/acme/api\n  newTag: v2\n  digest: ${DIGEST}\n`);
      expect(inserted.edits.map((edit) => [edit.start, edit.end])).toEqual([
        [32, 32],
        [32, 32],
      ]);
      // The marker rewrites the digest's value; removing its line as well would overlap.
      const marked = `images:\n- name: ghcr.io/acme/api\n  digest: ${OLD_DIGEST} # kpush:tag ghcr.io/acme/api\n`;
      const { edits, output } = bump(marked, ['ghcr.io/acme/api:v2'], path);
      expect(edits.map((edit) => edit.kind)).toEqual(['kustomize', 'marker']);
      expect(output).toBe(
        'images:\n- name: ghcr.io/acme/api\n  newTag: v2\n  digest: v2 # kpush:tag ghcr.io/acme/api\n',
      );
    });

    it('accepts an alias only when its own anchor is bumped to the same value for the same repository', () => {
      const declinedLines = (source: string, images: string[]) =>
        bump(source, images).declined.map((reference) => [reference.repository, reference.line]);
      // Another repository bumps the anchor to the same value.
      expect(
        declinedLines('a: &v "1.0" # kpush:tag ghcr.io/acme/api\nb: *v # kpush:tag ghcr.io/acme/web\n', [
          'ghcr.io/acme/api:2.0',
          'ghcr.io/acme/web:2.0',
        ]),
      ).toEqual([['ghcr.io/acme/web', 2]]);
      // The same repository bumps the anchor, but to another value.
      expect(
        declinedLines(
          'a: &v ghcr.io/acme/api:1 # kpush:image ghcr.io/acme/api\nb: *v # kpush:tag ghcr.io/acme/api\n',
          ['ghcr.io/acme/api:2'],
        ),
      ).toEqual([['ghcr.io/acme/api', 2]]);
      // Another anchor is bumped to that value.
      expect(
        declinedLines(
          'a: &v "1.0" # kpush:tag ghcr.io/acme/api\nc: &w "1.0"\nb: *w # kpush:tag ghcr.io/acme/api\n',
          ['ghcr.io/acme/api:2.0'],
        ),
      ).toEqual([['ghcr.io/acme/api', 3]]);
      // Its own anchor, same value, same repository.
      expect(
        declinedLines('a: &v "1.0" # kpush:tag ghcr.io/acme/api\nb: *v # kpush:tag ghcr.io/acme/api\n', [
          'ghcr.io/acme/api:2.0',
        ]),
      ).toEqual([]);
    });

    it('finds a requested image in any document, skipped or not', () => {
      const source = [
        'kind: ConfigMap',
        'data:',
        '  note: nothing here',
        '---',
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'spec:',
        '  image: ghcr.io/acme/api:1',
        '---',
        'kind: Pod',
        'spec:',
        '  containers:',
        '    - image: GHCR.io/acme/api:1',
        '    - image: nginx:1',
        '    - image: docker.io/library/redis:1',
        '    - image: quay.io/acme/api:1',
        '---',
        'images:',
        '  - name: ghcr.io/acme/api',
        '',
      ].join('\n');
      const images = ['ghcr.io/acme/api:2', 'docker.io/library/nginx:2', 'redis:2'];
      expect(bump(source, images).output).toBe(
        source
          .replace('GHCR.io/acme/api:1', 'GHCR.io/acme/api:2')
          .replace('nginx:1', 'nginx:2')
          .replace('redis:1', 'redis:2'),
      );
      expect(bump(source, images, 'kustomization.yaml').output).toBe(
        bump(source, images).output.replace(
          '- name: ghcr.io/acme/api\n',
          '- name: ghcr.io/acme/api\n    newTag: "2"\n',
        ),
      );
    });
  });

  describe('kustomization images', () => {
    const path = 'overlays/prod/kustomization.yaml';

    it('removes a stale digest on the last line of a file without a trailing line break', () => {
      const source = `images:\n- name: ghcr.io/acme/api\n  newTag: "1"\n  digest: ${OLD_DIGEST}`;
      expect(bump(source, ['ghcr.io/acme/api:2'], path).output).toBe(
        'images:\n- name: ghcr.io/acme/api\n  newTag: "2"',
      );
    });

    it('removes a stale first key of a flow entry', () => {
      const source = `images: [{digest: ${OLD_DIGEST}, name: ghcr.io/acme/api}]\n`;
      expect(bump(source, ['ghcr.io/acme/api:2'], path).output).toBe(
        'images: [{name: ghcr.io/acme/api, newTag: "2"}]\n',
      );
    });

    it('keeps comments around a removed key', () => {
      const source = `images:\n  - name: ghcr.io/acme/api # api\n    # pinned\n    newTag: v1 # tag\n    # end\n`;
      expect(bump(source, [`ghcr.io/acme/api@${DIGEST}`], path).output).toBe(
        `images:\n  - name: ghcr.io/acme/api # api\n    digest: ${DIGEST}\n    # pinned\n    # end\n`,
      );
    });

    it('leaves an empty digest key alone when the request has none', () => {
      const source = 'images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n    digest: ""\n';
      expect(bump(source, ['ghcr.io/acme/api:v2'], path).output).toBe(source.replace('v1', 'v2'));
    });

    it('matches the image that newName deploys, not the placeholder name', () => {
      const source = 'images:\n  - name: api\n    newName: ghcr.io/acme/api\n    newTag: v1\n';
      expect(bump(source, ['ghcr.io/acme/api:v2'], path).output).toBe(source.replace('v1', 'v2'));
      expect(bump(source, ['docker.io/library/api:v2'], path).matched).toEqual([]);
    });
  });

  describe('helm values', () => {
    it('prefixes a non-empty registry and ignores an empty one', () => {
      const source =
        'a:\n  registry: "ghcr.io/"\n  repository: acme/api\n  tag: v1\nb:\n  registry: ""\n  repository: acme/api\n  tag: v1\n';
      const { edits } = bump(source, ['ghcr.io/acme/api:v2']);
      expect(edits.map((edit) => edit.line)).toEqual([4]);
      expect(bump(source, ['docker.io/acme/api:v2']).edits.map((edit) => edit.line)).toEqual([8]);
    });

    it('leaves the tag alone for a digest-only request', () => {
      const source = 'image:\n  repository: ghcr.io/acme/api\n  tag: v1\n  digest: ""\n';
      expect(bump(source, [`ghcr.io/acme/api@${DIGEST}`]).output).toBe(source.replace('""', `"${DIGEST}"`));
    });
  });
});
