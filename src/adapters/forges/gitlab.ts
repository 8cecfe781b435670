/** GitLab (gitlab.com and self-managed) merge requests through @gitbeaker/rest. */
import { createRequesterFn, type RequestOptions } from '@gitbeaker/requester-utils';
import { Gitlab } from '@gitbeaker/rest';
import type { PullRequestRef } from '../../core/bump/pull-request.js';
import { boundedFetch, type Forge, type ForgeConnection, forgeHttpError, kpushErrorIn } from './forge.js';

export function gitlabForge({ location, token, tokenVariable, timeoutMs }: ForgeConnection): Forge {
  // gitbeaker appends /api/v4 to the host itself.
  const host = location.apiUrl.replace(/\/api\/v4$/, '');
  const credential = tokenVariable === 'CI_JOB_TOKEN' ? { jobToken: token } : { token };
  const api = new Gitlab({ host, ...credential, requesterFn: boundedRequester(timeoutMs) });
  const project = location.project;
  const call = async <T>(action: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw kpushErrorIn(error) ?? gitlabError(action, error);
    }
  };
  const ref = (mr: { iid: number; web_url: string }): PullRequestRef => ({ number: mr.iid, url: mr.web_url });
  const userIds = (names: readonly string[]) =>
    Promise.all(
      names.map(async (username) => {
        const [user] = await call(`looking up reviewer ${username}`, () => api.Users.all({ username }));
        if (!user) throw forgeHttpError(`looking up reviewer ${username}`, 404, 'no such user');
        return user.id;
      }),
    );

  return {
    async findOpen(head, base) {
      const open = await call('listing open merge requests', () =>
        api.MergeRequests.all({
          projectId: project,
          state: 'opened',
          sourceBranch: head,
          targetBranch: base,
        }),
      );
      const [mr] = open;
      return mr ? ref(mr) : null;
    },
    async open(head, base, content) {
      return ref(
        await call('opening the merge request', () =>
          api.MergeRequests.create(project, head, base, content.title, {
            description: content.body,
            removeSourceBranch: true,
          }),
        ),
      );
    },
    async update(mr, content) {
      await call(`updating merge request !${mr.number}`, () =>
        api.MergeRequests.edit(project, mr.number, { title: content.title, description: content.body }),
      );
    },
    async addLabels(mr, labels) {
      await call(`labelling merge request !${mr.number}`, () =>
        api.MergeRequests.edit(project, mr.number, { addLabels: labels.join(',') }),
      );
    },
    async requestReviewers(mr, reviewers) {
      const reviewerIds = await userIds(reviewers);
      await call(`requesting reviewers on merge request !${mr.number}`, () =>
        api.MergeRequests.edit(project, mr.number, { reviewerIds }),
      );
    },
    async enableAutoMerge(mr) {
      await call(`setting merge request !${mr.number} to merge when the pipeline succeeds`, () =>
        api.MergeRequests.merge(project, mr.number, { autoMerge: true }),
      );
    },
  };
}

/**
 * gitbeaker's own requester follows redirects (its PRIVATE-TOKEN and JOB-TOKEN headers would go
 * along) and retries 502s: this one sends each request once, bounded, and parses JSON.
 */
function boundedRequester(timeoutMs: number) {
  const send = boundedFetch(timeoutMs);
  return createRequesterFn(
    async (_, options) => options,
    async (endpoint, options = {}) => {
      const { prefixUrl, searchParams, method, headers, body } = options as RequestOptions;
      const url = new URL(endpoint, prefixUrl?.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
      url.search = searchParams ?? '';
      const response = await send(url, {
        method: method ?? 'GET',
        headers: headers ?? {},
        body: body ?? null,
      });
      const text = await response.text();
      const parsed = parseJson(text);
      if (!response.ok) {
        const said = parsed?.message ?? parsed?.error ?? text.slice(0, 300);
        throw forgeHttpError(
          `${method} ${url.pathname}`,
          response.status,
          typeof said === 'string' ? said : JSON.stringify(said),
        );
      }
      const responseHeaders = Object.fromEntries(response.headers.entries());
      return {
        body: (parsed ?? {}) as Record<string, unknown>,
        headers: responseHeaders,
        status: response.status,
      };
    },
  );
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function gitlabError(action: string, error: unknown) {
  const failure = error as { message?: string; cause?: { response?: { status?: number } } };
  return forgeHttpError(action, failure.cause?.response?.status ?? 0, failure.message ?? '');
}
