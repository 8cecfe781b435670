/** GitHub and GitHub Enterprise Server through @octokit/rest (REST; GraphQL for auto-merge). */
import { Octokit } from '@octokit/rest';
import type { PullRequestRef } from '../../core/bump/pull-request.js';
import { boundedFetch, type Forge, type ForgeConnection, forgeHttpError, kpushErrorIn } from './forge.js';

export function githubForge({ location, token, timeoutMs }: ForgeConnection): Forge {
  const octokit = new Octokit({
    auth: token,
    baseUrl: location.apiUrl,
    userAgent: 'kpush', // not the version: importing package.json here would split it out of the start-up chunk
    request: { fetch: boundedFetch(timeoutMs), retries: 0 },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const [owner = '', repo = ''] = location.project.split('/');
  const call = async <T>(action: string, request: () => Promise<{ data: T }>): Promise<T> => {
    try {
      return (await request()).data;
    } catch (error) {
      throw kpushErrorIn(error) ?? githubError(action, error);
    }
  };
  const ref = (pull: { number: number; html_url: string; node_id: string }): PullRequestRef => ({
    number: pull.number,
    url: pull.html_url,
    nodeId: pull.node_id,
  });

  return {
    async findOpen(head, base) {
      const pulls = await call('listing open pull requests', () =>
        octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${head}`, base, per_page: 10 }),
      );
      const [pull] = pulls;
      return pull ? ref(pull) : null;
    },
    async open(head, base, content) {
      return ref(
        await call('opening the pull request', () =>
          octokit.rest.pulls.create({ owner, repo, head, base, title: content.title, body: content.body }),
        ),
      );
    },
    async update(pull, content) {
      await call(`updating pull request #${pull.number}`, () =>
        octokit.rest.pulls.update({ owner, repo, pull_number: pull.number, ...content }),
      );
    },
    async addLabels(pull, labels) {
      await call(`labelling pull request #${pull.number}`, () =>
        octokit.rest.issues.addLabels({ owner, repo, issue_number: pull.number, labels: [...labels] }),
      );
    },
    async requestReviewers(pull, reviewers) {
      // `org/team` names a team, anything else a user.
      const teams = reviewers
        .filter((name) => name.includes('/'))
        .map((name) => name.split('/').at(-1) ?? name);
      const users = reviewers.filter((name) => !name.includes('/'));
      await call(`requesting reviewers on pull request #${pull.number}`, () =>
        octokit.rest.pulls.requestReviewers({
          owner,
          repo,
          pull_number: pull.number,
          reviewers: users,
          team_reviewers: teams,
        }),
      );
    },
    async enableAutoMerge(pull) {
      await call(`enabling auto-merge on pull request #${pull.number}`, async () => ({
        data: await octokit.graphql(
          'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }',
          { id: pull.nodeId },
        ),
      }));
    },
  };
}

function githubError(action: string, error: unknown) {
  const failure = error as { status?: number; message?: string; response?: { data?: unknown } };
  const data = failure.response?.data as { message?: string; errors?: { message?: string }[] } | undefined;
  const said = [data?.message ?? failure.message, ...(data?.errors ?? []).map((item) => item.message)]
    .filter(Boolean)
    .join('; ');
  return forgeHttpError(action, failure.status ?? 0, said);
}
