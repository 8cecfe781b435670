import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { applyEdits, scanManifest } from '../../../src/manifests/index.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'c'.repeat(128)}`;

function bump(source: string, images: string[], path = 'values.yaml') {
  const scan = scanManifest(path, source, images.map(parseImageReference));
  return { ...scan, output: applyEdits(source, scan.edits) };
}

describe('Helm values: the repository', () => {
  it('joins a registry with trailing slashes to the repository', () => {
    const source = 'image:\n  registry: ghcr.io//\n  repository: acme/api\n  tag: v1\n';
    expect(bump(source, ['ghcr.io/acme/api:v2']).output).toBe(source.replace('v1', 'v2'));
    expect(bump(source, ['acme/api:v2']).matched).toEqual([]);
  });

  it('takes `image: repo` without tag or digest as the repository', () => {
    const source = 'image: registry.k8s.io/ingress-nginx/controller\ntag: v1\n';
    expect(bump(source, ['registry.k8s.io/ingress-nginx/controller:v2']).output).toBe(
      source.replace('v1', 'v2'),
    );
  });

  it('leaves `image: repo:tag` beside a tag to the image rule', () => {
    const source = 'image: nginx:12\ntag: v1\n';
    const { edits, output } = bump(source, ['nginx:13']);
    expect(output).toBe('image: nginx:13\ntag: v1\n');
    expect(edits.map((edit) => edit.kind)).toEqual(['image']);
    const pinned = `image: nginx@${OLD_DIGEST}\ntag: v1\n`;
    expect(bump(pinned, ['nginx:13']).edits.map((edit) => edit.kind)).toEqual(['image']);
  });

  it('needs a repository beside the registry', () => {
    const source = 'image: # null\n  registry: ghcr.io\n  tag: v1\n';
    expect(bump(source, ['ghcr.io/null:v2'])).toMatchObject({ edits: [], matched: [] });
  });

  it('names a tag that is not a scalar on the line of its value', () => {
    const source = 'image:\n  repository: ghcr.io/acme/api\n  tag:\n    - v1\n';
    expect(bump(source, ['ghcr.io/acme/api:v2']).declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 4,
        reason: '"tag" is not a plain or quoted scalar; kpush cannot rewrite it',
      },
    ]);
  });

  it('needs a tag beside the repository', () => {
    const source = 'image:\n  repository: ghcr.io/acme/api\n  version: v1\n';
    expect(bump(source, ['ghcr.io/acme/api:v2'])).toMatchObject({ edits: [], matched: [], declined: [] });
  });
});

describe('Helm values: digests', () => {
  const base = 'image:\n  repository: ghcr.io/acme/api\n  tag: v1\n';

  it('inserts a digest after the tag, recording the change', () => {
    const { edits, output } = bump(`${base}  pullPolicy: Always\n`, [`ghcr.io/acme/api:v2@${DIGEST}`]);
    expect(output).toBe(
      `image:\n  repository: ghcr.io/acme/api\n  tag: v2\n  digest: ${DIGEST}\n  pullPolicy: Always\n`,
    );
    expect(edits[1]).toEqual({
      kind: 'helm-values',
      repository: 'ghcr.io/acme/api',
      line: 4,
      start: base.length - 1,
      end: base.length - 1,
      oldValue: '',
      newValue: DIGEST,
      text: `\n  digest: ${DIGEST}`,
    });
  });

  it('inserts a digest for a digest-only request, leaving the tag', () => {
    const { output, matched } = bump(base, [`ghcr.io/acme/api@${DIGEST}`]);
    expect(output).toBe(`${base}  digest: ${DIGEST}\n`);
    expect(matched).toEqual(['ghcr.io/acme/api']);
  });

  it('adds no digest key for a tag-only request', () => {
    expect(bump(base, ['ghcr.io/acme/api:v2']).output).toBe(base.replace('v1', 'v2'));
  });

  it('names a mapping whose tag is inherited and that has no digest key', () => {
    const source = 'base: &b\n  tag: v2\nimage:\n  <<: *b\n  repository: ghcr.io/acme/api\n';
    const { edits, declined } = bump(source, [`ghcr.io/acme/api:v2@${DIGEST}`]);
    expect(edits).toEqual([]);
    expect(declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 4,
        reason: `this mapping has no "digest" key for ${DIGEST}; add one`,
      },
    ]);
  });

  it.each([
    ['an empty string', '""'],
    ['an empty value', ''],
    ['null', '~'],
    ['null', 'null'],
  ])('leaves a digest that is already %s alone', (_, empty) => {
    const source = `${base}  digest:${empty ? ` ${empty}` : ''}\n`;
    expect(bump(source, ['ghcr.io/acme/api:v2']).output).toBe(source.replace('v1', 'v2'));
  });

  it.each([[OLD_DIGEST], ['none']])('empties a stale digest %s', (stale) => {
    const source = `${base}  digest: ${stale}\n`;
    const { output, edits } = bump(source, ['ghcr.io/acme/api:v2']);
    expect(output).toBe(`${base.replace('v1', 'v2')}  digest: ""\n`);
    expect(edits[1]).toMatchObject({ oldValue: stale, newValue: '' });
  });

  it('names a digest that is not a scalar', () => {
    const { declined, output } = bump(`${base}  digest: [x]\n`, ['ghcr.io/acme/api:v2']);
    expect(output).toBe(`${base.replace('v1', 'v2')}  digest: [x]\n`);
    expect(declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 4,
        reason: '"digest" is not a plain or quoted scalar; kpush cannot rewrite it',
      },
    ]);
  });
});

