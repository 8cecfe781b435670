import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalRepositoryOf,
  formatImageReference,
  parseImageReference,
  repositoryNameBeforeBadSuffix,
  tryParseImageReference,
} from '../../src/core/image-ref.js';
import { UsageError } from '../../src/errors.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('image reference grammar', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx', null, null],
    ['nginx:1.27', 'docker.io/library/nginx', '1.27', null],
    ['library/nginx:1.27', 'docker.io/library/nginx', '1.27', null],
    ['docker.io/nginx', 'docker.io/library/nginx', null, null],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx', '1', null],
    ['acme/api:v1', 'docker.io/acme/api', 'v1', null],
    ['ghcr.io/acme/api:sha-3f1c2a9', 'ghcr.io/acme/api', 'sha-3f1c2a9', null],
    ['GHCR.IO/acme/api:1', 'ghcr.io/acme/api', '1', null],
    ['localhost:5000/acme/api:1.0', 'localhost:5000/acme/api', '1.0', null],
    ['localhost/acme/api', 'localhost/acme/api', null, null],
    ['registry.example.com:443/team/sub/api:1', 'registry.example.com:443/team/sub/api', '1', null],
    ['[::1]:5000/api:1', '[::1]:5000/api', '1', null],
    [`ghcr.io/acme/api@${DIGEST}`, 'ghcr.io/acme/api', null, DIGEST],
    [`ghcr.io/acme/api:1.2@${DIGEST}`, 'ghcr.io/acme/api', '1.2', DIGEST],
    ['ghcr.io/acme/my_api__x.y-z:1', 'ghcr.io/acme/my_api__x.y-z', '1', null],
  ])('parses %s', (text, repository, tag, digest) => {
    expect(parseImageReference(text)).toMatchObject({ repository, tag, digest });
  });

  it('keeps the name as written for formatting', () => {
    const ref = parseImageReference('nginx:1.0');
    expect(formatImageReference(ref.name, '1.1', null)).toBe('nginx:1.1');
    expect(formatImageReference('ghcr.io/acme/api', null, DIGEST)).toBe(`ghcr.io/acme/api@${DIGEST}`);
  });

  it.each([
    ['', /not a valid repository/],
    ['Acme/api:1', /not a valid repository/],
    ['acme/api:', /not a valid tag/],
    ['acme/api:-bad', /not a valid tag/],
    [`acme/api:${'x'.repeat(129)}`, /not a valid tag/],
    ['acme//api', /not a valid repository/],
    ['acme/api@sha256:abc', /64 hex/],
    ['acme/api@md5', /not a valid digest/],
    [`acme/api@sha256:${'A'.repeat(64)}`, /lowercase hex/],
    [`acme/api@md5:${'a'.repeat(32)}`, /sha256 or sha512/],
    [`acme/api@sha384:${'a'.repeat(96)}`, /sha256 or sha512/],
    [`acme/api@sha512:${'a'.repeat(64)}`, /128 hex/],
    ['https://ghcr.io/acme/api', /not a valid/],
    ['acme/api:1 extra', /not a valid tag/],
  ])('rejects %j as a usage error', (text, reason) => {
    expect(() => parseImageReference(text)).toThrow(UsageError);
    expect(() => parseImageReference(text)).toThrow(reason);
  });

  it('accepts the two OCI digest algorithms at their lengths', () => {
    expect(parseImageReference(`acme/api@sha512:${'a'.repeat(128)}`).digest).toBe(
      `sha512:${'a'.repeat(128)}`,
    );
    expect(parseImageReference(`acme/api:1@${DIGEST}`).digest).toBe(DIGEST);
  });

  it('distinguishes repositories that only share a prefix or a path', () => {
    const canonical = (text: string) => canonicalRepositoryOf(text);
    expect(canonical('acme/api')).not.toBe(canonical('acme/api-worker'));
    expect(canonical('acme/api')).not.toBe(canonical('acme/apiserver'));
    expect(canonical('acme/api')).not.toBe(canonical('localhost:5000/acme/api'));
    expect(canonical('nginx')).toBe(canonical('docker.io/library/nginx'));
    expect(canonical('nginx:1')).toBeNull();
  });
});

