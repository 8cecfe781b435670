import { describe, expect, it } from 'vitest';
import {
  type CurrentWriter,
  currentValues,
  type EnvCommit,
  provenanceOf,
  writtenBy,
} from '../../src/core/bump/provenance.js';
import {
  ancestryApplies,
  decideSupersede,
  describeSuperseded,
  type ThisBuild,
} from '../../src/core/bump/supersede.js';
import { compareReleases } from '../../src/core/tag/semver.js';

const API = 'ghcr.io/acme/api';

function writer(overrides: Partial<CurrentWriter> = {}): CurrentWriter {
  return {
    envCommit: 'e'.repeat(40),
    sourceRepo: 'https://github.com/acme/api',
    sourceCommit: 'b'.repeat(40),
    sourceTime: new Date('2026-11-24T10:00:00Z'),
    images: [],
    repository: API,
    value: '1.4.0',
    tag: '1.4.0',
    ...overrides,
  };
}

const ours: ThisBuild = {
  sourceRepo: 'https://github.com/acme/api',
  sourceCommit: 'a'.repeat(40),
  sourceTime: new Date('2026-11-24T09:00:00Z'),
  tag: '1.3.0',
};

describe('decideSupersede', () => {
  it('proceeds when nothing kpush wrote is there, or the same build wrote it', () => {
    expect(decideSupersede(null, ours, 'unknown')).toEqual({ kind: 'proceed' });
    expect(decideSupersede(writer({ sourceCommit: ours.sourceCommit }), ours, 'unknown').kind).toBe(
      'proceed',
    );
  });

  it('trusts ancestry first, whatever times and tags say', () => {
    const verdict = decideSupersede(
      writer({ sourceTime: new Date(0), tag: '0.1.0' }),
      ours,
      'writer-is-newer',
    );
    expect(verdict).toMatchObject({
      kind: 'superseded',
      rule: 'ancestry',
      reason: 'bbbbbbb descends from aaaaaaa',
    });
    expect(decideSupersede(writer(), ours, 'writer-is-older').kind).toBe('proceed');
  });

  it('then the source commit times, then the tags', () => {
    expect(decideSupersede(writer(), ours, 'unknown')).toMatchObject({ rule: 'source-time' });
    const earlier = writer({ sourceTime: new Date('2026-11-24T08:00:00Z') });
    expect(decideSupersede(earlier, ours, 'unknown').kind).toBe('proceed');
    const untimed = writer({ sourceTime: null });
    expect(decideSupersede(untimed, ours, 'unknown')).toMatchObject({
      rule: 'semver',
      reason: 'version 1.4.0 is higher than 1.3.0',
    });
    expect(decideSupersede(untimed, { ...ours, tag: '1.10.0' }, 'unknown').kind).toBe('proceed');
  });

  it("orders build-tag's timestamp tags, and proceeds when nothing can tell", () => {
    const stamped = writer({ sourceTime: null, tag: 'main-20261124100000-bbbbbbb' });
    expect(
      decideSupersede(stamped, { ...ours, tag: 'main-20261124093000-aaaaaaa' }, 'unknown'),
    ).toMatchObject({
      rule: 'timestamp-tag',
    });
    expect(decideSupersede(stamped, { ...ours, tag: 'main-20261124103000-ccccccc' }, 'unknown').kind).toBe(
      'proceed',
    );
    const opaque = writer({ sourceTime: null, tag: 'sha-bbbbbbb' });
    expect(decideSupersede(opaque, { ...ours, tag: 'sha-aaaaaaa' }, 'unknown').kind).toBe('proceed');
  });

  it('asks for ancestry only between two commits of the same source repository', () => {
    expect(ancestryApplies(writer(), ours)).toBe(true);
    expect(ancestryApplies(writer({ sourceRepo: 'https://github.com/acme/fork' }), ours)).toBe(false);
    expect(ancestryApplies(writer({ sourceCommit: null }), ours)).toBe(false);
    expect(ancestryApplies(writer({ sourceCommit: ours.sourceCommit }), ours)).toBe(false);
  });
});

