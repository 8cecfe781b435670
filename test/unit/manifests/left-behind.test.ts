import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { applyEdits, scanManifest } from '../../../src/manifests/index.js';

/**
 * The invariant: every place that references a requested repository is either rewritten or
 * named in `declined` with a reason; nothing is left behind silently.
 */
const DIGEST = `sha256:${'b'.repeat(64)}`;
const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;

function bump(source: string, images: string[], path = 'manifest.yaml') {
  const scan = scanManifest(path, source, images.map(parseImageReference));
  return { ...scan, output: applyEdits(source, scan.edits) };
}

describe('aliases and merge keys', () => {
  it('names a marked alias whose anchor nothing bumps', () => {
    const source = 'versions:\n  api: &ver "1.0"\napp:\n  tag: *ver # kpush:tag ghcr.io/acme/api\n';
    const { edits, declined, matched } = bump(source, ['ghcr.io/acme/api:2.0']);
    expect(edits).toEqual([]);
    expect(matched).toEqual([]);
    expect(declined).toEqual([
      {
        repository: 'ghcr.io/acme/api',
        line: 4,
        reason: expect.stringMatching(/alias \*ver of the value at line 2.*marker/),
      },
    ]);
  });

  it('accepts an alias whose anchor is bumped to the same value', () => {
    const source = 'a: &ver "1.0" # kpush:tag ghcr.io/acme/api\nb: *ver # kpush:tag ghcr.io/acme/api\n';
    const { output, declined, matched } = bump(source, ['ghcr.io/acme/api:2.0']);
    expect(output).toBe(source.replace('"1.0"', '"2.0"'));
    expect(declined).toEqual([]);
    expect(matched).toEqual(['ghcr.io/acme/api']);
  });

  it('names an `image: *alias` whose anchor is not an image field', () => {
    const source = 'x-image: &img ghcr.io/acme/api:1\nspec:\n  containers:\n    - image: *img\n';
    const { edits, declined } = bump(source, ['ghcr.io/acme/api:2']);
    expect(edits).toEqual([]);
    expect(declined).toMatchObject([{ line: 4, reason: expect.stringMatching(/alias \*img .* line 1/) }]);
  });

  it('follows a merge key to the repository of a {repository, tag} map', () => {
    const source = 'base: &app\n  repository: ghcr.io/acme/api\nimage:\n  <<: *app\n  tag: "1.0"\n';
    const { output, declined, matched } = bump(source, ['ghcr.io/acme/api:2.0']);
    expect(output).toBe(source.replace('"1.0"', '"2.0"'));
    expect(declined).toEqual([]);
    expect(matched).toEqual(['ghcr.io/acme/api']);
  });

  it('names a tag inherited through a merge key from a map nothing bumps', () => {
    const source = 'base: &app\n  tag: "1.0"\nimage:\n  <<: *app\n  repository: ghcr.io/acme/api\n';
    const { edits, declined } = bump(source, ['ghcr.io/acme/api:2.0']);
    expect(edits).toEqual([]);
    expect(declined).toMatchObject([{ line: 2, reason: expect.stringMatching(/merge key.*line 4/) }]);
  });

  it('accepts a merged map whose anchor is itself bumped', () => {
    const source =
      'base: &app\n  repository: ghcr.io/acme/api\n  tag: "1.0"\nprod:\n  image:\n    <<: *app\n    pullPolicy: Always\n';
    const { output, declined } = bump(source, ['ghcr.io/acme/api:2.0']);
    expect(output).toBe(source.replace('"1.0"', '"2.0"'));
    expect(declined).toEqual([]);
  });
});