describe('image reference properties', () => {
  const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/);
  const domain = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('ghcr.io', 'localhost:5000', 'registry.example.com', 'quay.io:8443'),
  );
  const tag = fc.oneof(fc.constant(null), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/));
  const digest = fc.oneof(
    fc.constant(null),
    fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`),
  );

  it('round-trips every valid reference', () => {
    fc.assert(
      fc.property(
        domain,
        fc.array(component, { minLength: 1, maxLength: 4 }),
        tag,
        digest,
        (host, path, t, d) => {
          const name = [host, ...path].filter(Boolean).join('/');
          const text = formatImageReference(name, t, d);
          const parsed = tryParseImageReference(text);
          expect(parsed).not.toBeTypeOf('string');
          if (typeof parsed === 'string') return;
          expect(parsed.name).toBe(name);
          expect(parsed.tag).toBe(t);
          expect(parsed.digest).toBe(d);
          expect(formatImageReference(parsed.name, parsed.tag, parsed.digest)).toBe(text);
          expect(parsed.repository.endsWith(path.join('/'))).toBe(true);
        },
      ),
    );
  });

  it('never throws on arbitrary text: it parses or gives a reason', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const parsed = tryParseImageReference(text);
        expect(typeof parsed === 'string' || typeof parsed.repository === 'string').toBe(true);
      }),
    );
  });
});

describe('image reference limits and forms', () => {
  it('takes a repository name of up to 255 characters', () => {
    const name = (length: number) => `ghcr.io/${'a'.repeat(length - 8)}`;
    expect(tryParseImageReference(`${name(255)}:1`)).toMatchObject({ repository: name(255), tag: '1' });
    expect(tryParseImageReference(`${name(256)}:1`)).toBe('repository name is longer than 255 characters');
  });

  it('ignores white space around a reference given by the user', () => {
    expect(parseImageReference('  nginx:1.27\n')).toEqual({
      name: 'nginx',
      repository: 'docker.io/library/nginx',
      tag: '1.27',
      digest: null,
    });
  });

  it('says what a valid reference looks like', () => {
    let error: unknown;
    try {
      parseImageReference('acme/api:');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      message: expect.stringMatching(/^invalid image reference "acme\/api:": /),
      hint: 'Use repo:tag, repo@sha256:<64 hex> or repo:tag@sha256:<64 hex>, e.g. ghcr.io/acme/api:1.4.2.',
    });
  });

  it('reads a bracketed first component as a registry', () => {
    expect(tryParseImageReference('[abcd]/api:1')).toMatchObject({ repository: '[abcd]/api', tag: '1' });
  });

  it('has no canonical repository for text that is not a bare name', () => {
    expect(canonicalRepositoryOf('Acme/API')).toBeNull();
    expect(canonicalRepositoryOf(`nginx@${DIGEST}`)).toBeNull();
    expect(canonicalRepositoryOf('ghcr.io/acme/api')).toBe('ghcr.io/acme/api');
  });
});

describe('repositoryNameBeforeBadSuffix', () => {
  it('finds the repository before a tag or digest that is not valid', () => {
    expect(repositoryNameBeforeBadSuffix('nginx@sha256:1111')).toMatchObject({
      repository: 'docker.io/library/nginx',
      tag: null,
      digest: null,
    });
    expect(repositoryNameBeforeBadSuffix('a@sha256:1')).toMatchObject({ repository: 'docker.io/library/a' });
    expect(repositoryNameBeforeBadSuffix('ghcr.io/acme/api:{GENERATED_TAG}')).toMatchObject({
      repository: 'ghcr.io/acme/api',
    });
    expect(repositoryNameBeforeBadSuffix('localhost:5000/api')).toBeNull();
  });

  it('is nothing without a suffix, or when the name itself is not valid', () => {
    expect(repositoryNameBeforeBadSuffix('nginx')).toBeNull();
    expect(repositoryNameBeforeBadSuffix('Acme/API:{TAG}')).toBeNull();
  });
});
