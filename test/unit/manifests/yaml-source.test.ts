import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { doubleQuoted, needsQuotes, singleQuoted } from '../../../src/manifests/yaml-source.js';

describe('needsQuotes', () => {
  it.each([
    '1.2.3',
    'v1.10',
    'latest',
    '1.0.0-rc.1',
    '2024.01.15-abc123',
    '_build',
    'ghcr.io/acme/api:1.10',
    'nginx:1',
    'localhost:5000/acme/api:1',
    'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    '123abc',
  ])('keeps %s plain', (value) => {
    expect(needsQuotes(value)).toBe(false);
  });

  it.each([
    ['a float', '1.10'],
    ['an int', '20240101'],
    ['an octal in YAML 1.1', '0777'],
    ['hex', '0x1F'],
    ['an exponent', '1e3'],
    ['a 1.1 underscore number', '1_000'],
    ['a 1.1 sexagesimal', '1:20'],
    ['a leading dot', '.5'],
    ['infinity', '.inf'],
    ['a bool', 'true'],
    ['a 1.1 bool', 'yes'],
    ['a 1.1 bool', 'On'],
    ['a 1.1 short bool', 'y'],
    ['null', 'null'],
    ['tilde', '~'],
    ['a 1.1 timestamp', '2024-01-01'],
    ['empty', ''],
    ['a flow indicator', '[::1]:5000/api'],
    ['a trailing colon', 'api:'],
    ['a leading dash', '-rc'],
    ['a comment sign', 'a #b'],
  ])('quotes %s (%s)', (_, value) => {
    expect(needsQuotes(value)).toBe(true);
  });
});

describe('quoting', () => {
  it.each(["it's", 'a"b\\c', 'plain'])('round-trips %s in both quote styles', (value) => {
    expect(parse(`k: ${singleQuoted(value)}`)).toEqual({ k: value });
    expect(parse(`k: ${doubleQuoted(value)}`)).toEqual({ k: value });
  });
});
