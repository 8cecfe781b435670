import { describe, expect, it } from 'vitest';
import { prepareScanner } from '../../../src/manifests/warm-up.js';

describe('prepareScanner', () => {
  it('gives the rules work to do: its made-up manifest yields image and marker edits', () => {
    const scan = prepareScanner();
    expect(scan.edits.map((edit) => edit.kind).sort()).toEqual(['image', 'marker']);
    expect(scan.edits.every((edit) => edit.newValue.endsWith('2.0.0'))).toBe(true);
    expect(scan.declined).toEqual([]);
    expect(scan.warnings).toEqual([]);
  });
});
