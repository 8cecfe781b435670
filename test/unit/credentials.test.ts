import { describe, expect, it } from 'vitest';
import { forgeApiToken, httpsCredentials } from '../../src/core/git-credentials.js';
import { Redactor } from '../../src/output/redact.js';

const TOKEN = { KPUSH_GIT_TOKEN: 'kpush-token-1' };

describe('plain-http loopback', () => {
  it('is only 127.0.0.0/8 literals, ::1 and localhost', () => {
    for (const url of [
      'http://127.0.0.1:8080/env.git',
      'http://127.255.3.4/env.git',
      'http://127.0.10.200/env.git',
      'http://localhost:3000/env.git',
      'http://[::1]:3000/env.git',
      'http://[0:0:0:0:0:0:0:1]/env.git',
    ]) {
      expect(httpsCredentials(url, TOKEN).secrets, url).toHaveLength(2);
    }
    for (const url of [
      'http://127.attacker.example/env.git',
      'http://127.0.0.1.nip.io/env.git',
      'http://127.0.0.1.attacker.example:8080/env.git',
      'http://localhost.attacker.example/env.git',
      'http://[::2]/env.git',
      'http://10.0.0.1/env.git',
    ]) {
      expect(httpsCredentials(url, TOKEN).env, url).toEqual({});
    }
  });
});

describe('token-bearing git runs', () => {
  it('do not follow redirects, so the header cannot move to another origin', () => {
    const { env } = httpsCredentials('https://git.acme.dev/env.git', TOKEN);
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_1: 'http.followRedirects',
      GIT_CONFIG_VALUE_1: 'false',
    });
  });
});

describe('an empty KPUSH_GIT_TOKEN', () => {
  it('is named when a CI job token is sent in its place', () => {
    const credentials = httpsCredentials('https://gitlab.acme.dev/env.git', {
      KPUSH_GIT_TOKEN: '',
      CI_JOB_TOKEN: 'job-token-1',
      CI_SERVER_URL: 'https://gitlab.acme.dev',
    });
    expect(credentials.secrets).toContain('job-token-1');
    expect(credentials.warning).toBe('KPUSH_GIT_TOKEN is set but empty: sending CI_JOB_TOKEN instead');
    expect(credentials.authHint).toBe(
      'KPUSH_GIT_TOKEN is set but empty — a protected variable on an unprotected branch? CI_JOB_TOKEN cannot push to another project',
    );
  });

  it('is named when no token at all is sent', () => {
    const credentials = httpsCredentials('https://git.acme.dev/env.git', { KPUSH_GIT_TOKEN: '' });
    expect(credentials.secrets).toEqual([]);
    expect(credentials.warning).toMatch(/KPUSH_GIT_TOKEN is set but empty: no token is sent/);
  });

  it('says nothing when the variable is unset or filled', () => {
    expect(httpsCredentials('https://git.acme.dev/env.git', TOKEN).warning).toBeNull();
    expect(httpsCredentials('https://git.acme.dev/env.git', {}).warning).toBeNull();
  });
});

describe('--json redaction', () => {
  it('masks secrets that JSON would escape', () => {
    const redactor = new Redactor(['pa"ss\\word-1', 'tab\there-22']);
    const out = JSON.stringify(
      redactor.redactValue({ message: 'token pa"ss\\word-1 and tab\there-22', list: ['pa"ss\\word-1'] }),
    );
    expect(out).not.toContain('ss\\\\word');
    expect(out).not.toContain('here-22');
    expect(JSON.parse(out)).toEqual({ message: 'token *** and ***', list: ['***'] });
  });
});

describe('a secret in percent-encoded form', () => {
  it('is masked as well, as git and URLs print it', () => {
    const secret = 'glpat-a/b+c@d:e=f';
    const redactor = new Redactor([secret]);
    const encoded = encodeURIComponent(secret);
    expect(encoded).toBe('glpat-a%2Fb%2Bc%40d%3Ae%3Df');
    expect(redactor.redact(`fatal: unable to access 'https://git.acme.dev/env.git?token=${encoded}'`)).toBe(
      "fatal: unable to access 'https://git.acme.dev/env.git?token=***'",
    );
    expect(redactor.redactValue({ url: `…/info/refs?t=${encoded}&x=1` })).toEqual({
      url: '…/info/refs?t=***&x=1',
    });
    expect(redactor.redact(`raw ${secret}`)).toBe('raw ***');
  });
});

