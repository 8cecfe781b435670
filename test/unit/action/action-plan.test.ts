import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgsSyntaxError, splitArgs } from '../../../src/action/args.js';
import { kubeconfigSecrets } from '../../../src/action/kubeconfig.js';
import {
  type ActionInputs,
  actionOutcome,
  commandArgv,
  errorAnnotations,
  InputError,
} from '../../../src/action/plan.js';

describe('splitArgs (the args input)', () => {
  it.each([
    ['', []],
    ['--max-attempts 3', ['--max-attempts', '3']],
    [
      `--message 'deploy {{images}}'  --author "CI Bot <ci@example.test>"`,
      ['--message', 'deploy {{images}}', '--author', 'CI Bot <ci@example.test>'],
    ],
    ['--path a\n--path b\\\n-c', ['--path', 'a', '--path', 'b-c']],
    [`"a \\"b\\" \\$HOME" 'it''s' x\\ y`, ['a "b" $HOME', 'its', 'x y']],
    ['$HOME * ~ `id` ; rm -rf /', ['$HOME', '*', '~', '`id`', ';', 'rm', '-rf', '/']],
    [`'' ""`, ['', '']],
    [`"a\\nb"`, ['a\\nb']],
  ])('%j → %j', (text, words) => {
    expect(splitArgs(text)).toEqual(words);
  });

  it.each([`'open`, `"open`, 'end\\'])('refuses %j', (text) => {
    expect(() => splitArgs(text)).toThrow(ArgsSyntaxError);
  });

  it('gives back any words quoted the way a shell script would quote them', () => {
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' })),
        fc.constantFrom(' ', '\n', ' \t '),
        (words, gap) => {
          expect(splitArgs(words.map(quote).join(gap))).toEqual(words);
        },
      ),
    );
  });
});

const base: ActionInputs = {
  command: 'build-tag',
  strategy: '',
  buildContext: '',
  repo: '',
  images: [],
  paths: [],
  branch: '',
  dryRun: false,
  app: '',
  dir: '',
  path: '',
  namespace: '',
  contexts: [],
  kubeconfigFile: '',
  auditFile: '',
  verbose: false,
  args: [],
};

describe('commandArgv', () => {
  it('maps each command’s inputs to flags, then appends args', () => {
    expect(
      commandArgv({ ...base, strategy: 'content', buildContext: 'api', dir: 'app', verbose: true }),
    ).toEqual([
      'build-tag',
      '--json',
      '--verbose',
      '--strategy',
      'content',
      '--context',
      'api',
      '--cwd',
      'app',
    ]);
    expect(
      commandArgv({
        ...base,
        command: 'bump-manifest',
        repo: 'https://example.test/env.git',
        images: ['a:1', 'b:2'],
        paths: ['x', 'y'],
        branch: 'main',
        dryRun: true,
        args: ['--message', 'm'],
      }),
    ).toEqual([
      'bump-manifest',
      '--json',
      '--repo',
      'https://example.test/env.git',
      '--image',
      'a:1',
      '--image',
      'b:2',
      '--path',
      'x',
      '--path',
      'y',
      '--branch',
      'main',
      '--dry-run',
      '--message',
      'm',
    ]);
    expect(
      commandArgv({
        ...base,
        command: 'deploy',
        dir: 'env',
        path: 'overlays/prod',
        app: 'shop',
        contexts: ['eu', 'us'],
        kubeconfigFile: '/tmp/k/config',
        auditFile: '/tmp/audit.jsonl',
      }),
    ).toEqual([
      'deploy',
      '--json',
      'env',
      '--path',
      'overlays/prod',
      '--app',
      'shop',
      '--kubeconfig',
      '/tmp/k/config',
      '--context',
      'eu',
      '--context',
      'us',
      '--audit-file',
      '/tmp/audit.jsonl',
    ]);
    expect(
      commandArgv({
        ...base,
        command: 'rollback',
        repo: 'env.git',
        branch: 'main',
        app: 'shop',
        args: ['--steps', '2'],
      }),
    ).toEqual([
      'rollback',
      '--json',
      '--repo',
      'env.git',
      '--branch',
      'main',
      '--app',
      'shop',
      '--steps',
      '2',
    ]);
    expect(commandArgv({ ...base, command: 'drift', app: 'shop', dir: 'env' })).toEqual([
      'drift',
      '--json',
      'env',
      '--app',
      'shop',
    ]);
  });

  it('refuses inputs the command does not take, naming them as action.yml does', () => {
    expect(() => commandArgv({ ...base, images: ['a:1'], dryRun: true })).toThrow(
      new InputError('build-tag does not take the inputs images, dry-run; pass other flags through args'),
    );
    expect(() => commandArgv({ ...base, command: 'history', app: 'a', contexts: ['x', 'y'] })).toThrow(
      new InputError('history reads one cluster: give one context'),
    );
    expect(() => commandArgv({ ...base, command: 'rollback', app: 'a', contexts: ['x', 'y'] })).toThrow(
      InputError,
    );
  });
});

