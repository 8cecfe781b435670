import { describe, expect, it } from 'vitest';
import {
  checkPullRequestBranch,
  defaultPullRequestBranch,
  locateForge,
  pullRequestStart,
  pullRequestText,
} from '../../src/core/bump/pull-request.js';
import { forgeApiToken } from '../../src/core/git-credentials.js';
import { parseImageReference } from '../../src/core/image-ref.js';
import { UsageError } from '../../src/errors.js';

const images = (...refs: string[]) => refs.map(parseImageReference);

describe('locateForge', () => {
  it('knows github.com and gitlab.com by name, in https, ssh and scp-like URLs', () => {
    expect(locateForge('https://github.com/acme/env.git', {}, {})).toEqual({
      kind: 'github',
      apiUrl: 'https://api.github.com',
      project: 'acme/env',
      repoHost: 'github.com',
    });
    expect(locateForge('git@github.com:acme/env.git', {}, {})).toMatchObject({
      kind: 'github',
      project: 'acme/env',
    });
    expect(locateForge('ssh://git@gitlab.com/group/sub/env.git', {}, {})).toEqual({
      kind: 'gitlab',
      apiUrl: 'https://gitlab.com/api/v4',
      project: 'group/sub/env',
      repoHost: 'gitlab.com',
    });
  });

  it("recognises the CI system's own server and takes its API URL", () => {
    const ghes = {
      GITHUB_SERVER_URL: 'https://ghe.acme.test',
      GITHUB_API_URL: 'https://ghe.acme.test/api/v3',
    };
    expect(locateForge('https://ghe.acme.test/acme/env', {}, ghes)).toMatchObject({
      kind: 'github',
      apiUrl: 'https://ghe.acme.test/api/v3',
    });
    const gitlab = { CI_SERVER_URL: 'https://git.acme.test', CI_API_V4_URL: 'https://git.acme.test/api/v4' };
    expect(locateForge('https://git.acme.test/ops/env.git', {}, gitlab)).toMatchObject({
      kind: 'gitlab',
      apiUrl: 'https://git.acme.test/api/v4',
    });
  });

  it('needs --forge for an unknown host, and then derives the API from the remote', () => {
    expect(() => locateForge('https://code.acme.test/ops/env.git', {}, {})).toThrow(
      /cannot tell which forge serves code.acme.test/,
    );
    expect(locateForge('https://code.acme.test/ops/env.git', { forge: 'gitea' }, {})).toMatchObject({
      apiUrl: 'https://code.acme.test/api/v1',
      project: 'ops/env',
    });
    expect(locateForge('http://127.0.0.1:3000/ops/env.git', { forge: 'github' }, {}).apiUrl).toBe(
      'http://127.0.0.1:3000/api/v3',
    );
  });

  it('strips a forge sub-path named by --api-url from the project path', () => {
    const location = locateForge(
      'https://code.acme.test/git/ops/env.git',
      { forge: 'gitea', apiUrl: 'https://code.acme.test/git/api/v1/' },
      {},
    );
    expect(location).toMatchObject({ apiUrl: 'https://code.acme.test/git/api/v1', project: 'ops/env' });
  });

  it('refuses remotes that are no forge', () => {
    expect(() => locateForge('file:///srv/env.git', {}, {})).toThrow(UsageError);
    expect(() => locateForge('https://github.com/env.git', {}, {})).toThrow(/owner and a repository/);
  });
});

describe('forgeApiToken', () => {
  const env = { KPUSH_GIT_TOKEN: 'tok-123456' };
  it('sends the token only to the repository host (github.com: api.github.com)', () => {
    expect(forgeApiToken('https://api.github.com', 'github.com', env)).toEqual({
      token: 'tok-123456',
      variable: 'KPUSH_GIT_TOKEN',
    });
    expect(forgeApiToken('https://git.acme.test/api/v4', 'git.acme.test', env)).toMatchObject({
      token: 'tok-123456',
    });
    expect(forgeApiToken('https://evil.test/api/v4', 'git.acme.test', env)).toEqual({
      refused: "the API at evil.test is not on the repository's host git.acme.test",
    });
  });

  it('never over plain http except loopback', () => {
    expect(forgeApiToken('http://git.acme.test/api/v1', 'git.acme.test', env)).toHaveProperty('refused');
    expect(forgeApiToken('http://127.0.0.1:3000/api/v1', '127.0.0.1:3000', env)).toMatchObject({
      token: 'tok-123456',
    });
  });

  it('keeps CI tokens to their own server', () => {
    expect(forgeApiToken('https://api.github.com', 'github.com', { GITHUB_TOKEN: 'ghs-abcdef' })).toEqual({
      token: 'ghs-abcdef',
      variable: 'GITHUB_TOKEN',
    });
    expect(
      forgeApiToken('https://gitlab.com/api/v4', 'gitlab.com', { GITHUB_TOKEN: 'ghs-abcdef' }),
    ).toBeNull();
    const gitlabJob = { CI_JOB_TOKEN: 'job-abcdef', CI_SERVER_URL: 'https://gitlab.com' };
    expect(forgeApiToken('https://gitlab.com/api/v4', 'gitlab.com', gitlabJob)).toEqual({
      token: 'job-abcdef',
      variable: 'CI_JOB_TOKEN',
    });
  });
});

