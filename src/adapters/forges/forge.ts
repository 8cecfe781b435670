/**
 * One small interface over GitHub, GitLab and Gitea for pull-request mode. Each adapter (and the
 * client library behind it) is imported only when a run asks for that forge, so nothing here
 * touches kpush's start-up.
 */
import type { ForgeLocation, PullRequestRef } from '../../core/bump/pull-request.js';
import { ForgeError, KpushError } from '../../errors.js';

export interface PullRequestContent {
  title: string;
  body: string;
}

export interface Forge {
  /** The open pull request from `head` into `base`, or null. */
  findOpen(head: string, base: string): Promise<PullRequestRef | null>;
  open(head: string, base: string, content: PullRequestContent): Promise<PullRequestRef>;
  update(pullRequest: PullRequestRef, content: PullRequestContent): Promise<void>;
  addLabels(pullRequest: PullRequestRef, labels: readonly string[]): Promise<void>;
  requestReviewers(pullRequest: PullRequestRef, reviewers: readonly string[]): Promise<void>;
  /** Merge once required checks pass (GitHub and GitLab: when enabled on the repository). */
  enableAutoMerge(pullRequest: PullRequestRef): Promise<void>;
}

export interface ForgeConnection {
  location: ForgeLocation;
  token: string;
  /** Which variable the token came from: GitLab takes CI_JOB_TOKEN in a header of its own. */
  tokenVariable: string;
  /** Bound on each API request. */
  timeoutMs: number;
}

export async function connectForge(connection: ForgeConnection): Promise<Forge> {
  switch (connection.location.kind) {
    case 'github':
      return (await import('./github.js')).githubForge(connection);
    case 'gitlab':
      return (await import('./gitlab.js')).gitlabForge(connection);
    case 'gitea':
      return (await import('./gitea.js')).giteaForge(connection);
  }
}

/** Default bound on one API request. */
export const FORGE_TIMEOUT_MS = 30_000;

/**
 * fetch for every forge request: bounded in time, and never following a redirect, which would
 * carry the token's header to whatever host the redirect names.
 */
export function boundedFetch(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await fetch(input, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: unknown) => {
      throw transportFailure(url, timeoutMs, error);
    });
    if (response.status >= 300 && response.status < 400) {
      throw new ForgeError(
        'E_FORGE_REDIRECT',
        `${new URL(url).origin} redirected (HTTP ${response.status}) to ${response.headers.get('location') ?? 'elsewhere'}; kpush does not follow redirects with a token`,
        { hint: 'Pass the final API URL with --api-url.' },
      );
    }
    return response;
  };
}

function transportFailure(url: string, timeoutMs: number, error: unknown): ForgeError {
  const origin = new URL(url).origin;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ForgeError('E_FORGE_TIMEOUT', `${origin} did not answer within ${timeoutMs / 1000} s`, {
      hint: 'Check the forge and your network, then rerun the job.',
      cause: error,
    });
  }
  const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : '';
  return new ForgeError('E_FORGE_UNREACHABLE', `cannot reach ${origin} (${reason})`, {
    hint: 'Check --api-url (or the forge detected from --repo) and your network access.',
    cause: error,
  });
}

/** What a forge answered with an HTTP error status, as a KpushError that says what to do. */
export function forgeHttpError(action: string, status: number, said: string): ForgeError {
  const what = `${action}: HTTP ${status}${said ? ` (${said})` : ''}`;
  if (status === 401 || status === 403) {
    return new ForgeError('E_FORGE_AUTH', what, {
      hint: 'The token needs permission to push branches and open pull requests (GitHub: contents and pull-requests: write; GitLab: api scope; Gitea: write:repository).',
    });
  }
  if (status === 404) {
    return new ForgeError('E_FORGE_NOT_FOUND', what, {
      hint: 'Check --repo and --api-url, and that the token can see the repository.',
    });
  }
  return new ForgeError('E_FORGE_REQUEST', what, { hint: 'The forge refused the request; see its message.' });
}

/** Client libraries wrap what boundedFetch throws: hand kpush's own error on unchanged. */
export function kpushErrorIn(error: unknown): KpushError | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (cause instanceof KpushError) return cause;
    cause = cause.cause;
  }
  return null;
}
