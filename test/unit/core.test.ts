import { describe, expect, it } from 'vitest';
import { remoteUrl } from '../../src/commands/bump-manifest.js';
import { commitMessage } from '../../src/core/bump/commit-message.js';
import { describeChange } from '../../src/core/bump/plan.js';
import { backoffDelay, DEFAULT_RETRY, mayRetry } from '../../src/core/bump/retry.js';
import { detectCi } from '../../src/core/ci-env.js';
import { httpsCredentials } from '../../src/core/git-credentials.js';
import { sourceUrlFromRemote } from '../../src/core/git-url.js';
import { parseImageReference } from '../../src/core/image-ref.js';
import { Redactor } from '../../src/output/redact.js';

describe('Redactor', () => {
  it('masks URL credentials and known secret values everywhere', () => {
    const redactor = Redactor.fromEnv({ GITHUB_TOKEN: 'ghp_abcdef123456' });
    expect(
      redactor.redact('fatal: unable to access https://x-access-token:ghp_abcdef123456@github.com/a/b.git'),
    ).toBe('fatal: unable to access https://***@github.com/a/b.git');
    expect(redactor.redact('token=ghp_abcdef123456;')).toBe('token=***;');
    expect(redactor.redactValue({ nested: ['ghp_abcdef123456'] })).toEqual({ nested: ['***'] });
  });

  it('leaves short values alone so ordinary words survive', () => {
    expect(new Redactor(['main']).redact('main branch')).toBe('main branch');
  });
});

describe('git credentials', () => {
  it('passes an origin-scoped header through the environment, never the URL', () => {
    const { env, secrets } = httpsCredentials('https://github.com/acme/env.git', {
      GITHUB_TOKEN: 'ghp_token123',
    });
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraheader',
    });
    const basic = Buffer.from('x-access-token:ghp_token123').toString('base64');
    expect(env.GIT_CONFIG_VALUE_0).toBe(`Authorization: Basic ${basic}`);
    expect(secrets).toEqual(['ghp_token123', basic]);
  });

  it('uses the GitLab job token only for its own server, and appends to existing GIT_CONFIG_*', () => {
    const env = {
      CI_JOB_TOKEN: 'job-token-1',
      CI_SERVER_URL: 'https://gitlab.example.com',
      GIT_CONFIG_COUNT: '2',
    };
    const gitlab = httpsCredentials('https://gitlab.example.com/a/env.git', env);
    expect(gitlab.env.GIT_CONFIG_KEY_2).toBe('http.https://gitlab.example.com/.extraheader');
    const header = String(gitlab.env.GIT_CONFIG_VALUE_2).split(' ')[2] ?? '';
    expect(Buffer.from(header, 'base64').toString()).toBe('gitlab-ci-token:job-token-1');
    expect(httpsCredentials('https://github.com/a/env.git', env).env).toEqual({});
  });

  it('never sends a CI token to another host, or any token in clear text over a network', () => {
    expect(httpsCredentials('https://gitlab.com/a/env.git', { GITHUB_TOKEN: 'ghp_token123' }).env).toEqual(
      {},
    );
    expect(
      httpsCredentials('https://ghe.acme.dev/a/env.git', {
        GITHUB_TOKEN: 'ghp_token123',
        GITHUB_SERVER_URL: 'https://ghe.acme.dev',
      }).secrets,
    ).toContain('ghp_token123');
    expect(
      httpsCredentials('http://git.acme.dev/a/env.git', { KPUSH_GIT_TOKEN: 'kpush-token-1' }).env,
    ).toEqual({});
    expect(
      httpsCredentials('http://127.0.0.1:8080/env.git', { KPUSH_GIT_TOKEN: 'kpush-token-1' }).secrets,
    ).toHaveLength(2);
    expect(
      httpsCredentials('https://any.host/env.git', { KPUSH_GIT_TOKEN: 'kpush-token-1' }).secrets,
    ).toHaveLength(2);
    expect(httpsCredentials('https://u:p@github.com/a.git', { GITHUB_TOKEN: 'ghp_token123' }).env).toEqual(
      {},
    );
    expect(httpsCredentials('git@github.com:acme/env.git', { GITHUB_TOKEN: 'ghp_token123' }).env).toEqual({});
    expect(httpsCredentials('file:///tmp/env.git', { GITHUB_TOKEN: 'ghp_token123' }).env).toEqual({});
  });
});

describe('source URLs', () => {
  it.each([
    ['git@github.com:acme/api.git', 'https://github.com/acme/api'],
    ['https://token@gitlab.com/group/sub/api.git', 'https://gitlab.com/group/sub/api'],
    ['ssh://git@github.com/acme/api', 'https://github.com/acme/api'],
    ['/srv/git/api.git', null],
    ['file:///srv/git/api.git', null],
  ])('%s → %s', (remote, url) => {
    expect(sourceUrlFromRemote(remote)).toBe(url);
  });
});

