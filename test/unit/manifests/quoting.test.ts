/**
 * needsQuotes decides without running the parser (cold, the parser cost more than the rest of a
 * bump's edits): checked here against what parse() itself reads, under YAML 1.2 core and 1.1.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { needsQuotes } from '../../../src/manifests/yaml-source.js';

const RUNS = Number(process.env.KPUSH_FUZZ_RUNS ?? 800);

/** The definition: quoting is needed unless both readers read the plain text back as itself. */
function readBackDiffers(value: string): boolean {
  return parse(value, { schema: 'core' }) !== value || parse(value, { version: '1.1' }) !== value;
}

const PIECES = [
  '0',
  '1',
  '7',
  '9',
  '_',
  '.',
  '-',
  '+',
  ':',
  'e',
  'E',
  'x',
  'o',
  'b',
  'y',
  'n',
  'inf',
  'NaN',
  'on',
];
const valueArb = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')),
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_./:@+-]{0,12}$/),
  fc.constantFrom(
    'yes',
    'No',
    'ON',
    'off',
    'y',
    'N',
    'true',
    'False',
    'null',
    'Null',
    '~',
    '2024-01-01',
    '1:30',
    '0b101',
    '0x1F',
    '0o17',
    '017',
    '1_000',
    '1e3',
    '.5',
    'v1.2.3',
    'latest',
    'sha-abc',
  ),
);

describe('needsQuotes', () => {
  it('quotes exactly what a YAML 1.2 or 1.1 reader would not read back as the same string', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        // needsQuotes may quote more (Go readers' numbers, a trailing colon), never less.
        if (readBackDiffers(value)) expect(needsQuotes(value), value).toBe(true);
        if (!needsQuotes(value)) expect(readBackDiffers(value), value).toBe(false);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('examples', () => {
    for (const value of [
      'yes',
      'on',
      'y',
      '1_000',
      '2024-01-01',
      '1:30',
      '0b1',
      'true',
      '~',
      'null',
      '1.10',
      '017',
    ])
      expect(needsQuotes(value), value).toBe(true);
    for (const value of ['v1.2.3', 'latest', 'sha-abc', 'nginx', 'ghcr.io/acme/api', 'a:b', 'yes-please'])
      expect(needsQuotes(value), value).toBe(false);
  });
});
