import { describe, expect, it } from 'vitest';
import { sanitizeForTag } from '../../src/core/oci-tag.js';
import { compareReleases, parseRelease, semverFromTags } from '../../src/core/tag/semver.js';
import { decideTag, formatTimestamp, type TagFacts } from '../../src/core/tag/strategies.js';
import { KpushError, UsageError } from '../../src/errors.js';

const facts: TagFacts = {
  sha: '3f1c2a9b8e7d6c5b4a3f1c2a9b8e7d6c5b4a3f1c',
  branch: 'main',
  semver: null,
  commitTime: new Date('2026-01-02T03:04:05Z'),
  contentHash: '0123456789abcdef0123456789abcdef01234567',
  runNumber: '12',
  dirty: false,
};
const request = { strategy: 'sha' as const, requireClean: false };

describe('decideTag', () => {
  it.each([
    ['sha', 'sha-3f1c2a9'],
    ['branch-sha', 'main-3f1c2a9'],
    ['timestamp', 'main-20260102030405-3f1c2a9'],
    ['content', 'content-0123456789ab'],
  ] as const)('%s → %s', (strategy, tag) => {
    expect(decideTag({ ...request, strategy }, facts)).toEqual({ tag, strategy });
  });

  it('uses the fallback only when semver finds nothing', () => {
    expect(decideTag({ ...request, strategy: 'semver', fallback: 'branch-sha' }, facts)).toEqual({
      tag: 'main-3f1c2a9',
      strategy: 'branch-sha',
    });
    expect(
      decideTag({ ...request, strategy: 'semver', fallback: 'sha' }, { ...facts, semver: '1.2.3' }).tag,
    ).toBe('1.2.3');
    expect(() => decideTag({ ...request, strategy: 'semver' }, facts)).toThrow(KpushError);
  });

  it('marks dirty trees, or refuses them when asked', () => {
    expect(decideTag(request, { ...facts, dirty: true }).tag).toBe('sha-3f1c2a9-dirty');
    expect(() => decideTag({ ...request, requireClean: true }, { ...facts, dirty: true })).toThrow(
      /--require-clean/,
    );
  });

  it('keeps long branch tags within 128 characters, dirty suffix included', () => {
    const tag = decideTag(
      { ...request, strategy: 'timestamp' },
      { ...facts, branch: 'x'.repeat(300), dirty: true },
    ).tag;
    expect(tag).toHaveLength(128);
    expect(tag.endsWith('-20260102030405-3f1c2a9-dirty')).toBe(true);
  });

  it('validates template output against the OCI grammar', () => {
    expect(() => decideTag({ ...request, template: '{{sha}}{{sha}}{{sha}}{{sha}}' }, facts)).toThrow(
      UsageError,
    );
    expect(decideTag({ ...request, template: 'v{{run}}.{{sha7}}' }, facts)).toEqual({
      tag: 'v12.3f1c2a9',
      strategy: 'template',
    });
  });
});

describe('tag helpers', () => {
  it('sanitises branch names to the tag grammar', () => {
    expect(sanitizeForTag('Feature/JIRA-12_login')).toBe('feature-jira-12_login');
    expect(sanitizeForTag('--.weird//name..')).toBe('weird-name');
    expect(sanitizeForTag('dependabot/npm_and_yarn/@types/node-20')).toBe(
      'dependabot-npm_and_yarn-types-node-20',
    );
  });

  it('formats timestamps that sort lexically', () => {
    expect(formatTimestamp(new Date('2026-11-24T09:05:01.999Z'))).toBe('20261124090501');
  });

  it('picks the highest release by semver precedence', () => {
    expect(semverFromTags(['v1.2.3', 'v1.10.0', 'v1.9.9'])).toBe('1.10.0');
    expect(semverFromTags(['v2.0.0-rc.2', 'v2.0.0-rc.10', 'v2.0.0-beta'])).toBe('2.0.0-rc.10');
    expect(semverFromTags(['v2.0.0-rc.1', '2.0.0'])).toBe('2.0.0');
    expect(semverFromTags(['v1.0.0+build.5'])).toBe('1.0.0_build.5');
    expect(semverFromTags(['latest', 'v1', 'v01.2.3'])).toBeNull();
  });
});

