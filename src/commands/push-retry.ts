import { setTimeout as sleep } from 'node:timers/promises';
import type { Git } from '../adapters/git.js';
import { backoffDelay, mayRetry, type RetryPolicy } from '../core/bump/retry.js';
import { GitError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';

/**
 * bump-manifest's concurrency rules for any commit kpush pushes to an env repo: push; when the
 * push is rejected because another pipeline moved the branch, fetch the new tip, re-create the
 * commit on it (`prepare`) and retry after a short jittered backoff, within the same policy
 * (--max-attempts, --retry-timeout). Never force.
 */
export async function pushWithRetry(options: {
  git: Git;
  branch: string;
  credentialsEnv: NodeJS.ProcessEnv;
  retry: RetryPolicy;
  reporter: Reporter;
  random?: () => number;
  /** Makes the commit on the current HEAD; null when there is nothing to commit any more. */
  prepare: (attempt: number) => Promise<string | null>;
  /** Brings the clone to the remote tip of the branch after a rejection. */
  refetch: () => Promise<void>;
}): Promise<{ commit: string | null; attempts: number }> {
  const { git, branch, reporter } = options;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    const commit = await options.prepare(attempt);
    if (commit === null) return { commit: null, attempts: attempt };
    const outcome = await reporter.task(`pushing to ${branch}`, () =>
      git.push(branch, options.credentialsEnv),
    );
    if (outcome.kind === 'pushed') return { commit, attempts: attempt };
    const elapsed = performance.now() - started;
    if (!mayRetry(options.retry, attempt, elapsed)) {
      throw new GitError(
        'E_PUSH_RETRIES_EXHAUSTED',
        `push to ${branch} was rejected ${attempt} times (${outcome.reason}); gave up after ${(elapsed / 1000).toFixed(1)}s`,
        {
          hint: 'Many pipelines are pushing at once: raise --max-attempts / --retry-timeout, or rerun the job. Nothing was force-pushed.',
        },
      );
    }
    const delay = backoffDelay(options.retry, attempt, (options.random ?? Math.random)());
    reporter.info(
      `${branch} moved on the remote (${outcome.reason}): re-applying on the new tip in ${delay} ms (attempt ${attempt + 1})`,
    );
    await sleep(delay);
    await options.refetch();
  }
}
