import { describe, expect, it } from 'vitest';
import { isValidTag, OCI_TAG_MAX_LENGTH, sanitizeForTag, truncateForTag } from '../../src/core/oci-tag.js';

describe('isValidTag', () => {
  it('takes 1 to 128 characters of the OCI grammar, not starting with . or -', () => {
    expect(isValidTag('_1.0-rc')).toBe(true);
    expect(isValidTag('a'.repeat(OCI_TAG_MAX_LENGTH))).toBe(true);
    expect(isValidTag('a'.repeat(OCI_TAG_MAX_LENGTH + 1))).toBe(false);
    expect(isValidTag('')).toBe(false);
    expect(isValidTag('.x')).toBe(false);
    expect(isValidTag('-x')).toBe(false);
    expect(isValidTag('a+b')).toBe(false);
  });
});

describe('sanitizeForTag', () => {
  it('collapses runs of separators, whether written or produced', () => {
    expect(sanitizeForTag('feature--x')).toBe('feature-x');
    expect(sanitizeForTag('a - b')).toBe('a-b');
    expect(sanitizeForTag('a..b')).toBe('a..b');
    expect(sanitizeForTag('-.-')).toBe('');
  });
});

describe('truncateForTag', () => {
  it('returns text that fits unchanged, trailing separators included', () => {
    expect(truncateForTag('abc-', 10)).toBe('abc-');
    expect(truncateForTag('abc-', 4)).toBe('abc-');
  });

  it('cuts to the budget and drops every separator the cut leaves at the end', () => {
    expect(truncateForTag('ab.-cd', 4)).toBe('ab');
    expect(truncateForTag('abcdef', 3)).toBe('abc');
    expect(truncateForTag('abcdef', -2)).toBe('');
  });
});
