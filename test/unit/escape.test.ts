import { describe, expect, it } from 'vitest';
import { escapeControl, escapeForSink, escapeStrings } from '../../src/output/escape.js';
import { Redactor } from '../../src/output/redact.js';
import { Reporter } from '../../src/output/reporter.js';
import { createStyle } from '../../src/output/style.js';

describe('escapeControl', () => {
  it('keeps a value on one line and makes control characters visible', () => {
    expect(escapeControl('1.0\n::error::forged')).toBe('1.0\\n::error::forged');
    expect(escapeControl('a\r\nb\u001b[31mred\u0007')).toBe('a\\r\\nb\\x1b[31mred\\x07');
    expect(escapeControl('\u009b31m \u2028 \u202egnp.exe')).toBe('\\x9b31m \\u2028 \\u202egnp.exe');
    expect(escapeControl('tab\tand ünïcode ✓')).toBe('tab\tand ünïcode ✓');
  });

  it('escapes every string of a plain value', () => {
    expect(escapeStrings({ file: 'a\nb.yaml', line: 3, list: ['\u001b'] })).toEqual({
      file: 'a\\nb.yaml',
      line: 3,
      list: ['\\x1b'],
    });
  });
});

describe('escapeForSink', () => {
  it("keeps kpush's line breaks and stops lines that CI systems read as commands", () => {
    expect(escapeForSink('2 problems:\n  ::error::x\n##vso[task.setvariable]y\n##[group]z')).toBe(
      '2 problems:\n  \\x3a:error::x\n\\x23#vso[task.setvariable]y\n\\x23#[group]z',
    );
    expect(escapeForSink('pushed: a::b \u001b[2J')).toBe('pushed: a::b \\x1b[2J');
  });
});

describe('Reporter', () => {
  it('escapes what it writes on stderr, after masking secrets, and keeps its own colour', () => {
    let stderr = '';
    const reporter = new Reporter({
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      style: createStyle(true),
      redactor: new Redactor(['s3cret\nvalue']),
      verbose: true,
      interactive: false,
    });
    reporter.info('apps/x.yaml:3 1.0\n::error::forged -> 2.0');
    reporter.warn('tag \u001b[31mred');
    reporter.error('remote: s3cret\nvalue\n::warning::x', 'hint\n::notice::y');
    expect(stderr).toBe(
      [
        'apps/x.yaml:3 1.0',
        '\\x3a:error::forged -> 2.0',
        '\u001b[33mwarning: tag \\x1b[31mred\u001b[39m',
        '\u001b[31merror: remote: ***',
        '\\x3a:warning::x — hint',
        '\\x3a:notice::y\u001b[39m',
        '',
      ].join('\n'),
    );
  });
});
