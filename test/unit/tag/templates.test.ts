import { describe, expect, it } from 'vitest';
import { decideTag, type TagFacts, templatePlaceholders } from '../../../src/core/tag/strategies.js';
import { KpushError, UsageError } from '../../../src/errors.js';

const facts: TagFacts = {
  sha: '3f1c2a9b8e7d6c5b4a3f1c2a9b8e7d6c5b4a3f1c',
  branch: 'Feature/Login',
  semver: '1.4.0-rc.1',
  commitTime: new Date('2026-01-02T03:04:05.678Z'),
  contentHash: 'abcdef0123456789abcdef0123456789abcdef01',
  runNumber: '77',
  dirty: false,
};
const sha = { strategy: 'sha' as const, requireClean: false };
const template = (text: string, overrides: Partial<TagFacts> = {}) =>
  decideTag({ ...sha, template: text }, { ...facts, ...overrides }).tag;

function failure(action: () => unknown): KpushError {
  try {
    action();
  } catch (error) {
    if (error instanceof KpushError) return error;
    throw error;
  }
  throw new Error('expected a KpushError');
}

describe('--template', () => {
  it('fills every placeholder, spaces inside the braces allowed', () => {
    expect(template('{{branch}}.{{sha7}}.{{timestamp}}.{{content}}.{{semver}}.{{run}}')).toBe(
      'feature-login.3f1c2a9.20260102030405.abcdef012345.1.4.0-rc.1.77',
    );
    expect(template('{{ sha }}')).toBe(facts.sha);
    expect(decideTag({ ...sha, template: 'x-{{sha7}}' }, facts)).toEqual({
      tag: 'x-3f1c2a9',
      strategy: 'template',
    });
  });

  it('marks a dirty tree after the whole template', () => {
    expect(template('{{sha7}}-b{{run}}', { dirty: true })).toBe('3f1c2a9-b77-dirty');
  });

  it("calls a branch it cannot know 'detached'", () => {
    expect(template('{{branch}}-{{sha7}}', { branch: null })).toBe('detached-3f1c2a9');
    expect(template('{{branch}}-{{sha7}}', { branch: '///' })).toBe('detached-3f1c2a9');
    expect(decideTag({ ...sha, strategy: 'branch-sha' }, { ...facts, branch: null }).tag).toBe(
      'detached-3f1c2a9',
    );
  });

  it('cuts every {{branch}} by the same amount so the tag fits 128 characters', () => {
    const tag = template('{{branch}}-{{branch}}-{{sha7}}', { branch: 'b'.repeat(100) });
    expect(tag).toBe(`${'b'.repeat(59)}-${'b'.repeat(59)}-3f1c2a9`);
    const exact = template('{{branch}}-{{sha7}}', { branch: 'c'.repeat(120) });
    expect(exact).toBe(`${'c'.repeat(120)}-3f1c2a9`);
    expect(template('{{branch}}-{{sha7}}', { branch: 'c'.repeat(121) })).toBe(`${'c'.repeat(120)}-3f1c2a9`);
  });

  it('refuses a template that names an unknown placeholder, listing what exists', () => {
    const error = failure(() => templatePlaceholders('{{sha7}}-{{commit}}-{{ env }}'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('unknown placeholder {{commit}}, {{env}} in --template');
    expect(error.hint).toBe(
      'Available: {{branch}} {{sha}} {{sha7}} {{timestamp}} {{semver}} {{run}} {{content}}.',
    );
    expect(templatePlaceholders('v{{run}}-{{ sha7 }}')).toEqual(['run', 'sha7']);
  });

  it.each([
    [
      '{{semver}}',
      { semver: null },
      'E_NO_SEMVER_TAG',
      '{{semver}} is used but HEAD has no release tag like v1.2.3',
    ],
    ['{{run}}', { runNumber: null }, 'E_NO_RUN_NUMBER', '{{run}} is used but no CI run number is available'],
    ['{{content}}', { contentHash: null }, 'E_USAGE', 'the content strategy needs --context <path>'],
  ])('%s without its fact fails, naming what is missing', (text, missing, code, message) => {
    const error = failure(() => template(text, missing));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it('names the tag that came out invalid', () => {
    const error = failure(() => template('-{{sha7}}'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('"-3f1c2a9" is not a valid image tag');
  });
});

describe('strategies without a template', () => {
  it('semver tags the release, dirty included', () => {
    expect(decideTag({ ...sha, strategy: 'semver' }, { ...facts, dirty: true })).toEqual({
      tag: '1.4.0-rc.1-dirty',
      strategy: 'semver',
    });
  });

  it('semver without a release names the commit', () => {
    const error = failure(() => decideTag({ ...sha, strategy: 'semver' }, { ...facts, semver: null }));
    expect(error.code).toBe('E_NO_SEMVER_TAG');
    expect(error.message).toBe('HEAD (3f1c2a9) has no release tag like v1.2.3');
    expect(error.hint).toMatch(/--fallback/);
  });

  it('content without a context is a usage error', () => {
    const error = failure(() => decideTag({ ...sha, strategy: 'content' }, { ...facts, contentHash: null }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.hint).toBe('Pass the build context directory, e.g. --context services/api.');
  });

  it('--require-clean refuses a dirty tree with its own code', () => {
    const error = failure(() => decideTag({ ...sha, requireClean: true }, { ...facts, dirty: true }));
    expect(error.code).toBe('E_DIRTY');
    expect(decideTag({ ...sha, requireClean: true }, facts).tag).toBe('sha-3f1c2a9');
  });
});