describe('commit message', () => {
  const targets = [parseImageReference('ghcr.io/acme/api:sha-3f1c2a9')];
  const changes = [
    {
      file: 'apps/api.yaml',
      line: 21,
      kind: 'image' as const,
      repository: 'ghcr.io/acme/api',
      old: 'ghcr.io/acme/api:sha-0000000',
      new: 'ghcr.io/acme/api:sha-3f1c2a9',
    },
  ];
  const ci = detectCi({
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_RUN_ID: '99',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
  });

  it('names the bump, lists each change and ends with traceable trailers', () => {
    const sourceTime = new Date('2026-11-24T09:30:00Z');
    expect(commitMessage({ targets, changes, ci, sourceTime })).toBe(
      [
        'deploy: bump ghcr.io/acme/api to sha-3f1c2a9',
        '',
        '- apps/api.yaml:21 ghcr.io/acme/api:sha-0000000 -> ghcr.io/acme/api:sha-3f1c2a9',
        '',
        'Kpush-Source-Repo: https://github.com/acme/api',
        `Kpush-Source-Commit: ${'a'.repeat(40)}`,
        'Kpush-Source-Time: 2026-11-24T09:30:00Z',
        'Kpush-CI-Run: https://github.com/acme/api/actions/runs/99',
        'Kpush-Actor: octocat',
        'Kpush-Image: ghcr.io/acme/api:sha-3f1c2a9',
        '',
      ].join('\n'),
    );
  });

  it('renders a --message template and keeps the trailers', () => {
    const message = commitMessage(
      { targets, changes, ci },
      'chore(prod): {{images}} from {{sourceRepo}}@{{sourceCommit}}',
    );
    expect(message.split('\n')[0]).toBe(
      `chore(prod): ghcr.io/acme/api:sha-3f1c2a9 from acme/api@${'a'.repeat(40)}`,
    );
    expect(message).toMatch(/\nKpush-Actor: octocat\nKpush-Image: ghcr.io\/acme\/api:sha-3f1c2a9\n$/);
  });
});

describe('push retry policy', () => {
  it('grows the jitter ceiling exponentially up to the cap', () => {
    expect(backoffDelay(DEFAULT_RETRY, 1, 0.999)).toBe(24);
    expect(backoffDelay(DEFAULT_RETRY, 3, 0.999)).toBe(99);
    expect(backoffDelay(DEFAULT_RETRY, 10, 0.999)).toBe(399);
    expect(backoffDelay(DEFAULT_RETRY, 10, 0)).toBe(0);
  });

  it('stops at the attempt limit or the deadline', () => {
    const policy = { ...DEFAULT_RETRY, maxAttempts: 3, deadlineMs: 1000 };
    expect(mayRetry(policy, 2, 10)).toBe(true);
    expect(mayRetry(policy, 3, 10)).toBe(false);
    expect(mayRetry(policy, 1, 1000)).toBe(false);
  });
});

describe('change descriptions', () => {
  it('names the image when only a tag changed', () => {
    const base = {
      file: 'values.yaml',
      line: 6,
      kind: 'helm-values' as const,
      repository: 'ghcr.io/acme/worker',
    };
    expect(describeChange({ ...base, old: '1.4.0', new: '1.5.0' })).toBe(
      'values.yaml:6 ghcr.io/acme/worker 1.4.0 -> 1.5.0',
    );
    expect(describeChange({ ...base, old: 'sha256:abc', new: '' })).toBe(
      'values.yaml:6 ghcr.io/acme/worker sha256:abc -> (removed)',
    );
    expect(
      describeChange({ ...base, kind: 'image', old: 'ghcr.io/acme/worker:1', new: 'ghcr.io/acme/worker:2' }),
    ).toBe('values.yaml:6 ghcr.io/acme/worker:1 -> ghcr.io/acme/worker:2');
  });
});

describe('--repo forms', () => {
  it('keeps URLs and scp-like remotes, turns existing local paths into file:// URLs', () => {
    expect(remoteUrl('https://github.com/acme/env.git', '/')).toBe('https://github.com/acme/env.git');
    expect(remoteUrl('git@github.com:acme/env.git', '/')).toBe('git@github.com:acme/env.git');
    expect(remoteUrl('github.com:acme/env.git', '/')).toBe('github.com:acme/env.git');
    expect(remoteUrl('tmp', '/')).toBe('file:///tmp');
    expect(() => remoteUrl('no/such/dir', '/')).toThrow(/no such directory/);
  });
});