describe('references that are not valid OCI references', () => {
  it.each([
    ['a digest of the wrong length', `nginx@sha256:${'1'.repeat(18)}`, 'nginx:1.27'],
    ['an upper-case digest', `nginx@sha256:${'A'.repeat(64)}`, 'nginx:1.27'],
    ['a non-OCI tag', 'nginx:{GENERATED_TAG}', 'nginx:1.27'],
  ])('rewrites %s', (_, value, expected) => {
    const { output, declined, matched } = bump(`image: ${value}\n`, ['nginx:1.27']);
    expect(output).toBe(`image: ${expected}\n`);
    expect(declined).toEqual([]);
    expect(matched).toEqual(['docker.io/library/nginx']);
  });

  it('names a marked value that is not a reference', () => {
    const { declined } = bump('ref: "not a ref" # kpush:image ghcr.io/acme/api\n', ['ghcr.io/acme/api:2']);
    expect(declined).toMatchObject([{ line: 1, reason: expect.stringMatching(/not an image reference/) }]);
  });

  it('names a tag that is not a scalar', () => {
    const { declined } = bump('image:\n  repository: ghcr.io/acme/api\n  tag: [1]\n', ['ghcr.io/acme/api:2']);
    expect(declined).toMatchObject([{ line: 3, reason: expect.stringMatching(/"tag" is not a plain/) }]);
  });
});

describe('places beside containers', () => {
  it('bumps an image volume (volumes[].image.reference)', () => {
    const source = [
      'kind: Pod',
      'spec:',
      '  containers:',
      '    - image: ghcr.io/acme/api:1',
      '  volumes:',
      '    - name: data',
      '      image:',
      '        reference: ghcr.io/acme/api:1',
      '        pullPolicy: IfNotPresent',
      '',
    ].join('\n');
    const { output } = bump(source, ['ghcr.io/acme/api:2']);
    expect(output).toBe(source.replaceAll('api:1', 'api:2'));
  });

  it('never rewrites image fields inside a CustomResourceDefinition', () => {
    const source = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'spec:',
      '  versions:',
      '    - schema:',
      '        openAPIV3Schema:',
      '          properties:',
      '            spec:',
      '              default:',
      '                image: ghcr.io/acme/api:1',
      '',
    ].join('\n');
    const { edits, matched } = bump(source, ['ghcr.io/acme/api:2']);
    expect(edits).toEqual([]);
    expect(matched).toEqual([]);
  });
});

