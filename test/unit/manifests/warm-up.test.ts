import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { splitDocuments } from '../../../src/manifests/simple-documents.js';
import { prepareScanner, WARM_UP_MANIFEST } from '../../../src/manifests/warm-up.js';

describe('prepareScanner', () => {
  it('gives the rules work to do: its made-up manifest yields image and marker edits', () => {
    const scan = prepareScanner();
    expect(scan.edits.map((edit) => edit.kind).sort()).toEqual(['image', 'marker']);
    expect(scan.edits.every((edit) => edit.newValue.endsWith('2.0.0'))).toBe(true);
    expect(scan.declined).toEqual([]);
    expect(scan.warnings).toEqual([]);
  });

  it('gives the line certifier every document to read: all are in its subset, and valid', () => {
    const documents = splitDocuments(WARM_UP_MANIFEST);
    expect(documents.length).toBeGreaterThan(20);
    expect(documents.filter((document) => !document.simple)).toEqual([]);
    expect(parseAllDocuments(WARM_UP_MANIFEST).flatMap((document) => document.errors)).toEqual([]);
  });
});
