import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it('reads plain seconds with a fraction, and durations with fractions of any length', () => {
    expect(parseDuration('1.25')).toBe(1250);
    expect(parseDuration('1.5')).toBe(1500);
    expect(parseDuration('1.25s')).toBe(1250);
    expect(parseDuration('0.5h1.75m')).toBe(1_905_000);
  });

  it('ignores white space around the text, not inside it', () => {
    expect(parseDuration(' 90s\n')).toBe(90_000);
    expect(parseDuration('\t45 ')).toBe(45_000);
    expect(parseDuration('1h 30m')).toBeNull();
  });

  it('refuses a number with a dangling point', () => {
    expect(parseDuration('1.')).toBeNull();
    expect(parseDuration('1.s')).toBeNull();
    expect(parseDuration('1.x')).toBeNull();
  });
});