describe('templates with long branches', () => {
  it('cuts {{branch}} so the tag fits 128 characters', () => {
    const long = { ...facts, branch: `feature/${'x'.repeat(200)}`, dirty: true };
    const { tag } = decideTag({ ...request, template: '{{branch}}-{{sha}}' }, long);
    expect(tag).toHaveLength(128);
    expect(tag.endsWith(`-${facts.sha}-dirty`)).toBe(true);
    expect(tag.startsWith('feature-xxx')).toBe(true);
  });

  it('still rejects templates that cannot fit without a branch to cut', () => {
    expect(() => decideTag({ ...request, template: '{{sha}}{{sha}}{{sha}}{{sha}}' }, facts)).toThrow(
      UsageError,
    );
  });
});

describe('semver pre-release precedence (semver.org §11)', () => {
  it.each([
    [['1.0.0-1', '1.0.0-alpha'], '1.0.0-alpha'],
    [['1.0.0-alpha', '1.0.0-1'], '1.0.0-alpha'],
    [['1.0.0-rc.1', '1.0.0-rc'], '1.0.0-rc.1'],
    [['1.0.0-rc', '1.0.0-rc.1'], '1.0.0-rc.1'],
    [['1.0.0-alpha.beta', '1.0.0-alpha.1'], '1.0.0-alpha.beta'],
    [['1.0.0-beta.11', '1.0.0-beta.2'], '1.0.0-beta.11'],
    [['1.0.0-rc.1', '1.0.0-beta.11'], '1.0.0-rc.1'],
    [['1.0.0', '1.0.0-rc.1'], '1.0.0'],
    [['1.0.0-rc.1', '1.0.0'], '1.0.0'],
    [['1.0.1-alpha', '1.0.0'], '1.0.1-alpha'],
  ])('the highest of %j is %s', (tags, highest) => {
    expect(semverFromTags(tags)).toBe(highest);
  });

  it('orders the whole semver.org example chain, whatever the input order', () => {
    const chain = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let end = 1; end <= chain.length; end++) {
      const prefix = chain.slice(0, end);
      const highest = prefix.at(-1);
      expect(semverFromTags([...prefix].reverse()), prefix.join(' ')).toBe(highest);
      expect(semverFromTags([...prefix.slice(1), prefix[0] as string]), prefix.join(' ')).toBe(highest);
    }
  });
});

describe('what tag errors say to do', () => {
  const error = (action: () => unknown): KpushError => {
    try {
      action();
    } catch (caught) {
      if (caught instanceof KpushError) return caught;
      throw caught;
    }
    throw new Error('expected a KpushError');
  };

  it('for a dirty tree under --require-clean', () => {
    expect(
      error(() => decideTag({ ...request, requireClean: true }, { ...facts, dirty: true })),
    ).toMatchObject({
      code: 'E_DIRTY',
      message: 'the work tree has uncommitted changes and --require-clean is set',
      hint: 'Commit or stash the changes (untracked files do not count), or drop --require-clean to get a -dirty tag.',
    });
  });

  it('for a template that renders no valid tag', () => {
    expect(error(() => decideTag({ ...request, template: '-{{sha7}}' }, facts))).toMatchObject({
      code: 'E_USAGE',
      message: '"-3f1c2a9" is not a valid image tag',
      hint: 'A tag is 1-128 characters of [A-Za-z0-9_.-] and starts with a letter, digit or _. Adjust --template.',
    });
  });

  it('for {{semver}} and {{run}} without a value', () => {
    expect(error(() => decideTag({ ...request, template: 'v{{semver}}' }, facts))).toMatchObject({
      code: 'E_NO_SEMVER_TAG',
      message: '{{semver}} is used but HEAD has no release tag like v1.2.3',
      hint: 'Tag the commit, or use a template without {{semver}} for untagged builds.',
    });
    expect(
      error(() => decideTag({ ...request, template: 'r{{run}}' }, { ...facts, runNumber: null })),
    ).toMatchObject({
      code: 'E_NO_RUN_NUMBER',
      message: '{{run}} is used but no CI run number is available',
      hint: 'It comes from GITHUB_RUN_NUMBER or CI_PIPELINE_IID; set one of them when running outside CI.',
    });
  });
});

describe('release tags', () => {
  it('start with a digit or v, with no white space before', () => {
    expect(parseRelease(' 1.2.3')).toBeNull();
    expect(parseRelease('x1.2.3')).toBeNull();
    expect(compareReleases(' 2.0.0', '1.0.0')).toBeNull();
    expect(parseRelease('v1.2.3')?.version).toBe('1.2.3');
  });

  it('read build metadata written as _, but never pick such a git tag as the version', () => {
    expect(parseRelease('1.0.0_build.5')?.build).toEqual(['build', '5']);
    expect(semverFromTags(['v1.0.0_build.5'])).toBeNull();
    expect(semverFromTags(['v9.0.0_x', 'v1.0.0'])).toBe('1.0.0');
  });
});
