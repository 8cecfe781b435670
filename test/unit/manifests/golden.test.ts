import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { applyEdits, scanManifest } from '../../../src/manifests/index.js';
import { changedLineCount } from './line-diff.js';

/**
 * Golden cases: test/fixtures/manifests/<case>/{input.yaml, expected.yaml, case.json}.
 * case.json: { path, images (the --image values), matched, declined? (`line N: reason`),
 * warnings?, changedLines? }; the
 * changed-line count defaults to the number of edits (each edit on its own line).
 * KPUSH_UPDATE_GOLDEN=1 writes a missing expected.yaml from the current output, for review.
 */
interface GoldenCase {
  path: string;
  images: string[];
  matched: string[];
  declined?: string[];
  warnings?: string[];
  changedLines?: number;
}

const FIXTURES = join(import.meta.dirname, '../../fixtures/manifests');
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('golden manifests', () => {
  it.each(cases)('%s', (name) => {
    const dir = join(FIXTURES, name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as GoldenCase;
    const input = readFileSync(join(dir, 'input.yaml'), 'utf8');
    const targets = spec.images.map(parseImageReference);

    const scan = scanManifest(spec.path, input, targets);
    const output = applyEdits(input, scan.edits);

    const expectedPath = join(dir, 'expected.yaml');
    if (!existsSync(expectedPath) && process.env.KPUSH_UPDATE_GOLDEN === '1')
      writeFileSync(expectedPath, output);
    expect(output).toBe(readFileSync(expectedPath, 'utf8'));
    expect(scan.matched).toEqual([...spec.matched].sort());
    expect(scan.declined.map(({ line, reason }) => `line ${line}: ${reason}`)).toEqual(spec.declined ?? []);
    expect(scan.warnings).toEqual(spec.warnings ?? []);
    expect(changedLineCount(input, output)).toBe(spec.changedLines ?? scan.edits.length);
    // Bumping the result again changes nothing and still finds every image.
    const again = scanManifest(spec.path, output, targets);
    expect(again.edits).toEqual([]);
    expect(again.matched).toEqual(scan.matched);
  });
});
