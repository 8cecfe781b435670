/** Gitea and Forgejo through their REST API (/api/v1) with fetch: no client library needed. */
import type { PullRequestRef } from '../../core/bump/pull-request.js';
import { boundedFetch, type Forge, type ForgeConnection, forgeHttpError } from './forge.js';

interface GiteaPull {
  number: number;
  html_url: string;
  head: { ref: string; repo: { full_name: string } | null };
  base: { ref: string };
}

/** Bound on pages of open pull requests searched for kpush's own (50 each). */
const MAX_PAGES = 20;

export function giteaForge({ location, token, timeoutMs }: ForgeConnection): Forge {
  const send = boundedFetch(timeoutMs);
  const repoPath = `/repos/${location.project.split('/').map(encodeURIComponent).join('/')}`;
  const request = async <T>(action: string, method: string, path: string, body?: unknown): Promise<T> => {
    const response = await send(`${location.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      const said = (parseJson(text) as { message?: string } | null)?.message ?? text.slice(0, 300);
      throw forgeHttpError(action, response.status, said.trim());
    }
    return (parseJson(text) ?? {}) as T;
  };
  const ref = (pull: GiteaPull): PullRequestRef => ({ number: pull.number, url: pull.html_url });

  return {
    async findOpen(head, base) {
      // Not `base_branch=`: Gitea answers 404 until its branch table has caught up with a push.
      const query = 'state=open&limit=50';
      for (let page = 1; page <= MAX_PAGES; page++) {
        const pulls = await request<GiteaPull[]>(
          'listing open pull requests',
          'GET',
          `${repoPath}/pulls?${query}&page=${page}`,
        );
        const own = pulls.find(
          (pull) =>
            pull.head.ref === head &&
            pull.base.ref === base &&
            pull.head.repo?.full_name === location.project,
        );
        if (own) return ref(own);
        if (pulls.length < 50) return null;
      }
      return null;
    },
    async open(head, base, content) {
      return ref(
        await request<GiteaPull>('opening the pull request', 'POST', `${repoPath}/pulls`, {
          head,
          base,
          ...content,
        }),
      );
    },
    async update(pull, content) {
      await request(
        `updating pull request #${pull.number}`,
        'PATCH',
        `${repoPath}/pulls/${pull.number}`,
        content,
      );
    },
    async addLabels(pull, labels) {
      // Labels are per repository on Gitea: create the missing ones, as GitHub does on its own.
      const existing = await request<{ name: string }[]>(
        'listing labels',
        'GET',
        `${repoPath}/labels?limit=50`,
      );
      for (const name of labels.filter((label) => !existing.some((item) => item.name === label))) {
        await request(`creating label ${name}`, 'POST', `${repoPath}/labels`, { name, color: '#ededed' });
      }
      await request(
        `labelling pull request #${pull.number}`,
        'POST',
        `${repoPath}/issues/${pull.number}/labels`,
        {
          labels,
        },
      );
    },
    async requestReviewers(pull, reviewers) {
      const teams = reviewers
        .filter((name) => name.includes('/'))
        .map((name) => name.split('/').at(-1) ?? name);
      await request(
        `requesting reviewers on pull request #${pull.number}`,
        'POST',
        `${repoPath}/pulls/${pull.number}/requested_reviewers`,
        { reviewers: reviewers.filter((name) => !name.includes('/')), team_reviewers: teams },
      );
    },
    async enableAutoMerge(pull) {
      await request(
        `scheduling auto-merge of pull request #${pull.number}`,
        'POST',
        `${repoPath}/pulls/${pull.number}/merge`,
        {
          Do: 'merge',
          merge_when_checks_succeed: true,
        },
      );
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
