import { describe, expect, it } from 'vitest';
import { detectCi } from '../../src/core/ci-env.js';
import { identityEnv, parseIdentity } from '../../src/core/git-identity.js';
import { UsageError } from '../../src/errors.js';

describe('--author', () => {
  it.each([
    ['Deploy Bot <deploy@acme.dev>', { name: 'Deploy Bot', email: 'deploy@acme.dev' }],
    ['  Deploy Bot   <deploy@acme.dev>  ', { name: 'Deploy Bot', email: 'deploy@acme.dev' }],
    ['Jane Q. Doe <jane+ci@sub.acme.dev>', { name: 'Jane Q. Doe', email: 'jane+ci@sub.acme.dev' }],
  ])('reads %j', (text, identity) => {
    expect(parseIdentity(text)).toEqual(identity);
  });

  it.each([
    ['<deploy@acme.dev>', /has no name/],
    ['   <deploy@acme.dev>', /has no name/],
    ['Deploy Bot', /is not of the form "Name <email>"/],
    ['Deploy Bot <deploy>', /is not of the form/],
    ['Deploy Bot <deploy@acme.dev> trailing', /is not of the form/],
    ['Deploy <Bot> <deploy@acme.dev>', /is not of the form/],
    ['Deploy Bot <de ploy@acme.dev>', /is not of the form/],
  ])('refuses %j as a usage error', (text, reason) => {
    expect(() => parseIdentity(text)).toThrow(UsageError);
    expect(() => parseIdentity(text)).toThrow(reason);
  });

  it.each([
    ['<deploy@acme.dev>', '--author "<deploy@acme.dev>" has no name'],
    ['Deploy Bot', '--author "Deploy Bot" is not of the form "Name <email>"'],
  ])('shows an example when refusing %j', (text, message) => {
    let error: unknown;
    try {
      parseIdentity(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ message, hint: 'e.g. --author "Deploy Bot <deploy@acme.dev>"' });
  });
});

describe('who commits', () => {
  const flag = { name: 'Flag', email: 'flag@acme.dev' };
  const configured = { name: 'Configured', email: 'configured@acme.dev' };
  const github = detectCi({ GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat', GITHUB_ACTOR_ID: '583231' });
  const none = detectCi({});
  const as = (name: string, email: string) => ({
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  });

  it('is --author, then the git configuration, then the CI actor, then a neutral kpush identity', () => {
    expect(identityEnv(flag, configured, github, {})).toEqual(as('Flag', 'flag@acme.dev'));
    expect(identityEnv(null, configured, github, {})).toEqual(as('Configured', 'configured@acme.dev'));
    expect(identityEnv(null, null, github, {})).toEqual(
      as('octocat', '583231+octocat@users.noreply.github.com'),
    );
    expect(identityEnv(null, null, none, {})).toEqual(as('kpush', 'kpush@localhost'));
  });

  it("keeps the user's own committer, and only when it is set", () => {
    expect(
      identityEnv(flag, null, none, { GIT_COMMITTER_NAME: 'Robot', GIT_COMMITTER_EMAIL: 'robot@acme.dev' }),
    ).toEqual({
      GIT_AUTHOR_NAME: 'Flag',
      GIT_AUTHOR_EMAIL: 'flag@acme.dev',
      GIT_COMMITTER_NAME: 'Robot',
      GIT_COMMITTER_EMAIL: 'robot@acme.dev',
    });
    expect(identityEnv(flag, null, none, { GIT_COMMITTER_NAME: '', GIT_COMMITTER_EMAIL: '' })).toEqual(
      as('Flag', 'flag@acme.dev'),
    );
  });
});