describe('defaultPullRequestBranch', () => {
  it('is kpush/<image>-<env> from the last segments of the image and the first --path', () => {
    expect(defaultPullRequestBranch(images('ghcr.io/acme/api:1.2.0'), ['overlays/staging'])).toBe(
      'kpush/api-staging',
    );
    expect(defaultPullRequestBranch(images('nginx:1.27'), [])).toBe('kpush/nginx-main');
    expect(defaultPullRequestBranch(images('ghcr.io/acme/api:1'), ['apps/prod/values.yaml', 'other'])).toBe(
      'kpush/api-prod',
    );
  });

  it('does not depend on the order of --image, and yields a valid branch name', () => {
    const one = defaultPullRequestBranch(images('ghcr.io/acme/web:2', 'ghcr.io/acme/api:1'), [
      'envs/Prod EU',
    ]);
    const other = defaultPullRequestBranch(images('ghcr.io/acme/api:1', 'ghcr.io/acme/web:2'), [
      'envs/Prod EU',
    ]);
    expect(one).toBe('kpush/api+web-prod-eu');
    expect(other).toBe(one);
    expect(
      checkPullRequestBranch(
        defaultPullRequestBranch(images('ghcr.io/acme/api:1'), ['.x./..weird../@{1}']),
        'main',
      ),
    ).toMatch(/^kpush\/[a-z0-9.+-]+-[a-z0-9.+-]+$/);
  });
});

describe('checkPullRequestBranch', () => {
  it.each(['', 'a..b', 'a b', 'x:y', 'end.lock', '-x', 'a//b', 'trail/', 'a@{1}', 'q?'])(
    'refuses %j',
    (name) => {
      expect(() => checkPullRequestBranch(name, 'main')).toThrow(UsageError);
    },
  );
  it('refuses the base branch itself', () => {
    expect(() => checkPullRequestBranch('main', 'main')).toThrow(/the branch the pull request targets/);
    expect(checkPullRequestBranch('kpush/api-staging', 'main')).toBe('kpush/api-staging');
  });
});

describe('pullRequestText', () => {
  const message = [
    'deploy: bump ghcr.io/acme/api to 1.2.0',
    '',
    '- overlays/staging/deployment.yaml:10 ghcr.io/acme/api:1.1.0 -> ghcr.io/acme/api:1.2.0',
    '',
    'Kpush-Source-Repo: https://github.com/acme/api',
    `Kpush-Source-Commit: ${'c'.repeat(40)}`,
    'Kpush-CI-Run: https://github.com/acme/api/actions/runs/1',
    'Kpush-Actor: octocat',
    '',
  ].join('\n');

  it('carries the subject as title and the changes and provenance as body', () => {
    const text = pullRequestText(message, 'kpush/api-staging');
    expect(text.title).toBe('deploy: bump ghcr.io/acme/api to 1.2.0');
    expect(text.body).toBe(
      [
        '- overlays/staging/deployment.yaml:10 ghcr.io/acme/api:1.1.0 -> ghcr.io/acme/api:1.2.0',
        '',
        '- Kpush-Source-Repo: https://github.com/acme/api',
        `- Kpush-Source-Commit: ${'c'.repeat(40)}`,
        '- Kpush-CI-Run: https://github.com/acme/api/actions/runs/1',
        '- Kpush-Actor: octocat',
        '',
        '---',
        'Opened by `kpush bump-manifest --pull-request`; later bumps of the same images and paths update this pull request (branch `kpush/api-staging`).',
      ].join('\n'),
    );
  });
});