describe('the Authorization header', () => {
  const user = (env: NodeJS.ProcessEnv) => {
    const value = String(httpsCredentials('https://git.acme.dev/env.git', env).env.GIT_CONFIG_VALUE_0);
    return Buffer.from(value.replace('Authorization: Basic ', ''), 'base64').toString();
  };

  it('sends KPUSH_GIT_TOKEN as x-access-token, or as KPUSH_GIT_USERNAME', () => {
    expect(user(TOKEN)).toBe('x-access-token:kpush-token-1');
    expect(user({ ...TOKEN, KPUSH_GIT_USERNAME: 'deploy-bot' })).toBe('deploy-bot:kpush-token-1');
  });

  it('is never sent over another protocol, loopback or not', () => {
    expect(httpsCredentials('ftp://127.0.0.1/env.git', TOKEN).env).toEqual({});
  });

  it('needs the GitLab job token itself, not only its server', () => {
    expect(
      httpsCredentials('https://gitlab.acme.dev/env.git', { CI_SERVER_URL: 'https://gitlab.acme.dev' }).env,
    ).toEqual({});
    expect(httpsCredentials('https://gitlab.acme.dev/env.git', { CI_JOB_TOKEN: 'job-token-1' }).env).toEqual(
      {},
    );
  });
});

describe('an empty KPUSH_GIT_TOKEN, the hints', () => {
  it('says why GITHUB_TOKEN may be refused', () => {
    const credentials = httpsCredentials('https://github.com/acme/env.git', {
      KPUSH_GIT_TOKEN: '',
      GITHUB_TOKEN: 'ghs-token-1',
    });
    expect(credentials.warning).toBe('KPUSH_GIT_TOKEN is set but empty: sending GITHUB_TOKEN instead');
    expect(credentials.authHint).toBe(
      'KPUSH_GIT_TOKEN is set but empty — a secret this workflow cannot read (a fork, Dependabot)? GITHUB_TOKEN can only push to its own repository',
    );
  });

  it('says what to do when nothing is sent', () => {
    const credentials = httpsCredentials('git@git.acme.dev:env.git', { KPUSH_GIT_TOKEN: '' });
    expect(credentials).toEqual({
      env: {},
      secrets: [],
      warning: 'KPUSH_GIT_TOKEN is set but empty: no token is sent',
      authHint:
        'KPUSH_GIT_TOKEN is set but empty — a protected or secret variable this job cannot read? Set it for this branch, or use SSH',
    });
  });
});

describe('forgeApiToken, where the token may go', () => {
  const env = { KPUSH_GIT_TOKEN: 'tok-123456' };

  it('refuses any protocol but https and loopback http, naming the origin', () => {
    expect(forgeApiToken('ftp://127.0.0.1/api/v1', '127.0.0.1', env)).toEqual({
      refused: 'ftp://127.0.0.1 is plain http and not loopback: kpush sends no token in clear text',
    });
    expect(forgeApiToken('http://git.acme.test/api/v1', 'git.acme.test', env)).toEqual({
      refused: 'http://git.acme.test is plain http and not loopback: kpush sends no token in clear text',
    });
  });

  it('allows api.github.com for github.com only', () => {
    expect(forgeApiToken('https://evil.test', 'github.com', env)).toEqual({
      refused: "the API at evil.test is not on the repository's host github.com",
    });
    expect(forgeApiToken('https://api.github.com', 'gitlab.com', env)).toEqual({
      refused: "the API at api.github.com is not on the repository's host gitlab.com",
    });
  });

  it('is nothing when no token is there for the host', () => {
    expect(forgeApiToken('https://git.acme.test/api/v4', 'git.acme.test', {})).toBeNull();
  });
});
