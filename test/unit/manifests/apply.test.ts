import { describe, expect, it } from 'vitest';
import { applyEdits, type ScalarEdit } from '../../../src/manifests/index.js';

function splice(start: number, end: number, text: string): ScalarEdit {
  return { kind: 'image', repository: 'r', line: 1, start, end, oldValue: '', newValue: '', text };
}

describe('applyEdits', () => {
  it('applies edits given in any order', () => {
    expect(applyEdits('a: 1\nb: 2\n', [splice(8, 9, '20'), splice(3, 4, '10')])).toBe('a: 10\nb: 20\n');
  });

  it('keeps insertions at one offset in the order given, before a replacement starting there', () => {
    expect(applyEdits('abc', [splice(1, 2, 'B'), splice(1, 1, 'x'), splice(1, 1, 'y')])).toBe('axyBc');
  });

  it('returns the text unchanged without edits', () => {
    expect(applyEdits('\uFEFFa: 1\r\n', [])).toBe('\uFEFFa: 1\r\n');
  });

  it('refuses overlapping edits', () => {
    expect(() => applyEdits('abcdef', [splice(1, 4, 'x'), splice(3, 5, 'y')])).toThrow(RangeError);
  });
  it('names an edit that overlaps another or lies outside the text', () => {
    expect(() => applyEdits('abcdef', [splice(1, 4, 'x'), splice(3, 5, 'y')])).toThrow(
      'edit 3-5 overlaps another edit or lies outside the text',
    );
    expect(() => applyEdits('abc', [splice(2, 1, 'x')])).toThrow(
      'edit 2-1 overlaps another edit or lies outside the text',
    );
    expect(() => applyEdits('abc', [splice(2, 4, 'x')])).toThrow(RangeError);
    expect(applyEdits('abc', [splice(3, 3, 'x'), splice(0, 3, 'y')])).toBe('yx');
  });

  it('allows edits that touch without overlapping', () => {
    expect(applyEdits('abcd', [splice(2, 4, 'Y'), splice(0, 2, 'X')])).toBe('XY');
    expect(applyEdits('abcd', [splice(2, 2, '-'), splice(0, 2, 'X')])).toBe('X-cd');
  });
});
