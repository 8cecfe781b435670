import { describe, expect, it } from 'vitest';
import { detectCi } from '../../src/core/ci-env.js';

const BASE = 'b'.repeat(40);
const HEAD = 'h'.repeat(40);
const event = { pull_request: { head: { sha: HEAD, ref: 'feature/x' } } };

describe('GitHub Actions facts', () => {
  const github = {
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: BASE,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ID: '9001',
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_ACTOR: 'octocat',
  };

  it('describe a push build', () => {
    expect(detectCi(github)).toEqual({
      provider: 'github',
      checkedOutSha: BASE,
      sha: BASE,
      branch: 'main',
      gitTag: null,
      runNumber: '42',
      runUrl: 'https://github.com/acme/api/actions/runs/9001',
      actor: 'octocat',
      sourceRepository: 'acme/api',
      sourceUrl: 'https://github.com/acme/api',
      author: { name: 'octocat', email: 'octocat@users.noreply.github.com' },
    });
  });

  it('on a GitHub Enterprise server, link there', () => {
    const ci = detectCi({ ...github, GITHUB_SERVER_URL: 'https://ghe.acme.dev' });
    expect(ci.runUrl).toBe('https://ghe.acme.dev/acme/api/actions/runs/9001');
    expect(ci.sourceUrl).toBe('https://ghe.acme.dev/acme/api');
  });

  it('name a tag build by its tag, not as a branch', () => {
    for (const env of [
      { ...github, GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1.2.0' },
      { ...github, GITHUB_REF: 'refs/tags/v1.2.0', GITHUB_REF_NAME: 'v1.2.0' },
    ]) {
      expect(detectCi(env)).toMatchObject({ branch: null, gitTag: 'v1.2.0', sha: BASE });
    }
  });

  it('take the head of a pull_request from its payload, the branch from GITHUB_HEAD_REF', () => {
    const ci = detectCi(
      {
        ...github,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF_NAME: '7/merge',
        GITHUB_HEAD_REF: 'feature/y',
      },
      event,
    );
    expect(ci).toMatchObject({ checkedOutSha: BASE, sha: HEAD, branch: 'feature/y' });
    const withoutHeadRef = detectCi(
      { ...github, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF_NAME: '7/merge' },
      event,
    );
    expect(withoutHeadRef.branch).toBe('feature/x');
    expect(detectCi({ ...github, GITHUB_EVENT_NAME: 'pull_request' }, null).sha).toBe(BASE);
  });

  it('keep the base commit and branch on pull_request_target, whatever the payload says', () => {
    const ci = detectCi(
      { ...github, GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_HEAD_REF: 'feature/x' },
      event,
    );
    expect(ci).toMatchObject({ checkedOutSha: BASE, sha: BASE, branch: 'main', gitTag: null });
  });

  it('leave out what is not set, rather than invent it', () => {
    expect(detectCi({ GITHUB_ACTIONS: 'true' })).toEqual({
      provider: 'github',
      checkedOutSha: null,
      sha: null,
      branch: null,
      gitTag: null,
      runNumber: null,
      runUrl: null,
      actor: null,
      sourceRepository: null,
      sourceUrl: null,
      author: null,
    });
    expect(detectCi({ ...github, GITHUB_RUN_ID: '' }).runUrl).toBeNull();
  });

  it('commit as the actor by their noreply address, with the id GitHub links it by', () => {
    expect(detectCi({ ...github, GITHUB_ACTOR_ID: '583231' }).author).toEqual({
      name: 'octocat',
      email: '583231+octocat@users.noreply.github.com',
    });
  });
});

describe('GitLab CI facts', () => {
  const gitlab = {
    GITLAB_CI: 'true',
    CI_COMMIT_SHA: BASE,
    CI_COMMIT_BRANCH: 'main',
    CI_COMMIT_REF_NAME: 'main',
    CI_PIPELINE_IID: '17',
    CI_JOB_URL: 'https://gitlab.acme.dev/acme/api/-/jobs/5',
    CI_PIPELINE_URL: 'https://gitlab.acme.dev/acme/api/-/pipelines/3',
    GITLAB_USER_LOGIN: 'jdoe',
    GITLAB_USER_NAME: 'Jane Doe',
    GITLAB_USER_EMAIL: 'jane@acme.dev',
    CI_PROJECT_PATH: 'acme/api',
    CI_PROJECT_URL: 'https://gitlab.acme.dev/acme/api',
  };

  it('describe a branch pipeline', () => {
    expect(detectCi(gitlab)).toEqual({
      provider: 'gitlab',
      checkedOutSha: BASE,
      sha: BASE,
      branch: 'main',
      gitTag: null,
      runNumber: '17',
      runUrl: 'https://gitlab.acme.dev/acme/api/-/jobs/5',
      actor: 'jdoe',
      sourceRepository: 'acme/api',
      sourceUrl: 'https://gitlab.acme.dev/acme/api',
      author: { name: 'Jane Doe', email: 'jane@acme.dev' },
    });
  });

  it('describe a merge request pipeline by its source branch and commit', () => {
    const ci = detectCi({
      ...gitlab,
      CI_COMMIT_BRANCH: '',
      CI_COMMIT_REF_NAME: 'refs/merge-requests/4/head',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/x',
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD,
    });
    expect(ci).toMatchObject({ checkedOutSha: BASE, sha: HEAD, branch: 'feature/x' });
  });

  it('name a tag pipeline by its tag', () => {
    const ci = detectCi({
      ...gitlab,
      CI_COMMIT_BRANCH: '',
      CI_COMMIT_REF_NAME: 'v2.0.0',
      CI_COMMIT_TAG: 'v2.0.0',
    });
    expect(ci).toMatchObject({ branch: null, gitTag: 'v2.0.0' });
  });

  it('fall back to the ref name, the pipeline URL and the login when that is all there is', () => {
    const ci = detectCi({
      ...gitlab,
      CI_COMMIT_BRANCH: '',
      CI_JOB_URL: '',
      GITLAB_USER_NAME: '',
    });
    expect(ci).toMatchObject({
      branch: 'main',
      runUrl: 'https://gitlab.acme.dev/acme/api/-/pipelines/3',
      author: { name: 'jdoe', email: 'jane@acme.dev' },
    });
    expect(detectCi({ ...gitlab, GITLAB_USER_EMAIL: '' }).author).toBeNull();
  });
});

describe('outside CI', () => {
  it('knows nothing, even with a stray GitHub payload', () => {
    expect(detectCi({ GITHUB_SHA: BASE, CI_COMMIT_SHA: BASE }, event)).toMatchObject({
      provider: null,
      sha: null,
      branch: null,
      author: null,
    });
  });
});