describe('decideSupersede, the evidence in detail', () => {
  const untimed = (tag: string) => writer({ sourceTime: null, tag });

  it('gives the times it compared, to the second', () => {
    expect(decideSupersede(writer(), ours, 'unknown')).toEqual({
      kind: 'superseded',
      writer: writer(),
      rule: 'source-time',
      reason: "its source commit is from 2026-11-24T10:00:00Z, this build's from 2026-11-24T09:00:00Z",
    });
    const precise = writer({ sourceTime: new Date('2026-11-24T10:00:00.250Z') });
    expect(decideSupersede(precise, ours, 'unknown')).toMatchObject({
      reason: "its source commit is from 2026-11-24T10:00:00.250Z, this build's from 2026-11-24T09:00:00Z",
    });
  });

  it('compares times only when both builds have one', () => {
    expect(decideSupersede(writer(), { ...ours, sourceTime: null }, 'unknown')).toMatchObject({
      rule: 'semver',
    });
    expect(decideSupersede(writer(), { ...ours, sourceTime: null, tag: '2.0.0' }, 'unknown').kind).toBe(
      'proceed',
    );
  });

  it('compares commits only when the writer names one', () => {
    const anonymous = writer({ sourceCommit: null });
    expect(decideSupersede(anonymous, { ...ours, sourceCommit: null }, 'unknown')).toMatchObject({
      rule: 'source-time',
    });
    expect(decideSupersede(anonymous, ours, 'writer-is-newer')).toMatchObject({
      rule: 'ancestry',
      reason: '(unknown) descends from aaaaaaa',
    });
  });

  it('proceeds on the same version', () => {
    expect(decideSupersede(untimed('1.3.0'), ours, 'unknown')).toEqual({ kind: 'proceed' });
  });

  it('names both stamped tags, and proceeds on the same stamp or a tag without one', () => {
    expect(
      decideSupersede(
        untimed('main-20261124100000-bbbbbbb'),
        { ...ours, tag: 'main-20261124093000-aaaaaaa' },
        'unknown',
      ),
    ).toMatchObject({
      rule: 'timestamp-tag',
      reason: 'tag main-20261124100000-bbbbbbb is stamped later than main-20261124093000-aaaaaaa',
    });
    expect(
      decideSupersede(
        untimed('main-20261124100000-bbbbbbb'),
        { ...ours, tag: 'fix-20261124100000-aaaaaaa' },
        'unknown',
      ).kind,
    ).toBe('proceed');
    expect(
      decideSupersede(untimed('main-20261124100000-bbbbbbb'), { ...ours, tag: 'sha-aaaaaaa' }, 'unknown')
        .kind,
    ).toBe('proceed');
    expect(
      decideSupersede(untimed('main-20261124100000-bbbbbbb'), { ...ours, tag: null }, 'unknown').kind,
    ).toBe('proceed');
  });

  it('reads a stamp only as a whole 14-digit field', () => {
    expect(
      decideSupersede(untimed('20261124100000-bbbbbbb'), { ...ours, tag: 'main-20261124093000' }, 'unknown'),
    ).toMatchObject({ rule: 'timestamp-tag' });
    expect(
      decideSupersede(untimed('main-20261124100000x'), { ...ours, tag: 'main-20261124093000' }, 'unknown')
        .kind,
    ).toBe('proceed');
    expect(decideSupersede(untimed('main-9'), { ...ours, tag: 'main-1' }, 'unknown').kind).toBe('proceed');
    expect(
      decideSupersede(untimed('main-abcdefghijklmn'), { ...ours, tag: 'main-aaaaaaaaaaaaaa' }, 'unknown')
        .kind,
    ).toBe('proceed');
  });
});

describe('ancestryApplies, repositories and commits', () => {
  it('needs both commits, and a known repository matches any', () => {
    expect(ancestryApplies(writer(), { ...ours, sourceCommit: null })).toBe(false);
    expect(ancestryApplies(writer({ sourceRepo: null }), ours)).toBe(true);
    expect(ancestryApplies(writer(), { ...ours, sourceRepo: null })).toBe(true);
    expect(ancestryApplies(writer({ sourceRepo: null }), { ...ours, sourceRepo: null })).toBe(true);
  });
});

describe('describeSuperseded', () => {
  it('names the value there, its env commit and its source', () => {
    const verdict = decideSupersede(writer(), ours, 'writer-is-newer');
    if (verdict.kind !== 'superseded') throw new Error('expected superseded');
    expect(describeSuperseded(verdict)).toBe(
      `${API}:1.4.0 (env commit eeeeeee from source bbbbbbb) is newer: bbbbbbb descends from aaaaaaa`,
    );
    const unsourced = decideSupersede(writer({ sourceCommit: null, value: 'v9' }), ours, 'unknown');
    if (unsourced.kind !== 'superseded') throw new Error('expected superseded');
    expect(describeSuperseded(unsourced)).toBe(
      `${API}:v9 (env commit eeeeeee) is newer: its source commit is from 2026-11-24T10:00:00Z, this build's from 2026-11-24T09:00:00Z`,
    );
  });
});

