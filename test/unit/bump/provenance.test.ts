import { describe, expect, it } from 'vitest';
import type { Change } from '../../../src/core/bump/plan.js';
import { currentValues, type EnvCommit, provenanceOf, writtenBy } from '../../../src/core/bump/provenance.js';

const API = 'ghcr.io/acme/api';
const WEB = 'ghcr.io/acme/web';
const SOURCE = ['Kpush-Source-Commit', 'c'.repeat(40)] as const;

const commit = (subject: string, trailers: ReadonlyArray<readonly [string, string]>): EnvCommit => ({
  sha: 'f'.repeat(40),
  parents: ['0'.repeat(40)],
  subject,
  trailers,
});

describe('provenanceOf', () => {
  it('needs images, from the trailers or the default subject', () => {
    expect(provenanceOf(commit('fix replicas', [SOURCE]))).toBeNull();
    expect(provenanceOf(commit('deploy: bump', [SOURCE]))).toBeNull();
    expect(provenanceOf(commit('deploy: bump something else', [SOURCE]))).toBeNull();
    expect(provenanceOf(commit('deploy: bump the api to 1.2', [SOURCE]))).toBeNull();
    expect(provenanceOf(commit('deploy: bump Acme/API to 1.0', [SOURCE]))).toBeNull();
  });

  it('reads only the well-formed items of a default subject', () => {
    expect(provenanceOf(commit(`deploy: bump ${API} to 1.2, Bad/Name to 1, nginx: to 2`, [SOURCE]))).toEqual({
      envCommit: 'f'.repeat(40),
      sourceRepo: null,
      sourceCommit: 'c'.repeat(40),
      sourceTime: null,
      images: [{ name: API, repository: API, tag: '1.2', digest: null }],
    });
  });

  it('takes the first of repeated trailers, and drops a time it cannot read', () => {
    const provenance = provenanceOf(
      commit('x', [
        ['Kpush-Source-Repo', 'https://github.com/acme/api'],
        ['Kpush-Source-Repo', 'https://github.com/acme/fork'],
        ['Kpush-Source-Time', 'yesterday'],
        ['Kpush-Image', `${API}:1`],
      ]),
    );
    expect(provenance).toEqual({
      envCommit: 'f'.repeat(40),
      sourceRepo: 'https://github.com/acme/api',
      sourceCommit: null,
      sourceTime: null,
      images: [{ name: API, repository: API, tag: '1', digest: null }],
    });
  });
});

describe('currentValues', () => {
  const change = (old: string, repository = API): Change => ({
    file: 'a.yaml',
    line: 1,
    kind: 'kustomize',
    repository,
    old,
    new: '',
  });

  it('skips values that name no tag or digest of the repository', () => {
    expect(
      currentValues([change(API), change(`${WEB}@sha256:${'3'.repeat(64)}`), change('not a tag!')]),
    ).toEqual([]);
  });

  it('reads tags and sha256 or sha512 digests, once each', () => {
    const sha512 = `sha512:${'5'.repeat(128)}`;
    expect(
      currentValues([
        change('1.0'),
        change('1.0'),
        change(sha512),
        change(`${WEB}:1.0`, WEB),
        change('1.0', WEB),
      ]),
    ).toEqual([
      { repository: API, tag: '1.0', digest: null },
      { repository: API, tag: null, digest: sha512 },
      { repository: WEB, tag: '1.0', digest: null },
    ]);
  });
});

describe('writtenBy', () => {
  const bumped = commit('x', [
    SOURCE,
    ['Kpush-Image', `${API}:1.4.0`],
    ['Kpush-Image', `${WEB}@sha256:${'2'.repeat(64)}`],
  ]);

  it('is nothing for a commit kpush did not make', () => {
    expect(writtenBy(commit('fix replicas', []), { repository: API, tag: '1.4.0', digest: null })).toBeNull();
  });

  it('matches repository and tag, or repository and digest', () => {
    expect(writtenBy(bumped, { repository: WEB, tag: '1.4.0', digest: null })).toBeNull();
    expect(writtenBy(bumped, { repository: WEB, tag: null, digest: `sha256:${'3'.repeat(64)}` })).toBeNull();
    expect(
      writtenBy(bumped, { repository: API, tag: '9.9.9', digest: `sha256:${'9'.repeat(64)}` }),
    ).toBeNull();
    expect(writtenBy(bumped, { repository: API, tag: '1.4.0', digest: `sha256:${'9'.repeat(64)}` })).toEqual({
      envCommit: 'f'.repeat(40),
      sourceRepo: null,
      sourceCommit: 'c'.repeat(40),
      sourceTime: null,
      images: provenanceOf(bumped)?.images,
      repository: API,
      value: '1.4.0',
      tag: '1.4.0',
    });
  });
});