describe('pullRequestStart', () => {
  it('stacks on an open pull request without force, else starts from the base with a lease', () => {
    const open = { number: 7, url: 'https://x/7' };
    expect(pullRequestStart(open, null)).toEqual({ kind: 'update', pullRequest: open });
    expect(pullRequestStart(null, null)).toEqual({ kind: 'open', lease: { expected: null } });
    expect(pullRequestStart(null, 'a'.repeat(40))).toEqual({
      kind: 'open',
      lease: { expected: 'a'.repeat(40) },
    });
  });
});

/** The UsageError `action` throws, to check its message and hint. */
function usageError(action: () => unknown): UsageError {
  try {
    action();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('locateForge, remote forms', () => {
  it('reads scp-like remotes with and without a user, and ssh:// URLs', () => {
    expect(locateForge('github.com:acme/env.git', {}, {})).toEqual({
      kind: 'github',
      apiUrl: 'https://api.github.com',
      project: 'acme/env',
      repoHost: 'github.com',
    });
    expect(locateForge('git@code.acme.test:ops/env.git', { forge: 'gitea' }, {})).toEqual({
      kind: 'gitea',
      apiUrl: 'https://code.acme.test/api/v1',
      project: 'ops/env',
      repoHost: 'code.acme.test',
    });
    expect(locateForge('ssh://git@code.acme.test:2222/ops/env.git', { forge: 'gitlab' }, {})).toEqual({
      kind: 'gitlab',
      apiUrl: 'https://code.acme.test/api/v4',
      project: 'ops/env',
      repoHost: 'code.acme.test',
    });
  });

  it.each([
    '/srv/git/env.git',
    './repos/github.com:acme/env.git',
    'git://github.com/acme/env.git',
    'git@github.com:acme/env.git\nmore',
  ])('refuses %j, naming it, with a hint', (url) => {
    const error = usageError(() => locateForge(url, {}, {}));
    expect(error.message).toBe(`--pull-request needs a forge's https or ssh URL as --repo, not ${url}`);
    expect(error.hint).toBe(
      'Pull requests are opened through GitHub, GitLab or Gitea: pass the repository URL they serve.',
    );
  });

  it('says how to name the forge of an unknown host', () => {
    const error = usageError(() => locateForge('git@code.acme.test:ops/env.git', {}, {}));
    expect(error.message).toBe('cannot tell which forge serves code.acme.test');
    expect(error.hint).toBe('Pass --forge github|gitlab|gitea (and --api-url for a self-hosted one).');
  });

  it('takes the CI API URL only for the CI server itself', () => {
    const github = {
      GITHUB_SERVER_URL: 'https://ghe.acme.test',
      GITHUB_API_URL: 'https://ghe-api.acme.test/v3',
    };
    expect(locateForge('https://ghe.acme.test/acme/env.git', {}, github).apiUrl).toBe(
      'https://ghe-api.acme.test/v3',
    );
    expect(locateForge('https://other.acme.test/acme/env.git', { forge: 'github' }, github).apiUrl).toBe(
      'https://other.acme.test/api/v3',
    );
    expect(
      locateForge('https://ghe.acme.test/acme/env.git', {}, { GITHUB_SERVER_URL: 'https://ghe.acme.test' }),
    ).toMatchObject({ kind: 'github', apiUrl: 'https://ghe.acme.test/api/v3' });
    const gitlab = { CI_SERVER_URL: 'https://git.acme.test', CI_API_V4_URL: 'https://git-api.acme.test/v4' };
    expect(locateForge('https://git.acme.test/ops/env.git', {}, gitlab).apiUrl).toBe(
      'https://git-api.acme.test/v4',
    );
    expect(locateForge('https://other.acme.test/ops/env.git', { forge: 'gitlab' }, gitlab).apiUrl).toBe(
      'https://other.acme.test/api/v4',
    );
  });

  it('drops every trailing slash of --api-url', () => {
    expect(
      locateForge(
        'https://code.acme.test/ops/env.git',
        { forge: 'gitea', apiUrl: 'https://code.acme.test/api/v1//' },
        {},
      ).apiUrl,
    ).toBe('https://code.acme.test/api/v1');
  });

  it('strips the sub-path of an API that ends in /api, and only a sub-path the remote has', () => {
    expect(
      locateForge(
        'https://code.acme.test/git/ops/env.git',
        { forge: 'gitea', apiUrl: 'https://code.acme.test/git/api' },
        {},
      ).project,
    ).toBe('ops/env');
    expect(
      locateForge(
        'https://code.acme.test/ops/env.git',
        { forge: 'gitea', apiUrl: 'https://code.acme.test/git/api/v1' },
        {},
      ).project,
    ).toBe('ops/env');
  });

  it('trims slashes around the project and only a final .git', () => {
    expect(locateForge('https://github.com//acme/env.git', {}, {}).project).toBe('acme/env');
    expect(locateForge('https://github.com/acme/env//', {}, {}).project).toBe('acme/env');
    expect(locateForge('https://github.com/acme/site.github.io', {}, {}).project).toBe('acme/site.github.io');
  });

  it('says how to pass a repository URL without owner', () => {
    const error = usageError(() => locateForge('https://github.com/env.git', {}, {}));
    expect(error.message).toBe('--repo path /env.git does not name an owner and a repository');
    expect(error.hint).toBe(
      'Pass the repository URL as the forge shows it, e.g. https://github.com/acme/env.git.',
    );
  });
});

describe('defaultPullRequestBranch, environment names', () => {
  const api = images('ghcr.io/acme/api:1');
  it.each([
    [['overlays/staging/'], 'kpush/api-staging'],
    [['envs/eu/prod'], 'kpush/api-prod'],
    [['apps/prod/values.yml'], 'kpush/api-prod'],
    [['apps/prod/values.JSON'], 'kpush/api-prod'],
    [['envs/app.yaml.d'], 'kpush/api-app.yaml.d'],
    [['envs/Prod  EU'], 'kpush/api-prod-eu'],
    [['envs/eu..west.1'], 'kpush/api-eu.west.1'],
    [['envs/--prod--'], 'kpush/api-prod'],
    [['envs/.prod.'], 'kpush/api-prod'],
    [['envs/prod.lock'], 'kpush/api-prod'],
    [['envs/x.lockdown'], 'kpush/api-x.lockdown'],
    [['envs/---'], 'kpush/api-x'],
  ])('names %j', (paths, branch) => {
    expect(defaultPullRequestBranch(api, paths)).toBe(branch);
  });

  it('uses each image once', () => {
    expect(defaultPullRequestBranch(images('ghcr.io/acme/api:1', 'docker.io/acme/api:2'), [])).toBe(
      'kpush/api-main',
    );
  });
});

describe('checkPullRequestBranch, more names', () => {
  it.each(['@', '/x', 'x.', '.x', 'a/.b', 'a~1', 'a^', 'a*', 'a[b', 'a\\b', 'tab\there'])(
    'refuses %j',
    (name) => {
      expect(() => checkPullRequestBranch(name, 'main')).toThrow(UsageError);
    },
  );

  it.each(['release/v1.2', 'a@b', 'kpush/api+web-prod', 'a.b.c'])('accepts %j', (name) => {
    expect(checkPullRequestBranch(name, 'main')).toBe(name);
  });

  it('names the refused branch and says how to target the base branch itself', () => {
    expect(usageError(() => checkPullRequestBranch('a b', 'main')).message).toBe(
      '--pr-branch "a b" is not a valid branch name',
    );
    const base = usageError(() => checkPullRequestBranch('main', 'main'));
    expect(base.message).toBe('--pr-branch main is the branch the pull request targets');
    expect(base.hint).toBe(
      'Pull-request mode pushes to a branch of its own; drop --pull-request to push to the branch itself.',
    );
  });
});

describe('pullRequestText, edge cases', () => {
  const footer = (branch: string) =>
    `Opened by \`kpush bump-manifest --pull-request\`; later bumps of the same images and paths update this pull request (branch \`${branch}\`).`;

  it('has only the footer for a subject-only message, and trims the subject', () => {
    expect(pullRequestText('deploy: bump api to 2  \n\n', 'kpush/x')).toEqual({
      title: 'deploy: bump api to 2',
      body: `---\n${footer('kpush/x')}`,
    });
  });

  it('lists only lines that are Kpush-* trailers', () => {
    const text = pullRequestText(
      [
        'subject',
        '',
        'see Kpush-Actor: someone',
        'Kpush-X: y',
        'Kpush-CI-Run: https://ci.acme.test/1',
        'Kpush-Actor:',
        'Other-Trailer: z',
        'Kpush-1: z',
      ].join('\n'),
      'b',
    );
    expect(text.body).toBe(
      [
        'see Kpush-Actor: someone',
        '- Kpush-X: y',
        '- Kpush-CI-Run: https://ci.acme.test/1',
        'Kpush-Actor:',
        'Other-Trailer: z',
        'Kpush-1: z',
        '',
        '---',
        footer('b'),
      ].join('\n'),
    );
  });
});
