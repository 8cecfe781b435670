/**
 * What the CI system says about the build, read from its environment variables (and, for GitHub
 * pull requests, the event payload). Pure: the adapter reads the payload file.
 */
export interface CiContext {
  provider: 'github' | 'gitlab' | null;
  /** The commit CI checked out (GitHub's merge commit on PRs); CI facts apply only to that checkout. */
  checkedOutSha: string | null;
  /** The commit being built (a PR's head, not GitHub's synthetic merge commit). */
  sha: string | null;
  branch: string | null;
  /** The git tag being built, for tag pipelines. */
  gitTag: string | null;
  runNumber: string | null;
  runUrl: string | null;
  actor: string | null;
  /** e.g. `acme/api`. */
  sourceRepository: string | null;
  /** e.g. `https://github.com/acme/api`. */
  sourceUrl: string | null;
  /** The identity to commit as when nothing else is configured. */
  author: { name: string; email: string } | null;
}

export interface GithubEvent {
  pull_request?: { head?: { sha?: string; ref?: string } };
}

const NONE: CiContext = {
  provider: null,
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
};

export function detectCi(env: NodeJS.ProcessEnv, githubEvent: GithubEvent | null = null): CiContext {
  if (env.GITHUB_ACTIONS === 'true') return fromGithub(env, githubEvent);
  if (env.GITLAB_CI === 'true') return fromGitlab(env);
  return NONE;
}

function fromGithub(env: NodeJS.ProcessEnv, event: GithubEvent | null): CiContext {
  // Only `pull_request` checks out the PR: `pull_request_target` runs on the base branch's tip,
  // which GITHUB_SHA and GITHUB_REF_NAME already describe.
  const isPullRequest = env.GITHUB_EVENT_NAME === 'pull_request';
  const isTag = env.GITHUB_REF_TYPE === 'tag' || (env.GITHUB_REF ?? '').startsWith('refs/tags/');
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_REPOSITORY || null;
  const actor = env.GITHUB_ACTOR || null;
  return {
    provider: 'github',
    checkedOutSha: env.GITHUB_SHA || null,
    sha: (isPullRequest ? event?.pull_request?.head?.sha : undefined) || env.GITHUB_SHA || null,
    branch: isPullRequest
      ? env.GITHUB_HEAD_REF || event?.pull_request?.head?.ref || null
      : isTag
        ? null
        : env.GITHUB_REF_NAME || null,
    gitTag: isTag ? env.GITHUB_REF_NAME || null : null,
    runNumber: env.GITHUB_RUN_NUMBER || null,
    runUrl:
      repository && env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : null,
    actor,
    sourceRepository: repository,
    sourceUrl: repository ? `${server}/${repository}` : null,
    author: actor
      ? {
          name: actor,
          email: env.GITHUB_ACTOR_ID
            ? `${env.GITHUB_ACTOR_ID}+${actor}@users.noreply.github.com`
            : `${actor}@users.noreply.github.com`,
        }
      : null,
  };
}

function fromGitlab(env: NodeJS.ProcessEnv): CiContext {
  const gitTag = env.CI_COMMIT_TAG || null;
  const name = env.GITLAB_USER_NAME || env.GITLAB_USER_LOGIN || null;
  return {
    provider: 'gitlab',
    checkedOutSha: env.CI_COMMIT_SHA || null,
    sha: env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || env.CI_COMMIT_SHA || null,
    branch: gitTag
      ? null
      : env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || env.CI_COMMIT_BRANCH || env.CI_COMMIT_REF_NAME || null,
    gitTag,
    runNumber: env.CI_PIPELINE_IID || null,
    runUrl: env.CI_JOB_URL || env.CI_PIPELINE_URL || null,
    actor: env.GITLAB_USER_LOGIN || null,
    sourceRepository: env.CI_PROJECT_PATH || null,
    sourceUrl: env.CI_PROJECT_URL || null,
    author: name && env.GITLAB_USER_EMAIL ? { name, email: env.GITLAB_USER_EMAIL } : null,
  };
}