describe('Helm values: sha and digestChroot pins', () => {
  const sha = (value: string) =>
    `image:\n  repository: quay.io/prometheus/alertmanager\n  tag: v1\n  sha: ${value}\n`;

  it('refuses to put a sha512 digest into `sha`', () => {
    const { declined, output } = bump(sha(`"${'a'.repeat(64)}"`), [
      `quay.io/prometheus/alertmanager:v2@${SHA512}`,
    ]);
    expect(output).toBe(sha(`"${'a'.repeat(64)}"`).replace('v1', 'v2'));
    expect(declined).toEqual([
      {
        repository: 'quay.io/prometheus/alertmanager',
        line: 4,
        reason: '"sha" holds a sha256 digest; a sha512 digest cannot go there',
      },
    ]);
  });

  it('leaves an empty `sha` alone for a tag-only request', () => {
    expect(bump(sha('""'), ['quay.io/prometheus/alertmanager:v2']).edits).toHaveLength(1);
  });

  it('keeps digestChroot when nothing else in the mapping changes', () => {
    const source = `image:\n  repository: ghcr.io/acme/api\n  tag: v2\n  digestChroot: ${OLD_DIGEST}\n`;
    expect(bump(source, ['ghcr.io/acme/api:v2'])).toMatchObject({
      edits: [],
      declined: [],
      matched: ['ghcr.io/acme/api'],
    });
    // Quoting a tag that is already a string changes nothing either.
    const quoted = source.replace('v2', '"2"');
    expect(bump(quoted, ['ghcr.io/acme/api:2']).edits).toEqual([]);
  });

  it('empties digestChroot once the tag changes', () => {
    const source = `image:\n  repository: ghcr.io/acme/api\n  tag: v1\n  digestChroot: ${OLD_DIGEST}\n`;
    expect(bump(source, ['ghcr.io/acme/api:v2']).output).toBe(
      'image:\n  repository: ghcr.io/acme/api\n  tag: v2\n  digestChroot: ""\n',
    );
  });

  it('keeps digestChroot for a digest-only request when the digest already holds it', () => {
    const source = `image:\n  repository: ghcr.io/acme/api\n  tag: 1.0\n  digest: ${DIGEST}\n  digestChroot: ${OLD_DIGEST}\n`;
    // The tag is left alone for a digest-only request, so its number-like spelling does not count.
    expect(bump(source, [`ghcr.io/acme/api@${DIGEST}`]).edits).toEqual([]);
  });
});

describe('Helm values: a plain tag that YAML 1.1 reads as something else', () => {
  it('is quoted, and the chroot digest pin is emptied, since what Helm renders changes', () => {
    for (const tag of ['On', 'yes', '2024-01-01']) {
      const source = `controller:\n  image:\n    repository: ingress-nginx/controller\n    tag: ${tag}\n    digestChroot: ${OLD_DIGEST}\n`;
      expect(bump(source, [`ingress-nginx/controller:${tag}`]).output, tag).toBe(
        `controller:\n  image:\n    repository: ingress-nginx/controller\n    tag: "${tag}"\n    digestChroot: ""\n`,
      );
    }
  });

  it('quoted already, it is left as it is with its pin', () => {
    const source = `image:\n  repository: ingress-nginx/controller\n  tag: "On"\n  digestChroot: ${OLD_DIGEST}\n`;
    expect(bump(source, ['ingress-nginx/controller:On']).output).toBe(source);
  });
});
