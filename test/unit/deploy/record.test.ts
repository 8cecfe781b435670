import { describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  historyLines,
  RECORD_SCHEMA,
  type RecordedObject,
  recordedName,
  recordMarkdown,
  summarize,
} from '../../../src/core/deploy/record.js';

const object = (overrides: Partial<RecordedObject>): RecordedObject => ({
  kind: 'Deployment',
  group: 'apps',
  namespace: 'shop',
  name: 'web',
  action: 'configured',
  status: 'Current',
  ...overrides,
});

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    schema: RECORD_SCHEMA,
    id: 'r-1',
    app: 'shop',
    mode: 'apply',
    result: 'succeeded',
    startedAt: '2026-11-24T10:00:00.123Z',
    finishedAt: '2026-11-24T10:00:04.200Z',
    durationMs: 4250,
    kpushVersion: '0.1.0',
    actor: 'octocat',
    ci: { provider: null, runUrl: null },
    source: { repo: 'https://github.com/acme/api', commit: '3f1c2a9d0000ffff' },
    envRepo: { url: 'https://github.com/acme/env', commit: 'aaaabbbbccccdddd', path: '.', dirty: false },
    cluster: { server: 'https://k8s.test', context: 'prod' },
    namespace: 'shop',
    flags: {},
    objects: [],
    summary: { created: 1, configured: 2, unchanged: 3, pruned: 4, failed: 5 },
    error: null,
    ...overrides,
  };
}

describe('the record summary', () => {
  it('counts each action; pending objects count nowhere', () => {
    expect(
      summarize([
        object({ action: 'created' }),
        object({ action: 'configured' }),
        object({ action: 'configured' }),
        object({ action: 'unchanged' }),
        object({ action: 'pruned' }),
        object({ action: 'failed' }),
        object({ action: 'pending' }),
      ]),
    ).toEqual({ created: 1, configured: 2, unchanged: 1, pruned: 1, failed: 1 });
    expect(summarize([])).toEqual({ created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 });
  });

  it('names core and cluster-scoped objects without empty parts', () => {
    expect(recordedName(object({}))).toBe('Deployment.apps shop/web');
    expect(recordedName(object({ kind: 'Namespace', group: '', namespace: '', name: 'shop' }))).toBe(
      'Namespace shop',
    );
  });
});

describe('the step summary', () => {
  it('renders the outcome, the provenance and one row per object', () => {
    const markdown = recordMarkdown(
      record({
        objects: [
          object({}),
          object({ kind: 'ConfigMap', group: '', name: 'cfg', action: 'created', message: 'new' }),
        ],
      }),
    );
    expect(markdown).toBe(
      [
        '### ✅ kpush deploy shop → prod: succeeded',
        '',
        '1 created, 2 configured, 3 unchanged, 4 pruned, 5 failed in 4.3s',
        '',
        '| | |',
        '|---|---|',
        '| cluster | https://k8s.test (context prod) |',
        '| namespace | shop |',
        '| env repo | https://github.com/acme/env @ aaaabbbbccccdddd |',
        '| source | https://github.com/acme/api @ 3f1c2a9d0000ffff |',
        '| actor | octocat |',
        '| record | r-1 |',
        '',
        '| object | action | status | detail |',
        '|---|---|---|---|',
        '| Deployment.apps shop/web | configured | Current |  |',
        '| ConfigMap shop/cfg | created | Current | new |',
        '',
      ].join('\n'),
    );
  });

  it('says what it does not know, marks a dirty checkout, a dry run and a rollback', () => {
    const markdown = recordMarkdown(
      record({
        result: 'dry-run',
        durationMs: null,
        actor: null,
        source: { repo: null, commit: null },
        envRepo: { url: null, commit: null, path: '.', dirty: true },
        rollback: { from: 'bbbb', to: 'aaaa', reason: 'bad\nrelease', method: 'revert' },
      }),
    );
    expect(markdown.split('\n').slice(0, 3)).toEqual([
      '### ℹ️ kpush deploy shop → prod: dry-run',
      '',
      '1 created, 2 configured, 3 unchanged, 4 pruned, 5 failed',
    ]);
    expect(markdown).toContain('| env repo | (local directory) @ not a git checkout (dirty) |');
    expect(markdown).toContain('| source | unknown @ unknown |');
    expect(markdown).toContain('| actor | unknown |');
    expect(markdown).toContain(
      '| record | r-1 |\n| rollback | to aaaa from bbbb: bad release |\n\n| object |',
    );
    const plain = recordMarkdown(
      record({ rollback: { from: null, to: 'aaaa', reason: null, method: 'helm' } }),
    );
    expect(plain).toContain('| rollback | to aaaa |');
    expect(recordMarkdown(record())).not.toContain('| rollback |');
    expect(recordMarkdown(record())).not.toContain('| error |');
  });

  it('keeps a cell one cell, whatever the cluster or the error says', () => {
    const markdown = recordMarkdown(
      record({
        result: 'failed',
        cluster: { server: 'https://a|b', context: 'ctx\r\n\r\nx' },
        error: { code: 'E', message: 'a\\|b <script>' },
      }),
    );
    expect(markdown).toContain('### ❌ kpush deploy shop → ctx x: failed');
    expect(markdown).toContain('| cluster | https://a\\|b (context ctx x) |');
    expect(markdown).toContain('| error | a\\\\\\|b &lt;script> |');
  });
});

describe('kpush history', () => {
  it('aligns columns to the widest value and trims line ends', () => {
    const lines = historyLines([
      record(),
      record({
        result: 'failed',
        actor: null,
        durationMs: null,
        startedAt: '2026-11-23T09:00:00Z',
        envRepo: { url: null, commit: null, path: '.', dirty: false },
        source: { repo: null, commit: null },
        rollback: { from: null, to: '0123456789abcdef', reason: null, method: 'revert' },
      }),
    ]);
    expect(lines).toEqual([
      'STARTED               RESULT                             ENV COMMIT    SOURCE COMMIT  ACTOR    OBJECTS   DURATION',
      '2026-11-24T10:00:00Z  succeeded                          aaaabbbbcccc  3f1c2a9d0000   octocat  1+ 2~ 4-  4.3s',
      '2026-11-23T09:00:00Z  failed (rollback to 0123456789ab)  -             -              -        1+ 2~ 4-  -',
    ]);
  });

  it('is just the header without records', () => {
    expect(historyLines([])).toEqual([
      'STARTED  RESULT  ENV COMMIT  SOURCE COMMIT  ACTOR  OBJECTS  DURATION',
    ]);
  });
});