describe('actionOutcome', () => {
  const options = { failOnDrift: true, auditFile: '' };

  it('maps bump-manifest results to outputs', () => {
    const outcome = actionOutcome(
      'bump-manifest',
      0,
      {
        status: 'pushed',
        commit: 'abc',
        branch: 'main',
        changes: [{ file: 'a.yaml' }, { file: 'b.yaml' }, { file: 'a.yaml' }],
      },
      options,
    );
    expect(outcome.failure).toBeNull();
    expect(outcome.outputs).toMatchObject({
      status: 'pushed',
      commit: 'abc',
      branch: 'main',
      'changed-files': 'a.yaml\nb.yaml',
      'exit-code': '0',
    });
  });

  it('drift: exit 3 is status drift, and fails the step unless fail-on-drift is off', () => {
    const drift = actionOutcome('drift', 3, {}, options);
    expect(drift.outputs.status).toBe('drift');
    expect(drift.failure).toMatch(/differs/);
    const tolerated = actionOutcome('drift', 3, {}, { ...options, failOnDrift: false });
    expect(tolerated.outputs.status).toBe('drift');
    expect(tolerated.failure).toBeNull();
    expect(actionOutcome('drift', 0, {}, options)).toMatchObject({
      outputs: { status: 'in-sync' },
      failure: null,
    });
    expect(actionOutcome('drift', 1, { error: {} }, { ...options, failOnDrift: false })).toMatchObject({
      outputs: { status: 'failed' },
      failure: 'kpush drift failed (exit 1)',
    });
  });

  it('deploy: the record’s result, any failed cluster wins, and the audit file', () => {
    const records = { records: [{ result: 'succeeded', envRepo: { commit: 'e1' } }, { result: 'failed' }] };
    expect(
      actionOutcome('deploy', 1, records, { ...options, auditFile: '/t/a.jsonl' }).outputs,
    ).toMatchObject({
      status: 'failed',
      commit: 'e1',
      'audit-record': '/t/a.jsonl',
    });
  });

  it('any other non-zero exit fails the step', () => {
    expect(actionOutcome('build-tag', 2, { error: {} }, options)).toMatchObject({
      outputs: { status: 'failed', 'exit-code': '2' },
      failure: 'kpush build-tag failed (exit 2)',
    });
  });
});

describe('errorAnnotations', () => {
  it('points a YAML syntax error at file, line and column', () => {
    const error = {
      code: 'E_YAML_SYNTAX',
      message: 'a.yaml:3:7: bad',
      hint: 'fix it',
      file: 'a.yaml',
      line: 3,
      column: 7,
    };
    expect(errorAnnotations({ error })).toEqual([
      { message: 'a.yaml:3:7: bad — fix it', file: 'a.yaml', line: 3, column: 7 },
    ]);
  });

  it('gives each manifest problem its own annotation', () => {
    const problems = [
      { file: 'a.yaml', line: 1, message: 'missing kind' },
      { file: 'b.yaml', line: 9, message: 'duplicate' },
    ];
    expect(errorAnnotations({ error: { code: 'E_MANIFEST_INVALID', message: 'm', problems } })).toEqual(
      problems,
    );
  });

  it('has nothing to say about a success', () => {
    expect(errorAnnotations({ tag: 'x' })).toEqual([]);
    expect(errorAnnotations(undefined)).toEqual([]);
  });
});

describe('kubeconfigSecrets', () => {
  it('finds tokens, passwords, client keys and certificates, auth-provider and exec credentials', () => {
    const kubeconfig = `
users:
  - name: a
    user: { token: tok-123456, client-key-data: KEYDATA, client-certificate-data: CERTDATA }
  - name: b
    user: { username: admin, password: hunter22 }
  - name: c
    user:
      auth-provider: { name: oidc, config: { id-token: idtok1, refresh-token: reftok1, client-id: public } }
  - name: d
    user:
      exec: { command: aws, env: [{ name: AWS_SECRET, value: s3cr3t-value }] }
clusters:
  - name: x
    cluster: { server: https://k.example.test, certificate-authority-data: CADATA }
`;
    expect(kubeconfigSecrets(kubeconfig)).toEqual({
      secrets: ['tok-123456', 'KEYDATA', 'CERTDATA', 'hunter22', 'idtok1', 'reftok1', 's3cr3t-value'],
      problem: null,
    });
  });

  it('masks every line of content that is not YAML, and says so without quoting it', () => {
    const result = kubeconfigSecrets('users:\n  - user: {token: abc\n    secret-line-here\n');
    expect(result.secrets).toEqual(['users:', '- user: {token: abc', 'secret-line-here']);
    expect(result.problem).toMatch(/^the kubeconfig input is not valid YAML/);
    expect(result.problem).not.toContain('abc');
  });
});