describe('chart layouts', () => {
  it('bumps the tag beside `image: repo` (a chart convention)', () => {
    const { output, declined, warnings } = bump('image: ghcr.io/acme/api\ntag: "1.0"\n', [
      'ghcr.io/acme/api:2',
    ]);
    expect(output).toBe('image: ghcr.io/acme/api\ntag: "2"\n');
    expect(declined).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('bumps ingress-nginx {registry, image, tag, digest} and drops its stale digests', () => {
    const source = [
      'controller:',
      '  image:',
      '    registry: registry.k8s.io',
      '    image: ingress-nginx/controller',
      '    tag: "v1.15.1"',
      `    digest: ${OLD_DIGEST}`,
      `    digestChroot: ${OLD_DIGEST}`,
      '',
    ].join('\n');
    expect(bump(source, ['registry.k8s.io/ingress-nginx/controller:v1.16.0']).output).toBe(
      source.replace('v1.15.1', 'v1.16.0').replaceAll(OLD_DIGEST, '""'),
    );
    expect(bump(source, [`registry.k8s.io/ingress-nginx/controller:v1.16.0@${DIGEST}`]).output).toBe(
      source.replace('v1.15.1', 'v1.16.0').replace(OLD_DIGEST, DIGEST).replace(OLD_DIGEST, '""'),
    );
  });

  it('drops the chroot digest when only the quoting changes what a number-like tag renders as', () => {
    const source = `image:\n  repository: ingress-nginx/controller\n  tag: 1e3\n  digestChroot: ${OLD_DIGEST}\n`;
    // `1e3` read as YAML is the number 1000; the requested tag is the string "1e3".
    expect(bump(source, ['ingress-nginx/controller:1e3']).output).toBe(
      `image:\n  repository: ingress-nginx/controller\n  tag: "1e3"\n  digestChroot: ""\n`,
    );
  });

  it("updates or clears kube-prometheus-stack's pinned `sha:`", () => {
    const source = `image:\n  registry: quay.io\n  repository: prometheus/alertmanager\n  tag: v0.34.0\n  sha: "${'a'.repeat(64)}"\n`;
    expect(bump(source, ['quay.io/prometheus/alertmanager:v0.35.0']).output).toBe(
      source.replace('v0.34.0', 'v0.35.0').replace(`"${'a'.repeat(64)}"`, '""'),
    );
    expect(bump(source, [`quay.io/prometheus/alertmanager:v0.35.0@${DIGEST}`]).output).toBe(
      source.replace('v0.34.0', 'v0.35.0').replace('a'.repeat(64), 'b'.repeat(64)),
    );
  });
});

describe('kustomization images', () => {
  const path = 'overlays/prod/kustomization.yaml';

  it('names an entry whose name is the image but whose newName deploys another', () => {
    const source =
      'images:\n  - name: ghcr.io/acme/api\n    newName: registry.internal/api\n    newTag: v1\n';
    const { edits, declined } = bump(source, ['ghcr.io/acme/api:v2'], path);
    expect(edits).toEqual([]);
    expect(declined).toMatchObject([
      {
        line: 2,
        reason: expect.stringMatching(/"name: ghcr.io\/acme\/api".*newName: registry.internal\/api/),
      },
    ]);
  });

  it('sets newTag beside a tagSuffix and warns that kustomize now ignores the suffix', () => {
    const source = 'images:\n- name: ghcr.io/acme/api\n  tagSuffix: -debug\n';
    const { output, warnings, declined } = bump(source, ['ghcr.io/acme/api:v2'], path);
    expect(output).toBe('images:\n- name: ghcr.io/acme/api\n  newTag: v2\n  tagSuffix: -debug\n');
    expect(declined).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^line 3: "tagSuffix: -debug" .*ignores/)]);
  });

  it('removes the last line of a file without a final newline without adding one', () => {
    const source = `images:\n- name: ghcr.io/acme/api\n  newTag: "1"\n  digest: ${OLD_DIGEST}`;
    expect(bump(source, ['ghcr.io/acme/api:2'], path).output).toBe(
      'images:\n- name: ghcr.io/acme/api\n  newTag: "2"',
    );
    const crlf = source.replaceAll('\n', '\r\n');
    expect(bump(crlf, ['ghcr.io/acme/api:2'], path).output).toBe(
      'images:\r\n- name: ghcr.io/acme/api\r\n  newTag: "2"',
    );
  });
});

describe('JSON files', () => {
  it('stays valid JSON: inserted keys and rewritten numbers are JSON strings', () => {
    const source = '{\n  "image": {\n    "repository": "ghcr.io/acme/api",\n    "tag": 16\n  }\n}\n';
    const { output } = bump(source, [`ghcr.io/acme/api:v2@${DIGEST}`], 'values.json');
    expect(JSON.parse(output)).toEqual({
      image: { repository: 'ghcr.io/acme/api', tag: 'v2', digest: DIGEST },
    });
  });

  it('writes a JSON string for an image value', () => {
    const source = '{"spec": {"containers": [{"image": "ghcr.io/acme/api:1"}]}}';
    const { output } = bump(source, ['ghcr.io/acme/api:1.10'], 'pod.json');
    expect(JSON.parse(output)).toEqual({ spec: { containers: [{ image: 'ghcr.io/acme/api:1.10' }] } });
  });
});

describe('duplicate keys in large mappings', () => {
  it("still rejects a duplicate key among thousands (the check is not yaml's quadratic one)", () => {
    const keys = Array.from({ length: 5000 }, (_, index) => `k${index}: v`);
    keys.splice(4000, 0, 'k17: again');
    expect(() => scanManifest('big.yaml', `${keys.join('\n')}\n`, [])).toThrow(/big\.yaml:4001:1: /);
    const nested = `a:\n  b: 1\n  c:\n    b: 2\n  b: 3\n`;
    expect(() => scanManifest('n.yaml', nested, [])).toThrow(/n\.yaml:5:3: /);
  });
});