describe('provenance of env commits', () => {
  const commit = (subject: string, trailers: Array<[string, string]>): EnvCommit => ({
    sha: 'f'.repeat(40),
    parents: [],
    subject,
    trailers,
  });

  it('reads source commit, time and images from the trailers', () => {
    const provenance = provenanceOf(
      commit('chore: custom message', [
        ['Kpush-Source-Repo', 'https://github.com/acme/api'],
        ['Kpush-Source-Commit', 'c'.repeat(40)],
        ['Kpush-Source-Time', '2026-11-24T09:30:00Z'],
        ['kpush-image', `${API}:1.4.0@sha256:${'1'.repeat(64)}`],
        ['Kpush-Image', 'nginx:1.27'],
      ]),
    );
    expect(provenance).toMatchObject({
      sourceCommit: 'c'.repeat(40),
      sourceTime: new Date('2026-11-24T09:30:00Z'),
      images: [
        { repository: API, tag: '1.4.0', digest: `sha256:${'1'.repeat(64)}` },
        { repository: 'docker.io/library/nginx', tag: '1.27' },
      ],
    });
  });

  it('reads the images of older kpush commits from the default subject', () => {
    const legacy = commit(`deploy: bump ${API} to 1.2.0, nginx to 1.27@sha256:0123456789ab`, [
      ['Kpush-Source-Commit', 'c'.repeat(40)],
    ]);
    expect(provenanceOf(legacy)).toMatchObject({
      sourceTime: null,
      images: [
        { repository: API, tag: '1.2.0', digest: null },
        { repository: 'docker.io/library/nginx', tag: '1.27', digest: null },
      ],
    });
  });

  it('ignores commits kpush did not make', () => {
    expect(provenanceOf(commit('fix replicas', []))).toBeNull();
    expect(provenanceOf(commit(`deploy: bump ${API} to 9.9.9`, []))).toBeNull();
    expect(provenanceOf(commit('x', [['Kpush-Image', 'not a reference!']]))).toBeNull();
  });

  it('attributes a value only to a commit that wrote that tag or digest of that repository', () => {
    const bumped = commit('x', [
      ['Kpush-Image', `${API}:1.4.0`],
      ['Kpush-Image', `ghcr.io/acme/web@sha256:${'2'.repeat(64)}`],
    ]);
    expect(writtenBy(bumped, { repository: API, tag: '1.4.0', digest: null })).toMatchObject({
      repository: API,
      value: '1.4.0',
      tag: '1.4.0',
    });
    expect(writtenBy(bumped, { repository: API, tag: '1.3.0', digest: null })).toBeNull();
    expect(
      writtenBy(bumped, { repository: 'ghcr.io/acme/web', tag: null, digest: `sha256:${'2'.repeat(64)}` }),
    ).toMatchObject({ tag: null, value: `sha256:${'2'.repeat(64)}` });
  });

  it('takes the replaced values from whole references, tags and digests', () => {
    const change = { file: 'a.yaml', line: 1, kind: 'image' as const, repository: API, new: '' };
    expect(
      currentValues([
        { ...change, old: `${API}:1.0.0` },
        { ...change, file: 'b.yaml', old: `${API}:1.0.0` },
        { ...change, kind: 'kustomize', old: '2.0' },
        { ...change, kind: 'kustomize', old: `sha256:${'3'.repeat(64)}` },
        { ...change, kind: 'kustomize', old: '' },
      ]),
    ).toEqual([
      { repository: API, tag: '1.0.0', digest: null },
      { repository: API, tag: '2.0', digest: null },
      { repository: API, tag: null, digest: `sha256:${'3'.repeat(64)}` },
    ]);
  });
});

describe('compareReleases', () => {
  it('orders release tags by semver precedence and refuses anything else', () => {
    expect(compareReleases('v1.10.0', '1.9.9')).toBe(1);
    expect(compareReleases('2.0.0-rc.2', '2.0.0-rc.10')).toBe(-1);
    expect(compareReleases('1.0.0_build.5', '1.0.0')).toBe(0);
    expect(compareReleases('latest', '1.0.0')).toBeNull();
    expect(compareReleases('v01.2.3', '1.0.0')).toBeNull();
  });
});
