import { describe, expect, it } from 'vitest';
import { sourceUrlFromRemote, withoutCredentials } from '../../src/core/git-url.js';

describe('the browsable URL of a remote', () => {
  it.each([
    ['git@github.com:acme/api.git', 'https://github.com/acme/api'],
    ['git@github.com:acme/api', 'https://github.com/acme/api'],
    ['git@gitlab.acme.dev:group/sub/api.git/', 'https://gitlab.acme.dev/group/sub/api'],
    ['https://x-access-token:t0ken@github.com/acme/api.git', 'https://github.com/acme/api'],
    ['http://gitea.local/acme/api/', 'https://gitea.local/acme/api'],
    ['ssh://git@github.com:22/acme/api.git', 'https://github.com/acme/api'],
    ['git://git.kernel.org/pub/linux.git', 'https://git.kernel.org/pub/linux'],
    ['https://github.com/acme/api.github.io', 'https://github.com/acme/api.github.io'],
  ])('%s → %s', (remote, url) => {
    expect(sourceUrlFromRemote(remote)).toBe(url);
  });

  it.each([
    null,
    '',
    '/srv/git/api.git',
    '../api',
    'file:///srv/git/api.git',
    'ftp://host/api.git',
    'not a url',
  ])('%j has none', (remote) => {
    expect(sourceUrlFromRemote(remote)).toBeNull();
  });
});

describe('a remote shown in messages', () => {
  it.each([
    ['https://x-access-token:ghp_secret@github.com/acme/env.git', 'https://github.com/acme/env.git'],
    ['HTTPS://token@GitHub.com/acme/env.git', 'HTTPS://GitHub.com/acme/env.git'],
    ['ssh://git@host:2222/env.git', 'ssh://host:2222/env.git'],
    ['git+ssh://deploy@host/env.git', 'git+ssh://host/env.git'],
    ['https://github.com/acme/env.git', 'https://github.com/acme/env.git'],
    ['https://github.com/acme/env@v1.git', 'https://github.com/acme/env@v1.git'],
    ['git@github.com:acme/env.git', 'git@github.com:acme/env.git'],
    ['/srv/git/env.git', '/srv/git/env.git'],
  ])('%s → %s', (remote, shown) => {
    expect(withoutCredentials(remote)).toBe(shown);
  });
});
