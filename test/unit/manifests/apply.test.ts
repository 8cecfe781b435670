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
});
